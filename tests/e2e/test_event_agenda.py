"""An event's agenda in a browser: the organiser schedules the requested
meetings and sees them on the grid; an exporter confirms one on its agenda."""

from __future__ import annotations

import pytest

from events.models import Meeting
from tests.events.conftest import make_fair
from tests.factories import (
    PASSWORD,
    BuyerFactory,
    ExporterFactory,
    MeetingFactory,
    MembershipFactory,
    ParticipationFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, site: str, email: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/dashboard/")


def test_organiser_schedules_and_exporter_confirms(site, new_page, shoot):
    organiser = MembershipFactory(organisation__kind="organiser", organisation__export_qualification_no="")
    fair = make_fair(organiser.organisation, slug="browser-fair")
    exporter = ExporterFactory(name="Chengdu Jinniu Auto Export")
    exporter_user = MembershipFactory(organisation=exporter).user
    buyers = [BuyerFactory(name=f"Buyer {n}") for n in range(3)]
    for organisation in [exporter, *buyers]:
        ParticipationFactory(event=fair, organisation=organisation)
    for buyer in buyers:
        MeetingFactory(event=fair, exporter=exporter, buyer=buyer)

    page = new_page()
    _sign_in(page, site, organiser.user.email)
    page.goto(f"{site}/events/{fair.slug}/schedule/")
    page.fill("#id_time_limit", "2")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Meetings on the agenda")
    shoot(page, "event-01-scheduled")
    assert Meeting.objects.filter(event=fair, state=Meeting.State.SCHEDULED).count() == 3
    page.goto(f"{site}/events/{fair.slug}/grid/")
    assert page.locator(".agenda-grid a", has_text="Buyer 0").count() == 1
    shoot(page, "event-02-grid")

    exporter_page = new_page()
    _sign_in(exporter_page, site, exporter_user.email)
    exporter_page.goto(f"{site}/events/{fair.slug}/agenda/")
    assert exporter_page.locator("table.agenda tbody tr").count() == 3
    exporter_page.locator("table.agenda tbody tr").first.locator("button", has_text="Confirm").click()
    exporter_page.wait_for_selector("text=Meeting confirmed.")
    shoot(exporter_page, "event-03-agenda-confirmed")
    assert Meeting.objects.filter(event=fair, exporter_confirmed_at__isnull=False).count() == 1
