"""The matching engine against an independent, slow, pure-Python reading of
the hard constraints (DESIGN.md §3), plus examples with the real market rules."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking.choices import EMISSION_LEVEL
from matchmaking.engine import vocabulary
from matchmaking.engine.scoring import (
    NO_RATES,
    WEIGHTS,
    FreightRecord,
    FreightTables,
    HaulageRecord,
    InsuranceRecord,
    LotRecord,
    LotTable,
    NeedRecord,
    NeedTable,
    RuleRecord,
    diagnose_need,
    explain_pairs,
    match_needs,
    merge_lot_top_k,
    rescore_lot,
    rescore_need,
    run_full,
)

ON = date(2025, 11, 15)
FX = {"USD": 7.1, "CNY": 1.0, "EUR": 8.0}
# The bundled copy of the shared sourced rules (what the migrations load).
RULES_CSV = Path(__file__).resolve().parents[3] / "matchmaking" / "data" / "market_rules.csv"
EVERYTHING = 10_000  # a top K no test data reaches: every candidate is kept

# ------------------------------------------------------------------ reference

_REF_BRANDS = {"vw": "volkswagen", "gwm": "great wall", "saic mg": "mg", "great wall motors": "great wall"}
_REF_GWM = {"great wall", "haval", "tank", "ora", "wey"}
_REF_LEVEL = {"china4": 4, "china5": 5, "china6a": 6, "china6b": 6, "euro4": 4, "euro5": 5, "euro6": 6}


def _words(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


def _brand(make: str) -> str:
    return _REF_BRANDS.get(_words(make), _words(make))


def _wanted_brands(makes: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for make in makes:
        out |= _REF_GWM if _brand(make) == "great wall" else {_brand(make)}
    return out


def _completed_years(since: date, on: date) -> int:
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def reference_candidate(
    lot: LotRecord,
    need: NeedRecord,
    rules: list[RuleRecord],
    fx: dict,
    on: date,
    freight: FreightTables = NO_RATES,
) -> bool:
    """DESIGN.md §3 read literally, one pair at a time."""
    if not (lot.available and lot.quantity >= 1 and need.open):
        return False
    if need.makes and _brand(lot.make) not in _wanted_brands(need.makes):
        return False
    if need.models and _words(lot.model) not in {_words(m) for m in need.models}:
        return False
    if need.body_types and lot.body_type.lower() not in {b.lower() for b in need.body_types}:
        return False
    if need.fuel_types and lot.fuel_type.lower() not in {f.lower() for f in need.fuel_types}:
        return False
    if need.year_min is not None and lot.model_year < need.year_min:
        return False
    if need.year_max is not None and lot.model_year > need.year_max:
        return False
    if need.max_mileage_km is not None and lot.mileage_km > need.max_mileage_km:
        return False
    electrified = lot.fuel_type in {"hev", "phev", "bev", "erev"}
    wanted_soh = need.min_battery_soh_pct
    if electrified and wanted_soh is not None and (lot.battery_soh_pct or -1) < wanted_soh:
        return False
    applicable = [
        rule
        for rule in rules
        if rule.country == need.destination_country
        and (not rule.applies_to_fuels or lot.fuel_type in rule.applies_to_fuels)
    ]
    if need.steering and lot.steering != need.steering:
        return False
    for rule in applicable:
        if rule.used_imports_banned or lot.fuel_type in rule.banned_fuels:
            return False
        if rule.steering_required and lot.steering != rule.steering_required:
            return False
        if rule.max_age_years is not None:
            since = date(lot.model_year, 1, 1)
            if rule.age_counted_from == "first_registration" and lot.first_registration is not None:
                since = lot.first_registration
            if _completed_years(since, on) > rule.max_age_years:
                return False
        engine = lot.fuel_type != "bev"
        level = _REF_LEVEL.get(lot.emission_standard, 0)
        if engine and rule.min_emission_standard and level < _REF_LEVEL[rule.min_emission_standard]:
            return False
        too_big = lot.engine_cc is None or lot.engine_cc > (rule.max_engine_cc or 0)
        if engine and rule.max_engine_cc is not None and too_big:
            return False
        if rule.max_mileage_km is not None and lot.mileage_km > rule.max_mileage_km:
            return False
    if lot.currency not in fx or need.currency not in fx:
        return False
    price, _ = reference_delivered(lot, need, freight, fx)
    return price <= need.max_unit_price * 1.10 * fx[need.currency]


_REF_TERMS = ["EXW", "FOB", "CFR", "CIF"]
_REF_CLASS = {"sedan": "car", "suv": "suv_mpv_pickup", "pickup": "suv_mpv_pickup", "bus": "bus_truck"}


def _place(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _within(name: str, place: str) -> bool:
    return bool(name) and f" {name} " in f" {place} "


def reference_delivered(
    lot: LotRecord, need: NeedRecord, freight: FreightTables, fx: dict
) -> tuple[float, str]:
    """The lot's price in yuan brought to the need's incoterm as DESIGN.md §3
    says, one rate at a time, and the rate that was missing ("" for none)."""
    term, wanted = _REF_TERMS.index(lot.incoterm), _REF_TERMS.index(need.incoterm)
    price = lot.unit_price * fx[lot.currency]
    vehicle = _REF_CLASS.get(lot.body_type, "car")
    point = _place(lot.loading_point)
    haulage = carriage = 0.0
    insured = 1.0
    if term == 0 and wanted >= 1:
        found = [
            rate.price * fx[rate.currency]
            for rate in freight.haulage
            if rate.vehicle_class == vehicle
            and rate.currency in fx
            and any(_within(_place(o), point) for o in rate.origins)
        ]
        if not found:
            return price, "haulage"
        haulage, term = min(found), 1
    if term <= 1 and wanted >= 2:
        offered, asked = set(lot.shipping_modes), set(need.shipping_modes)
        modes = (
            (offered & asked)
            if offered and asked
            else (offered or asked or {"roro", "container", "rail", "road"})
        )
        port = _place(need.destination_port)
        cheapest = []
        for mode in modes:
            ranked = []
            for rate in freight.freight:
                if (rate.mode, rate.country, rate.vehicle_class) != (mode, need.destination_country, vehicle):
                    continue
                if rate.currency not in fx or not any(_within(_place(o), point) for o in rate.origins):
                    continue
                rate_port = _place(rate.port)
                if not rate_port:
                    ranked.append((1, rate.price * fx[rate.currency]))
                elif not port:
                    ranked.append((0, rate.price * fx[rate.currency]))
                elif _within(rate_port, port) or _within(port, rate_port):
                    ranked.append((2, rate.price * fx[rate.currency]))
            if ranked:
                best = max(rank for rank, _ in ranked)
                cheapest.append(min(amount for rank, amount in ranked if rank == best))
        if not cheapest:
            return price + (haulage + carriage), "freight"
        carriage, term = min(cheapest), 2
    if term <= 2 and wanted == 3:
        rates = {rate.country: rate.rate_pct for rate in freight.insurance}
        pct = rates.get(need.destination_country, rates.get(""))
        if pct is None:
            return price + (haulage + carriage), "insurance"
        insured = 1.0 + pct / 100.0
    return (price + (haulage + carriage)) * insured, ""


# ------------------------------------------------------------------ data

MAKES = ["VW", "Volkswagen", "BYD", "Haval", "GWM", "Great Wall", "MG", "SAIC MG", "chery"]
MODELS = ["Lavida", "Han", "H6", "Poer", "ZS", "Tiggo-7"]
BODIES = ["sedan", "suv", "pickup"]
FUELS = ["petrol", "diesel", "bev", "phev", "hev"]
COUNTRIES = ["KE", "EG", "PE", "RU", "XX"]
CURRENCIES = ["USD", "CNY", "EUR", "GBP"]  # GBP has no rate
STANDARDS = ["", "china4", "china5", "china6b", "euro5", "euro6"]


def subset(values: list[str], most: int = 2) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(values), max_size=most, unique=True).map(tuple)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


@st.composite
def lots(draw: st.DrawFn, lot_id: int) -> LotRecord:
    year = draw(st.integers(2014, 2026))
    fuel = draw(st.sampled_from(FUELS))
    return LotRecord(
        id=lot_id,
        exporter_id=draw(st.integers(1, 3)),
        make=draw(st.sampled_from(MAKES)),
        model=draw(st.sampled_from(MODELS)),
        body_type=draw(st.sampled_from(BODIES)),
        fuel_type=fuel,
        model_year=year,
        first_registration=draw(
            optional(st.builds(date, st.integers(year, year + 1), st.integers(1, 12), st.just(1)))
        ),
        mileage_km=draw(st.integers(0, 120_000)),
        steering=draw(st.sampled_from(["LHD", "LHD", "RHD"])),
        engine_cc=None if fuel == "bev" else draw(optional(st.integers(900, 3000))),
        battery_soh_pct=draw(optional(st.integers(60, 100))),
        emission_standard=draw(st.sampled_from(STANDARDS)),
        quantity=draw(st.integers(0, 12)),
        unit_price=float(draw(st.integers(1_000, 40_000))),
        currency=draw(st.sampled_from(CURRENCIES)),
        shipping_modes=draw(subset(["roro", "container", "rail", "road"])),
        loading_point=draw(
            st.sampled_from(["Tianjin port", "Khorgos", "Chengdu International Railway Port", ""])
        ),
        exporter_verified=draw(st.booleans()),
        exporter_deals=draw(st.integers(0, 15)),
        available=draw(st.booleans() | st.just(True)),
        incoterm=draw(st.sampled_from(["EXW", "FOB", "FOB", "CFR", "CIF"])),
    )


@st.composite
def needs(draw: st.DrawFn, need_id: int) -> NeedRecord:
    year_min = draw(optional(st.integers(2014, 2026)))
    return NeedRecord(
        id=need_id,
        buyer_id=draw(st.integers(1, 3)),
        destination_country=draw(st.sampled_from(COUNTRIES)),
        destination_port=draw(st.sampled_from(["", "Lagos", "Lagos, Apapa", "Mombasa"])),
        makes=draw(subset(MAKES)),
        models=draw(subset(MODELS)),
        body_types=draw(subset(BODIES)),
        fuel_types=draw(subset(FUELS, 3)),
        year_min=year_min,
        year_max=draw(optional(st.integers(year_min or 2014, 2026))),
        max_mileage_km=draw(optional(st.integers(10_000, 150_000))),
        min_battery_soh_pct=draw(optional(st.integers(50, 95))),
        steering=draw(st.sampled_from(["", "", "", "LHD", "RHD"])),
        quantity=draw(st.integers(1, 20)),
        allow_split=draw(st.booleans()),
        max_unit_price=float(draw(st.integers(1_000, 40_000))),
        currency=draw(st.sampled_from(CURRENCIES)),
        shipping_modes=draw(subset(["roro", "container", "rail", "road"])),
        open=draw(st.booleans() | st.just(True)),
        incoterm=draw(st.sampled_from(["FOB", "CFR", "CIF", "CIF", "EXW"])),
    )


MODES = ["roro", "container", "rail", "road"]
ORIGINS = ["Tianjin", "Khorgos", "Chengdu", "Shanghai", "Tianjin port"]
freight_strategy = st.builds(
    FreightTables,
    freight=st.lists(
        st.builds(
            FreightRecord,
            mode=st.sampled_from(MODES),
            origins=subset(ORIGINS, 2),
            country=st.sampled_from(COUNTRIES[:4]),
            port=st.sampled_from(["", "", "Lagos", "Mombasa", "Apapa"]),
            vehicle_class=st.sampled_from(["car", "suv_mpv_pickup"]),
            price=st.integers(100, 6_000).map(float),
            currency=st.sampled_from(CURRENCIES),
            indicative=st.booleans(),
        ),
        max_size=8,
    ).map(tuple),
    haulage=st.lists(
        st.builds(
            HaulageRecord,
            origins=subset(ORIGINS, 2),
            vehicle_class=st.sampled_from(["car", "suv_mpv_pickup"]),
            price=st.integers(50, 2_000).map(float),
            currency=st.sampled_from(CURRENCIES),
        ),
        max_size=3,
    ).map(tuple),
    insurance=st.lists(
        st.builds(
            InsuranceRecord,
            country=st.sampled_from(["", *COUNTRIES[:4]]),
            rate_pct=st.sampled_from([0.0, 0.5, 1.25, 3.0]),
        ),
        max_size=2,
        unique_by=lambda rate: rate.country,
    ).map(tuple),
)


rules_strategy = st.lists(
    st.builds(
        RuleRecord,
        country=st.sampled_from(COUNTRIES[:4]),
        applies_to_fuels=subset(FUELS),
        used_imports_banned=st.sampled_from([False, False, False, True]),
        steering_required=st.sampled_from(["", "", "LHD", "RHD"]),
        max_age_years=optional(st.integers(1, 10)),
        age_counted_from=st.sampled_from(["manufacture", "model_year", "first_registration"]),
        min_emission_standard=st.sampled_from(["", "", "china5", "euro6", "china4"]),
        banned_fuels=subset(FUELS, 1),
        max_engine_cc=optional(st.integers(1000, 2500)),
        max_mileage_km=optional(st.integers(20_000, 100_000)),
        uncertain=st.booleans(),
        source=st.sampled_from(["gazette", "ministry site"]),
    ),
    max_size=5,
)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[LotRecord], list[NeedRecord], list[RuleRecord], date]:
    lot_ids = draw(st.lists(st.integers(1, 500), min_size=1, max_size=25, unique=True))
    need_ids = draw(st.lists(st.integers(1, 500), min_size=1, max_size=8, unique=True))
    on = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    return [draw(lots(i)) for i in lot_ids], [draw(needs(i)) for i in need_ids], draw(rules_strategy), on


@st.composite
def priced_worlds(draw: st.DrawFn) -> tuple[list, list, list, date, FreightTables]:
    return (*draw(worlds()), draw(freight_strategy))


modest = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def proposals(result) -> list[tuple]:
    return [
        (m.lot_id, m.need_id, m.score, m.rank_for_need, m.rank_for_lot, m.explanation)
        for m in result.matches()
    ]


# ------------------------------------------------------------------ properties


@modest
@given(priced_worlds())
def test_candidates_are_exactly_the_pairs_the_reference_accepts(world):
    lot_list, need_list, rules, on, freight = world
    result = run_full(lot_list, need_list, rules, FX, on, top_k=EVERYTHING, freight=freight)

    engine = set(zip(result.lot_ids.tolist(), result.need_ids.tolist(), strict=True))
    expected = {
        (lot.id, need.id)
        for lot in lot_list
        for need in need_list
        if reference_candidate(lot, need, rules, FX, on, freight)
    }
    assert engine == expected
    assert result.pairs_considered == len(expected)


@modest
@given(priced_worlds(), st.integers(1, 3))
def test_kept_matches_never_break_a_hard_constraint_and_ranks_are_consistent(world, top_k):
    lot_list, need_list, rules, on, freight = world
    result = run_full(lot_list, need_list, rules, FX, on, top_k=top_k, freight=freight)
    everything = run_full(lot_list, need_list, rules, FX, on, top_k=EVERYTHING, freight=freight)
    lots_by_id = {lot.id: lot for lot in lot_list}
    needs_by_id = {need.id: need for need in need_list}
    price_cny = {lot.id: lot.unit_price * FX.get(lot.currency, 0) for lot in lot_list}

    for match in result.matches():
        assert reference_candidate(
            lots_by_id[match.lot_id], needs_by_id[match.need_id], rules, FX, on, freight
        )
        assert 0 <= match.score <= 100
        assert match.rank_for_need or match.rank_for_lot
        assert sum(points for _, points, _, _ in match.explanation) == pytest.approx(match.score, abs=0.011)
        assert [factor for factor, *_ in match.explanation] == list(WEIGHTS)

    all_pairs = list(everything.matches())
    for need in need_list:
        ranked = sorted(
            (m for m in all_pairs if m.need_id == need.id),
            key=lambda m: (-m.score, price_cny[m.lot_id], m.lot_id),
        )[:top_k]
        listed = result.for_need(need.id)
        assert [(m.lot_id, m.score) for m in listed] == [(m.lot_id, m.score) for m in ranked]
        assert [m.rank_for_need for m in listed] == list(range(1, len(listed) + 1))
        assert (need.id in result.diagnostics) == (not ranked)
    for lot in lot_list:
        ranked = sorted((m for m in all_pairs if m.lot_id == lot.id), key=lambda m: (-m.score, m.need_id))[
            :top_k
        ]
        listed = result.for_lot(lot.id)
        assert [(m.need_id, m.score) for m in listed] == [(m.need_id, m.score) for m in ranked]
        assert [m.rank_for_lot for m in listed] == list(range(1, len(listed) + 1))


@modest
@given(priced_worlds(), st.data())
def test_a_cheaper_twin_never_scores_or_ranks_lower(world, data):
    lot_list, need_list, rules, on, freight = world
    original = data.draw(st.sampled_from(lot_list))
    cut = data.draw(st.integers(1, int(original.unit_price) - 1))
    twin_id = data.draw(st.sampled_from([0, 10_000]))  # below and above every other id
    twin = replace(original, id=twin_id, unit_price=original.unit_price - cut)
    result = run_full([*lot_list, twin], need_list, rules, FX, on, top_k=EVERYTHING, freight=freight)

    for need in need_list:
        by_lot = {m.lot_id: m for m in result.for_need(need.id)}
        if original.id in by_lot:
            assert twin.id in by_lot
            assert by_lot[twin.id].score >= by_lot[original.id].score
            assert by_lot[twin.id].rank_for_need < by_lot[original.id].rank_for_need


@modest
@given(priced_worlds(), st.integers(1, 3))
def test_running_twice_and_in_chunks_gives_identical_matches(world, top_k):
    lot_list, need_list, rules, on, freight = world
    first = run_full(lot_list, need_list, rules, FX, on, top_k=top_k, freight=freight)
    second = run_full(
        list(reversed(lot_list)), list(reversed(need_list)), rules, FX, on, top_k=top_k, freight=freight
    )
    chunked = run_full(lot_list, need_list, rules, FX, on, top_k=top_k, chunk_size=2, freight=freight)

    assert proposals(first) == proposals(second)
    assert sorted(proposals(chunked), key=repr) == sorted(proposals(first), key=repr)
    assert chunked.diagnostics == first.diagnostics


@modest
@given(priced_worlds(), st.integers(1, 3))
def test_incremental_rescoring_agrees_with_the_full_run(world, top_k):
    lot_list, need_list, rules, on, freight = world
    result = run_full(lot_list, need_list, rules, FX, on, top_k=top_k, freight=freight)
    table = LotTable.build(lot_list)
    need_table = NeedTable.build(need_list)

    for need in need_list:
        fresh = rescore_need(need, table, rules, FX, on, top_k, freight=freight)
        full = result.for_need(need.id)
        assert [(m.lot_id, m.score, m.rank_for_need, m.explanation) for m in fresh] == [
            (m.lot_id, m.score, m.rank_for_need, m.explanation) for m in full
        ]
        assert all(m.rank_for_lot is None for m in fresh)
        assert diagnose_need(need, table, rules, FX, on, freight=freight) == result.diagnostics.get(need.id)
    for lot in lot_list:
        fresh = rescore_lot(lot, need_table, rules, FX, on, top_k, freight=freight)
        full = result.for_lot(lot.id)
        assert [(m.need_id, m.score, m.rank_for_lot, m.explanation) for m in fresh] == [
            (m.need_id, m.score, m.rank_for_lot, m.explanation) for m in full
        ]


# ------------------------------------------------------------------ examples with the real rules


def real_rules() -> list[RuleRecord]:
    def listed(value: str) -> tuple[str, ...]:
        return tuple(part for part in value.split(";") if part)

    with RULES_CSV.open(encoding="utf-8") as handle:
        return [
            RuleRecord(
                country=row["country"],
                applies_to_fuels=listed(row["applies_to_fuels"]),
                used_imports_banned=row["used_imports_banned"] == "yes",
                steering_required=row["steering_required"],
                max_age_years=int(row["max_age_years"]) if row["max_age_years"] else None,
                age_counted_from=row["age_counted_from"],
                min_emission_standard=row["min_emission_standard"],
                banned_fuels=listed(row["banned_fuels"]),
                max_engine_cc=int(row["max_engine_cc"]) if row["max_engine_cc"] else None,
                max_mileage_km=int(row["max_mileage_km"]) if row["max_mileage_km"] else None,
                uncertain=row["uncertain"] == "yes",
                source=row["source"],
            )
            for row in csv.DictReader(handle)
        ]


RULES = real_rules()

BASE_LOT = LotRecord(
    id=1,
    exporter_id=1,
    make="Toyota",
    model="Corolla",
    body_type="sedan",
    fuel_type="petrol",
    model_year=2020,
    first_registration=date(2020, 6, 1),
    mileage_km=40_000,
    steering="LHD",
    engine_cc=1498,
    battery_soh_pct=None,
    emission_standard="china6b",
    quantity=5,
    unit_price=10_000.0,
    currency="USD",
    shipping_modes=("roro",),
    loading_point="Tianjin port",
    exporter_verified=True,
    exporter_deals=3,
    available=True,
)
BASE_NEED = NeedRecord(
    id=1,
    buyer_id=1,
    destination_country="RU",
    destination_port="",
    makes=(),
    models=(),
    body_types=(),
    fuel_types=(),
    year_min=None,
    year_max=None,
    max_mileage_km=None,
    min_battery_soh_pct=None,
    steering="",
    quantity=1,
    allow_split=True,
    max_unit_price=20_000.0,
    currency="USD",
    shipping_modes=(),
    open=True,
)


def matched(lot_changes: list[dict], **need_changes) -> tuple[set[int], dict]:
    lot_list = [replace(BASE_LOT, id=i + 1, **changes) for i, changes in enumerate(lot_changes)]
    need = replace(BASE_NEED, **need_changes)
    result = run_full(lot_list, [need], RULES, FX, ON, top_k=EVERYTHING)
    return set(result.lot_ids.tolist()), result.diagnostics


def test_kenya_takes_right_hand_drive_up_to_eight_years_from_first_registration():
    lot_ids, _ = matched(
        [
            {
                "steering": "RHD",
                "first_registration": date(2017, 12, 1),
                "model_year": 2017,
            },  # 7 years 11 months
            {"steering": "RHD", "first_registration": date(2017, 11, 1), "model_year": 2016},  # 8 years: ok
            {"steering": "RHD", "first_registration": date(2016, 11, 1), "model_year": 2016},  # 9 years
            {"steering": "LHD", "first_registration": date(2022, 1, 1), "model_year": 2021},
            {"steering": "RHD", "first_registration": None, "model_year": 2017},  # model year: 8
            {"steering": "RHD", "first_registration": None, "model_year": 2016},
        ],
        destination_country="KE",
    )
    assert lot_ids == {1, 2, 5}


def test_kenya_with_only_left_hand_drive_stock_says_steering_with_the_rules_source():
    _, diagnostics = matched([{"steering": "LHD"}], destination_country="KE")
    assert diagnostics[1] == (
        "steering_unavailable",
        {
            "country": "KE",
            "steering": "RHD",
            "source": "hapakenya; theeastafrican",
            "uncertain": False,
            "alone": True,
        },
        (("available", 1, {}), ("rule_steering", 0, {"country": "KE", "steering": "RHD"})),
    )


def test_a_need_asking_for_left_hand_drive_to_kenya_still_gets_only_right_hand_drive():
    # Kenya admits right-hand drive only, whatever the need says.
    rhd = {"steering": "RHD", "first_registration": date(2022, 1, 1), "model_year": 2021}
    lot_ids, diagnostics = matched([{"steering": "LHD"}, rhd], destination_country="KE", steering="LHD")
    assert lot_ids == set()
    reason, _params, funnel = diagnostics[1]
    assert reason == "steering_wanted"
    assert [(step, count) for step, count, _ in funnel] == [
        ("available", 2),
        ("rule_steering", 1),
        ("steering", 0),
    ]


def test_the_funnel_names_the_kind_when_right_hand_drive_lots_exist_but_none_of_that_kind():
    # The Kenya case: right-hand-drive stock exists, hybrid SUVs too,
    # but no right-hand-drive hybrid SUV.
    young = {"first_registration": date(2022, 1, 1), "model_year": 2021}
    lots_ = [
        {**young, "steering": "RHD"},
        {**young, "steering": "RHD", "body_type": "pickup"},
        {**young, "steering": "LHD", "fuel_type": "hev", "body_type": "suv", "battery_soh_pct": 90},
    ]
    _, diagnostics = matched(lots_, destination_country="KE", fuel_types=("hev",), body_types=("suv",))
    reason, params, funnel = diagnostics[1]
    assert reason == "no_lot_of_kind"
    assert params["nearest"] == [["Toyota Corolla", 2]]
    assert [(step, count) for step, count, _ in funnel] == [
        ("available", 3),
        ("rule_steering", 2),
        ("kind", 0),
    ]


def test_egypt_bans_used_petrol_imports_but_takes_young_evs():
    ev = {"fuel_type": "bev", "engine_cc": None, "emission_standard": "", "battery_soh_pct": 95}
    lot_ids, _ = matched(
        [
            {},
            {**ev, "model_year": 2023},
            {**ev, "model_year": 2021},
            {**ev, "model_year": 2023, "steering": "RHD"},
        ],
        destination_country="EG",
    )
    assert lot_ids == {2}

    _, diagnostics = matched([{}], destination_country="EG", fuel_types=("petrol",))
    assert diagnostics[1][:2] == (
        "rule_used_banned",
        {"country": "EG", "source": "trade.gov; dailynewsegypt", "uncertain": False, "alone": True},
    )


def test_chile_used_ban_is_the_reason_with_its_source():
    lot_ids, diagnostics = matched([{}, {"fuel_type": "bev"}], destination_country="CL")
    assert lot_ids == set()
    assert diagnostics[1] == (
        "rule_used_banned",
        {"country": "CL", "source": "aduana.cl (Ley 18.483 art. 21)", "uncertain": False, "alone": True},
        (("available", 2, {}), ("rule_ban", 0, {"country": "CL"})),
    )


def test_peru_caps_mileage_at_32000_km_and_bans_diesel():
    young = {"model_year": 2024, "first_registration": date(2024, 3, 1)}
    lot_ids, _ = matched(
        [
            {**young, "mileage_km": 31_000},
            {**young, "mileage_km": 33_000},
            {**young, "mileage_km": 20_000, "fuel_type": "diesel"},
            {"model_year": 2022, "mileage_km": 10_000},  # 3 years from model year
        ],
        destination_country="PE",
    )
    assert lot_ids == {1}

    _, diagnostics = matched([{**young, "mileage_km": 33_000}], destination_country="PE")
    assert diagnostics[1][0] == "rule_max_mileage"
    assert diagnostics[1][1]["max_km"] == 32_000
    assert diagnostics[1][1]["source"] == "DS 005-2020-MTC"

    diesel = {**young, "mileage_km": 20_000, "fuel_type": "diesel"}
    _, diagnostics = matched([diesel], destination_country="PE", fuel_types=("diesel",))
    assert diagnostics[1][0] == "rule_fuel_banned"
    assert diagnostics[1][1]["fuel"] == "diesel"


def test_emission_minimum_reads_china_n_as_euro_n():
    lot_ids, _ = matched(
        [
            {"emission_standard": "china6b"},
            {"emission_standard": "euro5"},
            {"emission_standard": "china4"},
            {"emission_standard": ""},
            {"emission_standard": "", "fuel_type": "bev", "engine_cc": None, "battery_soh_pct": 90},
        ],
        destination_country="RU",
    )
    assert lot_ids == {1, 2, 5}

    _, diagnostics = matched([{"emission_standard": "china4"}], destination_country="RU")
    assert diagnostics[1][0] == "rule_min_emission"
    assert diagnostics[1][1]["standard"] == "euro5"


def test_over_budget_diagnostic_gives_the_cheapest_compliant_lot_percentage():
    _, diagnostics = matched([{"unit_price": 11_100.0}, {"unit_price": 15_000.0}], max_unit_price=10_000.0)
    assert diagnostics[1][:2] == (
        "over_budget",
        {"pct": 11, "cheapest": 11_100.0, "currency": "USD", "alone": True},
    )
    assert [step for step, _, _ in diagnostics[1].funnel] == ["available", "price"]

    lot_ids, _ = matched([{"unit_price": 11_000.0}], max_unit_price=10_000.0)
    assert lot_ids == {1}


def test_price_is_compared_in_the_needs_currency_and_a_missing_rate_excludes():
    lot_ids, _ = matched(
        [{"unit_price": 71_000.0, "currency": "CNY"}, {"unit_price": 10.0, "currency": "GBP"}],
        max_unit_price=10_000.0,
    )
    assert lot_ids == {1}
    _, diagnostics = matched([{}], currency="GBP")
    assert diagnostics[1] == ("no_fx_rate", {"currency": "GBP"}, ())


def test_make_aliases_and_groups():
    lots_ = [{"make": "Volkswagen"}, {"make": "Haval"}, {"make": "Great Wall"}, {"make": "saic-mg"}]
    assert matched(lots_, makes=("VW",))[0] == {1}
    assert matched(lots_, makes=("GWM",))[0] == {2, 3}
    assert matched(lots_, makes=("haval",))[0] == {2}
    assert matched(lots_, makes=("MG",))[0] == {4}
    assert matched(lots_, makes=("Chery",))[1][1][0] == "no_lot_of_kind"


def test_battery_minimum_fails_electrified_lots_without_a_reading_only():
    lot_ids, _ = matched(
        [
            {"fuel_type": "phev", "battery_soh_pct": None},
            {"fuel_type": "phev", "battery_soh_pct": 92},
            {"fuel_type": "phev", "battery_soh_pct": 80},
            {"fuel_type": "petrol", "battery_soh_pct": None},
        ],
        min_battery_soh_pct=85,
    )
    assert lot_ids == {2, 4}


def test_explanation_uses_codes_and_params():
    lot_list = [replace(BASE_LOT, loading_point="Khorgos", shipping_modes=("rail", "road"))]
    need = replace(BASE_NEED, destination_country="KZ", shipping_modes=("rail",), makes=("toyota",))
    (match,) = rescore_need(need, LotTable.build(lot_list), RULES, FX, ON)
    factors = {factor: (reason, params) for factor, _, reason, params in match.explanation}
    assert factors["price"] == (
        "under_budget",
        {"pct": 50, "price": 10_000.0, "max_price": 20_000.0, "currency": "USD", "incoterm": "FOB"},
    )
    assert factors["logistics"] == ("mode_match", {"from": "Khorgos", "route": "fits", "mode": "rail"})
    assert factors["model"] == ("make_match", {"make": "Toyota"})
    assert factors["age"] == ("age_years", {"years": 5, "model_year": 2020})


@modest
@given(priced_worlds())
def test_explaining_stored_pairs_afresh_gives_the_runs_explanations(world):
    lot_list, need_list, rules, on, freight = world
    result = run_full(lot_list, need_list, rules, FX, on, top_k=2, freight=freight)
    kept = list(result.matches())
    # Pages explain a page of stored pairs from just those lots and needs.
    shown = {(m.lot_id, m.need_id) for m in kept[:7]}
    lots = [lot for lot in lot_list if any(lot.id == lot_id for lot_id, _ in shown)]
    needs = [need for need in need_list if any(need.id == need_id for _, need_id in shown)]
    fresh = explain_pairs(lots, needs, sorted(shown), rules, FX, on, freight=freight)
    assert fresh == {(m.lot_id, m.need_id): m.explanation for m in kept[:7]}


def test_explaining_pairs_skips_unknown_items():
    assert explain_pairs([BASE_LOT], [BASE_NEED], [(BASE_LOT.id, 999)], RULES, FX, ON) == {}
    assert explain_pairs([], [BASE_NEED], [(1, BASE_NEED.id)], RULES, FX, ON) == {}


def test_merging_chunks_keeps_each_lots_best_needs_across_chunks():
    lot_list = [replace(BASE_LOT, id=1)]
    need_list = [replace(BASE_NEED, id=i, max_unit_price=10_000.0 + 1_000 * i) for i in range(1, 5)]
    table = LotTable.build(lot_list)
    chunks = [
        match_needs(table, need_list[:2], RULES, FX, ON, 2),
        match_needs(table, need_list[2:], RULES, FX, ON, 2),
    ]
    merged = merge_lot_top_k(chunks, 2)
    assert [m.need_id for m in merged.for_lot(1)] == [4, 3]
    assert sorted(merged.need_ids.tolist()) == [1, 2, 3, 4]  # each need keeps its own list


def test_engine_emission_levels_mirror_the_choices():
    assert vocabulary.EMISSION_LEVEL == EMISSION_LEVEL
