"""What scoring returns: `Match` (one proposal, explained on first access for
its whole batch) and `MatchResult` (kept pairs as columns with both ranks, the
diagnostics of needs without a candidate), and the explanations' reason codes
(listed in `scoring`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from matchmaking.engine import arrays, delivery, pairs, weights
from matchmaking.engine import vocabulary as vocab
from matchmaking.engine.diagnostics import Diagnostic
from matchmaking.engine.tables import (
    MILEAGE_REFERENCE_KM,
    LotRecord,
)
from matchmaking.fx import convert

REASONS: dict[str, tuple[str, ...]] = {
    "price": ("under_budget", "over_budget"),
    "age": ("age_years",),
    "mileage": ("mileage_within_limit", "mileage"),
    "quantity": ("covers_quantity", "partial_split", "partial_no_split"),
    "model": ("open_request", "make_match", "exact_model"),
    "logistics": ("mode_match", "mode_mismatch", "mode_unknown", "any_mode"),
    "exporter": ("verified", "unverified"),
}

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


def explain_rows(ctx: arrays.Context, lp: np.ndarray, nl: np.ndarray) -> list[tuple[Factor, ...]]:
    """Explanations for pairs; the points are the same arrays the score sums."""
    if len(lp) == 0:
        return []
    points = np.stack(pairs.factors(ctx, lp, nl), axis=1).tolist()
    t, n = ctx.table, ctx.needs
    cells, delivered = pairs.priced(ctx, lp, nl)
    price_need = convert(delivered, 1.0, ctx.arrays.rate[nl]).tolist()
    deliveries = _deliveries(ctx, lp, nl, cells)
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
        price.update(max_price=max_price, currency=n.currency[j], **deliveries[k])
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


def _deliveries(
    ctx: arrays.Context, lp: np.ndarray, nl: np.ndarray, cells: np.ndarray
) -> list[dict[str, Any]]:
    """The price factor's delivery params: the incoterm compared on and, for a
    lot priced below the need's incoterm, the arithmetic (amounts in the
    need's currency) or the rate that was missing."""
    costs, t, n = ctx.cells.costs, ctx.table, ctx.needs
    rate = ctx.arrays.rate[nl]
    stated_cny = ctx.prices.price_cny[lp]
    insured = (stated_cny + costs.add[cells]) * (costs.mult[cells] - 1.0)
    amounts = {
        "stated": convert(stated_cny, 1.0, rate).tolist(),
        "haulage": convert(costs.haulage[cells], 1.0, rate).tolist(),
        "freight": convert(costs.freight[cells], 1.0, rate).tolist(),
        "insurance": convert(insured, 1.0, rate).tolist(),
    }
    reached, missing = costs.reached[cells].tolist(), costs.missing[cells].tolist()
    modes, indicative = costs.mode[cells].tolist(), costs.indicative[cells].tolist()
    out: list[dict[str, Any]] = []
    for k, (i, j) in enumerate(zip(lp.tolist(), nl.tolist(), strict=True)):
        lot, need = t.records[i], n.records[j]
        stated, wanted = delivery.incoterm_index(lot.incoterm), delivery.incoterm_index(need.incoterm)
        params: dict[str, Any] = {"incoterm": delivery.INCOTERMS[reached[k]]}
        if stated < wanted:
            steps: list[list[Any]] = []
            if amounts["haulage"][k]:
                steps.append(["haulage", "", round(amounts["haulage"][k], 2)])
            if modes[k] >= 0:
                steps.append(["freight", delivery.MODES[modes[k]], round(amounts["freight"][k], 2)])
            if amounts["insurance"][k]:
                steps.append(["insurance", "", round(amounts["insurance"][k], 2)])
            params.update(
                wanted_incoterm=delivery.INCOTERMS[wanted],
                stated_incoterm=delivery.INCOTERMS[stated],
                stated_price=round(amounts["stated"][k], 2),
                costs=steps,
                missing=delivery.MISSING[missing[k]],
                place=need.destination_port.strip() or need.destination_country.strip().upper(),
                indicative=bool(indicative[k]),
            )
        out.append(params)
    return out


def _logistics_reason(
    wanted_mask: int, offered_mask: int, lot: LotRecord, route: int
) -> tuple[str, dict[str, Any]]:
    offered, wanted = vocab.mask_modes(offered_mask), vocab.mask_modes(wanted_mask)
    params: dict[str, Any] = {"from": lot.loading_point, "route": weights.ROUTE_NAMES[route]}
    reason = REASONS["logistics"][int(weights.MODE_REASON[wanted_mask * 16 + offered_mask])]
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
        ctx: arrays.Context,
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
        # No copy of columns already int64 (a full run's are 1.6M long).
        self.lot_index = lot_index.astype(np.int64, copy=False)
        self.need_index = need_index.astype(np.int64, copy=False)
        self.score_centi = score_centi.astype(np.int64, copy=False)
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
        return explain_rows(self._ctx, self.lot_index[rows], self.need_index[rows])

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
