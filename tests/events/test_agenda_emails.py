"""The "your agenda is ready" email goes once per agenda, only to participants
with meetings whose agenda is new to them, and only after the organiser saw who."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.models import Event, Meeting
from events.selectors import agenda_publication_notice
from events.services import meetings as meeting_services
from events.services.events import event_set_status
from tests.events.conftest import make_company
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
)

pytestmark = pytest.mark.django_db


# "Your agenda is ready" ---------------------------------------------------------------


def test_the_agenda_goes_once_and_only_to_participants_with_meetings(
    fair, fair_with_requests, schedule, set_status, mailoutbox
):
    schedule(fair)

    set_status(fair, Event.Status.SCHEDULED)

    assert len(mailoutbox) == 5
    assert "idle@example.com" not in {message.to[0] for message in mailoutbox}
    assert all(
        "Your agenda for" in m.subject or "日程" in m.subject or "расписание" in m.subject.lower()
        for m in mailoutbox
    )
    mailoutbox.clear()
    set_status(fair, Event.Status.OPEN)
    set_status(fair, Event.Status.SCHEDULED)
    set_status(fair, Event.Status.LIVE)
    assert mailoutbox == []


def test_publishing_again_emails_only_those_whose_agenda_changed_unannounced(
    fair, fair_with_requests, schedule, set_status, mailoutbox, django_capture_on_commit_callbacks
):
    schedule(fair)
    set_status(fair, Event.Status.SCHEDULED)
    moved_while_published = Meeting.objects.get(pk=fair_with_requests[0].pk)
    free = fair.slots.order_by("-number").first()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_move(meeting=moved_while_published, slot=free, table=fair.tables.first())
    set_status(fair, Event.Status.OPEN)
    # Placed while the event was back to "open": nobody was told yet.
    quiet = Meeting.objects.get(pk=fair_with_requests[5].pk)
    meeting_services.meeting_move(meeting=quiet, slot=free, table=fair.tables.last())
    mailoutbox.clear()

    set_status(fair, Event.Status.SCHEDULED)

    assert sorted(message.to[0] for message in mailoutbox) == ["buyer2@example.com", "exporter1@example.com"]


def test_publishing_is_refused_without_confirming_who_is_emailed(
    fair, fair_with_requests, schedule, mailoutbox
):
    schedule(fair)
    notice = agenda_publication_notice(fair)
    assert [p.organisation.name for p in notice.participations] == [
        "Buyer0 Motors",
        "Buyer1 Motors",
        "Buyer2 Motors",
        "Exporter0 Auto",
        "Exporter1 Auto",
    ]

    for confirm in ("", "stale-token"):
        with pytest.raises(ValidationError, match="emails 5 participants") as refusal:
            event_set_status(event=fair, status=Event.Status.SCHEDULED, confirm=confirm)
        assert refusal.value.code == "confirm"

    fair.refresh_from_db()
    assert fair.status == Event.Status.OPEN
    assert fair.agenda_published_at is None
    assert mailoutbox == []


def test_a_status_change_that_emails_nobody_needs_no_confirmation(fair, fair_with_requests):
    event = event_set_status(event=fair, status=Event.Status.SCHEDULED)
    assert event.status == Event.Status.SCHEDULED
    assert event.agenda_published_at is not None


# The organiser's pages -------------------------------------------------------------


def test_the_status_change_page_asks_first_naming_who_is_emailed(
    login, organiser, fair, fair_with_requests, schedule, mailoutbox, django_capture_on_commit_callbacks
):
    schedule(fair)
    client = login(organiser)
    url = reverse("event_status", args=[fair.slug])

    page = client.post(url, {"status": Event.Status.SCHEDULED})

    assert page.status_code == 200
    assert "emails “Your agenda is ready” to 5 participants" in page.text
    assert "Exporter0 Auto" in page.text
    assert "Idle Trading" not in page.text
    fair.refresh_from_db()
    assert fair.status == Event.Status.OPEN
    token = page.context["notice"].token
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"status": Event.Status.SCHEDULED, "confirm": token}, follow=True)
        # A second click, or the back button, changes and sends nothing more.
        again = client.post(url, {"status": Event.Status.SCHEDULED, "confirm": token}, follow=True)
    assert "5 participants are being emailed their agenda." in done.text
    assert again.status_code == 200
    assert len(mailoutbox) == 5


def test_the_status_change_page_shows_the_new_list_when_the_agenda_changed(
    login, organiser, fair, fair_with_requests, schedule, mailoutbox
):
    schedule(fair)
    client = login(organiser)
    url = reverse("event_status", args=[fair.slug])
    token = client.post(url, {"status": Event.Status.SCHEDULED}).context["notice"].token
    meeting_services.meeting_cancel(meeting=fair_with_requests[0], reason="Exporter withdrew")

    page = client.post(url, {"status": Event.Status.SCHEDULED, "confirm": token})

    assert page.status_code == 200
    assert 'role="alert"' in page.text
    assert "The agenda changed since you last looked." in page.text
    fair.refresh_from_db()
    assert fair.status == Event.Status.OPEN
    assert mailoutbox == []


# Queries ----------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_the_status_confirmation_costs_the_same_queries_for_any_number_of_participants(
    login, organiser, fair, meeting_between, schedule, rows, django_assert_num_queries
):
    exporter = make_company(ExporterFactory, "Sichuan Auto")
    for n in range(rows):
        meeting_between(fair, exporter, make_company(BuyerFactory, f"Buyer{n} Motors"))
    schedule(fair)
    client = login(organiser)

    with django_assert_num_queries(14):
        page = client.post(reverse("event_status", args=[fair.slug]), {"status": Event.Status.SCHEDULED})

    assert len(page.context["notice"].participations) == rows + 1


def test_the_migration_records_published_agendas_as_sent(fair, fair_with_requests, schedule, mailoutbox):

    migration = importlib.import_module("events.migrations.0003_agenda_publication_check_ins_and_previews")
    schedule(fair)
    Event.objects.filter(pk=fair.pk).update(status=Event.Status.SCHEDULED)

    migration.published_agendas_were_sent(apps, None)

    fair.refresh_from_db()
    assert fair.agenda_published_at is not None
    assert agenda_publication_notice(fair).participations == []
    event_set_status(event=fair, status=Event.Status.OPEN)
    event_set_status(event=fair, status=Event.Status.SCHEDULED)
    assert mailoutbox == []
