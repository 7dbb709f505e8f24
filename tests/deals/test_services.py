"""Deals from record to confirmation: who may do what, what confirming does to
the lots, and the history both sides see."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals.models import Deal, DealChange
from deals.services import deal_amend, deal_cancel, deal_confirm, deal_dispute, deal_record
from events.models import Meeting, Participation
from matchmaking.models import Lot
from tests.deals.conftest import terms
from tests.factories import BuyerFactory, ExporterFactory, LotFactory, MeetingFactory, OrganiserFactory

pytestmark = pytest.mark.django_db


def test_a_recorded_deal_waits_for_the_other_side_and_takes_nothing_yet(record, lot, buyer):
    deal = record((lot, 4, "15000"))

    assert deal.state == Deal.State.RECORDED
    assert deal.awaiting == buyer
    assert [(line.lot, line.quantity) for line in deal.lines.all()] == [(lot, 4)]
    lot.refresh_from_db()
    assert lot.quantity == 10
    assert list(deal.changes.values_list("action", flat=True)) == ["recorded"]


def test_confirming_takes_the_vehicles_off_the_lot(record, lot, buyer, buyer_admin):
    deal = record((lot, 4, "15000"))

    deal_confirm(deal=deal, by=buyer, user=buyer_admin)

    deal.refresh_from_db()
    lot.refresh_from_db()
    assert deal.state == Deal.State.CONFIRMED
    assert deal.confirmed_at is not None
    assert (lot.quantity, lot.status) == (6, Lot.Status.AVAILABLE)
    assert list(deal.changes.values_list("action", flat=True)) == ["recorded", "confirmed"]


def test_selling_the_last_vehicles_marks_the_lot_sold_and_cancelling_gives_them_back(
    record, lot, buyer, buyer_admin, exporter, exporter_admin
):
    deal = record((lot, 10, "15000"))
    deal_confirm(deal=deal, by=buyer, user=buyer_admin)
    lot.refresh_from_db()
    assert (lot.quantity, lot.status) == (0, Lot.Status.SOLD)

    deal_cancel(
        deal=deal, by=exporter, user=exporter_admin, reason="Buyer's bank refused the letter of credit"
    )

    lot.refresh_from_db()
    deal.refresh_from_db()
    assert (lot.quantity, lot.status) == (10, Lot.Status.AVAILABLE)
    assert deal.state == Deal.State.CANCELLED
    assert deal.reason == "Buyer's bank refused the letter of credit"


def test_confirming_more_than_is_left_is_refused_with_the_lot_named(
    record, lot, buyer, buyer_admin, exporter
):
    first = record((lot, 7, "15000"))
    second = record((lot, 5, "15000"))
    deal_confirm(deal=first, by=buyer, user=buyer_admin)

    with pytest.raises(ValidationError) as refused:
        deal_confirm(deal=second, by=buyer, user=buyer_admin)

    assert refused.value.messages == ["Lot BYD-SONG-01 has 3 vehicles left; this deal takes 5."]
    second.refresh_from_db()
    lot.refresh_from_db()
    assert second.state == Deal.State.RECORDED
    assert lot.quantity == 3


def test_a_short_lot_refuses_the_whole_deal_and_touches_no_other_lot(
    record, lot, exporter, buyer, buyer_admin
):
    other = LotFactory(exporter=exporter, ref="CHERY-01", quantity=2)
    deal = record((lot, 2, "15000"), (other, 2, "9000"))
    Lot.objects.filter(pk=other.pk).update(quantity=1)

    with pytest.raises(ValidationError, match="CHERY-01 has 1 vehicle left"):
        deal_confirm(deal=deal, by=buyer, user=buyer_admin)

    lot.refresh_from_db()
    assert lot.quantity == 10


def test_the_recorder_cannot_confirm_its_own_deal(record, lot, exporter, exporter_admin):
    deal = record((lot, 1, "15000"))
    with pytest.raises(ValidationError, match="other side confirms"):
        deal_confirm(deal=deal, by=exporter, user=exporter_admin)


def test_a_stranger_cannot_confirm_or_dispute(record, lot, buyer_admin):
    deal = record((lot, 1, "15000"))
    stranger = BuyerFactory()
    with pytest.raises(ValidationError):
        deal_confirm(deal=deal, by=stranger, user=buyer_admin)
    with pytest.raises(ValidationError):
        deal_dispute(deal=deal, by=stranger, user=buyer_admin, reason="no")
    with pytest.raises(ValidationError):
        deal_cancel(deal=deal, by=stranger, user=buyer_admin, reason="no")


def test_a_dispute_needs_a_reason_and_the_recorder_can_then_amend(
    record, lot, exporter, exporter_admin, buyer, buyer_admin
):
    deal = record((lot, 4, "15000"))
    with pytest.raises(ValidationError) as refused:
        deal_dispute(deal=deal, by=buyer, user=buyer_admin, reason="  ")
    assert "reason" in refused.value.error_dict

    deal_dispute(deal=deal, by=buyer, user=buyer_admin, reason="We agreed 14,500 per vehicle")
    deal.refresh_from_db()
    assert (deal.state, deal.reason) == (Deal.State.DISPUTED, "We agreed 14,500 per vehicle")
    with pytest.raises(ValidationError):
        deal_confirm(deal=deal, by=buyer, user=buyer_admin)

    deal_amend(deal=deal, by=exporter, user=exporter_admin, terms=terms((lot, 4, "14500")))
    deal.refresh_from_db()
    assert deal.state == Deal.State.RECORDED
    assert [str(line.unit_price) for line in deal.lines.all()] == ["14500.00"]
    deal_confirm(deal=deal, by=buyer, user=buyer_admin)

    history = list(deal.changes.order_by("at", "pk"))
    assert [change.action for change in history] == ["recorded", "disputed", "amended", "confirmed"]
    # Each step keeps the terms as they were then.
    assert history[0].terms["lines"][0]["unit_price"] == "15000.00"
    assert history[2].terms["lines"][0]["unit_price"] == "14500.00"
    assert history[1].note == "We agreed 14,500 per vehicle"


def test_whoever_amends_waits_for_the_other_side(record, lot, exporter, buyer, buyer_admin, exporter_admin):
    deal = record((lot, 4, "15000"))
    deal_amend(deal=deal, by=buyer, user=buyer_admin, terms=terms((lot, 3, "15000")))
    deal.refresh_from_db()
    assert deal.awaiting == exporter
    with pytest.raises(ValidationError):
        deal_confirm(deal=deal, by=buyer, user=buyer_admin)
    deal_confirm(deal=deal, by=exporter, user=exporter_admin)


def test_a_confirmed_deal_cannot_be_amended_or_disputed(
    record, lot, buyer, buyer_admin, exporter, exporter_admin
):
    deal = record((lot, 1, "15000"))
    deal_confirm(deal=deal, by=buyer, user=buyer_admin)
    with pytest.raises(ValidationError):
        deal_amend(deal=deal, by=exporter, user=exporter_admin, terms=terms((lot, 2, "15000")))
    with pytest.raises(ValidationError):
        deal_dispute(deal=deal, by=buyer, user=buyer_admin, reason="changed my mind")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda lot, other: terms(), "Add at least one lot"),
        (lambda lot, other: terms((lot, 11, "15000")), "has 10 vehicles left; this deal takes 11"),
        (lambda lot, other: terms((other, 1, "15000")), "is not"),
        (lambda lot, other: terms((lot, 1, "15000"), (lot, 2, "15000")), "appears twice"),
        (
            lambda lot, other: terms(
                (lot, 1, "15000"), signed_on=timezone.localdate() + datetime.timedelta(days=1)
            ),
            "cannot be signed in the future",
        ),
    ],
)
def test_recording_reports_what_is_wrong(lot, exporter, buyer, exporter_admin, build, message):
    other = LotFactory()
    with pytest.raises(ValidationError) as refused:
        deal_record(exporter=exporter, buyer=buyer, by=exporter, user=exporter_admin, terms=build(lot, other))
    assert any(message in text for text in refused.value.messages), refused.value.messages
    assert not Deal.objects.exists()


@pytest.mark.parametrize("status", [Lot.Status.DRAFT, Lot.Status.WITHDRAWN, Lot.Status.SOLD])
def test_a_lot_not_on_offer_cannot_be_sold(record, lot, status):
    Lot.objects.filter(pk=lot.pk).update(status=status)
    lot.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be sold"):
        record((lot, 1, "15000"))


def test_a_deal_is_between_an_exporter_and_a_buyer(record, lot, exporter):
    with pytest.raises(ValidationError, match="between an exporter and a buyer"):
        record((lot, 1, "15000"), buyer=ExporterFactory())


def test_a_deal_from_a_meeting_takes_the_meetings_event(record, lot, fair, exporter, buyer):
    meeting = MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    deal = record((lot, 1, "15000"), meeting=meeting)
    assert (deal.event, deal.meeting) == (fair, meeting)


def test_a_deal_cannot_borrow_someone_elses_meeting(record, lot, fair, exporter):
    meeting = MeetingFactory(event=fair, exporter=exporter, buyer=BuyerFactory())
    with pytest.raises(ValidationError, match="not between these two"):
        record((lot, 1, "15000"), meeting=meeting)


def test_a_deal_at_an_event_needs_both_companies_approved(record, lot, fair, exporter):

    Participation.objects.filter(event=fair, organisation=exporter).update(
        status=Participation.Status.PENDING
    )
    with pytest.raises(ValidationError, match="Both companies must take part"):
        record((lot, 1, "15000"), event=fair)


def test_the_events_organiser_may_cancel_but_another_organiser_may_not(
    record, lot, fair, organiser, buyer, buyer_admin
):
    deal = record((lot, 2, "15000"), event=fair)
    deal_confirm(deal=deal, by=buyer, user=buyer_admin)
    with pytest.raises(ValidationError):
        deal_cancel(deal=deal, by=OrganiserFactory(), user=organiser, reason="duplicate")

    deal_cancel(deal=deal, by=organiser.membership.organisation, user=organiser, reason="Recorded twice")

    deal.refresh_from_db()
    lot.refresh_from_db()
    assert deal.state == Deal.State.CANCELLED
    assert lot.quantity == 10
    last = deal.changes.order_by("-at", "-pk").first()
    assert (last.action, last.organisation, last.note) == (
        DealChange.Action.CANCELLED,
        organiser.membership.organisation,
        "Recorded twice",
    )


def test_cancelling_twice_is_refused(record, lot, exporter, exporter_admin):
    deal = record((lot, 1, "15000"))
    deal_cancel(deal=deal, by=exporter, user=exporter_admin, reason="typo")
    with pytest.raises(ValidationError, match="already cancelled"):
        deal_cancel(deal=deal, by=exporter, user=exporter_admin, reason="typo")


def test_called_off_meetings_cannot_carry_a_deal(record, lot, fair, exporter, buyer):
    meeting = MeetingFactory(event=fair, exporter=exporter, buyer=buyer, state=Meeting.State.CANCELLED)
    with pytest.raises(ValidationError, match="called off"):
        record((lot, 1, "15000"), meeting=meeting)


def test_the_other_side_is_emailed_at_each_step_in_its_language(
    record, lot, exporter, buyer, buyer_admin, exporter_admin, mailoutbox, django_capture_on_commit_callbacks
):
    buyer_admin.language = "ru"
    buyer_admin.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        deal = record((lot, 4, "15000"))
    assert [message.to for message in mailoutbox] == [[buyer_admin.email]]
    # The buyer reads Russian: "… внесена сделка № 12, подтвердите её".
    assert f"сделка № {deal.pk}" in mailoutbox[0].subject
    assert "BYD-SONG-01" in mailoutbox[0].body
    assert f"/deals/{deal.pk}/" in mailoutbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        deal_dispute(deal=deal, by=buyer, user=buyer_admin, reason="Price was 14,500")
    assert mailoutbox[-1].to == [exporter_admin.email]
    assert "Price was 14,500" in mailoutbox[-1].body
    assert len(mailoutbox) == 2
