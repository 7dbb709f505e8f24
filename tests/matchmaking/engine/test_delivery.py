"""Prices compared like with like: a lot's price brought to the need's incoterm
and destination with the freight, haulage and insurance tables (DESIGN.md §3,
hard constraint 5), on planted cases whose arithmetic is worked by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matchmaking.choices import BodyType, VehicleClass
from matchmaking.engine import delivery
from matchmaking.engine.scoring import (
    FreightRecord,
    FreightTables,
    HaulageRecord,
    InsuranceRecord,
    LotTable,
    NeedTable,
    diagnose_need,
    rescore_lot,
    rescore_need,
    run_full,
)
from matchmaking.engine.weights import UNPRICED_PENALTY_CENTI
from tests.matchmaking.engine.test_scoring import BASE_LOT, BASE_NEED, EVERYTHING, FX, ON

# Used imports are open and unconstrained in these cases: only the price decides.
NO_RULES: list = []
FOB_LOT = replace(
    BASE_LOT,
    incoterm="FOB",
    unit_price=8_200.0,
    loading_point="Tianjin port",
    shipping_modes=("roro", "container"),
)
CFR_NEED = replace(
    BASE_NEED,
    destination_country="NG",
    destination_port="Lagos, Apapa",
    incoterm="CFR",
    max_unit_price=8_800.0,
)
RORO_LAGOS = FreightRecord("roro", ("Tianjin", "Shanghai"), "NG", "Lagos", "car", 1_650.0, "USD")


def candidates(lots, needs, freight) -> set[tuple[int, int]]:
    result = run_full(lots, needs, NO_RULES, FX, ON, top_k=EVERYTHING, freight=freight)
    return set(zip(result.lot_ids.tolist(), result.need_ids.tolist(), strict=True))


def price_factor(lot, need, freight):
    (match,) = rescore_need(need, LotTable.build([lot]), NO_RULES, FX, ON, freight=freight)
    return next(f for f in match.explanation if f[0] == "price"), match


def test_a_fob_lot_under_a_cfr_budget_is_refused_once_freight_is_added():
    # Stated, 8,200 USD is under the 8,800 budget; delivered it is 8,200 + 1,650
    # = 9,850 USD CFR Lagos, above the 9,680 the 10 % allowance reaches.
    assert candidates([FOB_LOT], [replace(CFR_NEED, incoterm="FOB")], FreightTables((RORO_LAGOS,)))
    assert not candidates([FOB_LOT], [CFR_NEED], FreightTables((RORO_LAGOS,)))
    diagnostic = diagnose_need(
        CFR_NEED, LotTable.build([FOB_LOT]), NO_RULES, FX, ON, freight=FreightTables((RORO_LAGOS,))
    )
    assert diagnostic is not None
    assert diagnostic.reason == "over_budget"
    assert diagnostic.params == {"pct": 12, "cheapest": 9_850.0, "currency": "USD", "alone": True}


def test_and_accepted_when_a_cheaper_mode_both_accept_brings_it_within_budget():
    container = FreightRecord("container", ("Tianjin",), "NG", "", "car", 1_200.0, "USD")
    freight = FreightTables((RORO_LAGOS, container))
    assert candidates([FOB_LOT], [CFR_NEED], freight) == {(1, 1)}
    (_name, _points, reason, params), _ = price_factor(FOB_LOT, CFR_NEED, freight)
    assert reason == "over_budget"
    assert params["price"] == 9_400.0
    assert params["incoterm"] == "CFR"
    assert params["stated_incoterm"] == "FOB"
    assert params["stated_price"] == 8_200.0
    assert params["costs"] == [["freight", "container", 1_200.0]]
    assert params["missing"] == ""
    assert params["place"] == "Lagos, Apapa"
    assert params["indicative"] is True
    # A buyer who ships by RoRo only is not offered the container rate.
    assert not candidates([FOB_LOT], [replace(CFR_NEED, shipping_modes=("roro",))], freight)


def test_a_port_rate_is_taken_before_the_countrys_and_another_ports_is_not():
    lagos = FreightRecord("roro", ("Tianjin",), "NG", "Lagos", "car", 1_650.0, "USD")
    nigeria = FreightRecord("roro", ("Tianjin",), "NG", "", "car", 900.0, "USD")
    onne = FreightRecord("roro", ("Tianjin",), "NG", "Onne", "car", 500.0, "USD")
    need = replace(CFR_NEED, max_unit_price=20_000.0)
    (_, _, _, params), _ = price_factor(FOB_LOT, need, FreightTables((nigeria, onne, lagos)))
    assert params["costs"] == [["freight", "roro", 1_650.0]]
    (_, _, _, params), _ = price_factor(FOB_LOT, need, FreightTables((nigeria, onne)))
    assert params["costs"] == [["freight", "roro", 900.0]]
    # A need naming no port takes the country's rate, else the cheapest to any of its ports.
    anywhere = replace(need, destination_port="")
    (_, _, _, params), _ = price_factor(FOB_LOT, anywhere, FreightTables((nigeria, onne, lagos)))
    assert params["costs"] == [["freight", "roro", 900.0]]
    (_, _, _, params), _ = price_factor(FOB_LOT, anywhere, FreightTables((onne, lagos)))
    assert params["costs"] == [["freight", "roro", 500.0]]


def test_a_route_with_no_rate_is_compared_as_stated_said_so_and_lightly_penalised():
    ghana = replace(CFR_NEED, destination_country="GH", destination_port="Tema", max_unit_price=9_000.0)
    freight = FreightTables((RORO_LAGOS,))
    assert candidates([FOB_LOT], [ghana], freight) == {(1, 1)}
    (_, _, _reason, params), unpriced = price_factor(FOB_LOT, ghana, freight)
    assert params["price"] == 8_200.0
    assert params["incoterm"] == "FOB"
    assert params["missing"] == "freight"
    assert params["costs"] == []
    assert params["place"] == "Tema"
    # The same pair with a rate (for nothing: a zero rate) scores the penalty more.
    free = FreightRecord("roro", ("Tianjin",), "GH", "", "car", 0.0, "USD")
    _, priced = price_factor(FOB_LOT, ghana, FreightTables((free,)))
    logistics = {m: next(p for f, p, *_ in m.explanation if f == "logistics") for m in (unpriced, priced)}
    assert logistics[priced] - logistics[unpriced] == UNPRICED_PENALTY_CENTI / 100
    assert priced.score - unpriced.score == pytest.approx(UNPRICED_PENALTY_CENTI / 100)


def test_exw_to_cif_in_a_currency_other_than_the_lots():
    lot = replace(
        BASE_LOT,
        incoterm="EXW",
        unit_price=50_000.0,
        currency="CNY",
        loading_point="Chengdu International Railway Port",
        shipping_modes=("rail",),
    )
    need = replace(
        BASE_NEED, destination_country="KZ", incoterm="CIF", currency="EUR", max_unit_price=7_000.0
    )
    freight = FreightTables(
        freight=(FreightRecord("rail", ("Chengdu", "Zhengzhou"), "KZ", "", "car", 1_300.0, "USD"),),
        haulage=(HaulageRecord(("Chengdu",), "car", 120.0, "USD"),),
        insurance=(InsuranceRecord("", 0.5), InsuranceRecord("NG", 0.7)),
    )
    # In yuan: (50,000 + 120 x 7.1 + 1,300 x 7.1) x 1.005 = 60,382.41, which is
    # 7,547.80 EUR at 8.0: 8 % over the 7,000 EUR budget, within the allowance.
    (_, _, reason, params), _ = price_factor(lot, need, freight)
    assert reason == "over_budget"
    assert params["price"] == pytest.approx(7_547.80, abs=0.01)
    assert params["pct"] == 8
    assert params["currency"] == "EUR"
    assert (params["stated_incoterm"], params["incoterm"]) == ("EXW", "CIF")
    assert params["stated_price"] == 6_250.0
    assert params["costs"] == [
        ["haulage", "", 106.5],
        ["freight", "rail", 1_153.75],
        ["insurance", "", pytest.approx(37.55, abs=0.01)],
    ]
    assert params["stated_price"] + sum(amount for *_, amount in params["costs"]) == pytest.approx(
        params["price"], abs=0.02
    )
    # Without an insurance rate the conversion stops at CFR and says why.
    (_, _, _, params), _ = price_factor(lot, need, replace(freight, insurance=()))
    assert (params["incoterm"], params["missing"]) == ("CFR", "insurance")


def test_full_runs_rescoring_and_the_lots_live_ranking_agree_on_delivered_prices():
    lots = [FOB_LOT, replace(FOB_LOT, id=2, unit_price=7_000.0), replace(FOB_LOT, id=3, incoterm="CFR")]
    needs = [
        CFR_NEED,
        replace(CFR_NEED, id=2, incoterm="CIF"),
        replace(CFR_NEED, id=3, destination_country="GH"),
    ]
    freight = FreightTables((RORO_LAGOS,), insurance=(InsuranceRecord("", 0.5),))
    result = run_full(lots, needs, NO_RULES, FX, ON, top_k=EVERYTHING, freight=freight)
    need_table = NeedTable.build(needs)
    for lot in lots:
        fresh = rescore_lot(lot, need_table, NO_RULES, FX, ON, EVERYTHING, freight=freight)
        assert [(m.need_id, m.score, m.explanation) for m in fresh] == [
            (m.need_id, m.score, m.explanation) for m in result.for_lot(lot.id)
        ]


def test_a_lot_priced_at_or_above_the_needs_term_is_compared_as_stated():
    cif_lot = replace(FOB_LOT, incoterm="CIF", unit_price=9_000.0)
    (_, _, _, params), _ = price_factor(cif_lot, CFR_NEED, FreightTables((RORO_LAGOS,)))
    assert params == {"pct": 2, "price": 9_000.0, "max_price": 8_800.0, "currency": "USD", "incoterm": "CIF"}


def test_vehicle_classes_mirror_the_choices():
    assert set(delivery.VEHICLE_CLASSES) == set(VehicleClass.values)
    assert set(delivery.BODY_CLASS) == set(BodyType.values)
