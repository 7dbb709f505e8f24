"""Event-day actions only when they can be true: held or no-show once the
meeting's slot has started, check-in on the event's days (or with the
organiser's reason, kept in the history), and times shown with their date."""

from __future__ import annotations

import datetime
import html
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import formats
from events.models import CheckInRecord, Event, EventSession, Meeting, Participation, Slot
from events.services import meetings as meeting_services
from events.services.check_in import participation_check_in
from tests.factories import BuyerFactory, ExporterFactory

pytestmark = pytest.mark.django_db

# The fair's first slot starts at 09:00 in Chengdu (01:00 UTC) on FAIR_DAY.
FIRST_SLOT_STARTS = datetime.datetime(2026, 12, 15, 1, 0, tzinfo=datetime.UTC)
EIGHT_DAYS_EARLY = datetime.datetime(2026, 12, 7, 2, 0, tzinfo=datetime.UTC)
ON_THE_DAY = datetime.datetime(2026, 12, 15, 0, 30, tzinfo=datetime.UTC)  # 08:30 in Chengdu


@pytest.fixture
def booked(fair, meeting_between, exporter_admin, buyer_admin) -> Meeting:
    """exporter_admin's and buyer_admin's companies meet in slot 1 at T1."""
    meeting = meeting_between(
        fair, exporter_admin.membership.organisation, buyer_admin.membership.organisation
    )
    return meeting_services.meeting_move(
        meeting=meeting, slot=fair.slots.get(number=1), table=fair.tables.get(name="T1")
    )


def _start_in(meeting: Meeting, minutes: int) -> None:
    """Move the meeting's slot to start `minutes` from now (negative: ago)."""
    starts = timezone.now() + datetime.timedelta(minutes=minutes)
    Slot.objects.filter(pk=meeting.slot_id).update(
        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30)
    )


def _another_in_slot_2(booked: Meeting, meeting_between) -> Meeting:
    return meeting_services.meeting_move(
        meeting=meeting_between(booked.event, ExporterFactory(), BuyerFactory()),
        slot=booked.event.slots.get(number=2),
        table=booked.event.tables.get(name="T2"),
    )


# Held and no-show ------------------------------------------------------------------


@pytest.mark.parametrize("held", [True, False])
def test_attendance_is_refused_before_the_slot_starts(booked, held):
    early = FIRST_SLOT_STARTS - datetime.timedelta(days=8)
    with pytest.raises(ValidationError, match="starts on Tue, Dec 15, 2026, 9:00") as refusal:
        meeting_services.meeting_record_attendance(meeting=booked, held=held, now=early)
    assert refusal.value.code == "early"
    booked.refresh_from_db()
    assert booked.state == Meeting.State.SCHEDULED


@pytest.mark.parametrize(("held", "state"), [(True, Meeting.State.HELD), (False, Meeting.State.NO_SHOW)])
def test_attendance_is_taken_once_the_slot_has_started(booked, held, state):
    meeting = meeting_services.meeting_record_attendance(meeting=booked, held=held, now=FIRST_SLOT_STARTS)
    assert meeting.state == state


def test_the_meeting_page_offers_held_only_once_the_meeting_started(login, organiser, booked):
    client = login(organiser)
    url = reverse("event_meeting", args=[booked.event.slug, booked.pk])
    _start_in(booked, 60 * 24 * 8)

    page = client.get(url).text
    assert 'value="held"' not in page
    assert 'value="no_show"' not in page
    assert "Held or no-show can be recorded once the meeting starts" in page
    response = client.post(url, {"action": "held"}, follow=True)
    assert "Mark it held or missed once it has started." in response.text
    booked.refresh_from_db()
    assert booked.state == Meeting.State.SCHEDULED

    _start_in(booked, -5)
    page = client.get(url).text
    assert 'value="held"' in page
    client.post(url, {"action": "held"})
    booked.refresh_from_db()
    assert booked.state == Meeting.State.HELD


def test_the_grid_offers_held_only_for_meetings_that_started(login, organiser, booked, meeting_between):
    Event.objects.filter(pk=booked.event_id).update(status=Event.Status.LIVE)
    later = _another_in_slot_2(booked, meeting_between)
    _start_in(booked, -5)
    _start_in(later, 60)

    page = login(organiser).get(reverse("event_grid", args=[booked.event.slug])).text

    assert page.count('name="action" value="held"') == 1
    assert f'action="{reverse("event_meeting", args=[booked.event.slug, booked.pk])}"' in page
    assert f'action="{reverse("event_meeting", args=[booked.event.slug, later.pk])}"' not in page


def test_the_dashboard_does_not_count_a_meeting_held_before_it_started(login, organiser, booked):
    _start_in(booked, 60 * 24 * 8)
    client = login(organiser)
    client.post(reverse("event_meeting", args=[booked.event.slug, booked.pk]), {"action": "held"})
    dashboard = client.get(reverse("event_dashboard", args=[booked.event.slug]))
    assert dashboard.context["dashboard"].meetings.held == 0


# Check-in --------------------------------------------------------------------------


def test_check_in_outside_the_events_days_needs_a_reason(fair, join, organiser):
    participation = join(fair)
    with pytest.raises(ValidationError, match="not one of the event's days \\(Dec 15, 2026\\)") as refusal:
        participation_check_in(participation=participation, by=organiser, now=EIGHT_DAYS_EARLY)
    assert refusal.value.code == "day"
    participation.refresh_from_db()
    assert participation.checked_in_at is None
    assert not CheckInRecord.objects.exists()

    participation_check_in(
        participation=participation,
        by=organiser,
        reason="Delegation came for the set-up day",
        now=EIGHT_DAYS_EARLY,
    )

    participation.refresh_from_db()
    assert participation.checked_in_at == EIGHT_DAYS_EARLY
    record = CheckInRecord.objects.get()
    assert (record.checked_in, record.by, record.at, record.outside_event_days, record.reason) == (
        True,
        organiser,
        EIGHT_DAYS_EARLY,
        True,
        "Delegation came for the set-up day",
    )


def test_check_in_on_the_events_day_needs_no_reason_and_each_change_is_kept(fair, join, organiser):
    participation = join(fair)
    participation_check_in(participation=participation, by=organiser, now=ON_THE_DAY)
    # A second click changes nothing.
    participation_check_in(
        participation=participation, by=organiser, now=ON_THE_DAY + datetime.timedelta(hours=1)
    )
    participation_check_in(participation=participation, checked_in=False, by=organiser, now=ON_THE_DAY)

    participation.refresh_from_db()
    assert participation.checked_in_at is None
    assert list(CheckInRecord.objects.values_list("checked_in", "outside_event_days", "reason")) == [
        (True, False, ""),
        (False, False, ""),
    ]


def test_the_event_day_is_the_events_own_calendar_day(fair, join):
    """23:30 UTC on the 14th is already 07:30 on the 15th in Chengdu."""
    participation = join(fair)
    participation_check_in(
        participation=participation, now=datetime.datetime(2026, 12, 14, 23, 30, tzinfo=datetime.UTC)
    )
    assert not CheckInRecord.objects.get().outside_event_days


def _fair_day_from_today(event: Event, days: int) -> str:
    """Move the event's sessions to `days` from today in its own calendar;
    returns the day as messages write it."""
    day = timezone.localdate(timezone.now(), event.zone) + datetime.timedelta(days=days)
    EventSession.objects.filter(event=event).update(date=day)
    return f"{day:%b} {day.day}, {day.year}"


def test_the_participant_list_checks_in_only_on_the_events_days(login, organiser, fair, join):
    participation = join(fair, ExporterFactory(name="Sichuan Auto Export"))
    fair_day = _fair_day_from_today(fair, 8)
    client = login(organiser)
    url = reverse("event_participants", args=[fair.slug])
    page = html.unescape(client.get(url).text)
    assert f"Today is not one of the event's days ({fair_day}); check-in opens on the day." in page
    assert 'name="checked_in" value="1"' not in page
    assert f"{reverse('event_participant', args=[fair.slug, participation.pk])}#check-in" in page

    check_in = reverse("event_participant_check_in", args=[fair.slug, participation.pk])
    refused = client.post(check_in, {"checked_in": "1"}, follow=True)
    assert f"Today is not one of the event's days ({fair_day})" in html.unescape(refused.text)
    participation.refresh_from_db()
    assert participation.checked_in_at is None

    _fair_day_from_today(fair, 0)
    page = client.get(url).text
    assert 'name="checked_in" value="1"' in page
    client.post(check_in, {"checked_in": "1"})
    participation.refresh_from_db()
    local = timezone.localtime(participation.checked_in_at, fair.zone)
    # The time with its date, in the event's zone.
    assert formats.moment(local) in client.get(url).text


def test_the_participant_page_checks_in_early_with_a_reason_and_shows_the_history(
    login, organiser, fair, join
):
    participation = join(fair, ExporterFactory(name="Sichuan Auto Export"))
    fair_day = _fair_day_from_today(fair, 8)
    client = login(organiser)
    url = reverse("event_participant", args=[fair.slug, participation.pk])
    page = html.unescape(client.get(url).text)
    assert f"Today is not one of the event's days ({fair_day})" in page
    assert "Check in anyway" in page

    client.post(
        reverse("event_participant_check_in", args=[fair.slug, participation.pk]),
        {"checked_in": "1", "reason": "Delegation arrived for the set-up day", "next": url},
    )

    page = html.unescape(client.get(url).text)
    participation.refresh_from_db()
    local = timezone.localtime(participation.checked_in_at, fair.zone)
    assert f"checked in on {formats.moment(local)}" in page
    assert "Check-in history" in page
    assert "Delegation arrived for the set-up day" in page
    assert "outside the event's days" in page
    assert organiser.name in page


def test_a_rejected_or_pending_company_cannot_check_in_even_with_a_reason(fair, join):
    pending = join(fair, status=Participation.Status.PENDING)
    with pytest.raises(ValidationError, match="Only approved participants"):
        participation_check_in(participation=pending, reason="VIP", now=ON_THE_DAY)


def test_organiser_pages_show_slot_times_with_their_date(login, organiser, booked):
    client = login(organiser)
    slug = booked.event.slug
    for name in ("event_meetings", "event_grid", "event_table_sheets"):
        assert "Tue, Dec 15, 2026" in client.get(reverse(name, args=[slug])).text, name
    participation = Participation.objects.get(event=booked.event, organisation=booked.exporter)
    participation.unavailable_slots.add(booked.event.slots.get(number=4))
    page = client.get(reverse("event_participant", args=[slug, participation.pk])).text
    assert "#4 (Tue, Dec 15, 2026, 10:30\u202fAM)" in page


@pytest.mark.parametrize("rows", [1, 3])
def test_the_participant_page_costs_the_same_queries_for_any_length_of_history(
    login, organiser, fair, join, rows, django_assert_num_queries
):
    participation = join(fair)
    for n in range(rows):
        at = EIGHT_DAYS_EARLY + datetime.timedelta(hours=n)
        participation_check_in(participation=participation, by=organiser, reason=f"Early {n}", now=at)
        participation_check_in(participation=participation, checked_in=False, by=organiser, now=at)
    client = login(organiser)

    with django_assert_num_queries(12):
        page = client.get(reverse("event_participant", args=[fair.slug, participation.pk]))

    assert len(page.context["check_ins"]) == 2 * rows


def test_the_migration_undoes_attendance_marked_before_the_meeting_started(booked, meeting_between):

    migration = importlib.import_module("events.migrations.0003_agenda_publication_check_ins_and_previews")
    _start_in(booked, 60 * 24 * 8)
    Meeting.objects.filter(pk=booked.pk).update(state=Meeting.State.HELD)
    took_place = _another_in_slot_2(booked, meeting_between)
    _start_in(took_place, -60)
    Meeting.objects.filter(pk=took_place.pk).update(state=Meeting.State.NO_SHOW)

    migration.undo_attendance_marked_too_early(apps, None)

    assert Meeting.objects.get(pk=booked.pk).state == Meeting.State.SCHEDULED
    assert Meeting.objects.get(pk=took_place.pk).state == Meeting.State.NO_SHOW
