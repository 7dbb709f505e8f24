"""Full runs and incremental rescoring against the database: idempotent,
interest kept, stale matches explained, needs without matches diagnosed."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.models import Organisation
from matchmaking.models import Lot, Match, MatchRun, Need
from matchmaking.selectors.engine_inputs import TOP_K
from matchmaking.selectors.proposals import explain_matches
from matchmaking.services import lots as lot_services
from matchmaking.services import market_rules as rule_services
from matchmaking.services import matches as match_services
from matchmaking.services.match_runs import match_run_execute
from matchmaking.services.matches import match_for_pair
from matchmaking.services.rescoring import lot_rescore, need_rescore
from tests.factories import ConventionSignatureFactory, LotFactory, NeedFactory

pytestmark = pytest.mark.django_db

LOT_FIELDS = (
    "make", "model", "body_type", "fuel_type", "model_year", "mileage_km", "steering", "battery_soh_pct",
    "emission_standard", "quantity", "currency", "incoterm", "shipping_modes", "loading_point", "engine_cc",
)  # fmt: skip


def _run() -> MatchRun:
    run = match_run_execute(run_id=MatchRun.objects.create().pk)
    assert run.status == MatchRun.Status.FINISHED, run.error
    return run


def _rows() -> set[tuple]:
    return set(Match.objects.values_list("lot_id", "need_id", "score", "rank_for_need", "state"))


@pytest.fixture
def market() -> tuple[list[Lot], list[Need]]:
    lots = [LotFactory(unit_price=price) for price in (15_000, 16_000, 17_000)]
    needs = [NeedFactory(), NeedFactory(makes=[], max_unit_price=20_000)]
    return lots, needs


def test_a_full_run_stores_ranked_matches_that_pages_explain(market):
    lots, needs = market

    run = _run()

    assert run.matches_kept == 6
    assert (run.lots_count, run.needs_count) == (3, 2)
    ranked = list(
        Match.objects.filter(need=needs[0]).select_related("lot__exporter", "need").order_by("rank_for_need")
    )
    assert [m.lot_id for m in ranked] == [lots[0].pk, lots[1].pk, lots[2].pk]
    assert all(0 <= m.score <= 100 for m in ranked)
    # Explained afresh, the points still add up to the stored score.
    explain_matches(ranked)
    assert {factor["factor"] for factor in ranked[0].explanation} >= {"price", "logistics"}
    for match in ranked:
        assert abs(sum(f["points"] for f in match.explanation) - match.score) < 0.05


def test_running_twice_gives_the_same_matches_and_keeps_interest(market):
    lots, needs = market
    _run()
    match = Match.objects.get(lot=lots[0], need=needs[0])
    match_services.match_express_interest(match=match, organisation=needs[0].buyer, interest="yes")
    before = _rows()

    _run()

    assert _rows() == before
    match.refresh_from_db()
    assert match.buyer_interest == "yes"


def test_a_withdrawn_lot_leaves_stale_matches_only_where_someone_cared(
    market, django_capture_on_commit_callbacks
):
    lots, needs = market
    ConventionSignatureFactory(organisation=lots[0].exporter)
    _run()
    cared = Match.objects.get(lot=lots[0], need=needs[0])
    match_services.match_express_interest(match=cared, organisation=needs[0].buyer, interest="yes")

    with django_capture_on_commit_callbacks(execute=True):
        lot_services.lot_set_status(lot=lots[0], status=Lot.Status.WITHDRAWN)

    cared.refresh_from_db()
    assert cared.state == Match.State.STALE
    assert cared.stale_reason["reason"] == "lot_unavailable"
    assert cared.buyer_interest == "yes"
    assert not Match.objects.filter(lot=lots[0], need=needs[1]).exists()


def test_a_new_lot_is_rescored_on_its_own_when_saved(market, django_capture_on_commit_callbacks):
    lots, needs = market
    _run()
    exporter = lots[0].exporter
    ConventionSignatureFactory(organisation=exporter)
    fields = {field: getattr(lots[0], field) for field in LOT_FIELDS}

    with django_capture_on_commit_callbacks(execute=True):
        cheapest = lot_services.lot_create(
            exporter=exporter, ref="NEW-1", unit_price=9_000, status=Lot.Status.AVAILABLE, **fields
        )

    ranked = Match.objects.filter(need=needs[0]).order_by("rank_for_need")
    assert ranked[0].lot_id == cheapest.pk
    assert [m.rank_for_need for m in ranked] == [1, 2, 3, 4]


def test_a_changed_lot_enters_a_full_top_k_and_pushes_the_last_out():
    need = NeedFactory()
    lots = [LotFactory(unit_price=15_000 + 100 * k) for k in range(TOP_K + 1)]
    _run()
    ranked = list(Match.objects.filter(need=need).order_by("rank_for_need").values_list("lot_id", flat=True))
    assert ranked == [lot.pk for lot in lots[:TOP_K]]  # the dearest is out

    Lot.objects.filter(pk=lots[-1].pk).update(unit_price=9_000)
    lot_rescore(lot_id=lots[-1].pk)

    ranked = list(Match.objects.filter(need=need).order_by("rank_for_need").values_list("lot_id", flat=True))
    assert ranked == [lots[-1].pk] + [lot.pk for lot in lots[: TOP_K - 1]]
    after_rescore = _rows()
    _run()
    assert _rows() == after_rescore  # what a full run stores


def test_a_pair_answered_from_the_lot_side_survives_full_runs():
    need = NeedFactory()
    lots = [LotFactory(unit_price=15_000 + 100 * k) for k in range(TOP_K + 1)]
    _run()
    outside = match_for_pair(lot=lots[-1], need=need)  # the exporter saw it live, not in the need's top K
    match_services.match_express_interest(match=outside, organisation=lots[-1].exporter, interest="yes")

    _run()

    outside.refresh_from_db()
    assert (outside.exporter_interest, outside.state, outside.rank_for_need) == ("yes", "proposed", None)
    assert Match.objects.filter(need=need, rank_for_need__isnull=False).count() == TOP_K


def test_incremental_rescoring_agrees_with_a_full_run(market):
    lots, needs = market
    _run()
    before = _rows()

    lot_rescore(lot_id=lots[1].pk)
    need_rescore(need_id=needs[1].pk)

    assert _rows() == before


def test_rescoring_one_need_or_lot_agrees_with_a_full_run_on_a_varied_market():
    # Lots either side of every need condition the rescoring prefilters in SQL
    # (fuel, body, year range, mileage, price cap in any currency), plus one in
    # another case.
    at_cap = LotFactory(unit_price=19_800)  # the need's 18,000 USD x 1.10 exactly
    LotFactory(unit_price=Decimal("19800.01"))
    LotFactory(currency="CNY", unit_price=110_000)
    LotFactory(currency="CNY", unit_price=150_000)
    LotFactory(fuel_type="hev", unit_price=15_500)
    LotFactory(fuel_type="bev")
    LotFactory(body_type="sedan")
    LotFactory(body_type="SUV", unit_price=15_800)
    LotFactory(model_year=2020)
    LotFactory(model_year=2025, unit_price=17_500)
    LotFactory(mileage_km=60_000, unit_price=14_000)
    LotFactory(mileage_km=60_001)
    lots = [LotFactory(unit_price=price) for price in (15_000, 16_000)]
    needs = [
        NeedFactory(),
        NeedFactory(year_max=None, max_mileage_km=None, fuel_types=[], body_types=[]),
        NeedFactory(currency="CNY", max_unit_price=125_000),
    ]
    _run()
    before = _rows()
    assert Match.objects.filter(need=needs[0]).count() >= 5
    assert Match.objects.filter(need=needs[0], lot=at_cap).exists()
    assert Match.objects.filter(need=needs[2]).exists()

    for need in needs:
        need_rescore(need_id=need.pk)
    for lot in lots:
        lot_rescore(lot_id=lot.pk)

    assert _rows() == before


def test_rescoring_a_lot_finds_needs_naming_its_brand_in_any_spelling():
    # The lot rescore narrows needs in SQL by make spelling, fuel and body.
    lots = [
        LotFactory(make="Haval", model="H6"),
        LotFactory(make="Volkswagen", model="Tiguan"),
        LotFactory(make="BYD", fuel_type="bev", body_type="sedan"),
    ]
    NeedFactory(makes=["GWM"])  # the group: Haval too
    NeedFactory(makes=["great-wall haval"])
    NeedFactory(makes=["VW"], fuel_types=[], body_types=[])
    NeedFactory(makes=["byd auto"], fuel_types=["bev"], body_types=[])
    NeedFactory(makes=[], fuel_types=[], body_types=["sedan"])
    NeedFactory(makes=["Toyota"])
    _run()
    before = _rows()
    assert {lot for lot, *_ in before} == {lot.pk for lot in lots}

    for lot in lots:
        lot_rescore(lot_id=lot.pk)

    assert _rows() == before


def test_a_need_the_prefilter_empties_still_gets_the_full_diagnosis(market):
    picky = NeedFactory(year_min=2010, year_max=2012)
    _run()
    picky.refresh_from_db()
    diagnosis = picky.match_diagnosis

    need_rescore(need_id=picky.pk)

    picky.refresh_from_db()
    assert diagnosis["reason"] == "no_lot_in_year_range"
    assert picky.match_diagnosis == diagnosis


def test_a_need_no_lot_can_serve_says_why(market):
    chile = NeedFactory(destination_country="CL", makes=[], body_types=[], fuel_types=[])

    _run()

    chile.refresh_from_db()
    assert not chile.matches.exists()
    assert chile.match_diagnosis["reason"] == "rule_used_banned"
    assert chile.match_diagnosis["params"]["country"] == "CL"


def test_a_stricter_market_rule_rescores_that_countrys_needs(market, django_capture_on_commit_callbacks):
    _, needs = market
    _run()
    assert Match.objects.filter(need=needs[0]).exists()

    with django_capture_on_commit_callbacks(execute=True):
        rule_services.market_rule_create(country="KZ", steering_required="RHD", source="test")

    assert not Match.objects.filter(need__in=needs).exists()
    needs[0].refresh_from_db()
    assert needs[0].match_diagnosis["reason"] == "steering_unavailable"


def test_only_the_two_sides_of_a_match_answer(market):
    lots, needs = market
    _run()
    match = Match.objects.get(lot=lots[0], need=needs[0])
    stranger = Organisation.objects.create(kind="buyer", name="Stranger", country="NG")

    with pytest.raises(ValidationError, match="not one of yours"):
        match_services.match_express_interest(match=match, organisation=stranger, interest="yes")


def test_run_matching_prints_counts_and_export_matches_writes_csv(market, tmp_path, capsys):
    call_command("run_matching")
    out = capsys.readouterr().out
    assert "3 lots × 2 needs" in out
    assert "6 matches kept" in out

    target = tmp_path / "matches.csv"
    call_command("export_matches", str(target))

    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == ["need_ref", "buyer", "lot_ref", "exporter", "score", "rank_for_need"]
    assert len(rows) == 7
    assert rows[1][5] == "1"
