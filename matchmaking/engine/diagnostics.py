"""Why a need found nothing: the first constraint, in funnel order, that leaves
no lot (reason codes and params are listed in `scoring`).

The early stages (kind, market-rule bans, steering, model years) are counted
from blocking slices without expanding them. For the needs that survive those,
the slices (one per model year, cheapest lot first) are read from the cheap
end until a lot passes the market rules, mileage and battery limits and has a
price: such a need is over budget, priced by the cheapest such lot. Only the
needs without one are expanded in full to find the stage that stopped them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from matchmaking.engine import pairs
from matchmaking.engine.market_rules import BLOCK_NONE, BLOCK_USED, Policy, rule_checks
from matchmaking.engine.tables import STEERING_NAMES, NeedRecord

Diagnostic = tuple[str, dict[str, Any]]
_LATER_STAGES = ("rules", "km", "soh", "fx", "price")
_RULE_STAGES = ("age", "emission", "cc", "rule_km")


def diagnose(
    ctx: pairs.Context, silent: list[int], matrix: np.ndarray | None = None
) -> dict[int, Diagnostic]:
    """Diagnostics of the needs at indices `silent`; `matrix` is the run's
    country x lot rule matrix, if it made one."""
    n = ctx.needs
    out: dict[int, Diagnostic] = {}
    funnel = []
    # Whether market rules bar every fuel a need accepts depends on its
    # destination and fuels only.
    barred_by: dict[tuple[int, frozenset[str]], Diagnostic | None] = {}
    for i in silent:
        need_id = int(n.ids[i])
        if not n.open[i]:
            out[need_id] = ("need_closed", {})
        elif np.isnan(ctx.arrays.rate[i]):
            out[need_id] = ("no_fx_rate", {"currency": n.currency[i]})
        else:
            key = (int(n.country[i]), n.fuels[i])
            if key not in barred_by:
                barred_by[key] = _barred(ctx, i)
            barred = barred_by[key]
            if barred is not None:
                out[need_id] = (barred[0], dict(barred[1]))
            else:
                funnel.append(i)
    if not funnel:
        return out
    stages = {mode: pairs.ranges(ctx, funnel, mode) for mode in ("kind", "block", "steering", "each_year")}
    counts = {
        mode: np.bincount(owner, weights=length, minlength=n.n) for mode, (owner, _, length) in stages.items()
    }
    _, perm = ctx.orders()

    def first_lot(mode: str, i: int) -> int:
        owner, start, _ = stages[mode]
        return int(perm[start[np.searchsorted(owner, i)]])

    later = []
    for i in funnel:
        need_id = int(n.ids[i])
        if counts["kind"][i] == 0:
            out[need_id] = _no_kind(n.records[i])
        elif counts["block"][i] == 0:
            at = (int(n.country[i]), int(ctx.table.fuel[first_lot("kind", i)]))
            out[need_id] = _block(
                ctx.policy, int(ctx.policy.block[at]), int(ctx.policy.block_rule[at]), at[1]
            )
        elif counts["steering"][i] == 0:
            out[need_id] = _steering(ctx, i, int(ctx.table.fuel[first_lot("block", i)]))
        elif counts["each_year"][i] == 0:
            need = n.records[i]
            out[need_id] = ("no_lot_in_year_range", {"year_min": need.year_min, "year_max": need.year_max})
        else:
            later.append(i)
    later_out = _later(ctx, later, stages["each_year"], matrix)
    for i in later:
        out[int(n.ids[i])] = later_out[i]
    return out


def _later(
    ctx: pairs.Context,
    later: list[int],
    slices: tuple[np.ndarray, np.ndarray, np.ndarray],
    matrix: np.ndarray | None,
) -> dict[int, Diagnostic]:
    """Diagnostics of needs with lots in their model-year range, by need index;
    `slices` are the "each_year" slices of these needs, and maybe of others."""
    n = ctx.needs
    is_later = np.zeros(n.n, dtype=bool)
    is_later[later] = True
    keep = is_later[slices[0]]
    owner, start, length = (x[keep] for x in slices)
    if len(owner) == 0:
        return {}
    out: dict[int, Diagnostic] = {}
    _, perm = ctx.orders()
    first = _first_compliant(ctx, owner, start, length, matrix)
    price = np.where(first >= 0, ctx.prices.price_cny[perm[np.maximum(first, 0)]], np.inf)
    bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    compliant = np.logical_or.reduceat(first >= 0, bounds).tolist()
    cheapest = np.minimum.reduceat(price, bounds)
    expand_all = np.zeros(n.n, dtype=bool)
    for k, i in enumerate(owner[bounds].tolist()):
        if not compliant[k]:
            expand_all[i] = True
        elif cheapest[k] <= ctx.arrays.cap_cny[i]:
            out[i] = ("no_candidate", {})
        else:
            out[i] = _over_budget(ctx, float(cheapest[k] / ctx.arrays.rate[i]), i)
    # No lot passes the stages before the price: expand every pair of these
    # needs and follow them through the stages. A need's slices, one per model
    # year, list its lots in the same order as one slice over its year range.
    keep = expand_all[owner]
    owner, start, length = owner[keep], start[keep], length[keep]
    for begin, stop in pairs.blocks(owner, length):
        lp, nl = pairs.expand(ctx, owner[begin:stop], start[begin:stop], length[begin:stop])
        masks = _later_masks(ctx, lp, nl, matrix)
        need_bounds = np.flatnonzero(np.r_[True, nl[1:] != nl[:-1], True])
        failed, alive = _stopped(masks, need_bounds)
        for k, (b0, b1) in enumerate(zip(need_bounds[:-1].tolist(), need_bounds[1:].tolist(), strict=True)):
            i = int(nl[b0])
            out[i] = _failure(ctx, failed[k], lp[b0:b1], alive[b0:b1], i)
    return out


# Lots read per slice in the first round of the scan; each later round reads the
# next four times as many, so a slice is read at most about four times past its
# first compliant lot, and no lot twice.
_SCAN_FIRST = 16


def _first_compliant(
    ctx: pairs.Context,
    owner: np.ndarray,
    start: np.ndarray,
    length: np.ndarray,
    matrix: np.ndarray | None,
) -> np.ndarray:
    """Per slice, the position in the orders' lot array of its first lot that
    passes the market rules, mileage and battery limits and has a price (-1 if
    none): the cheapest such lot, as a slice of one model year lists its lots
    cheapest first. Most slices have one near their start, so growing prefixes
    are read rather than the whole slices."""
    first = np.full(len(owner), -1, np.int64)
    todo = np.arange(len(owner))
    done, width = 0, _SCAN_FIRST
    while len(todo):
        take = np.minimum(length[todo] - done, width)
        lp, nl = pairs.expand(ctx, owner[todo], start[todo] + done, take)
        rules, km, soh, priced, _ = _later_masks(ctx, lp, nl, matrix)
        hits = np.flatnonzero(rules & km & soh & priced)
        begins = np.cumsum(take) - take
        slot, at = np.unique(np.searchsorted(begins, hits, side="right") - 1, return_index=True)
        first[todo[slot]] = start[todo[slot]] + done + hits[at] - begins[slot]
        done += width
        width *= 4
        unresolved = np.ones(len(todo), dtype=bool)
        unresolved[slot] = False
        todo = todo[unresolved & (length[todo] > done)]
    return first


def _stopped(masks: list[np.ndarray], bounds: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Per need (pairs bounds[k]:bounds[k + 1]), the first of the later stages
    that leaves none of its pairs (len(_LATER_STAGES) when none does), and the
    pairs still alive before that stage. All needs go through each stage at once."""
    starts = bounds[:-1]
    segment = np.repeat(np.arange(len(starts)), np.diff(bounds))
    passed = len(_LATER_STAGES)
    failed = np.full(len(starts), passed)
    alive = np.ones(len(segment), dtype=bool)
    for stage, mask in enumerate(masks):
        after = alive & mask
        ok = np.logical_or.reduceat(after, starts) & (failed == passed)
        failed[~ok & (failed == passed)] = stage
        alive = np.where(ok[segment], after, alive)
    return failed.tolist(), alive


def _rule_params(policy: Policy, index: int, **params: Any) -> dict[str, Any]:
    rule = policy.rules[index]
    country = rule.country.strip().upper()
    return {"country": country, **params, "source": rule.source, "uncertain": rule.uncertain}


def _block(policy: Policy, block: int, rule: int, fuel: int) -> Diagnostic:
    if block == BLOCK_USED:
        return "rule_used_banned", _rule_params(policy, rule)
    return "rule_fuel_banned", _rule_params(policy, rule, fuel=policy.fuels[fuel])


def _barred(ctx: pairs.Context, i: int) -> Diagnostic | None:
    """A rule diagnostic when market rules bar every fuel the need accepts,
    whatever the stock (Chile's ban on used imports, say)."""
    p = ctx.policy
    index = p.fuel_index
    c = int(ctx.needs.country[i])
    found: tuple[int, int, int] | None = None
    for fuel in sorted(ctx.needs.fuels[i] or p.fuels):
        f = index[fuel]
        if p.block[c, f] == BLOCK_NONE:
            return None
        if found is None or (p.block[c, f] == BLOCK_USED and found[0] != BLOCK_USED):
            found = (int(p.block[c, f]), int(p.block_rule[c, f]), f)
    return _block(p, *found) if found else None


def _steering(ctx: pairs.Context, i: int, fuel: int) -> Diagnostic:
    n, p = ctx.needs, ctx.policy
    at = (int(n.country[i]), fuel)
    own = n.steer[i] >= 0
    wanted = int(n.steer[i]) if own else int(p.steer[at])
    source = p.rules[int(p.steer_rule[at])].source if not own and p.steer_rule[at] >= 0 else ""
    name = STEERING_NAMES[wanted] if wanted in (0, 1) else ""
    return "steering_unavailable", {"steering": name, "country": p.countries[at[0]], "source": source}


def _no_kind(need: NeedRecord) -> Diagnostic:
    return "no_lot_of_kind", {
        "makes": list(need.makes),
        "models": list(need.models),
        "body_types": list(need.body_types),
        "fuel_types": list(need.fuel_types),
    }


def _later_masks(
    ctx: pairs.Context, lp: np.ndarray, nl: np.ndarray, matrix: np.ndarray | None
) -> list[np.ndarray]:
    rules = (
        matrix.ravel()[ctx.arrays.row[nl] + lp] if matrix is not None else pairs.pair_rules_ok(ctx, lp, nl)
    )
    price = ctx.prices.price_cny[lp]
    return [
        rules,
        ctx.fixed.km[lp] <= ctx.arrays.max_km[nl],
        ctx.fixed.soh_ok_from[lp] >= ctx.arrays.min_soh[nl],
        ~np.isnan(price),
        price <= ctx.arrays.cap_cny[nl],
    ]


def _failure(ctx: pairs.Context, stage: int, lp: np.ndarray, alive: np.ndarray, i: int) -> Diagnostic:
    """The diagnostic of a need whose pairs `lp` first all fail later stage
    `stage`, with `alive` the pairs that passed the stages before it."""
    t, n = ctx.table, ctx.needs
    need = n.records[i]
    if stage == len(_LATER_STAGES):
        return "no_candidate", {}
    name = _LATER_STAGES[stage]
    if name == "rules":
        return _rule_failure(ctx, lp[alive], i)
    if name == "km":
        return "over_mileage", {"max_km": need.max_mileage_km}
    if name == "soh":
        return "battery_soh_below", {"min_pct": need.min_battery_soh_pct}
    if name == "fx":
        missing = sorted({t.currency_names[c] for c in t.currency[lp[alive]].tolist()})
        return "lot_fx_missing", {"currencies": missing}
    return _over_budget(ctx, float((ctx.prices.price_cny[lp[alive]] / ctx.arrays.rate[i]).min()), i)


def _over_budget(ctx: pairs.Context, cheapest: float, i: int) -> Diagnostic:
    """`cheapest`: the cheapest compliant lot's price in the need's currency."""
    need = ctx.needs.records[i]
    pct = math.ceil(round((cheapest / float(need.max_unit_price) - 1.0) * 100, 6))
    return "over_budget", {"pct": pct, "cheapest": round(cheapest, 2), "currency": ctx.needs.currency[i]}


def _rule_failure(ctx: pairs.Context, lp: np.ndarray, i: int) -> Diagnostic:
    """Which market-rule limit leaves none of these lots (each fails one)."""
    t, n, p = ctx.table, ctx.needs, ctx.policy
    nl = np.full(len(lp), i)
    lot = (ctx.ages.age_my[lp], ctx.ages.age_fr[lp], t.emission[lp], t.no_engine[lp], t.cc[lp], t.km[lp])
    alive = np.ones(len(lp), dtype=bool)
    for stage, mask in zip(_RULE_STAGES, rule_checks(*lot, *pairs.pair_limits(ctx, lp, nl)), strict=True):
        after = alive & mask
        if after.any():
            alive = after
            continue
        j = int(lp[np.flatnonzero(alive)[0]])
        at = (int(n.country[i]), int(t.fuel[j]))
        if stage == "age":
            name = "max_age_fr" if ctx.ages.age_fr[j] > p.max_age_fr[at] else "max_age_my"
            rule = int(getattr(p, f"{name}_rule")[at])
            counted = p.rules[rule].age_counted_from or "model_year"
            limit = int(getattr(p, name)[at])
            return "rule_max_age", _rule_params(p, rule, max_age=limit, counted_from=counted)
        if stage == "emission":
            rule = int(p.min_emission_rule[at])
            return "rule_min_emission", _rule_params(p, rule, standard=p.rules[rule].min_emission_standard)
        if stage == "cc":
            return "rule_max_engine_cc", _rule_params(p, int(p.max_cc_rule[at]), max_cc=int(p.max_cc[at]))
        return "rule_max_mileage", _rule_params(p, int(p.max_km_rule[at]), max_km=int(p.max_km[at]))
    return "no_candidate", {}
