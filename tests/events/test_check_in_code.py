"""The check-in QR code on a participant's agenda and the page an organiser's
phone opens from it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from events.check_in_codes import check_in_token, expiry_day
from events.models import CheckInRecord, EventSession, Participation
from tests.events.conftest import FAIR_DAY, make_fair
from tests.factories import MembershipFactory, OrganiserFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def _scan_url(participation: Participation, expires: datetime.date | None = None) -> str:
    token = check_in_token(participation, expires or expiry_day(participation.event))
    return reverse("event_check_in_scan", args=[participation.event.slug, token])


def test_the_agenda_shows_a_qr_code_of_a_signed_link_to_the_scan_page(login, exporter_admin, fair, join):
    participation = join(fair, exporter_admin.membership.organisation)

    page = login(exporter_admin).get(reverse("event_agenda", args=[fair.slug])).text

    assert '<svg viewBox="0 0' in page
    assert "Check-in code of" in page
    assert "It works until Dec 16, 2026" in page
    assert expiry_day(fair) == FAIR_DAY + datetime.timedelta(days=1)
    assert participation.organisation.name in page


def test_an_organiser_scans_and_checks_in_with_one_tap(login, organiser, fair, join):
    participation = join(fair)
    # The fair is today, in its own calendar.
    EventSession.objects.filter(event=fair).update(date=timezone.localdate(timezone.now(), fair.zone))
    client = login(organiser)

    page = client.get(_scan_url(participation))
    assert page.status_code == 200
    assert participation.organisation.name in page.text
    assert "Check in" in page.text
    response = client.post(_scan_url(participation))

    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.checked_in_at is not None
    assert CheckInRecord.objects.get().by == organiser
    assert "Checked in on" in client.get(response.url).text


def test_outside_the_events_days_the_scan_asks_for_a_reason(login, organiser, fair, join):
    participation = join(fair)
    client = login(organiser)

    refused = client.post(_scan_url(participation))
    assert refused.status_code == 200
    assert "give the reason" in refused.text
    participation.refresh_from_db()
    assert participation.checked_in_at is None

    client.post(_scan_url(participation), {"reason": "Arrived a day early for the exhibitor briefing"})
    participation.refresh_from_db()
    assert participation.checked_in_at is not None


def test_an_expired_code_says_so_and_changes_nothing(login, organiser, fair, join):
    participation = join(fair)
    url = _scan_url(participation, expires=datetime.date(2020, 1, 1))

    client = login(organiser)
    assert client.get(url).status_code == 410
    response = client.post(url)

    assert response.status_code == 410
    assert "This check-in code has expired" in response.text
    participation.refresh_from_db()
    assert participation.checked_in_at is None


def test_a_forged_or_foreign_code_is_404(login, organiser, fair, join):
    participation = join(fair)
    other = make_fair(fair.organiser, slug="almaty-2027")
    elsewhere = ParticipationFactory(event=other)
    client = login(organiser)

    assert client.get(_scan_url(participation)[:-3] + "xx/").status_code == 404
    # A genuine code of another event, opened under this one.
    token = check_in_token(elsewhere, expiry_day(other))
    assert client.get(reverse("event_check_in_scan", args=[fair.slug, token])).status_code == 404


def test_the_scan_page_is_the_events_organisers_only(login, exporter_admin, fair, join):
    participation = join(fair, exporter_admin.membership.organisation)
    url = _scan_url(participation)
    other_organiser = MembershipFactory(organisation=OrganiserFactory()).user

    assert login(exporter_admin).post(url).status_code == 404
    assert login(other_organiser).post(url).status_code == 404
    participation.refresh_from_db()
    assert participation.checked_in_at is None


def test_the_scan_page_queries(login, organiser, fair, join, django_assert_num_queries):
    participation = join(fair)
    client = login(organiser)
    url = _scan_url(participation)
    client.get(url)

    # savepoint, session, user, event, membership, event days, participation, release
    with django_assert_num_queries(8):
        client.get(url)
