"""Market rules win over a need's own fields on every engine path, and "why
nothing matched" names a constraint whose relaxation would help: both against
a slow, pure-Python reading of DESIGN.md §3, one lot and one constraint at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from matchmaking.engine.diagnostics import OWN_STEPS, RULE_STEPS
from matchmaking.engine.market_rules import RuleConflict, need_conflicts
from matchmaking.engine.scoring import (
    LotRecord,
    LotTable,
    NeedRecord,
    NeedTable,
    RuleRecord,
    diagnose_need,
    lot_failures,
    match_needs,
    rescore_lot,
    rescore_need,
    run_full,
)
from tests.matchmaking.engine.test_scoring import (
    _REF_LEVEL,
    BASE_NEED,
    EVERYTHING,
    FX,
    _brand,
    _completed_years,
    _wanted_brands,
    _words,
    modest,
    worlds,
)

# ------------------------------------------------------------------ reference


def _applicable(lot: LotRecord, need: NeedRecord, rules: list[RuleRecord]) -> list[RuleRecord]:
    return [
        rule
        for rule in rules
        if rule.country == need.destination_country
        and (not rule.applies_to_fuels or lot.fuel_type in rule.applies_to_fuels)
    ]


def reference_steps(lot: LotRecord, need: NeedRecord, rules: list[RuleRecord], on: date) -> dict[str, bool]:
    """Whether the lot passes each constraint of the need, read literally."""
    applicable = _applicable(lot, need, rules)
    engine = lot.fuel_type != "bev"

    def age_ok(rule: RuleRecord) -> bool:
        if rule.max_age_years is None:
            return True
        since = date(lot.model_year, 1, 1)
        if rule.age_counted_from == "first_registration" and lot.first_registration is not None:
            since = lot.first_registration
        return _completed_years(since, on) <= rule.max_age_years

    def emission_ok(rule: RuleRecord) -> bool:
        wanted = rule.min_emission_standard
        return not engine or not wanted or _REF_LEVEL.get(lot.emission_standard, 0) >= _REF_LEVEL[wanted]

    def engine_ok(rule: RuleRecord) -> bool:
        if not engine or rule.max_engine_cc is None:
            return True
        return lot.engine_cc is not None and lot.engine_cc <= rule.max_engine_cc

    electrified = lot.fuel_type in {"hev", "phev", "bev", "erev"}
    in_budget = (
        lot.currency in FX
        and need.currency in FX
        and lot.unit_price * FX[lot.currency] <= need.max_unit_price * 1.10 * FX[need.currency]
    )
    return {
        "rule_ban": not any(r.used_imports_banned or lot.fuel_type in r.banned_fuels for r in applicable),
        "rule_steering": all(
            not r.steering_required or lot.steering == r.steering_required for r in applicable
        ),
        "rule_age": all(age_ok(r) for r in applicable),
        "rule_emission": all(emission_ok(r) for r in applicable),
        "rule_engine": all(engine_ok(r) for r in applicable),
        "rule_mileage": all(
            r.max_mileage_km is None or lot.mileage_km <= r.max_mileage_km for r in applicable
        ),
        "kind": (not need.makes or _brand(lot.make) in _wanted_brands(need.makes))
        and (not need.models or _words(lot.model) in {_words(m) for m in need.models})
        and (not need.body_types or lot.body_type in need.body_types)
        and (not need.fuel_types or lot.fuel_type in need.fuel_types),
        "years": (need.year_min is None or lot.model_year >= need.year_min)
        and (need.year_max is None or lot.model_year <= need.year_max),
        "steering": not need.steering or lot.steering == need.steering,
        "mileage": need.max_mileage_km is None or lot.mileage_km <= need.max_mileage_km,
        "battery": not electrified
        or need.min_battery_soh_pct is None
        or (lot.battery_soh_pct if lot.battery_soh_pct is not None else -1) >= need.min_battery_soh_pct,
        "price": in_budget,
    }


def rules_hold(lot: LotRecord, need: NeedRecord, rules: list[RuleRecord], on: date) -> bool:
    steps = reference_steps(lot, need, rules, on)
    return all(steps[step] for step in RULE_STEPS)


def _eligible(lot: LotRecord) -> bool:
    return lot.available and lot.quantity >= 1


# ------------------------------------------------------------------ needs that contradict the rules


@st.composite
def contrary_worlds(draw: st.DrawFn):
    """Worlds whose needs often ask for what their destination's rules forbid:
    the other steering, a banned fuel, model years past the age limit."""
    lot_list, need_list, rules, on = draw(worlds())
    if draw(st.integers(0, 3)):
        # Rules of steering and fuel bans only, so that lots often pass the rest.
        rules = [
            replace(
                rule,
                used_imports_banned=False,
                max_age_years=None,
                min_emission_standard="",
                max_engine_cc=None,
                max_mileage_km=None,
            )
            for rule in rules
        ]
    contrary = []
    for need in need_list:
        own = [r for r in rules if r.country == need.destination_country]
        changes: dict = {}
        if draw(st.booleans()):
            # Open on everything else, so that the rules are what decides.
            changes.update(
                makes=(),
                models=(),
                body_types=(),
                year_min=None,
                year_max=None,
                max_mileage_km=None,
                min_battery_soh_pct=None,
                max_unit_price=50_000.0,
                currency="USD",
                open=True,
            )
        steering = [r.steering_required for r in own if r.steering_required]
        if steering and draw(st.integers(0, 3)):
            changes["steering"] = "LHD" if steering[0] == "RHD" else "RHD"
        banned = [f for r in own for f in r.banned_fuels]
        if banned and draw(st.integers(0, 3)):
            changes["fuel_types"] = (banned[0],)
        need = replace(need, **changes)
        contrary.append(need)
        if draw(st.integers(0, 3)):
            # Stock offering exactly what the need asks for, rules aside.
            lot_list.append(_tempting(draw(st.sampled_from(lot_list)), need, on, 1000 + len(lot_list)))
    return lot_list, contrary, rules, on


def _tempting(lot: LotRecord, need: NeedRecord, on: date, lot_id: int) -> LotRecord:
    fuel = need.fuel_types[0] if need.fuel_types else lot.fuel_type
    return replace(
        lot,
        id=lot_id,
        make=need.makes[0] if need.makes else lot.make,
        model=need.models[0] if need.models else lot.model,
        body_type=need.body_types[0] if need.body_types else lot.body_type,
        fuel_type=fuel,
        steering=need.steering or lot.steering,
        model_year=max(need.year_min or on.year, min(on.year, need.year_max or on.year)),
        first_registration=None,
        mileage_km=1_000,
        engine_cc=None if fuel == "bev" else 1_500,
        battery_soh_pct=99,
        emission_standard="euro6",
        quantity=5,
        unit_price=1.0,
        currency="CNY",
        available=True,
    )


@modest
@given(contrary_worlds())
def test_no_proposed_lot_breaks_an_applicable_rule_whatever_the_need_says(world):
    lot_list, need_list, rules, on = world
    table = LotTable.build(lot_list)
    proposed: set[tuple[int, int]] = set()
    full = run_full(table, need_list, rules, FX, on, top_k=EVERYTHING)
    proposed |= set(zip(full.lot_ids.tolist(), full.need_ids.tolist(), strict=True))
    for k in range(len(need_list)):
        chunk = match_needs(table, need_list[k : k + 1], rules, FX, on, top_k=EVERYTHING)
        proposed |= set(zip(chunk.lot_ids.tolist(), chunk.need_ids.tolist(), strict=True))
    for need in need_list:
        proposed |= {(m.lot_id, m.need_id) for m in rescore_need(need, table, rules, FX, on, EVERYTHING)}
    need_table = NeedTable.build(need_list)
    for lot in lot_list:
        proposed |= {(m.lot_id, m.need_id) for m in rescore_lot(lot, need_table, rules, FX, on, EVERYTHING)}

    lots = {lot.id: lot for lot in lot_list}
    needs = {need.id: need for need in need_list}
    broken = [(lot, need) for lot, need in proposed if not rules_hold(lots[lot], needs[need], rules, on)]
    assert broken == []


# ------------------------------------------------------------------ the funnel


def _check_funnel(lot_list, need, rules, on, diagnostic) -> None:
    if diagnostic.reason in ("need_closed", "no_fx_rate"):
        return
    eligible = [lot for lot in lot_list if _eligible(lot)]
    steps = {lot.id: reference_steps(lot, need, rules, on) for lot in eligible}
    funnel = diagnostic.funnel
    assert funnel[0] == ("available", len(eligible), {})
    assert funnel[-1][1] == 0

    # Each count is what the steps shown so far leave, in the order shown.
    alive = list(eligible)
    for step, count, _params in funnel[1:]:
        alive = [lot for lot in alive if steps[lot.id][step]]
        assert len(alive) == count, (step, funnel)

    # Relaxing the named step admits a lot whenever relaxing any single one would.
    def relaxable(step: str) -> bool:
        return any(
            not passed[step] and all(ok for other, ok in passed.items() if other != step)
            for passed in steps.values()
        )

    blocker = funnel[-1][0] if len(funnel) > 1 else None
    any_relaxable = [step for step in (*RULE_STEPS, *OWN_STEPS) if relaxable(step)]
    if any_relaxable:
        assert blocker is not None
        assert relaxable(blocker), (blocker, any_relaxable, funnel)
        # What the buyer can change comes first.
        if any(step in OWN_STEPS for step in any_relaxable):
            assert blocker in OWN_STEPS


@modest
@given(worlds())
def test_the_diagnosis_names_a_constraint_whose_relaxation_admits_a_lot(world):
    lot_list, need_list, rules, on = world
    result = run_full(lot_list, need_list, rules, FX, on, top_k=EVERYTHING)
    table = LotTable.build(lot_list)
    for need in need_list:
        diagnostic = result.diagnostics.get(need.id)
        if diagnostic is None:
            continue
        _check_funnel(lot_list, need, rules, on, diagnostic)
        assert diagnose_need(need, table, rules, FX, on) == diagnostic


@modest
@given(contrary_worlds())
def test_the_diagnosis_holds_for_needs_that_contradict_their_rules(world):
    lot_list, need_list, rules, on = world
    table = LotTable.build(lot_list)
    for need in need_list:
        diagnostic = diagnose_need(need, table, rules, FX, on)
        if diagnostic is not None:
            _check_funnel(lot_list, need, rules, on, diagnostic)


_STEP_OF_REASON = {
    "rule_used_banned": "rule_ban",
    "rule_fuel_banned": "rule_ban",
    "steering_unavailable": "rule_steering",
    "rule_max_age": "rule_age",
    "rule_min_emission": "rule_emission",
    "rule_max_engine_cc": "rule_engine",
    "rule_max_mileage": "rule_mileage",
    "no_lot_of_kind": "kind",
    "no_lot_in_year_range": "years",
    "steering_wanted": "steering",
    "over_mileage": "mileage",
    "battery_soh_below": "battery",
    "over_budget": "price",
}


@modest
@given(contrary_worlds())
def test_a_lot_that_does_not_qualify_is_told_every_constraint_it_fails(world):
    lot_list, need_list, rules, on = world
    for need in need_list:
        if not need.open or need.currency not in FX:
            continue
        for lot in lot_list:
            if not _eligible(lot):
                assert lot_failures(lot, need, rules, FX, on) == [("lot_unavailable", {})]
                continue
            failed = [step for step, ok in reference_steps(lot, need, rules, on).items() if not ok]
            told = [_STEP_OF_REASON[reason] for reason, _params in lot_failures(lot, need, rules, FX, on)]
            assert told == failed


# ------------------------------------------------------------------ needs that contradict their rules

_RULE = RuleRecord(
    country="XX",
    applies_to_fuels=(),
    used_imports_banned=False,
    steering_required="",
    max_age_years=None,
    age_counted_from="",
    min_emission_standard="",
    banned_fuels=(),
    max_engine_cc=None,
    max_mileage_km=None,
    uncertain=False,
    source="",
)


@modest
@given(contrary_worlds())
def test_what_a_form_refuses_could_never_match_anyway(world):
    """Soundness of need_conflicts: a need said never to match gets no lot
    however the stock looks, and a refused fuel type is never proposed."""
    lot_list, need_list, rules, on = world
    result = run_full(lot_list, need_list, rules, FX, on, top_k=EVERYTHING)
    lots = {lot.id: lot for lot in lot_list}
    proposed: dict[int, set[str]] = {}
    for lot_id, need_id in zip(result.lot_ids.tolist(), result.need_ids.tolist(), strict=True):
        proposed.setdefault(need_id, set()).add(lots[lot_id].fuel_type)
    for need in need_list:
        conflicts = need_conflicts(need, rules, on)
        if any(conflict.never_matches for conflict in conflicts):
            assert need.id not in proposed, conflicts
        refused = {c.params.get("fuel") for c in conflicts if c.field == "fuel_types"}
        assert not (refused & proposed.get(need.id, set())), conflicts


def test_kenya_refuses_left_hand_drive_with_its_source():
    kenya = RuleRecord(
        country="KE",
        applies_to_fuels=(),
        used_imports_banned=False,
        steering_required="RHD",
        max_age_years=8,
        age_counted_from="first_registration",
        min_emission_standard="",
        banned_fuels=(),
        max_engine_cc=None,
        max_mileage_km=None,
        uncertain=False,
        source="KEBS KS 1515",
    )
    need = replace(BASE_NEED, destination_country="KE", steering="LHD")
    assert need_conflicts(need, [kenya], date(2026, 12, 2)) == [
        RuleConflict(
            "steering",
            "steering_unavailable",
            {"country": "KE", "steering": "RHD", "source": "KEBS KS 1515", "uncertain": False},
            True,
        )
    ]
    assert need_conflicts(replace(need, steering="RHD"), [kenya], date(2026, 12, 2)) == []
    assert need_conflicts(replace(need, steering=""), [kenya], date(2026, 12, 2)) == []


def test_chile_is_closed_to_every_need_and_peru_refuses_diesel_and_old_years():
    chile = replace(_RULE, country="CL", used_imports_banned=True, source="aduana.cl")
    peru = replace(
        _RULE, country="PE", banned_fuels=("diesel",), max_age_years=2, age_counted_from="model_year"
    )
    on = date(2026, 12, 2)
    [closed] = need_conflicts(replace(BASE_NEED, destination_country="CL"), [chile], on)
    assert (closed.field, closed.reason, closed.never_matches) == ("", "rule_used_banned", True)

    diesel_or_petrol = replace(BASE_NEED, destination_country="PE", fuel_types=("diesel", "petrol"))
    [fuel] = need_conflicts(diesel_or_petrol, [peru], on)
    assert (fuel.field, fuel.params["fuel"], fuel.never_matches) == ("fuel_types", "diesel", False)

    old = replace(BASE_NEED, destination_country="PE", year_min=2018, year_max=2022)
    [years] = need_conflicts(old, [peru], on)
    assert (years.field, years.reason, years.params["year_min"]) == ("year_max", "rule_max_age", 2024)
    assert need_conflicts(replace(old, year_max=2024), [peru], on) == []
