"""Meeting outcomes: after a meeting each side records its own account (deal
signed, follow-up agreed, no interest) with a note; organisers read both."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Meeting, Slot
from events.selectors import meeting_outcome_counts
from events.services import meetings as services
from tests.events.conftest import make_fair
from tests.factories import BuyerFactory, ExporterFactory, MembershipFactory, OrganiserFactory

pytestmark = pytest.mark.django_db


def _start_slot(meeting: Meeting, minutes_ago: int = 5) -> None:
    """Move the meeting's slot so it began `minutes_ago` minutes ago."""
    starts = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Slot.objects.filter(pk=meeting.slot_id).update(starts_at=starts, ends_at=starts + datetime.timedelta(30))


@pytest.fixture
def booked(fair, meeting_between, exporter_admin, buyer_admin) -> Meeting:
    """A meeting between exporter_admin's and buyer_admin's companies, in slot 1 at T1."""
    meeting = meeting_between(
        fair, exporter_admin.membership.organisation, buyer_admin.membership.organisation
    )
    return services.meeting_move(
        meeting=meeting, slot=fair.slots.get(number=1), table=fair.tables.get(name="T1")
    )


@pytest.fixture
def started(booked) -> Meeting:
    _start_slot(booked)
    booked.refresh_from_db()
    return booked


# The service ---------------------------------------------------------------------


def test_each_side_records_only_its_own_outcome(started):
    services.meeting_record_outcome(
        meeting=started, organisation=started.exporter, outcome="follow_up", note="  Samples in March  "
    )
    services.meeting_record_outcome(meeting=started, organisation=started.buyer, outcome="deal_signed")
    started.refresh_from_db()
    assert (started.exporter_outcome, started.exporter_outcome_note) == ("follow_up", "Samples in March")
    assert (started.buyer_outcome, started.buyer_outcome_note) == ("deal_signed", "")


def test_an_outcome_on_a_booked_meeting_whose_slot_began_marks_it_held(started):
    assert started.state == Meeting.State.SCHEDULED
    meeting = services.meeting_record_outcome(
        meeting=started, organisation=started.buyer, outcome="no_interest"
    )
    assert meeting.state == Meeting.State.HELD
    started.refresh_from_db()
    assert started.state == Meeting.State.HELD


def test_a_confirmed_meeting_that_began_takes_an_outcome(started):
    services.meeting_confirm(meeting=started, organisation=started.exporter)
    services.meeting_confirm(meeting=started, organisation=started.buyer)
    meeting = services.meeting_record_outcome(
        meeting=started, organisation=started.exporter, outcome="follow_up"
    )
    assert (meeting.state, meeting.exporter_outcome) == (Meeting.State.HELD, "follow_up")


def test_a_meeting_marked_held_takes_an_outcome_whenever(booked):
    services.meeting_record_attendance(meeting=booked, held=True, now=booked.slot.starts_at)
    meeting = services.meeting_record_outcome(meeting=booked, organisation=booked.buyer, outcome="follow_up")
    assert meeting.buyer_outcome == "follow_up"


def test_a_side_may_change_its_outcome_later(started):
    services.meeting_record_outcome(
        meeting=started, organisation=started.buyer, outcome="follow_up", note="Call"
    )
    services.meeting_record_outcome(
        meeting=started, organisation=started.buyer, outcome="deal_signed", note=""
    )
    started.refresh_from_db()
    assert (started.buyer_outcome, started.buyer_outcome_note) == ("deal_signed", "")
    assert started.exporter_outcome == ""


def test_an_outcome_before_the_slot_starts_is_refused(booked):
    with pytest.raises(ValidationError, match="has not started yet"):
        services.meeting_record_outcome(meeting=booked, organisation=booked.exporter, outcome="deal_signed")
    booked.refresh_from_db()
    assert (booked.state, booked.exporter_outcome) == (Meeting.State.SCHEDULED, "")


@pytest.mark.parametrize(
    ("state", "label"),
    [
        (Meeting.State.REQUESTED, "Requested"),
        (Meeting.State.DECLINED, "Declined"),
        (Meeting.State.CANCELLED, "Cancelled"),
        (Meeting.State.NO_SHOW, "No-show"),
    ],
)
def test_a_meeting_that_did_not_take_place_takes_no_outcome(started, state, label):
    Meeting.objects.filter(pk=started.pk).update(state=state)
    with pytest.raises(
        ValidationError,
        match=re.escape(f"Only a meeting that took place can have an outcome; this one is: {label}."),
    ):
        services.meeting_record_outcome(meeting=started, organisation=started.buyer, outcome="follow_up")
    started.refresh_from_db()
    assert (started.state, started.buyer_outcome) == (state, "")


@pytest.mark.parametrize("kind", ["exporter", "buyer", "organiser"])
def test_a_company_that_is_not_a_side_cannot_record_an_outcome(started, kind):
    stranger = {"exporter": ExporterFactory, "buyer": BuyerFactory, "organiser": OrganiserFactory}[kind]()
    with pytest.raises(ValidationError, match=re.escape("This meeting is not one of yours.")):
        services.meeting_record_outcome(meeting=started, organisation=stranger, outcome="deal_signed")
    started.refresh_from_db()
    assert (started.state, started.exporter_outcome, started.buyer_outcome) == (
        Meeting.State.SCHEDULED,
        "",
        "",
    )


def test_an_unknown_outcome_is_refused(started):
    with pytest.raises(ValidationError, match=re.escape("Choose how the meeting went.")):
        services.meeting_record_outcome(meeting=started, organisation=started.buyer, outcome="maybe")


def test_outcome_counts_per_side_in_one_query(fair, meeting_between, django_assert_num_queries):
    outcomes = [("deal_signed", "deal_signed"), ("follow_up", "deal_signed"), ("", "no_interest"), ("", "")]
    for exporter_outcome, buyer_outcome in outcomes:
        meeting_between(
            fair,
            ExporterFactory(),
            BuyerFactory(),
            exporter_outcome=exporter_outcome,
            buyer_outcome=buyer_outcome,
        )
    with django_assert_num_queries(1):
        counts = meeting_outcome_counts(fair)
    assert counts == {
        "exporter": {"deal_signed": 1, "follow_up": 1, "no_interest": 0},
        "buyer": {"deal_signed": 2, "follow_up": 0, "no_interest": 1},
    }


# The pages -----------------------------------------------------------------------


def _outcome_url(meeting: Meeting) -> str:
    return reverse("event_meeting_outcome", args=[meeting.event.slug, meeting.pk])


def test_the_agenda_offers_the_outcome_form_once_the_meeting_began(login, booked, exporter_admin):
    client = login(exporter_admin)
    agenda = reverse("event_agenda", args=[booked.event.slug])
    assert _outcome_url(booked) not in client.get(agenda).text
    _start_slot(booked)
    response = client.get(agenda)
    assert _outcome_url(booked) in response.text
    assert "Record the outcome" in response.text
    assert "Follow-up agreed" in response.text


def test_a_side_records_its_outcome_from_the_agenda(login, started, buyer_admin):
    response = login(buyer_admin).post(
        _outcome_url(started), {"outcome": "deal_signed", "note": "20 units CIF Almaty"}, follow=True
    )
    started.refresh_from_db()
    assert (started.state, started.buyer_outcome, started.buyer_outcome_note) == (
        Meeting.State.HELD,
        "deal_signed",
        "20 units CIF Almaty",
    )
    assert started.exporter_outcome == ""
    assert response.redirect_chain[-1][0].startswith(reverse("event_agenda", args=[started.event.slug]))
    assert "The outcome of the meeting is recorded." in [str(m) for m in response.context["messages"]]
    assert "Change your outcome" in response.text
    assert "20 units CIF Almaty" in response.text


def test_the_agenda_shows_what_the_other_side_recorded(login, started, exporter_admin):
    services.meeting_record_outcome(
        meeting=started, organisation=started.buyer, outcome="deal_signed", note="LC at sight"
    )
    response = login(exporter_admin).get(reverse("event_agenda", args=[started.event.slug]))
    # The name keeps its own direction inside the sentence (Unicode isolates).
    assert f"\u2068{started.buyer.name}\u2069's outcome" in response.text
    assert "Deal signed" in response.text
    assert "LC at sight" in response.text


def test_a_refused_outcome_comes_back_as_a_message(login, booked, exporter_admin):
    response = login(exporter_admin).post(_outcome_url(booked), {"outcome": "deal_signed"}, follow=True)
    assert any("has not started yet" in str(m) for m in response.context["messages"])
    booked.refresh_from_db()
    assert booked.exporter_outcome == ""


def test_a_bad_outcome_is_refused_on_the_agenda(login, started, exporter_admin):
    response = login(exporter_admin).post(_outcome_url(started), {"outcome": "great"}, follow=True)
    assert any("Select a valid choice" in str(m) for m in response.context["messages"])
    started.refresh_from_db()
    assert started.exporter_outcome == ""


@pytest.mark.parametrize("who", ["other_exporter", "organiser", "other_participant"])
def test_only_the_sides_may_record_an_outcome(login, started, organiser, other_exporter_admin, join, who):
    if who == "organiser":
        user = organiser
    elif who == "other_participant":
        join(started.event, other_exporter_admin.membership.organisation)
        user = other_exporter_admin
    else:
        user = MembershipFactory(organisation=ExporterFactory()).user
    response = login(user).post(_outcome_url(started), {"outcome": "deal_signed"})
    assert response.status_code == 404
    started.refresh_from_db()
    assert (started.state, started.exporter_outcome, started.buyer_outcome) == (
        Meeting.State.SCHEDULED,
        "",
        "",
    )


def test_a_meeting_of_another_event_is_404_through_this_events_address(login, started, meeting_between):

    other = meeting_between(make_fair(slug="almaty-2027"), started.exporter, BuyerFactory())
    user = MembershipFactory(organisation=started.exporter).user
    url = reverse("event_meeting_outcome", args=[started.event.slug, other.pk])
    assert login(user).post(url, {"outcome": "deal_signed"}).status_code == 404


def test_recording_an_outcome_is_post_only(login, started, exporter_admin):
    assert login(exporter_admin).get(_outcome_url(started)).status_code == 405


def test_the_organisers_see_both_outcomes(login, organiser, started):
    services.meeting_record_outcome(
        meeting=started, organisation=started.exporter, outcome="follow_up", note="Send the price list"
    )
    services.meeting_record_outcome(meeting=started, organisation=started.buyer, outcome="no_interest")
    client = login(organiser)
    listing = client.get(reverse("event_meetings", args=[started.event.slug]))
    assert "Exporter: Follow-up agreed" in listing.text
    assert "Buyer: No interest" in listing.text
    page = client.get(reverse("event_meeting", args=[started.event.slug, started.pk]))
    assert "Follow-up agreed" in page.text
    assert "Send the price list" in page.text
    assert "No interest" in page.text
