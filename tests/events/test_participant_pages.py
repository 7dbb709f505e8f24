"""The organisers' participant pages: deciding on applications, check-in,
adding a company directly and giving an exporter its booth."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import EventSession, Participation
from tests.events.conftest import Scene, messages_of
from tests.factories import BuyerFactory, OrganiserFactory

pytestmark = pytest.mark.django_db


# Deciding on participants ----------------------------------------------------------


def _decide(client, scene: Scene, participation: Participation, **data):
    return client.post(
        reverse("event_participant_decide", args=[scene.event.slug, participation.pk]), data, follow=True
    )


def test_the_organiser_approves_an_application(login, organiser, scene):
    response = _decide(login(organiser), scene, scene.pending, decision="approve")
    scene.pending.refresh_from_db()
    assert scene.pending.status == Participation.Status.APPROVED
    assert scene.pending.decided_by == organiser
    assert f"Decision saved for {scene.pending.organisation.name}." in messages_of(response)


def test_a_rejection_without_a_reason_is_refused(login, organiser, scene):
    response = _decide(login(organiser), scene, scene.pending, decision="reject", reason="  ")
    assert "Say why the application is rejected." in response.text
    scene.pending.refresh_from_db()
    assert scene.pending.status == Participation.Status.PENDING


def test_a_rejection_with_a_reason_is_saved_and_shown(login, organiser, scene):
    client = login(organiser)
    _decide(client, scene, scene.pending, decision="reject", reason="No export licence")
    scene.pending.refresh_from_db()
    assert scene.pending.status == Participation.Status.REJECTED
    assert "No export licence" in client.get(reverse("event_participants", args=[scene.event.slug])).text


def test_a_company_with_booked_meetings_cannot_be_rejected(login, organiser, scene):
    response = _decide(login(organiser), scene, scene.buyer, decision="reject", reason="Late")
    assert "This company has meetings booked." in response.text
    scene.buyer.refresh_from_db()
    assert scene.buyer.status == Participation.Status.APPROVED


def test_the_decision_returns_to_the_filtered_list(login, organiser, scene):
    url = reverse("event_participants", args=[scene.event.slug]) + "?status=pending"
    response = login(organiser).post(
        reverse("event_participant_decide", args=[scene.event.slug, scene.pending.pk]),
        {"decision": "approve", "next": url},
    )
    assert response.url == url


def test_check_in_toggles(login, organiser, scene):
    # Check-in is taken on the event's days: today is one.
    EventSession.objects.filter(event=scene.event).update(
        date=timezone.localdate(timezone.now(), scene.event.zone)
    )
    client = login(organiser)
    url = reverse("event_participant_check_in", args=[scene.event.slug, scene.exporter.pk])

    response = client.post(url, {"checked_in": "1"}, follow=True)
    scene.exporter.refresh_from_db()
    assert scene.exporter.checked_in_at is not None
    assert f"{scene.exporter.organisation.name} checked in." in messages_of(response)
    assert 'name="checked_in" value="0"' in response.text

    client.post(url, {"checked_in": "0"})
    scene.exporter.refresh_from_db()
    assert scene.exporter.checked_in_at is None


def test_a_pending_participant_cannot_check_in(login, organiser, scene):
    url = reverse("event_participant_check_in", args=[scene.event.slug, scene.pending.pk])
    response = login(organiser).post(url, {"checked_in": "1"}, follow=True)
    assert "Only approved participants can check in." in messages_of(response)
    scene.pending.refresh_from_db()
    assert scene.pending.checked_in_at is None


def test_the_organiser_adds_a_company_directly(login, organiser, scene):
    company = BuyerFactory(name="Tashkent Motors")
    response = login(organiser).post(
        reverse("event_participants", args=[scene.event.slug]), {"organisation": company.pk}, follow=True
    )
    assert "Tashkent Motors takes part." in messages_of(response)
    assert Participation.objects.get(event=scene.event, organisation=company).is_approved


def test_an_organiser_cannot_be_added_as_a_participant(login, organiser, scene):
    other = OrganiserFactory()
    response = login(organiser).post(
        reverse("event_participants", args=[scene.event.slug]), {"organisation": other.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not Participation.objects.filter(organisation=other).exists()


def test_the_organiser_gives_an_exporter_its_booth(login, organiser, scene):
    table = scene.event.tables.get(name="T3")
    url = reverse("event_participant", args=[scene.event.slug, scene.exporter.pk])
    response = login(organiser).post(url, {"home_table": table.pk})
    assert response.status_code == 302
    scene.exporter.refresh_from_db()
    assert scene.exporter.home_table == table


def test_a_buyer_gets_no_booth(login, organiser, scene):
    table = scene.event.tables.get(name="T3")
    url = reverse("event_participant", args=[scene.event.slug, scene.buyer.pk])
    response = login(organiser).post(url, {"home_table": table.pk})
    assert response.status_code == 200
    # The page offers no booth form for a buyer; the refusal is on the form all the same.
    assert response.context["home_table_form"].non_field_errors() == ["Only exporters have a booth."]
    scene.buyer.refresh_from_db()
    assert scene.buyer.home_table is None


def test_the_participant_page_shows_its_meetings_and_availability(login, organiser, scene):
    scene.exporter.unavailable_slots.add(scene.event.slots.get(number=4))
    response = login(organiser).get(reverse("event_participant", args=[scene.event.slug, scene.exporter.pk]))
    assert scene.buyer.organisation.name in response.text
    assert "#4 (Tue, Dec 15, 2026, 10:30\u202fAM)" in response.text
