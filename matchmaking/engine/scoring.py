"""The matching engine: which lots may go to which needs, how well they fit,
and why. Pure Python + NumPy, no Django: Celery tasks load records, call this
module and store the results.

API
---
    table = LotTable.build(lots)                       # once per run; reuse for rescores
    result = match_needs(table, needs, rules, fx, on, top_k=20)   # a chunk of needs x all lots
    result = merge_lot_top_k([result_a, result_b], top_k=20)      # chunks -> global per-lot top K
    result = run_full(lots, needs, rules, fx, on, top_k=20, chunk_size=None)
    matches = rescore_lot(lot, needs_table_or_needs, rules, fx, on, top_k=20)   # list[Match]
    matches = rescore_need(need, table, rules, fx, on, top_k=20)                # list[Match]
    diagnostic = diagnose_need(need, table, rules, fx, on)    # None when it has candidates
    why_not = lot_failures(lot, need, rules, fx, on)          # [(reason, params)], [] for a candidate
    why = explain_pairs(lots, needs, [(lot_id, need_id), ...], rules, fx, on)   # {pair: factors}

`fx` maps a currency to CNY per unit; `on` is the reference date for vehicle
ages (the event date or today). Records are `LotRecord`, `NeedRecord`,
`RuleRecord` (engine.tables); ids are integers (primary keys).

Hard constraints (DESIGN.md §3) — a lot is a candidate for a need only if:
 1. the lot is available with quantity >= 1 and the need is open;
 2. make, model, body type and fuel type are in the need's sets where given:
    case-insensitive, make aliases and groups (engine.vocabulary: "VW" is
    Volkswagen, "GWM" also accepts Haval/Tank/Ora/Wey);
 3. model year within the need's range, mileage <= its maximum, battery SoH >=
    its minimum. The SoH minimum concerns electrified lots (hev, phev, bev,
    erev) only; such a lot with no SoH recorded fails it (it cannot be shown);
 4. every market rule of the destination that applies to the lot's fuel holds
    (engine.market_rules): used imports not banned, fuel not banned, steering
    (the rules' steering, whatever the need says: a need's own steering
    only narrows where no rule sets one), age <= max age,
    emission level >= minimum (China N = Euro N; unknown fails; BEVs exempt),
    engine cc <= max (unknown fails; BEVs exempt), mileage <= max.
    Age is counted in completed years at `on`: from first registration when the
    rule says so (falling back to the model year when the lot has none), else
    from 1 January of the model year, i.e. `on.year - model_year`;
 5. the unit price delivered to the need's incoterm and destination
    (engine.delivery: EXW -> FOB + inland haulage, FOB -> CFR + the cheapest
    freight both sides accept, CFR -> CIF + insurance, as far as `freight`
    has rates) is <= max price x 1.10, compared in CNY: (unit price x
    rate(lot currency) + haulage + freight) x (1 + insurance) <= max unit
    price x 1.10 x rate(need currency); a missing FX rate on either side means
    no candidate. `freight` (FreightTables, default none) is keyword-only on
    every call; records default to FOB on both sides (compared as stated).

Soft score 0-100: the sum of the factors in WEIGHTS (engine.pairs), each the
weight times a fit in [0, 1], rounded to hundredths of a point; the score is
the sum of the rounded factor points, so an explanation's points add up to its
score (up to float formatting).
  price      fit 1 at or below half the budget, falling linearly to 0 at 110 %
             (of the delivered price, as hard constraint 5 reads it)
  age        1 for this year's model year, -0.1 a year, 0 from 10 years
  mileage    1 - km / the need's max mileage (or 200,000 km when it sets none)
  quantity   1 when the lot covers the quantity; else offered/wanted, halved
             when the need may not be split across lots
  model      1 when the need names models (the lot has one of them), 0.6 when
             it names makes only, 0.3 for an open request: exporters see first
             the buyers who asked for exactly their model
  logistics  0.7 x mode fit (1 a wanted mode is offered, or the buyer has no
             preference; 0.5 the lot offers no mode; 0 none wanted is offered)
             + 0.3 x route fit (1 the loading point suits the destination —
             seaports for overseas, rail/road hubs for Central Asia, both for
             Russia —, 0.5 unknown point, 0 a detour); less
             UNPRICED_PENALTY_CENTI (2 points, down to 0) when a rate was
             missing to bring the price to the need's incoterm
  exporter   0.6 if verified + 0.4 x min(deals, 10) / 10
Every fit is monotone in its input, so a lot identical to another but cheaper
never scores lower.

Explanations: `Match.explanation` is a tuple of (factor_code, points,
reason_code, params) in WEIGHTS order; codes and params, never sentences, so the
Django layer translates them. It is computed on first access, for the whole
batch of matches it came with (`MatchResult.explanations(rows)` does the same
for rows of a result), so ranking never pays for text nobody reads;
`explain_pairs` explains given pairs afresh, which is how pages show a page of
stored matches without storing a million explanations. Reason codes and params:
  price      under_budget / over_budget   {pct, price, max_price, currency, incoterm}
             (pct: whole percent below / above the need's max unit price;
             price: delivered, in the need's currency; incoterm: the term it
             is compared on); for a lot priced below the need's incoterm also
             {wanted_incoterm, stated_incoterm, stated_price, costs: [[kind,
             mode, amount], ...] (kind haulage/freight/insurance, amounts in
             the need's currency), missing ("" or the kind whose rate was
             missing), place (the need's port, else its country), indicative}
  age        age_years                    {years, model_year}
  mileage    mileage_within_limit         {km, limit_km}
             mileage                      {km, reference_km}
  quantity   covers_quantity / partial_split / partial_no_split  {offered, wanted}
  model      exact_model {model} / make_match {make} / open_request {}
  logistics  mode_match {mode, from, route} / mode_mismatch {wanted, offered, from, route}
             mode_unknown {wanted, from, route} / any_mode {offered, from, route}
             (route: "fits", "detour" or "unknown"; from: the loading point)
  exporter   verified / unverified        {deals}

Why nothing matched (`MatchResult.diagnostics[need_id]`, for needs with no
candidate): a `Diagnostic(reason, params, funnel)`. The funnel counts the lots
left after each constraint, ending in the one named (engine.diagnostics says
which and why); funnel steps are (step, count, params) with steps
  available {}; rule_ban {country}; rule_steering {country, steering};
  rule_age {country, max_age, counted_from}; rule_emission {country, standard};
  rule_engine {country, max_cc}; rule_mileage {country, max_km};
  kind {makes, models, body_types, fuel_types}; years {year_min, year_max};
  steering {steering}; mileage {max_km}; battery {min_pct};
  price {max_price, currency}.
Reason codes and params (rule params also carry source and uncertain):
  need_closed {}; no_fx_rate {currency} (the need's currency; no funnel);
  no_lots_available {};
  rule_used_banned {country} / rule_fuel_banned {country, fuel};
  steering_unavailable {country, steering} (the rules' steering);
  rule_max_age {country, max_age, counted_from};
  rule_min_emission {country, standard};
  rule_max_engine_cc {country, max_cc}; rule_max_mileage {country, max_km};
  no_lot_of_kind {makes, models, body_types, fuel_types, nearest: [[make
    model, lots], ...]} (the commonest kinds among lots that pass the rest);
  no_lot_in_year_range {year_min, year_max, nearest_year};
  steering_wanted {steering} (the need's own);
  over_mileage {max_km, nearest_km}; battery_soh_below {min_pct, nearest_pct};
  lot_fx_missing {currencies} (the lots priced in currencies without a rate);
  over_budget {pct, cheapest, currency} (the cheapest lot that meets
    everything else is pct % above the max unit price delivered, pct rounded up);
  no_candidate {} (should not happen).

Results: each need keeps its top K lots (rank_for_need 1..K) ordered by score
desc, then the cheaper lot (stated price in CNY; a cheaper twin, on the same
terms, is cheaper delivered too, so it never ranks below a dearer one), then
lot id; each lot keeps its top K needs (rank_for_lot 1..K)
by score desc, then need id. A pair is kept when it is in either list; its
rank on the other side is None when it is not in that side's top K. Incremental
rescoring returns one side only (rank on the other side None): the stored
ranks of other items are refreshed by the next full run.

Algorithm (vectorised; no Python loop over pairs):
 * The eligible lots are sorted six ways — by steering, fuel, [body], [make],
   [model], model year, CNY price — with a packed integer key each (one per
   combination of need attributes that can be given; built once per FX set).
 * Per need (a short Python loop), its destination's compiled rules give the
   allowed (steering, fuel) pairs, crossed with the given bodies, makes or
   (make, model) pairs: key prefixes. With each model year of the need's range
   and its price cap they become slices found by `searchsorted`: bans,
   steering, kinds, years and price are enforced by the blocking itself.
 * Slices are expanded into (lot, need) index arrays in blocks of ~2M pairs;
   the remaining constraints are array masks (market-rule limits through a
   precomputed country x lot boolean matrix), then each survivor's delivered
   price is looked up through its cell (lot terms x need terms, engine.delivery:
   the blocking cut on stated prices, which delivered ones never undercut)
   and checked against the cap, and the rest are scored.
 * Need-side top K: a per-need score histogram gives each need's cut-off,
   survivors are ordered by one sort of packed keys (need, 10000 - score, price
   rank). Lot-side top K: candidates are kept compactly with a per-lot
   histogram; after the last block each lot's cut-off filters them and one
   packed-key sort (lot, 10000 - score, need) ranks the rest. A chunked run
   merges per-lot lists with the same sort (`merge_lot_top_k`).
 * Blocks run on two threads (NumPy releases the GIL in its loops); results
   are combined in block order, so runs are deterministic. Needs the blocking
   left without a lot are diagnosed meanwhile on the calling thread.
Modules: tables (records, columnar tables), market_rules (rules compiled per
country and fuel), delivery (prices brought to the need's incoterm), pairs
(blocking, masks, points, WEIGHTS), diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

from matchmaking.engine import arrays, pairs, weights
from matchmaking.engine.delivery import (
    NO_RATES,
    FreightRecord,
    FreightTables,
    HaulageRecord,
    InsuranceRecord,
)
from matchmaking.engine.diagnostics import Diagnostic, failures
from matchmaking.engine.market_rules import BLOCK_NONE, STEER_ANY, rules_ok, wanted_steerings
from matchmaking.engine.ranking import match_pairs
from matchmaking.engine.results import REASONS, Factor, Match, MatchResult, explain_rows
from matchmaking.engine.tables import (
    LotRecord,
    LotTable,
    NeedRecord,
    NeedTable,
    RuleRecord,
    fx_key,
)
from matchmaking.engine.weights import FACTORS, MAX_CENTI, WEIGHTS

__all__ = [
    "FACTORS",
    "NO_RATES",
    "REASONS",
    "WEIGHTS",
    "Diagnostic",
    "Factor",
    "FreightRecord",
    "FreightTables",
    "HaulageRecord",
    "InsuranceRecord",
    "LotRecord",
    "LotTable",
    "Match",
    "MatchResult",
    "NeedRecord",
    "NeedTable",
    "RuleRecord",
    "diagnose_need",
    "explain_pairs",
    "lot_failures",
    "match_needs",
    "merge_lot_top_k",
    "rescore_lot",
    "rescore_need",
    "run_full",
]


# ---------------------------------------------------------------- API


def match_needs(
    table: LotTable,
    needs: Sequence[NeedRecord] | NeedTable,
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    top_k: int = 20,
    *,
    freight: FreightTables = NO_RATES,
) -> MatchResult:
    """Score a chunk of needs against all lots of `table`: each need's top K,
    each lot's top K among these needs, diagnostics for needs with no candidate."""
    need_table = needs if isinstance(needs, NeedTable) else NeedTable.build(needs)
    ctx = arrays.context(table, need_table, rules, fx, on, freight)
    return match_pairs(ctx, top_k, lot_side=True, diagnose_silent=True)


def merge_lot_top_k(results: Sequence[MatchResult], top_k: int = 20) -> MatchResult:
    """Merge results of disjoint need chunks (same lots, FX and date): keep
    each need's list, re-rank each lot's needs across chunks and drop pairs
    that are then in neither top K."""
    if not results:
        raise ValueError("nothing to merge")
    first = results[0]
    for result in results[1:]:
        if result.lots is not first.lots and not np.array_equal(result.lots.ids, first.lots.ids):
            raise ValueError("chunks were matched against different lot tables")
        if result.on != first.on or fx_key(result.fx) != fx_key(first.fx):
            raise ValueError("chunks were matched with different FX rates or dates")
    needs = NeedTable.build([r for result in results for r in result.needs.records])
    if any(result._ctx.freight is not first._ctx.freight for result in results[1:]):
        raise ValueError("chunks were matched with different freight tables")
    ctx = arrays.context(first.lots, needs, first._ctx.policy.rules, first.fx, first.on, first._ctx.freight)
    lp = np.concatenate([r.lot_index for r in results])
    nl = np.concatenate([np.searchsorted(needs.ids, r.need_ids) for r in results])
    score = np.concatenate([r.score_centi for r in results])
    rank_n = np.concatenate([r.rank_for_need for r in results])
    candidates = np.flatnonzero(np.concatenate([r.rank_for_lot for r in results]) > 0)
    stride = (MAX_CENTI + 1) * max(needs.n, 1)
    key = lp[candidates] * stride + (MAX_CENTI - score[candidates]) * needs.n + nl[candidates]
    order = np.argsort(key)
    ranks = pairs.segment_rank(key[order] // stride) + 1
    rank_l = np.zeros(len(lp), np.int64)
    rank_l[candidates[order[ranks <= top_k]]] = ranks[ranks <= top_k]
    keep = (rank_n > 0) | (rank_l > 0)
    diagnostics = {k: v for r in results for k, v in r.diagnostics.items()}
    considered = sum(r.pairs_considered for r in results)
    return MatchResult(
        ctx, lp[keep], nl[keep], score[keep], rank_n[keep], rank_l[keep], diagnostics, considered
    )


def run_full(
    lots: Sequence[LotRecord] | LotTable,
    needs: Sequence[NeedRecord],
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    top_k: int = 20,
    *,
    chunk_size: int | None = None,
    freight: FreightTables = NO_RATES,
) -> MatchResult:
    """Every lot against every need, top K both ways. With `chunk_size`, needs
    are matched in chunks (as a Celery group would) and merged."""
    table = lots if isinstance(lots, LotTable) else LotTable.build(lots)
    if chunk_size is None or len(needs) <= chunk_size:
        return match_needs(table, needs, rules, fx, on, top_k, freight=freight)
    ordered = sorted(needs, key=lambda need: need.id)
    chunks = [
        match_needs(table, ordered[i : i + chunk_size], rules, fx, on, top_k, freight=freight)
        for i in range(0, len(ordered), chunk_size)
    ]
    return merge_lot_top_k(chunks, top_k)


def rescore_need(
    need: NeedRecord,
    table: LotTable,
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    top_k: int = 20,
    *,
    freight: FreightTables = NO_RATES,
) -> list[Match]:
    """The need's top K lots now (rank_for_lot None). Reuse the table of the
    last full run: its FX- and date-dependent indexes are cached on it."""
    ctx = arrays.context(table, NeedTable((need,)), rules, fx, on, freight)
    result = match_pairs(ctx, top_k, lot_side=False, diagnose_silent=False)
    return result._matches(np.argsort(result.rank_for_need))


def diagnose_need(
    need: NeedRecord,
    table: LotTable,
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    *,
    freight: FreightTables = NO_RATES,
) -> Diagnostic | None:
    """Why the need has no candidate, or None when it has one."""
    ctx = arrays.context(table, NeedTable((need,)), rules, fx, on, freight)
    return match_pairs(ctx, 1, lot_side=False, diagnose_silent=True).diagnostics.get(need.id)


def lot_failures(
    lot: LotRecord,
    need: NeedRecord,
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    *,
    freight: FreightTables = NO_RATES,
) -> list[tuple[str, dict[str, Any]]]:
    """Every constraint a lot fails for a need, as (reason code, params) in
    funnel order; empty when the lot is a candidate."""
    ctx = arrays.context(LotTable((lot,)), NeedTable((need,)), rules, fx, on, freight)
    return failures(ctx)


def rescore_lot(
    lot: LotRecord,
    needs: NeedTable | Sequence[NeedRecord],
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    top_k: int = 20,
    *,
    freight: FreightTables = NO_RATES,
) -> list[Match]:
    """The lot's top K needs now (rank_for_need None). Pass a NeedTable built
    once: it caches the per-attribute indexes that make this fast."""
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    n = needs if isinstance(needs, NeedTable) else NeedTable.build(needs)
    t = LotTable((lot,), index=False)
    if not t.eligible[0] or n.n == 0:
        return []
    ctx = arrays.context(t, n, rules, fx, on, freight)
    p, a = ctx.policy, ctx.ages
    ok = n.open & n.accepting("makes", t.make_names[0]) & n.accepting("models", t.model_names[0])
    ok &= n.accepting("bodies", t.body_names[0]) & n.accepting("fuels", t.fuel_names[0])
    ok &= (n.year_min <= t.year[0]) & (t.year[0] <= n.year_max)
    ok &= p.block[:, 0][n.country] == BLOCK_NONE
    wanted = wanted_steerings(n.steer, p.steer[:, 0][n.country])
    ok &= (wanted == STEER_ANY) | (wanted == t.steer[0])
    lot_values = (a.age_my, a.age_fr, t.emission, t.no_engine, t.cc, t.km)
    ok &= rules_ok(*lot_values, *(getattr(p, name)[:, 0] for name in weights.RULE_LIMITS))[n.country]
    ok &= (ctx.fixed.km[0] <= ctx.arrays.max_km) & (ctx.fixed.soh_ok_from[0] >= ctx.arrays.min_soh)
    nl = np.flatnonzero(ok)
    lp = np.zeros(len(nl), np.int64)
    cell, price = pairs.priced(ctx, lp, nl)
    within = pairs.within_budget(ctx, nl, price)
    nl, lp, cell, price = nl[within], lp[within], cell[within], price[within]
    key = (MAX_CENTI - pairs.score(ctx, lp, nl, cell, price)).astype(np.int64) * n.n + nl
    if len(key) > top_k:
        key = key[np.argpartition(key, top_k - 1)[:top_k]]
    key.sort()
    nl = key % n.n
    score = MAX_CENTI - key // n.n
    zeros = np.zeros(len(key), np.int64)
    result = MatchResult(ctx, zeros, nl, score, zeros, np.arange(1, len(key) + 1), {}, int(within.sum()))
    return result._matches(np.arange(len(key)))


def explain_pairs(
    lots: Sequence[LotRecord],
    needs: Sequence[NeedRecord],
    pairs_: Sequence[tuple[int, int]],
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    *,
    freight: FreightTables = NO_RATES,
) -> dict[tuple[int, int], tuple[Factor, ...]]:
    """Explanations of (lot id, need id) pairs as the engine scores them now,
    whether or not the pair passes the hard constraints (the caller knows which
    pairs were proposed). Pairs naming a lot or need not given are left out."""
    wanted = [(lot, need) for lot, need in pairs_ if lot is not None and need is not None]
    if not wanted or not lots or not needs:
        return {}
    table = LotTable(tuple(sorted({r.id: r for r in lots}.values(), key=lambda r: r.id)), index=False)
    need_table = NeedTable.build(list({r.id: r for r in needs}.values()))
    lot_at = {lot_id: k for k, lot_id in enumerate(table.ids.tolist())}
    need_at = {need_id: k for k, need_id in enumerate(need_table.ids.tolist())}
    known = [(lot, need) for lot, need in wanted if lot in lot_at and need in need_at]
    if not known:
        return {}
    ctx = arrays.context(table, need_table, rules, fx, on, freight)
    lp = np.array([lot_at[lot] for lot, _ in known], np.int64)
    nl = np.array([need_at[need] for _, need in known], np.int64)
    return dict(zip(known, explain_rows(ctx, lp, nl), strict=True))
