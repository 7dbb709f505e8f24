"""A participant's own agenda: its meetings in the event's time zone, the
calendar file and the slots it cannot attend."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from events.models import Meeting
from events.services.events import SessionSpec, event_save
from events.services.meetings import meeting_move
from tests.events.conftest import FAIR_DAY
from tests.factories import BuyerFactory, ExporterFactory, MeetingFactory

pytestmark = pytest.mark.django_db


# The participant's agenda ----------------------------------------------------------


def test_the_agenda_shows_only_the_participants_own_meetings(login, scene, exporter_admin, join, elsewhere):
    others = MeetingFactory(
        event=scene.event,
        exporter=join(scene.event, ExporterFactory(name="Henan Cars")).organisation,
        buyer=join(scene.event, BuyerFactory(name="Bishkek Auto")).organisation,
    )
    meeting_move(
        meeting=others, slot=scene.event.slots.get(number=1), table=scene.event.tables.get(name="T2")
    )
    MeetingFactory(
        event=elsewhere.event, exporter=scene.exporter.organisation, buyer=BuyerFactory(name="Osh Trade")
    )

    response = login(exporter_admin).get(reverse("event_agenda", args=[scene.event.slug]))

    assert response.status_code == 200
    assert [m.pk for m in response.context["booked"]] == [scene.meeting.pk]
    assert scene.buyer.organisation.name in response.text
    for stranger in ("Henan Cars", "Bishkek Auto", "Osh Trade"):
        assert stranger not in response.text
    assert scene.exporter.calendar_token in response.text


def test_the_agenda_shows_times_in_the_events_own_zone(login, organiser, exporter_admin, buyer_admin, join):
    """The server runs on Chinese time; a fair in Tashkent shows Tashkent's clock."""
    event = event_save(
        organiser=organiser.membership.organisation,
        data={
            "name": "Tashkent Fair",
            "slug": "tashkent",
            "city": "Tashkent",
            "time_zone": "Asia/Tashkent",
            "status": "open",
        },
        sessions=[SessionSpec(FAIR_DAY, "Morning", datetime.time(9, 0), datetime.time(10, 0))],
        table_names=["T1"],
    )
    exporter = join(event, exporter_admin.membership.organisation).organisation
    buyer = join(event, buyer_admin.membership.organisation).organisation
    meeting_move(
        meeting=MeetingFactory(event=event, exporter=exporter, buyer=buyer),
        slot=event.slots.get(number=1),
        table=event.tables.get(),
    )
    agenda = login(exporter_admin).get(reverse("event_agenda", args=[event.slug])).text
    assert "9:00\u202fAM – 9:30\u202fAM" in agenda
    grid = login(organiser).get(reverse("event_grid", args=[event.slug])).text
    assert "9:00\u202fAM" in grid
    assert "12:00\u202fPM" not in grid
    sheets = login(organiser).get(reverse("event_table_sheets", args=[event.slug])).text
    assert "9:00\u202fAM – 9:30\u202fAM" in sheets


def test_the_agenda_lists_waiting_and_closed_meetings(login, scene, exporter_admin, join):
    waiting = MeetingFactory(
        event=scene.event,
        exporter=scene.exporter.organisation,
        buyer=join(scene.event, BuyerFactory(name="Late Buyer")).organisation,
    )
    closed = MeetingFactory(
        event=scene.event,
        exporter=scene.exporter.organisation,
        buyer=join(scene.event, BuyerFactory(name="Gone Buyer")).organisation,
        state=Meeting.State.CANCELLED,
        reason="Visa refused",
    )
    response = login(exporter_admin).get(reverse("event_agenda", args=[scene.event.slug]))
    assert response.context["waiting"] == [waiting]
    assert response.context["closed"] == [closed]
    assert "Late Buyer" in response.text
    assert "Visa refused" in response.text


def test_the_agenda_downloads_as_a_calendar_file(login, scene, exporter_admin):
    response = login(exporter_admin).get(reverse("event_agenda_ics", args=[scene.event.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == f'attachment; filename="{scene.event.slug}-agenda.ics"'


def test_the_participant_saves_its_availability(login, scene, exporter_admin):
    slots = list(scene.event.slots.filter(number__in=[3, 4]))
    client = login(exporter_admin)
    url = reverse("event_availability", args=[scene.event.slug])

    form = client.get(url)
    assert form.status_code == 200
    assert "#3 · " in form.text

    response = client.post(url, {"unavailable": [slot.pk for slot in slots]})
    assert response.status_code == 302
    assert response.url == reverse("event_agenda", args=[scene.event.slug])
    assert set(scene.exporter.unavailable_slots.all()) == set(slots)
    assert "checked" in client.get(url).text


def test_a_slot_holding_a_meeting_cannot_be_marked_unavailable(login, scene, exporter_admin):
    url = reverse("event_availability", args=[scene.event.slug])
    response = login(exporter_admin).post(url, {"unavailable": [scene.meeting.slot_id]})
    assert response.status_code == 200
    assert "You have meetings in slots 1. Ask the organisers to move them first." in response.text
    assert not scene.exporter.unavailable_slots.exists()


def test_a_slot_of_another_event_cannot_be_marked_unavailable(login, scene, exporter_admin, elsewhere):
    url = reverse("event_availability", args=[scene.event.slug])
    response = login(exporter_admin).post(url, {"unavailable": [elsewhere.event.slots.first().pk]})
    assert response.status_code == 200
    assert not scene.exporter.unavailable_slots.exists()
