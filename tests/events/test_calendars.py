"""The agenda as iCalendar: times in the event's own zone with its VTIMEZONE,
the same UID for a meeting on every download, cancelled meetings sent as
cancelled, and nobody else's meetings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import icalendar
import pytest
from django.urls import reverse

from accounts.models import Organisation
from events.calendars import agenda_calendar, meeting_uid
from events.models import Event, Meeting
from events.selectors import agenda_meetings
from events.services.events import SessionSpec, event_save
from events.services.meetings import meeting_cancel, meeting_confirm, meeting_move
from tests.events.conftest import FAIR_DAY
from tests.factories import BuyerFactory, ExporterFactory

pytestmark = pytest.mark.django_db


@dataclass
class Agenda:
    event: Event
    exporter: Organisation  # exporter_admin's company
    booked: Meeting  # with buyer_admin's company, slot 3 (10:00) at T2
    cancelled: Meeting  # was in slot 5, then called off
    waiting: Meeting  # requested, no slot yet
    others: Meeting  # another pair's meeting in slot 3 at T1


@pytest.fixture
def agenda(fair, exporter_admin, buyer_admin, meeting_between) -> Agenda:
    exporter = exporter_admin.membership.organisation
    booked = meeting_move(
        meeting=meeting_between(fair, exporter, buyer_admin.membership.organisation),
        slot=fair.slots.get(number=3),
        table=fair.tables.get(name="T2"),
    )
    cancelled = meeting_move(
        meeting=meeting_between(fair, exporter, BuyerFactory(name="Gone Motors")),
        slot=fair.slots.get(number=5),
        table=fair.tables.get(name="T1"),
    )
    cancelled = meeting_cancel(meeting=cancelled, reason="Visa refused")
    waiting = meeting_between(fair, exporter, BuyerFactory(name="Waiting Motors"))
    others = meeting_move(
        meeting=meeting_between(fair, ExporterFactory(name="Henan Cars"), BuyerFactory(name="Bishkek Auto")),
        slot=fair.slots.get(number=3),
        table=fair.tables.get(name="T1"),
    )
    return Agenda(fair, exporter, booked, cancelled, waiting, others)


def _ics(event: Event, organisation: Organisation) -> bytes:
    return agenda_calendar(event, organisation, agenda_meetings(event, organisation))


def _items(body: bytes) -> dict[str, icalendar.Event]:
    return {str(item["UID"]): item for item in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_the_calendar_carries_the_events_time_zone(agenda):
    calendar = icalendar.Calendar.from_ical(_ics(agenda.event, agenda.exporter))
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"


def test_a_meeting_starts_and_ends_at_its_slots_local_time(agenda):
    body = _ics(agenda.event, agenda.exporter)
    item = _items(body)[meeting_uid(agenda.booked)]
    slot = agenda.booked.slot

    # Slot 3 of the fair: 10:00–10:30 in Chengdu, 02:00 UTC.
    assert b"DTSTART;TZID=Asia/Shanghai:20261215T100000" in body
    assert b"DTEND;TZID=Asia/Shanghai:20261215T103000" in body
    assert item["DTSTART"].params["TZID"] == "Asia/Shanghai"
    start, end = item.decoded("DTSTART"), item.decoded("DTEND")
    assert (start.hour, start.minute, end.hour, end.minute) == (10, 0, 10, 30)
    assert start == slot.starts_at
    assert end == slot.ends_at


def test_a_fair_in_another_zone_is_written_in_that_zone(
    organiser, exporter_admin, buyer_admin, meeting_between
):
    event = event_save(
        organiser=organiser.membership.organisation,
        data={"name": "Tashkent Fair", "slug": "tashkent", "city": "Tashkent", "time_zone": "Asia/Tashkent"},
        sessions=[SessionSpec(FAIR_DAY, "Morning", datetime.time(9, 0), datetime.time(10, 0))],
        table_names=["T1"],
    )
    meeting = meeting_move(
        meeting=meeting_between(
            event, exporter_admin.membership.organisation, buyer_admin.membership.organisation
        ),
        slot=event.slots.get(number=2),
        table=event.tables.get(),
    )
    body = _ics(event, exporter_admin.membership.organisation)
    calendar = icalendar.Calendar.from_ical(body)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Tashkent"]
    assert b"DTSTART;TZID=Asia/Tashkent:20261215T093000" in body
    assert _items(body)[meeting_uid(meeting)].decoded("DTSTART") == meeting.slot.starts_at


def test_a_meeting_keeps_its_uid_across_downloads(login, agenda, exporter_admin, buyer_admin):
    url = reverse("event_agenda_ics", args=[agenda.event.slug])
    client = login(exporter_admin)
    first = _items(client.get(url).content)
    meeting_confirm(meeting=agenda.booked, organisation=agenda.exporter)
    second = _items(client.get(url).content)

    assert set(first) == set(second) == {meeting_uid(agenda.booked), meeting_uid(agenda.cancelled)}
    # The other side's calendar names the same meeting with the same UID.
    assert meeting_uid(agenda.booked) in _items(login(buyer_admin).get(url).content)


def test_the_download_and_the_feed_hold_the_same_meetings(login, client, agenda, exporter_admin):
    participation = agenda.event.participations.get(organisation=agenda.exporter)
    download = login(exporter_admin).get(reverse("event_agenda_ics", args=[agenda.event.slug]))
    feed = client.get(reverse("event_calendar_feed", args=[agenda.event.slug, participation.calendar_token]))
    assert download["Content-Type"] == feed["Content-Type"] == "text/calendar; charset=utf-8"
    assert set(_items(download.content)) == set(_items(feed.content))


def test_a_cancelled_meeting_that_had_a_slot_is_sent_as_cancelled(agenda):
    assert agenda.cancelled.slot is not None
    items = _items(_ics(agenda.event, agenda.exporter))
    assert str(items[meeting_uid(agenda.cancelled)]["STATUS"]) == "CANCELLED"
    assert "Visa refused" in str(items[meeting_uid(agenda.cancelled)]["DESCRIPTION"])


def test_the_status_follows_the_answers(agenda, buyer_admin):
    items = _items(_ics(agenda.event, agenda.exporter))
    assert str(items[meeting_uid(agenda.booked)]["STATUS"]) == "TENTATIVE"
    meeting_confirm(meeting=agenda.booked, organisation=agenda.exporter)
    meeting_confirm(meeting=agenda.booked, organisation=buyer_admin.membership.organisation)
    items = _items(_ics(agenda.event, agenda.exporter))
    assert str(items[meeting_uid(agenda.booked)]["STATUS"]) == "CONFIRMED"


def test_a_meeting_without_a_slot_is_left_out(agenda):
    assert meeting_uid(agenda.waiting) not in _items(_ics(agenda.event, agenda.exporter))


def test_no_other_participants_meetings(agenda):
    body = _ics(agenda.event, agenda.exporter)
    assert meeting_uid(agenda.others) not in _items(body)
    assert b"Henan Cars" not in body
    assert b"Bishkek Auto" not in body


def test_each_meeting_names_the_other_side_and_the_place(agenda, buyer_admin):
    item = _items(_ics(agenda.event, agenda.exporter))[meeting_uid(agenda.booked)]
    assert str(item["SUMMARY"]) == f"Meeting with {buyer_admin.membership.organisation.name}"
    assert str(item["LOCATION"]) == "T2, Expo City, Hall 3, Chengdu"
    buyer_view = _items(_ics(agenda.event, buyer_admin.membership.organisation))[meeting_uid(agenda.booked)]
    assert str(buyer_view["SUMMARY"]) == f"Meeting with {agenda.exporter.name}"


def test_an_empty_agenda_is_still_a_calendar(fair, exporter_admin, join):
    join(fair, exporter_admin.membership.organisation)
    calendar = icalendar.Calendar.from_ical(_ics(fair, exporter_admin.membership.organisation))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


def test_the_feed_speaks_the_language_of_whoever_copied_its_address(login, client, agenda, exporter_admin):
    client_of_exporter = login(exporter_admin)
    client_of_exporter.post(reverse("set_language"), {"language": "ru", "next": "/"})
    agenda_page = client_of_exporter.get(reverse("event_agenda", args=[agenda.event.slug]))
    feed_url = agenda_page.context["feed_url"]
    assert feed_url.endswith("?lang=ru")

    # The calendar app asks in English; the address says Russian.
    feed = client.get(feed_url.removeprefix("http://testserver"), headers={"accept-language": "en"})

    summaries = [str(item["SUMMARY"]) for item in _items(feed.content).values()]
    assert summaries
    assert all(summary.startswith("Встреча") for summary in summaries), summaries
