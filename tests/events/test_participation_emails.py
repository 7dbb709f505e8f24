"""Applicants hear of the organisers' decision by email, in their language,
once per decision."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.models import Participation
from events.services import events as services
from events.services.meetings import meeting_move
from events.services.notifications import participation_decision_notify
from tests.factories import BuyerFactory, ExporterFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(fair) -> Participation:
    """A buyer from Almaty whose two members read Russian and English."""
    buyer = BuyerFactory(name="Almaty Motors", languages=["ru"])
    MembershipFactory(organisation=buyer, user=UserFactory(email="director@almaty.kz", language="ru"))
    MembershipFactory(organisation=buyer, user=UserFactory(email="logistics@almaty.kz", language="en"))
    MembershipFactory(organisation=buyer, user=UserFactory(email="gone@almaty.kz", is_active=False))
    return services.participation_apply(event=fair, organisation=buyer)


@pytest.fixture
def decide(organiser, django_capture_on_commit_callbacks):
    def _decide(participation: Participation, approve: bool, reason: str = "") -> Participation:
        with django_capture_on_commit_callbacks(execute=True):
            return services.participation_decide(
                participation=participation, approve=approve, reason=reason, by=organiser
            )

    return _decide


def test_an_approval_is_emailed_to_each_member_in_their_language(fair, applicant, decide, mailoutbox):
    decide(applicant, approve=True)

    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"director@almaty.kz", "logistics@almaty.kz"}
    english = by_address["logistics@almaty.kz"]
    assert english.subject == f"Your company takes part in {fair.name}"
    assert "have approved Almaty Motors's participation" in english.body
    assert "Dec 15, 2026" in english.body
    assert f"http://testserver{reverse('event_detail', args=[fair.slug])}" in english.body
    # Written in Russian for the director: dates too (the catalogue has the words).
    assert "15 дек. 2026" in by_address["director@almaty.kz"].body


def test_a_rejection_is_emailed_with_its_reason(applicant, decide, mailoutbox):
    decide(applicant, approve=False, reason="No import licence for Kazakhstan yet")

    assert len(mailoutbox) == 2
    english = next(m for m in mailoutbox if m.to == ["logistics@almaty.kz"])
    assert "have not accepted Almaty Motors's application" in english.body
    assert "No import licence for Kazakhstan yet" in english.body


def test_each_decision_is_emailed_once(applicant, decide, mailoutbox):
    decide(applicant, approve=True)
    # A double click, or the same decision again later.
    decide(applicant, approve=True)
    assert len(mailoutbox) == 2
    # A repeated task finds the decision told.
    assert participation_decision_notify(participation_id=applicant.pk) == 0
    assert len(mailoutbox) == 2

    decide(applicant, approve=False, reason="Licence withdrawn")
    decide(applicant, approve=False, reason="Licence withdrawn by the ministry")
    assert len(mailoutbox) == 4
    applicant.refresh_from_db()
    assert applicant.decision_reason == "Licence withdrawn by the ministry"


def test_a_refused_decision_sends_nothing(fair, applicant, decide, meeting_between, mailoutbox):
    decide(applicant, approve=True)
    meeting = meeting_between(fair, ExporterFactory(), applicant.organisation)
    meeting_move(meeting=meeting, slot=fair.slots.first(), table=fair.tables.first())
    mailoutbox.clear()

    with pytest.raises(ValidationError, match="meetings booked"):
        decide(applicant, approve=False, reason="Late")

    assert mailoutbox == []
