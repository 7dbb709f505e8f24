"""A deal in a browser: the exporter records it from a meeting, the buyer
confirms it, and the organiser's dashboard shows its value."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from deals.models import Deal
from matchmaking.models import FxRate
from tests.events.conftest import make_fair
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    LotFactory,
    MeetingFactory,
    MembershipFactory,
    ParticipationFactory,
)

from .test_event_agenda import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_deal_recorded_and_confirmed_reaches_the_dashboard(site, new_page, shoot):
    # Transactional tests flush the rates the migrations load.
    FxRate.objects.create(currency="USD", date=datetime.date(2026, 1, 1), rate_to_cny=Decimal("7.1"))
    organiser = MembershipFactory(organisation__kind="organiser", organisation__export_qualification_no="")
    fair = make_fair(organiser.organisation, slug="deal-fair")
    exporter = ExporterFactory(name="Chengdu Jinniu Auto Export", province="Sichuan")
    buyer = BuyerFactory(name="Almaty Motors", country="KZ")
    for organisation in (exporter, buyer):
        ParticipationFactory(event=fair, organisation=organisation)
    meeting = MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    lot = LotFactory(exporter=exporter, ref="JN-BYD-01", quantity=10)
    exporter_user = MembershipFactory(organisation=exporter).user
    buyer_user = MembershipFactory(organisation=buyer).user

    page = new_page()
    _sign_in(page, site, exporter_user.email)
    page.goto(f"{site}/deals/new/?meeting={meeting.pk}")
    page.select_option("#id_lines-0-lot", str(lot.pk))
    page.fill("#id_lines-0-quantity", "4")
    page.fill("#id_lines-0-unit_price", "15000")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Deal recorded.")
    shoot(page, "deal-01-recorded")
    deal = Deal.objects.get()
    assert deal.state == Deal.State.RECORDED

    buyer_page = new_page()
    _sign_in(buyer_page, site, buyer_user.email)
    buyer_page.goto(f"{site}/deals/{deal.pk}/")
    buyer_page.click("button:has-text('Confirm the deal')")
    buyer_page.wait_for_selector("text=Deal confirmed.")
    deal.refresh_from_db()
    lot.refresh_from_db()
    assert (deal.state, lot.quantity) == (Deal.State.CONFIRMED, 6)

    organiser_page = new_page()
    _sign_in(organiser_page, site, organiser.user.email)
    organiser_page.goto(f"{site}/events/{fair.slug}/dashboard/")
    assert organiser_page.locator(".kpi-main .kpi-sub", has_text="¥426,000").count() == 1
    assert organiser_page.locator(".bar-chart", has_text="Kazakhstan").count() >= 1
    shoot(organiser_page, "deal-02-dashboard")
