"""Meetings by hand: booking, conflicts, each side's answers, the day itself,
and the emails each change sends."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from events.models import Event, Meeting, Participation
from events.services import meetings as services
from events.services.notifications import reminders_send
from tests.factories import BuyerFactory, ExporterFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(fair, meeting_between):
    exporter, buyer = ExporterFactory(name="Sichuan Auto Export"), BuyerFactory(name="Almaty Motors")
    MembershipFactory(
        organisation=exporter, user=UserFactory(email="exporter@example.com", language="zh-hans")
    )
    MembershipFactory(organisation=buyer, user=UserFactory(email="buyer@example.com", language="ru"))
    return meeting_between(fair, exporter, buyer)


def _slot(event, number):
    return event.slots.get(number=number)


def _table(event, name):
    return event.tables.get(name=name)


def test_booking_a_request_schedules_it(fair, pair):
    meeting = services.meeting_move(meeting=pair, slot=_slot(fair, 1), table=_table(fair, "T1"))
    assert meeting.state == Meeting.State.SCHEDULED
    assert (meeting.slot.number, meeting.table.name) == (1, "T1")


def test_a_busy_participant_gets_a_message_naming_the_clash(fair, pair, meeting_between):
    services.meeting_move(meeting=pair, slot=_slot(fair, 1), table=_table(fair, "T1"))
    other = meeting_between(fair, ExporterFactory(name="Henan Cars"), pair.buyer)
    with pytest.raises(
        ValidationError, match=r"Almaty Motors already has a meeting in slot 1 .*Sichuan Auto Export at T1"
    ):
        services.meeting_move(meeting=other, slot=_slot(fair, 1), table=_table(fair, "T2"))
    other.refresh_from_db()
    assert other.state == Meeting.State.REQUESTED
    assert other.slot is None


def test_a_taken_table_gets_a_message_naming_its_meeting(fair, pair, meeting_between):
    services.meeting_move(meeting=pair, slot=_slot(fair, 1), table=_table(fair, "T1"))
    other = meeting_between(fair, ExporterFactory(), BuyerFactory())
    with pytest.raises(ValidationError, match="T1 is already taken in slot 1"):
        services.meeting_move(meeting=other, slot=_slot(fair, 1), table=_table(fair, "T1"))


def test_an_unavailable_slot_is_refused(fair, pair):
    Participation.objects.get(event=fair, organisation=pair.exporter).unavailable_slots.add(_slot(fair, 3))
    with pytest.raises(ValidationError, match="Sichuan Auto Export cannot attend slot 3"):
        services.meeting_move(meeting=pair, slot=_slot(fair, 3), table=_table(fair, "T1"))


def test_the_database_itself_refuses_double_booking(fair, pair, meeting_between):
    services.meeting_move(meeting=pair, slot=_slot(fair, 1), table=_table(fair, "T1"))
    other = meeting_between(fair, ExporterFactory(), pair.buyer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=other.pk).update(
            state=Meeting.State.SCHEDULED, slot=_slot(fair, 1), table=_table(fair, "T2")
        )
    # A cancelled meeting no longer holds its place.
    services.meeting_cancel(meeting=pair, reason="Buyer's flight cancelled")
    services.meeting_move(meeting=other, slot=_slot(fair, 1), table=_table(fair, "T1"))


def test_both_confirmations_confirm_and_pin_the_meeting(fair, pair):
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    meeting = services.meeting_confirm(meeting=pair, organisation=pair.exporter)
    assert meeting.state == Meeting.State.SCHEDULED
    meeting = services.meeting_confirm(meeting=pair, organisation=pair.buyer)
    assert meeting.state == Meeting.State.CONFIRMED
    assert meeting.fixed


def test_moving_a_confirmed_meeting_asks_both_sides_again(fair, pair):
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    services.meeting_confirm(meeting=pair, organisation=pair.exporter)
    services.meeting_confirm(meeting=pair, organisation=pair.buyer)
    meeting = services.meeting_move(meeting=pair, slot=_slot(fair, 4), table=_table(fair, "T1"))
    assert meeting.state == Meeting.State.SCHEDULED
    assert meeting.exporter_confirmed_at is None
    assert meeting.buyer_confirmed_at is None


def test_strangers_cannot_answer_a_meeting(fair, pair):
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    with pytest.raises(ValidationError, match="not one of yours"):
        services.meeting_confirm(meeting=pair, organisation=ExporterFactory())


def test_declining_needs_a_reason_and_tells_the_other_side_in_its_language(
    fair, pair, django_capture_on_commit_callbacks
):
    Event.objects.filter(pk=fair.pk).update(status=Event.Status.SCHEDULED)
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="why"):
        services.meeting_decline(meeting=pair, organisation=pair.buyer, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_decline(meeting=pair, organisation=pair.buyer, reason="Bought elsewhere")
    assert [message.to for message in mail.outbox] == [["exporter@example.com"]]
    assert "Almaty Motors" in mail.outbox[0].subject
    assert "Bought elsewhere" in mail.outbox[0].body
    # The exporter last used the site in Chinese.
    assert "拒绝" in mail.outbox[0].subject


def test_a_late_move_tells_both_sides_each_in_their_language(fair, pair, django_capture_on_commit_callbacks):
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    Event.objects.filter(pk=fair.pk).update(status=Event.Status.LIVE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_move(
            meeting=pair, slot=_slot(fair, 5), table=_table(fair, "T2"), reason="Delegation lands late"
        )
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"exporter@example.com", "buyer@example.com"}
    # Slot 5 starts at 11:00 in Chengdu, whatever the server's zone.
    assert "11:00" in by_address["buyer@example.com"].body
    assert "Delegation lands late" in by_address["exporter@example.com"].body
    assert (
        "Встреча" in by_address["buyer@example.com"].subject
        or "встреч" in by_address["buyer@example.com"].subject
    )


def test_cancelling_a_booked_meeting_tells_both_sides(fair, pair, django_capture_on_commit_callbacks):
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="reason"):
        services.meeting_cancel(meeting=pair, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_cancel(meeting=pair, reason="Venue change")
    assert meeting.state == Meeting.State.CANCELLED
    assert len(mail.outbox) == 2
    with pytest.raises(ValidationError, match="no longer be cancelled"):
        services.meeting_cancel(meeting=pair, reason="again")


def test_attendance_is_recorded_only_for_booked_meetings(fair, pair):
    with pytest.raises(ValidationError, match="on the agenda"):
        services.meeting_record_attendance(meeting=pair, held=True)
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    started = _slot(fair, 2).starts_at
    assert (
        services.meeting_record_attendance(meeting=pair, held=False, now=started).state
        == Meeting.State.NO_SHOW
    )
    assert (
        services.meeting_record_attendance(meeting=pair, held=True, now=started).state == Meeting.State.HELD
    )


def test_organiser_requests_need_two_approved_participants(fair, join):
    exporter = join(fair).organisation
    outsider = BuyerFactory()
    with pytest.raises(ValidationError, match="Not approved"):
        services.meeting_add(event=fair, exporter=exporter, buyer=outsider)
    buyer = join(fair, kind="buyer").organisation
    meeting = services.meeting_add(event=fair, exporter=exporter, buyer=buyer, priority=3)
    assert meeting.origin == Meeting.Origin.ORGANISER
    with pytest.raises(ValidationError, match="already have a meeting"):
        services.meeting_add(event=fair, exporter=exporter, buyer=buyer)


def test_unscheduling_returns_the_meeting_to_the_requests(fair, pair):
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    services.meeting_set_fixed(meeting=pair, fixed=True)
    meeting = services.meeting_unschedule(meeting=pair)
    assert (meeting.state, meeting.slot, meeting.fixed) == (Meeting.State.REQUESTED, None, False)


def test_reminders_go_out_once_per_event(fair, pair):
    services.meeting_move(meeting=pair, slot=_slot(fair, 2), table=_table(fair, "T1"))
    Event.objects.filter(pk=fair.pk).update(status=Event.Status.SCHEDULED)
    first_slot = _slot(fair, 1).starts_at
    mail.outbox.clear()
    day_before = first_slot - datetime.timedelta(hours=20)
    assert reminders_send(now=day_before) == 2
    assert reminders_send(now=day_before) == 0
    assert "09:30" in mail.outbox[0].body
