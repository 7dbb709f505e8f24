"""Setting up an event (sessions, tables, settings, status) and companies
applying to take part."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from events.models import Event, EventSession, EventTable, Participation, Slot
from tests.events.conftest import event_form_data, messages_of, sessions_of

pytestmark = pytest.mark.django_db


# Setting up an event ---------------------------------------------------------------


def test_an_organiser_creates_an_event_with_sessions_and_tables(login, organiser):
    data = event_form_data(
        sessions=(
            ("2027-03-02", "Morning", "09:00", "12:00"),
            ("2027-03-02", "Afternoon", "14:00", "15:00"),
            ("2027-03-03", "Morning", "09:00", "10:00"),
        ),
    )
    response = login(organiser).post(reverse("event_create"), data)

    event = Event.objects.get(slug="kazan-2027")
    assert response.status_code == 302
    assert response.url == reverse("event_detail", args=["kazan-2027"])
    assert event.organiser == organiser.membership.organisation
    assert event.status == Event.Status.DRAFT
    assert list(event.tables.values_list("name", flat=True)) == ["T1", "T2", "T3", "T4"]
    assert event.sessions.count() == 3
    # 6 + 2 + 2 half-hour slots, numbered in time order across the days.
    assert list(event.slots.values_list("number", flat=True)) == list(range(1, 11))
    first = event.slots.get(number=1).starts_at.astimezone(event.zone)
    assert (first.date(), first.hour) == (datetime.date(2027, 3, 2), 9)


def test_the_new_event_form_renders_an_empty_session_row(login, organiser):
    response = login(organiser).get(reverse("event_create"))
    assert response.status_code == 200
    assert 'name="sessions-TOTAL_FORMS"' in response.text
    assert 'name="sessions-0-starts"' in response.text


def test_an_empty_extra_session_row_is_ignored(login, organiser):
    data = event_form_data()
    data.update({"sessions-TOTAL_FORMS": "2", "sessions-1-label": "Morning"})
    assert login(organiser).post(reverse("event_create"), data).status_code == 302
    assert Event.objects.get().sessions.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tables": "0"}, "Give between 1 and 500 tables."),
        ({"tables": "  "}, "This field is required."),
        ({"tables": "A, B, A"}, "repeated: A"),
        (
            {
                "sessions": (
                    ("2027-03-02", "Morning", "09:00", "12:00"),
                    ("2027-03-02", "Late", "11:00", "13:00"),
                )
            },
            "Sessions Morning and Late on 2027-03-02 overlap.",
        ),
        ({"sessions": (("2027-03-02", "Morning", "12:00", "09:00"),)}, "A session must end after it starts."),
        (
            {"sessions": (("2027-03-02", "Morning", "09:00", "09:10"),)},
            "No session is long enough for one slot.",
        ),
        ({"sessions": ()}, "Add at least one session."),
        ({"slug": "not a slug"}, "Enter a valid “slug”"),
        (
            {"registration_opens_at": "2027-01-10T09:00", "registration_closes_at": "2027-01-01T09:00"},
            "Registration must close after it opens.",
        ),
    ],
)
def test_a_bad_new_event_is_shown_again_with_the_reason_and_nothing_saved(login, organiser, changes, message):
    response = login(organiser).post(reverse("event_create"), event_form_data(**changes))
    assert response.status_code == 200
    assert message in response.text
    assert not Event.objects.exists()
    assert not EventSession.objects.exists()
    assert not Slot.objects.exists()
    assert not EventTable.objects.exists()


def test_a_taken_short_name_is_refused_on_the_form(login, organiser, fair):
    response = login(organiser).post(reverse("event_create"), event_form_data(slug=fair.slug))
    assert response.status_code == 200
    assert "Another event already uses this short name." in response.text
    assert Event.objects.count() == 1


def test_the_settings_form_shows_the_events_sessions_and_tables(login, organiser, fair):
    response = login(organiser).get(reverse("event_edit", args=[fair.slug]))
    assert response.status_code == 200
    assert 'value="T1, T2, T3, T4"' in response.text or "T1, T2, T3, T4</textarea>" in response.text
    assert 'value="Afternoon"' in response.text


def test_an_organiser_edits_the_event(login, organiser, fair):
    data = event_form_data(
        slug=fair.slug, tables="T1, T2, Booth A", sessions=sessions_of(fair), initial_forms=2, name="Renamed"
    )
    response = login(organiser).post(reverse("event_edit", args=[fair.slug]), data)
    assert response.status_code == 302
    fair.refresh_from_db()
    assert fair.name == "Renamed"
    assert list(fair.tables.values_list("name", flat=True)) == ["T1", "T2", "Booth A"]
    assert fair.slots.count() == 13


def test_a_session_is_removed_with_its_delete_box(login, organiser, fair):
    data = event_form_data(
        slug=fair.slug, sessions=sessions_of(fair), initial_forms=2, **{"sessions-1-DELETE": "on"}
    )
    response = login(organiser).post(reverse("event_edit", args=[fair.slug]), data)
    assert response.status_code == 302
    assert list(fair.sessions.values_list("label", flat=True)) == ["Morning"]
    assert fair.slots.count() == 6


def test_changing_the_time_zone_keeps_the_sessions_wall_clock(login, organiser, fair):
    data = event_form_data(
        slug=fair.slug,
        tables="T1, T2, T3, T4",
        sessions=sessions_of(fair),
        initial_forms=2,
        time_zone="Asia/Tashkent",
    )
    assert login(organiser).post(reverse("event_edit", args=[fair.slug]), data).status_code == 302
    fair.refresh_from_db()
    first = fair.slots.get(number=1).starts_at.astimezone(fair.zone)
    assert (first.hour, first.minute) == (9, 0)


def test_a_bad_edit_leaves_the_event_as_it_was(login, organiser, scene):
    """Booked meetings hold the slots: a new slot length is refused, and the
    refused submission's other changes are not kept either."""
    fair = scene.event
    data = event_form_data(
        slug=fair.slug,
        tables="T1, T2, T3, T4",
        sessions=sessions_of(fair),
        initial_forms=2,
        name="Renamed",
        slot_minutes="20",
    )
    response = login(organiser).post(reverse("event_edit", args=[fair.slug]), data)
    assert response.status_code == 200
    assert "Meetings are already booked into the current slots." in response.text
    fair.refresh_from_db()
    assert (fair.name, fair.slot_minutes, fair.slots.count()) == ("Fair chengdu-2026", 30, 13)


def test_the_organiser_changes_the_status(login, organiser, fair):
    response = login(organiser).post(
        reverse("event_status", args=[fair.slug]), {"status": Event.Status.LIVE}, follow=True
    )
    fair.refresh_from_db()
    assert fair.status == Event.Status.LIVE
    assert "The event is now: Under way." in messages_of(response)


# Applying --------------------------------------------------------------------------


def test_a_company_applies_and_waits_for_the_decision(login, fair, other_exporter_admin):
    client = login(other_exporter_admin)
    detail = client.get(reverse("event_detail", args=[fair.slug]))
    assert reverse("event_apply", args=[fair.slug]) in detail.text

    response = client.post(reverse("event_apply", args=[fair.slug]), {"note": "Forty SUVs"}, follow=True)

    participation = Participation.objects.get(
        event=fair, organisation=other_exporter_admin.membership.organisation
    )
    assert (participation.status, participation.note) == (Participation.Status.PENDING, "Forty SUVs")
    assert response.redirect_chain == [(reverse("event_detail", args=[fair.slug]), 302)]
    assert "Your application is waiting for the organisers' decision." in response.text.replace("&#x27;", "'")


def test_applying_twice_is_refused_on_the_form(login, fair, other_exporter_admin):
    client = login(other_exporter_admin)
    client.post(reverse("event_apply", args=[fair.slug]), {"note": ""})
    response = client.post(reverse("event_apply", args=[fair.slug]), {"note": ""})
    assert response.status_code == 200
    assert "Your company has already applied to this event." in response.text
    assert Participation.objects.filter(event=fair).count() == 1


def test_applying_while_registration_is_closed_is_refused(login, fair, other_exporter_admin):
    Event.objects.filter(pk=fair.pk).update(status=Event.Status.SCHEDULED)
    response = login(other_exporter_admin).post(reverse("event_apply", args=[fair.slug]), {"note": ""})
    assert response.status_code == 200
    assert "Registration for this event is not open." in response.text
    assert not Participation.objects.exists()
