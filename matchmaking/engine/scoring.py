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
 5. the unit price converted to the need's currency is <= max price x 1.10,
    compared in CNY: unit price x rate(lot currency) <= max unit price x 1.10
    x rate(need currency); a missing FX rate on either side means no candidate.

Soft score 0-100: the sum of the factors in WEIGHTS (engine.pairs), each the
weight times a fit in [0, 1], rounded to hundredths of a point; the score is
the sum of the rounded factor points, so an explanation's points add up to its
score (up to float formatting).
  price      fit 1 at or below half the budget, falling linearly to 0 at 110 %
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
             Russia —, 0.5 unknown point, 0 a detour)
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
  price      under_budget / over_budget   {pct, price, max_price, currency}
             (pct: whole percent below / above the need's max unit price)
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
    everything else is pct % above the max unit price, pct rounded up);
  no_candidate {} (should not happen).

Results: each need keeps its top K lots (rank_for_need 1..K) ordered by score
desc, then the cheaper lot (price in CNY; so a cheaper twin never ranks below
a dearer one), then lot id; each lot keeps its top K needs (rank_for_lot 1..K)
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
   precomputed country x lot boolean matrix), then survivors are scored.
 * Need-side top K: a per-need score histogram gives each need's cut-off,
   survivors are ordered by one sort of packed keys (need, 10000 - score, price
   rank). Lot-side top K: candidates are kept compactly with a per-lot
   histogram; after the last block each lot's cut-off filters them and one
   packed-key sort (lot, 10000 - score, need) ranks the rest. A chunked run
   merges per-lot lists with the same sort (`merge_lot_top_k`).
 * Blocks run on two threads (NumPy releases the GIL in its loops); results
   are combined in block order, so runs are deterministic.
Modules: tables (records, columnar tables), market_rules (rules compiled per
country and fuel), pairs (blocking, masks, points, WEIGHTS), diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaking.engine import pairs
from matchmaking.engine import vocabulary as vocab
from matchmaking.engine.diagnostics import Diagnostic, diagnose, failures
from matchmaking.engine.market_rules import BLOCK_NONE, STEER_ANY, rules_ok, wanted_steerings
from matchmaking.engine.pairs import FACTORS, MAX_CENTI, WEIGHTS
from matchmaking.engine.tables import (
    MILEAGE_REFERENCE_KM,
    LotRecord,
    LotTable,
    NeedRecord,
    NeedTable,
    RuleRecord,
    fx_key,
)
from matchmaking.fx import convert

__all__ = [
    "FACTORS",
    "REASONS",
    "WEIGHTS",
    "Diagnostic",
    "Factor",
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

REASONS: dict[str, tuple[str, ...]] = {
    "price": ("under_budget", "over_budget"),
    "age": ("age_years",),
    "mileage": ("mileage_within_limit", "mileage"),
    "quantity": ("covers_quantity", "partial_split", "partial_no_split"),
    "model": ("open_request", "make_match", "exact_model"),
    "logistics": ("mode_match", "mode_mismatch", "mode_unknown", "any_mode"),
    "exporter": ("verified", "unverified"),
}
# Score histogram buckets for the top-K cut-offs: 64 and 256 centi-points wide.
_NEED_SHIFT, _LOT_SHIFT = 6, 8
THREADS = 2

Factor = tuple[str, float, str, dict[str, Any]]


class _Explanations:
    """Explanations of a batch of pairs, computed together on first use."""

    def __init__(self, result: MatchResult, rows: np.ndarray) -> None:
        self._result, self._rows = result, rows
        self._done: list[tuple[Factor, ...]] | None = None

    def __getitem__(self, k: int) -> tuple[Factor, ...]:
        if self._done is None:
            self._done = self._result.explanations(self._rows)
        return self._done[k]


@dataclass(frozen=True)
class Match:
    """One proposal. `explanation` is computed on first access, for the whole
    batch the match came with (a vectorised pass), then kept."""

    lot_id: int
    need_id: int
    score: float
    rank_for_need: int | None
    rank_for_lot: int | None
    _batch: _Explanations = field(repr=False, compare=False)
    _index: int = field(repr=False, compare=False)

    @cached_property
    def explanation(self) -> tuple[Factor, ...]:
        return self._batch[self._index]

    @classmethod
    def _fast(
        cls,
        lot_id: int,
        need_id: int,
        score: float,
        by_need: int | None,
        by_lot: int | None,
        batch: _Explanations,
        index: int,
    ) -> Match:
        """The same as Match(...), at a third of the cost: a frozen dataclass's
        __init__ goes through object.__setattr__ per field, which shows when a
        rescore returns its 20 matches in about a millisecond."""
        match = object.__new__(cls)
        match.__dict__.update(
            lot_id=lot_id,
            need_id=need_id,
            score=score,
            rank_for_need=by_need,
            rank_for_lot=by_lot,
            _batch=batch,
            _index=index,
        )
        return match


# ---------------------------------------------------------------- explanations


def _explain(ctx: pairs.Context, lp: np.ndarray, nl: np.ndarray) -> list[tuple[Factor, ...]]:
    """Explanations for pairs; the points are the same arrays the score sums."""
    if len(lp) == 0:
        return []
    points = np.stack(pairs.factors(ctx, lp, nl), axis=1).tolist()
    t, n = ctx.table, ctx.needs
    price_need = convert(ctx.prices.price_cny[lp], 1.0, ctx.arrays.rate[nl]).tolist()
    routes = pairs.route(ctx, lp, nl).tolist()
    wanted_modes, offered_modes = n.modes[nl].tolist(), t.modes[lp].tolist()
    ages = ctx.ages.age_my[lp].tolist()
    out: list[tuple[Factor, ...]] = []
    for k, (i, j) in enumerate(zip(lp.tolist(), nl.tolist(), strict=True)):
        lot, need = t.records[i], n.records[j]
        p = [c / 100 for c in points[k]]
        max_price = float(need.max_unit_price)
        ratio = price_need[k] / max_price
        price = {"pct": round(abs(1.0 - ratio) * 100), "price": round(price_need[k], 2)}
        price.update(max_price=max_price, currency=n.currency[j])
        if need.max_mileage_km is not None:
            mileage = ("mileage_within_limit", {"km": lot.mileage_km, "limit_km": need.max_mileage_km})
        else:
            mileage = ("mileage", {"km": lot.mileage_km, "reference_km": MILEAGE_REFERENCE_KM})
        offered, wanted = lot.quantity, int(n.want[j])
        quantity = (
            "covers_quantity"
            if offered >= wanted
            else "partial_split"
            if need.allow_split
            else "partial_no_split"
        )
        level = int(n.model_level[j])
        model = {"model": lot.model} if level == 2 else {"make": lot.make} if level == 1 else {}
        exporter = "verified" if lot.exporter_verified else "unverified"
        out.append(
            (
                ("price", p[0], "under_budget" if ratio <= 1.0 else "over_budget", price),
                ("age", p[1], "age_years", {"years": max(ages[k], 0), "model_year": lot.model_year}),
                ("mileage", p[2], *mileage),
                ("quantity", p[3], quantity, {"offered": offered, "wanted": wanted}),
                ("model", p[4], REASONS["model"][level], model),
                ("logistics", p[5], *_logistics_reason(wanted_modes[k], offered_modes[k], lot, routes[k])),
                ("exporter", p[6], exporter, {"deals": lot.exporter_deals}),
            )
        )
    return out


def _logistics_reason(
    wanted_mask: int, offered_mask: int, lot: LotRecord, route: int
) -> tuple[str, dict[str, Any]]:
    offered, wanted = vocab.mask_modes(offered_mask), vocab.mask_modes(wanted_mask)
    params: dict[str, Any] = {"from": lot.loading_point, "route": pairs.ROUTE_NAMES[route]}
    reason = REASONS["logistics"][int(pairs.MODE_REASON[wanted_mask * 16 + offered_mask])]
    if reason == "mode_match":
        params["mode"] = next(mode for mode in offered if mode in wanted)
    elif reason == "mode_mismatch":
        params.update(wanted=wanted, offered=offered)
    elif reason == "mode_unknown":
        params["wanted"] = wanted
    else:
        params["offered"] = offered
    return reason, params


# ---------------------------------------------------------------- results


class MatchResult:
    """Kept pairs as columns (indices into `lots` and `needs`), the per-need
    diagnostics and run statistics. Ranks are 1-based, 0 in the arrays (None in
    `Match`) when the pair is not in that side's top K. Pair order is
    deterministic but not meaningful. Explanations are computed on demand, in
    vectorised batches."""

    def __init__(
        self,
        ctx: pairs.Context,
        lot_index: np.ndarray,
        need_index: np.ndarray,
        score_centi: np.ndarray,
        rank_for_need: np.ndarray,
        rank_for_lot: np.ndarray,
        diagnostics: dict[int, Diagnostic],
        pairs_considered: int,
    ) -> None:
        self._ctx = ctx
        self.lots, self.needs, self.fx, self.on = ctx.table, ctx.needs, ctx.fx, ctx.on
        self.lot_index, self.need_index = lot_index.astype(np.int64), need_index.astype(np.int64)
        self.score_centi = score_centi.astype(np.int64)
        self.rank_for_need, self.rank_for_lot = rank_for_need, rank_for_lot
        self.diagnostics = diagnostics
        self.pairs_considered = pairs_considered

    def __len__(self) -> int:
        return len(self.lot_index)

    @property
    def lot_ids(self) -> np.ndarray:
        return self.lots.ids[self.lot_index]

    @property
    def need_ids(self) -> np.ndarray:
        return self.needs.ids[self.need_index]

    @property
    def scores(self) -> np.ndarray:
        return self.score_centi / 100

    def explanations(self, rows: np.ndarray) -> list[tuple[Factor, ...]]:
        return _explain(self._ctx, self.lot_index[rows], self.need_index[rows])

    def _matches(self, rows: np.ndarray) -> list[Match]:
        batch = _Explanations(self, rows)
        lot_ids = self.lots.ids[self.lot_index[rows]].tolist()
        need_ids = self.needs.ids[self.need_index[rows]].tolist()
        scores = self.score_centi[rows].tolist()
        by_need, by_lot = self.rank_for_need[rows].tolist(), self.rank_for_lot[rows].tolist()
        return [
            Match._fast(lot_id, need_id, score / 100, rank_n or None, rank_l or None, batch, k)
            for k, (lot_id, need_id, score, rank_n, rank_l) in enumerate(
                zip(lot_ids, need_ids, scores, by_need, by_lot, strict=True)
            )
        ]

    def matches(self, batch: int = 10_000) -> Iterator[Match]:
        for begin in range(0, len(self), batch):
            yield from self._matches(np.arange(begin, min(begin + batch, len(self))))

    def for_need(self, need_id: int) -> list[Match]:
        """The need's ranked lots (rank_for_need order)."""
        rows = np.flatnonzero((self.need_ids == need_id) & (self.rank_for_need > 0))
        return self._matches(rows[np.argsort(self.rank_for_need[rows])])

    def for_lot(self, lot_id: int) -> list[Match]:
        """The lot's ranked needs (rank_for_lot order)."""
        rows = np.flatnonzero((self.lot_ids == lot_id) & (self.rank_for_lot > 0))
        return self._matches(rows[np.argsort(self.rank_for_lot[rows])])


# ---------------------------------------------------------------- top K


def _cut_off(group: np.ndarray, bucket: np.ndarray, groups: int, buckets: int, top_k: int) -> np.ndarray:
    """Per group, the lowest score bucket that can still hold one of its top K
    (-1 when the group has fewer than K): everything below is out."""
    hist = np.bincount(group * buckets + bucket, minlength=groups * buckets).reshape(groups, buckets)
    return _cut_off_from(hist, top_k)


def _cut_off_from(hist: np.ndarray, top_k: int) -> np.ndarray:
    # Counts fit in int32 (at most one per lot or need), which halves the memory walked.
    hist = hist.astype(np.int32, copy=False)
    below = np.cumsum(hist, axis=1, dtype=np.int32)
    below -= hist
    # Counted along an axis: one count per group (NumPy's stubs leave the result Any).
    cut: npt.NDArray[np.intp] = (
        np.count_nonzero(below <= (hist.sum(axis=1, dtype=np.int32) - top_k)[:, None], axis=1) - 1
    )
    return cut


def _need_top(
    ctx: pairs.Context, lp: np.ndarray, nl: np.ndarray, score: np.ndarray, top_k: int
) -> np.ndarray:
    """Packed keys (need, 10000 - score, price rank) of each need's top K in a
    block holding all candidates of its needs, sorted."""
    if len(nl) == 0:
        return np.zeros(0, np.int64)
    lots_n = max(ctx.table.n, 1)
    base = int(nl.min())
    if base == int(nl.max()):
        # One need (rescoring): a partial sort beats the histogram.
        key: npt.NDArray[np.int64] = (MAX_CENTI - score).astype(np.int64) * lots_n + ctx.prices.rank.take(lp)
        if len(key) > top_k:
            key = key[np.argpartition(key, top_k - 1)[:top_k]]
        key.sort()
        return key + base * ((MAX_CENTI + 1) * lots_n)
    local = nl - base
    bucket = score >> _NEED_SHIFT
    cut = _cut_off(local, bucket, int(local.max()) + 1, (MAX_CENTI >> _NEED_SHIFT) + 1, top_k)
    keep = bucket >= cut[local]
    key = nl[keep].astype(np.int64) * ((MAX_CENTI + 1) * lots_n)
    key += (MAX_CENTI - score[keep]).astype(np.int64) * lots_n + ctx.prices.rank[lp[keep]]
    key.sort()
    return key[pairs.segment_rank(key // ((MAX_CENTI + 1) * lots_n)) < top_k]


def _union(
    first: tuple[np.ndarray, ...], second: tuple[np.ndarray, ...], lot_key: np.ndarray, needs_n: int
) -> tuple[np.ndarray, ...]:
    """Pairs in the need-side list (lp, nl, score, rank) or the lot-side list
    (lp, nl, score, rank, from the sorted packed keys `lot_key`), each with
    both ranks. A need-side pair is in the lot-side list when its own packed
    key is: one binary search each."""
    lp1, nl1, sc1, rank_n = first
    lp2, nl2, sc2, rank_l = second
    rank_for_need = np.zeros(len(lp2), np.int64)
    found = np.zeros(len(lp1), dtype=bool)
    if len(lp1) and len(lp2):
        key = lp1 * ((MAX_CENTI + 1) * needs_n) + (MAX_CENTI - sc1) * needs_n + nl1
        at = np.minimum(np.searchsorted(lot_key, key), len(lot_key) - 1)
        found = lot_key[at] == key
        rank_for_need[at[found]] = rank_n[found]
    miss = ~found
    return (
        np.concatenate([lp2, lp1[miss]]),
        np.concatenate([nl2, nl1[miss]]),
        np.concatenate([sc2, sc1[miss]]),
        np.concatenate([rank_for_need, rank_n[miss]]),
        np.concatenate([rank_l, np.zeros(int(miss.sum()), np.int64)]),
    )


def _match(ctx: pairs.Context, top_k: int, *, lot_side: bool, diagnose_silent: bool) -> MatchResult:
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    t, n = ctx.table, ctx.needs
    lots_n, needs_n = max(t.n, 1), max(n.n, 1)
    owner, start, length = pairs.ranges(ctx, range(n.n), "full")
    matrix = pairs.rule_matrix(ctx) if len(owner) else None
    lot_buckets = (MAX_CENTI >> _LOT_SHIFT) + 1

    def block(bounds: tuple[int, int]) -> tuple[np.ndarray, ...]:
        begin, stop = bounds
        lp, nl = pairs.expand(ctx, owner[begin:stop], start[begin:stop], length[begin:stop])
        ok = pairs.admissible(ctx, lp, nl, matrix)
        lp, nl = lp[ok], nl[ok]
        score = pairs.score(ctx, lp, nl)
        found = np.bincount(nl, minlength=n.n)
        need_key = _need_top(ctx, lp, nl, score, top_k)
        if not lot_side:
            return found, need_key
        cell = lp * lot_buckets
        cell += score >> _LOT_SHIFT
        hist = np.bincount(cell, minlength=lots_n * lot_buckets)
        return found, need_key, hist, lp.astype(np.int32), nl.astype(np.int32), score.astype(np.int16)

    # Blocks are independent and NumPy releases the GIL in its loops, so two
    # threads use both cores; results are combined in block order (deterministic).
    counts = np.zeros(n.n, np.int64)
    need_keys, kept = [], []
    lot_hist = np.zeros(lots_n * lot_buckets, np.int64) if lot_side else None
    lot_key: np.ndarray | None = None
    lot_stride = (MAX_CENTI + 1) * needs_n
    work = list(pairs.blocks(owner, length))
    pool = ThreadPoolExecutor(max_workers=THREADS) if len(work) > 1 else None
    run = pool.map if pool else map
    try:
        for part in run(block, work):
            counts += part[0]
            need_keys.append(part[1])
            if lot_hist is not None:
                lot_hist += part[2]
                kept.append(part[3:])
        if kept and lot_hist is not None:
            cut = _cut_off_from(lot_hist.reshape(lots_n, lot_buckets), top_k)
            # The lowest score each lot's top K can hold, in the kept scores'
            # dtype: one gather and one compare per pair, no widening (-256 for
            # lots with fewer than K keeps them all).
            lowest = (cut << _LOT_SHIFT).astype(np.int16)

            def lot_keys(part: tuple[np.ndarray, ...]) -> np.ndarray:
                """Packed keys (lot, 10000 - score, need) of a block's pairs
                that can still be in their lot's top K."""
                lp, nl, score = part
                keep = score >= lowest.take(lp)
                key = lp[keep].astype(np.int64) * lot_stride
                key += (MAX_CENTI - score[keep]).astype(np.int64) * needs_n + nl[keep]
                return key

            lot_key = np.concatenate(list(run(lot_keys, kept)))
            del kept
    finally:
        if pool:
            pool.shutdown()
    need_key = np.concatenate(need_keys) if need_keys else np.zeros(0, np.int64)
    stride = (MAX_CENTI + 1) * lots_n
    rest = need_key % stride
    need_side = (
        ctx.prices.at_rank[rest % lots_n],
        need_key // stride,
        MAX_CENTI - rest // lots_n,
        pairs.segment_rank(need_key // stride) + 1,
    )
    if lot_key is not None:
        key = lot_key
        key.sort()
        key = key[pairs.segment_rank(key // lot_stride) < top_k]
        lot_lp = key // lot_stride
        lot_side_ = (
            lot_lp,
            key % needs_n,
            MAX_CENTI - (key % lot_stride) // needs_n,
            pairs.segment_rank(lot_lp) + 1,
        )
        lp_, nl_, sc_, rn_, rl_ = _union(need_side, lot_side_, key, needs_n)
    else:
        lp_, nl_, sc_, rn_ = need_side
        rl_ = np.zeros(len(lp_), np.int64)
    silent = np.flatnonzero(counts == 0).tolist() if diagnose_silent else []
    diagnostics = diagnose(ctx, silent) if silent else {}
    return MatchResult(ctx, lp_, nl_, sc_, rn_, rl_, diagnostics, int(counts.sum()))


# ---------------------------------------------------------------- API


def match_needs(
    table: LotTable,
    needs: Sequence[NeedRecord] | NeedTable,
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    top_k: int = 20,
) -> MatchResult:
    """Score a chunk of needs against all lots of `table`: each need's top K,
    each lot's top K among these needs, diagnostics for needs with no candidate."""
    need_table = needs if isinstance(needs, NeedTable) else NeedTable.build(needs)
    ctx = pairs.context(table, need_table, rules, fx, on)
    return _match(ctx, top_k, lot_side=True, diagnose_silent=True)


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
    ctx = pairs.context(first.lots, needs, first._ctx.policy.rules, first.fx, first.on)
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
) -> MatchResult:
    """Every lot against every need, top K both ways. With `chunk_size`, needs
    are matched in chunks (as a Celery group would) and merged."""
    table = lots if isinstance(lots, LotTable) else LotTable.build(lots)
    if chunk_size is None or len(needs) <= chunk_size:
        return match_needs(table, needs, rules, fx, on, top_k)
    ordered = sorted(needs, key=lambda need: need.id)
    chunks = [
        match_needs(table, ordered[i : i + chunk_size], rules, fx, on, top_k)
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
) -> list[Match]:
    """The need's top K lots now (rank_for_lot None). Reuse the table of the
    last full run: its FX- and date-dependent indexes are cached on it."""
    ctx = pairs.context(table, NeedTable((need,)), rules, fx, on)
    result = _match(ctx, top_k, lot_side=False, diagnose_silent=False)
    return result._matches(np.argsort(result.rank_for_need))


def diagnose_need(
    need: NeedRecord, table: LotTable, rules: Sequence[RuleRecord], fx: Mapping[str, float], on: date
) -> Diagnostic | None:
    """Why the need has no candidate, or None when it has one."""
    ctx = pairs.context(table, NeedTable((need,)), rules, fx, on)
    return _match(ctx, 1, lot_side=False, diagnose_silent=True).diagnostics.get(need.id)


def lot_failures(
    lot: LotRecord, need: NeedRecord, rules: Sequence[RuleRecord], fx: Mapping[str, float], on: date
) -> list[tuple[str, dict[str, Any]]]:
    """Every constraint a lot fails for a need, as (reason code, params) in
    funnel order; empty when the lot is a candidate."""
    ctx = pairs.context(LotTable((lot,)), NeedTable((need,)), rules, fx, on)
    return failures(ctx)


def rescore_lot(
    lot: LotRecord,
    needs: NeedTable | Sequence[NeedRecord],
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    top_k: int = 20,
) -> list[Match]:
    """The lot's top K needs now (rank_for_need None). Pass a NeedTable built
    once: it caches the per-attribute indexes that make this fast."""
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    n = needs if isinstance(needs, NeedTable) else NeedTable.build(needs)
    t = LotTable((lot,), index=False)
    if not t.eligible[0] or n.n == 0:
        return []
    ctx = pairs.context(t, n, rules, fx, on)
    p, a = ctx.policy, ctx.ages
    ok = n.open & n.accepting("makes", t.make_names[0]) & n.accepting("models", t.model_names[0])
    ok &= n.accepting("bodies", t.body_names[0]) & n.accepting("fuels", t.fuel_names[0])
    ok &= (n.year_min <= t.year[0]) & (t.year[0] <= n.year_max)
    ok &= p.block[:, 0][n.country] == BLOCK_NONE
    wanted = wanted_steerings(n.steer, p.steer[:, 0][n.country])
    ok &= (wanted == STEER_ANY) | (wanted == t.steer[0])
    lot_values = (a.age_my, a.age_fr, t.emission, t.no_engine, t.cc, t.km)
    ok &= rules_ok(*lot_values, *(getattr(p, name)[:, 0] for name in pairs._LIMITS))[n.country]
    ok &= (ctx.fixed.km[0] <= ctx.arrays.max_km) & (ctx.fixed.soh_ok_from[0] >= ctx.arrays.min_soh)
    ok &= ctx.prices.price_cny[0] <= ctx.arrays.cap_cny
    nl = np.flatnonzero(ok)
    lp = np.zeros(len(nl), np.int64)
    key = (MAX_CENTI - pairs.score(ctx, lp, nl)).astype(np.int64) * n.n + nl
    if len(key) > top_k:
        key = key[np.argpartition(key, top_k - 1)[:top_k]]
    key.sort()
    nl = key % n.n
    score = MAX_CENTI - key // n.n
    zeros = np.zeros(len(key), np.int64)
    result = MatchResult(ctx, zeros, nl, score, zeros, np.arange(1, len(key) + 1), {}, int(ok.sum()))
    return result._matches(np.arange(len(key)))


def explain_pairs(
    lots: Sequence[LotRecord],
    needs: Sequence[NeedRecord],
    pairs_: Sequence[tuple[int, int]],
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
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
    ctx = pairs.context(table, need_table, rules, fx, on)
    lp = np.array([lot_at[lot] for lot, _ in known], np.int64)
    nl = np.array([need_at[need] for _, need in known], np.int64)
    return dict(zip(known, _explain(ctx, lp, nl), strict=True))
