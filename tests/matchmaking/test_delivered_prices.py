"""Prices delivered to the buyer's port, end to end: the rates organisers keep
decide which lots a full run proposes, and the buyer's match cards and lot
page show the delivered price with its arithmetic."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate, Match, MatchRun
from matchmaking.selectors.freight import freight_tables_on
from matchmaking.selectors.proposals import lot_proposals
from matchmaking.services.match_runs import match_run_execute
from matchmaking.services.rescoring import need_rescore
from tests.factories import LotFactory, NeedFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def rail_to_kazakhstan() -> FreightRate:
    # Only the rates of these tests, not the demo fair's.
    FreightRate.objects.all().delete()
    InlandHaulage.objects.all().delete()
    InsuranceRate.objects.all().delete()
    return FreightRate.objects.create(
        mode="rail",
        origin="Chengdu; Zhengzhou",
        destination_country="KZ",
        vehicle_class="suv_mpv_pickup",
        price=Decimal("1500"),
        currency="USD",
        valid_from=datetime.date(2026, 10, 1),
        source="forwarder's quote",
    )


# Pages isolate names and sums inside sentences (FSI ... PDI); read without them.
def _run() -> None:
    run = match_run_execute(run_id=MatchRun.objects.create().pk)
    assert run.status == MatchRun.Status.FINISHED, run.error


def test_a_cfr_need_gets_the_fob_lot_only_while_freight_keeps_it_within_budget(exporter_admin, buyer_admin):
    lot = LotFactory(exporter=exporter_admin.membership.organisation)  # 16,500 USD FOB, Chengdu rail
    buyer = buyer_admin.membership.organisation
    within = NeedFactory(buyer=buyer, incoterm="CFR", max_unit_price=Decimal("17000"))  # cap 18,700
    beyond = NeedFactory(buyer=buyer, incoterm="CFR", max_unit_price=Decimal("16000"))  # cap 17,600
    stated = NeedFactory(buyer=buyer, incoterm="FOB", max_unit_price=Decimal("16000"))
    _run()
    assert set(Match.objects.filter(lot=lot).values_list("need_id", flat=True)) == {within.pk, stated.pk}
    assert beyond.pk not in set(Match.objects.values_list("need_id", flat=True))


def test_the_buyers_match_card_and_lot_page_show_the_delivered_price(
    client, login, exporter_admin, buyer_admin
):
    lot = LotFactory(exporter=exporter_admin.membership.organisation)
    need = NeedFactory(
        buyer=buyer_admin.membership.organisation, incoterm="CFR", max_unit_price=Decimal("17000")
    )
    _run()
    client = login(buyer_admin)

    page = (
        client.get(reverse("need_matches", args=[need.pk]))
        .content.decode()
        .replace("\u2068", "")
        .replace("\u2069", "")
    )
    assert "CFR Khorgos ≈ 18,000 USD = FOB 16,500 + Rail 1,500 (indicative)" in page
    assert "≈ $18,000 <small>CFR" in page

    page = (
        client.get(reverse("lot_detail", args=[lot.pk]))
        .content.decode()
        .replace("\u2068", "")
        .replace("\u2069", "")
    )
    assert "Delivered: ≈ $18,000 CFR" in page
    assert "= FOB 16,500 + Rail 1,500" in page


def test_a_route_without_a_rate_is_compared_as_stated_and_says_so(login, exporter_admin, buyer_admin):
    LotFactory(exporter=exporter_admin.membership.organisation)
    need = NeedFactory(
        buyer=buyer_admin.membership.organisation,
        destination_country="UZ",
        destination_port="Tashkent",
        incoterm="CFR",
    )
    _run()
    page = (
        login(buyer_admin)
        .get(reverse("need_matches", args=[need.pk]))
        .content.decode()
        .replace("\u2068", "")
        .replace("\u2069", "")
    )
    assert "freight to Tashkent unknown: compared on FOB" in page


def test_a_newer_rate_replaces_an_older_one_from_its_day(rail_to_kazakhstan):
    FreightRate.objects.create(
        mode="rail",
        origin="Chengdu; Zhengzhou",
        destination_country="KZ",
        vehicle_class="suv_mpv_pickup",
        price=Decimal("1700"),
        currency="USD",
        valid_from=datetime.date(2026, 12, 15),
        source="winter tariff",
    )
    assert [rate.price for rate in freight_tables_on(TODAY).freight] == [1500.0]
    assert [rate.price for rate in freight_tables_on(datetime.date(2026, 12, 15)).freight] == [1700.0]


def test_rescoring_and_the_lots_live_ranking_agree_with_the_full_run(exporter_admin, buyer_admin):
    exporter, buyer = exporter_admin.membership.organisation, buyer_admin.membership.organisation
    lots = [LotFactory(exporter=exporter, unit_price=Decimal(price)) for price in ("15000", "16500", "17200")]
    LotFactory(exporter=exporter, incoterm="EXW", unit_price=Decimal("15800"))  # no haulage rate: as stated
    needs = [
        NeedFactory(buyer=buyer, incoterm=term, max_unit_price=Decimal(budget))
        for term, budget in (("CFR", "17000"), ("CIF", "16500"), ("FOB", "16000"), ("CFR", "15500"))
    ]
    InsuranceRate.objects.create(
        rate_pct=Decimal("0.5"), valid_from=datetime.date(2026, 1, 1), source="estimate"
    )
    _run()
    before = set(Match.objects.values_list("lot_id", "need_id", "score", "rank_for_need"))
    assert before

    for need in needs:
        need_rescore(need_id=need.pk)
    assert set(Match.objects.values_list("lot_id", "need_id", "score", "rank_for_need")) == before
    for lot in lots:
        live = {(m.need_id, m.score) for m in lot_proposals(lot)}
        assert live == {(need_id, score) for lot_id, need_id, score, _ in before if lot_id == lot.pk}
