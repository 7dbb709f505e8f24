"""Why a need found nothing, as a funnel a buyer can act on.

Every constraint a need meets is a step: first the destination's market rules
(RULE_STEPS: bans, steering, age, emission standard, engine size, mileage),
then the need's own (OWN_STEPS: kind — its makes, models, body and fuel types —,
model years, steering, mileage, battery health, price). A step is left out
when it removes nothing for this need (a rule the country does not have, a
field the need leaves open).

The diagnosis names one step, the blocker, and shows the funnel ending in it:
"312 available lots → 6 right-hand drive, as Kenya requires → 0 of the kind
you want". A step is relaxable when some lot fails that step alone (dropping
it would admit the lot). The blocker is

  1. the first relaxable step of the need's own, in OWN_PREFERENCE order:
     what the buyer can change, keeping what they asked for (the kind) to last;
  2. else the first relaxable market-rule step (the buyer cannot change it,
     but it is what stands between them and a lot);
  3. else (no single step would admit a lot) the first step, in funnel order,
     that leaves no lot.

In cases 1 and 2 the funnel lists the other steps in order and the blocker
last, so the count before it is the number of lots it alone stops; in case 3
it stops at the blocker. The params' "alone" says which. The blocker's params carry the nearest miss (the
cheapest lot over budget, the nearest model year, the lowest mileage…) among
the lots that pass every other step (case 3: that reached the blocker).

Reason codes (the blocker's) and params are listed in `scoring`; funnel steps
are (step, lots left after it, params).

With no lot available at all, a destination that bans every fuel the need
accepts (Chile bans used imports) is still named. The work per need is a
few passes over boolean arrays of all lots for the rules, and over the lots of
its kind (found by the blocking index) for the rest; only a need whose kind is
the blocker is checked against every lot that passes its rules.

Why one module of ~500 lines: the steps, the choice of blocker and the
nearest miss are one algorithm over the same masks, and the property tests
check it as one; split, each part would need the others' private state.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from matchmaking.engine import arrays, delivery, pairs, weights
from matchmaking.engine.market_rules import (
    BLOCK_NONE,
    BLOCK_USED,
    STEER_ANY,
    Policy,
    rule_checks,
)
from matchmaking.engine.tables import NO_LIMIT, STEERING_NAMES, YEAR_ANY_MAX, YEAR_ANY_MIN
from matchmaking.fx import convert

Step = tuple[str, int, dict[str, Any]]

RULE_STEPS = ("rule_ban", "rule_steering", "rule_age", "rule_emission", "rule_engine", "rule_mileage")
OWN_STEPS = ("kind", "years", "steering", "mileage", "battery", "price")
# Which of the need's own steps to name first when dropping any one of them
# would admit a lot: the numbers a buyer can move before what they want.
OWN_PREFERENCE = ("price", "years", "mileage", "battery", "steering", "kind")
_NUMERIC = ("years", "steering", "mileage", "battery", "price")
# A rule step's limit array in the policy, and the rule that set it.
_RULE_LIMITS = {
    "rule_age": "max_age_my",
    "rule_emission": "min_emission",
    "rule_engine": "max_cc",
    "rule_mileage": "max_km",
}
_NEAREST_KINDS = 3


class Diagnostic(NamedTuple):
    """Why a need has no candidate: the blocker's reason code and params,
    and the funnel of steps that led to it (empty for a closed need or one
    priced in a currency without a rate)."""

    reason: str
    params: dict[str, Any]
    funnel: tuple[Step, ...] = ()


def diagnose(ctx: arrays.Context, silent: list[int]) -> dict[int, Diagnostic]:
    """Diagnostics of the needs at indices `silent` (needs with no candidate), by need id."""
    n = ctx.needs
    out: dict[int, Diagnostic] = {}
    rules = _RuleMasks(ctx)
    kinds: dict[int, np.ndarray] = {}
    for i in silent:
        need_id = int(n.ids[i])
        if not n.open[i]:
            out[need_id] = Diagnostic("need_closed", {})
        elif np.isnan(ctx.arrays.rate[i]):
            out[need_id] = Diagnostic("no_fx_rate", {"currency": n.currency[i]})
        elif rules.eligible_count == 0:
            out[need_id] = _barred(ctx, i) or Diagnostic("no_lots_available", {}, (("available", 0, {}),))
        else:
            if n.kind[i] not in kinds:
                kinds[n.kind[i]] = _lots_of_kind(ctx, i)
            out[need_id] = _Funnel(ctx, rules, i, kinds[n.kind[i]]).diagnostic()
    return out


def failures(ctx: arrays.Context) -> list[tuple[str, dict[str, Any]]]:
    """Every constraint the one lot of `ctx` fails for its one need, in funnel
    order, as (reason code, params): why this lot does not qualify."""
    if not ctx.table.eligible[0]:
        return [("lot_unavailable", {})]
    if not ctx.needs.open[0]:
        return [("need_closed", {})]
    if np.isnan(ctx.arrays.rate[0]):
        return [("no_fx_rate", {"currency": ctx.needs.currency[0]})]
    funnel = _Funnel(ctx, _RuleMasks(ctx), 0, _lots_of_kind(ctx, 0))
    lot = np.zeros(1, np.int64)
    out = []
    for step in funnel.steps:
        if funnel._mask(step, lot, in_kind=False)[0]:
            continue
        if step in RULE_STEPS:
            out.append(funnel._rule_params(step, 0))
        else:
            out.append((_OWN_REASONS[step], funnel._step_params(step, None)))
    return out


_OWN_REASONS = {
    "kind": "no_lot_of_kind",
    "years": "no_lot_in_year_range",
    "steering": "steering_wanted",
    "mileage": "over_mileage",
    "battery": "battery_soh_below",
    "price": "over_budget",
}


def _lots_of_kind(ctx: arrays.Context, i: int) -> np.ndarray:
    """Indices, in order, of the eligible lots of the makes, models, bodies and
    fuels need `i` names (needs of one kind share them)."""
    owner, start, length = pairs.ranges(ctx, [i], "kind")
    member = np.zeros(ctx.table.n, dtype=bool)
    if len(owner):
        member[pairs.expand(ctx, owner, start, length)[0]] = True
    return np.flatnonzero(member)


class _Head(NamedTuple):
    counts: tuple[int, ...]
    stopped: dict[str, int]
    alive: np.ndarray


class _RuleMasks:
    """Per destination country, one boolean array over all lots per market-rule
    step (True: the lot passes it; ineligible lots fail every step)."""

    def __init__(self, ctx: arrays.Context) -> None:
        self.ctx = ctx
        self.eligible = ctx.table.eligible
        self.eligible_count = int(np.count_nonzero(self.eligible))
        self._by_country: dict[int, dict[str, np.ndarray]] = {}
        self._heads: dict[tuple[int, tuple[str, ...]], _Head] = {}
        self._kind_key: np.ndarray | None = None
        self._kind = np.zeros(0, dtype=bool)

    def head(self, country: int, steps: tuple[str, ...]) -> _Head:
        """The funnel through these rule steps of a country, from every eligible lot."""
        key = (country, steps)
        if key not in self._heads:
            masks = self.of(country)
            alive = self.eligible.copy()
            counts, stopped = [], {}
            for step in steps:
                out = alive & ~masks[step]
                if out.any():
                    stopped[step] = int(np.argmax(out))
                alive &= masks[step]
                counts.append(int(np.count_nonzero(alive)))
            self._heads[key] = _Head(tuple(counts), stopped, alive)
        return self._heads[key]

    def of_kind(self, kind_lots: np.ndarray) -> np.ndarray:
        """`kind_lots` as a boolean array over all lots (the last one asked is kept)."""
        if self._kind_key is not kind_lots:
            self._kind = np.zeros(self.ctx.table.n, dtype=bool)
            self._kind[kind_lots] = True
            self._kind_key = kind_lots
        return self._kind

    def of(self, country: int) -> dict[str, np.ndarray]:
        if country not in self._by_country:
            self._by_country[country] = self._make(country)
        return self._by_country[country]

    def _make(self, c: int) -> dict[str, np.ndarray]:
        t, p, a = self.ctx.table, self.ctx.policy, self.ctx.ages
        fuel = t.fuel
        steer = p.steer[c][fuel]
        limits = (getattr(p, name)[c][fuel] for name in weights.RULE_LIMITS)
        age_ok, emission_ok, cc_ok, km_ok = rule_checks(
            a.age_my, a.age_fr, t.emission, t.no_engine, t.cc, t.km, *limits
        )
        masks = {
            "rule_ban": p.block[c][fuel] == BLOCK_NONE,
            "rule_steering": (steer == STEER_ANY) | (steer == t.steer),
            "rule_age": age_ok,
            "rule_emission": emission_ok,
            "rule_engine": cc_ok,
            "rule_mileage": km_ok,
        }
        # Only the steps that stop some eligible lot, each limited to eligible lots.
        return {step: mask & self.eligible for step, mask in masks.items() if not mask[self.eligible].all()}


class _Funnel:
    """One need's funnel over the eligible lots."""

    def __init__(self, ctx: arrays.Context, rules: _RuleMasks, i: int, kind_lots: np.ndarray) -> None:
        self.ctx, self.i, self.rules = ctx, i, rules
        self._column: tuple[np.ndarray, np.ndarray] | None = None
        self._column_read = False
        self.eligible = rules.eligible
        self.country = int(ctx.needs.country[i])
        self.rule_masks = rules.of(self.country)
        n = ctx.needs
        record = n.records[i]
        self.named_kind = bool(record.makes or record.models or record.body_types or record.fuel_types)
        self.kind_lots = kind_lots if self.named_kind else np.flatnonzero(self.eligible)
        own = {
            "kind": self.named_kind,
            "years": n.year_min[i] > YEAR_ANY_MIN or n.year_max[i] < YEAR_ANY_MAX,
            "steering": n.steer[i] >= 0,
            "mileage": n.max_km[i] < NO_LIMIT,
            "battery": n.min_soh[i] >= 0,
            "price": True,
        }
        self.steps = [step for step in RULE_STEPS if step in self.rule_masks]
        self.steps += [step for step in OWN_STEPS if own[step]]

    # ------------------------------------------------------------ masks

    def _own_mask(self, step: str, lots: np.ndarray) -> npt.NDArray[np.bool_]:
        ctx, i = self.ctx, self.i
        n, t = ctx.needs, ctx.table
        # Comparisons of gathered columns with one need's value: boolean arrays
        # (NumPy's stubs type the value, and so the comparison, as Any).
        mask: npt.NDArray[np.bool_]
        # (`take` gathers faster than indexing.)
        if step == "years":
            year = t.year.take(lots)
            mask = (year >= n.year_min[i]) & (year <= n.year_max[i])
        elif step == "steering":
            mask = t.steer.take(lots) == n.steer[i]
        elif step == "mileage":
            mask = ctx.fixed.km.take(lots) <= ctx.arrays.max_km[i]
        elif step == "battery":
            mask = ctx.fixed.soh_ok_from.take(lots) >= ctx.arrays.min_soh[i]
        else:
            # NaN (no rate for the lot's currency) compares False: it fails the
            # price. A delivered price is never below the stated one, so only
            # the lots within the cap as stated are priced delivered.
            cap = ctx.arrays.cap_cny[i]
            mask = ctx.prices.price_cny.take(lots) <= cap
            if self._conversion() is not None:
                within = np.flatnonzero(mask)
                mask[within] = self._delivered(lots.take(within)) <= cap
        return mask

    def _delivered(self, lots: np.ndarray) -> np.ndarray:
        """The lots' prices delivered to the need's incoterm, in yuan (the
        need's column of the delivery costs, looked up by the lots' terms)."""
        price: np.ndarray = self.ctx.prices.price_cny.take(lots)
        conversion = self._conversion()
        if conversion is None:
            return price
        add, mult = conversion
        terms = self.ctx.table.delivery_terms.take(lots)
        prices: np.ndarray = delivery.delivered(price, add.take(terms), mult.take(terms))
        return prices

    def _conversion(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per lot terms, what the need's column adds and multiplies; None when
        it takes every lot's price as stated."""
        if not self._column_read:
            costs = self.ctx.cells.costs
            column = costs.columns * np.arange(len(self.ctx.table.delivery_keys))
            column += int(self.ctx.need_col[self.i])
            add, mult = costs.add[column], costs.mult[column]
            self._column = None if not add.any() and bool((mult == 1.0).all()) else (add, mult)
            self._column_read = True
        return self._column

    def _mask(self, step: str, lots: np.ndarray, in_kind: bool) -> npt.NDArray[np.bool_]:
        """Whether each of `lots` passes `step` (`in_kind`: they are all of the kind)."""
        mask: npt.NDArray[np.bool_]  # a boolean array gathered at `lots`
        if step in self.rule_masks:
            mask = self.rule_masks[step][lots]
        elif step == "kind" and in_kind:
            mask = np.ones(len(lots), dtype=bool)
        elif step == "kind":
            mask = self.rules.of_kind(self.kind_lots)[lots]
        else:
            mask = self._own_mask(step, lots)
        return mask

    # ------------------------------------------------------------ the diagnostic

    def diagnostic(self) -> Diagnostic:
        alone = self._failing_alone()
        blocker = next((s for s in OWN_PREFERENCE if s in self.steps and len(alone.get(s, ())) > 0), None)
        if blocker is None:
            blocker = next((s for s in RULE_STEPS if s in self.steps and len(alone.get(s, ())) > 0), None)
        alone_stops = blocker is not None
        if blocker is not None:
            order = [step for step in self.steps if step != blocker] + [blocker]
            counts, _, stopped = self._walk(order)
            near = alone[blocker]
            if blocker in RULE_STEPS:
                stopped[blocker] = int(near[0])
        else:
            counts, near, stopped = self._walk(self.steps)
            stop = next((k for k, count in enumerate(counts) if count == 0), len(counts) - 1)
            order, counts = self.steps[: stop + 1], counts[: stop + 1]
            blocker = order[-1]
        funnel: list[Step] = [("available", int(np.count_nonzero(self.eligible)), {})]
        previous = funnel[0][1]
        for k, (step, count) in enumerate(zip(order, counts, strict=True)):
            # Steps that remove nothing say nothing; the blocker always shows.
            if count < previous or k == len(order) - 1:
                funnel.append((step, count, self._step_params(step, stopped.get(step))))
            previous = count
        if blocker in RULE_STEPS:
            reason, params = self._rule_params(blocker, stopped.get(blocker))
        else:
            reason, params = self._own_reason(blocker, near)
        # Whether the blocker alone stands between the need and some lot.
        params["alone"] = alone_stops
        return Diagnostic(reason, params, tuple(funnel))

    def _failing_alone(self) -> dict[str, np.ndarray]:
        """Per step, the lots that fail that step and no other (sorted)."""
        lots = self.kind_lots
        steps = [step for step in self.steps if step != "kind"]
        out: dict[str, np.ndarray] = {}
        if steps and len(lots):
            passed = np.stack([self._mask(step, lots, in_kind=True) for step in steps])
            one_miss = np.count_nonzero(~passed, axis=0) == 1
            for k, step in enumerate(steps):
                out[step] = lots[one_miss & ~passed[k]]
        if self.named_kind and not any(len(out.get(s, ())) for s in OWN_PREFERENCE if s != "kind"):
            # Lots of another kind that pass everything else: worked out over
            # every lot that passes the rules, and only when it can decide.
            alive = self.eligible.copy()
            for step in self.rule_masks:
                alive &= self.rule_masks[step]
            others = np.flatnonzero(alive)
            # A filter in any order; the price, cheapest to check and the most
            # selective for a need without a lot, first.
            for step in sorted(steps, key=lambda step: step != "price"):
                if step in _NUMERIC:
                    others = others[self._own_mask(step, others)]
            out["kind"] = np.setdiff1d(others, self.kind_lots, assume_unique=True)
        return out

    def _walk(self, order: list[str]) -> tuple[list[int], np.ndarray, dict[str, int]]:
        """Lots left after each step of `order`, the lots that reached the
        last one, and per market-rule step the first lot it stopped."""
        rules = 0
        while rules < len(order) and order[rules] in self.rule_masks:
            rules += 1
        # The rule steps at the head of the funnel are the same for every
        # need bound for the country: worked out once per destination.
        head = self.rules.head(self.country, tuple(order[: min(rules, len(order) - 1)]))
        counts, stopped, alive = list(head.counts), dict(head.stopped), head.alive
        lots: np.ndarray | None = None
        reached = np.zeros(0, np.int64)
        in_kind = False
        for step in order[len(head.counts) :]:
            if lots is None and step in self.rule_masks:
                reached = np.flatnonzero(alive)
                out = alive & ~self.rule_masks[step]
                if out.any():
                    stopped[step] = int(np.argmax(out))
                alive = alive & self.rule_masks[step]
                counts.append(int(np.count_nonzero(alive)))
                continue
            if lots is None:
                lots = self.kind_lots[alive[self.kind_lots]] if step == "kind" else np.flatnonzero(alive)
                reached, in_kind = lots, step == "kind"
                if step == "kind":
                    counts.append(len(lots))
                    continue
            reached = lots
            if step == "kind":
                lots, in_kind = lots[self.rules.of_kind(self.kind_lots)[lots]], True
            elif step in self.rule_masks:
                out = lots[~self.rule_masks[step][lots]]
                if len(out):
                    stopped[step] = int(out[0])
                lots = lots[self.rule_masks[step][lots]]
            else:
                lots = lots[self._mask(step, lots, in_kind)]
            counts.append(len(lots))
        return counts, reached, stopped

    # ------------------------------------------------------------ words

    def _rule_at(self, step: str, lot: int) -> tuple[int, int] | None:
        """(rule index, fuel code) of the market rule that makes `step` stop `lot`."""
        fuel = int(self.ctx.table.fuel[lot])
        p = self.ctx.policy
        at = (self.country, fuel)
        if step == "rule_ban":
            rule = int(p.block_rule[at])
        elif step == "rule_steering":
            rule = int(p.steer_rule[at])
        elif step == "rule_age":
            name = "max_age_fr" if self.ctx.ages.age_fr[lot] > p.max_age_fr[at] else "max_age_my"
            rule = int(getattr(p, f"{name}_rule")[at])
        else:
            rule = int(getattr(p, f"{_RULE_LIMITS[step]}_rule")[at])
        return (rule, fuel) if rule >= 0 else None

    def _rule_params(self, step: str, lot: int | None) -> tuple[str, dict[str, Any]]:
        """The reason code and params of a market-rule step, as the rule
        behind it for `lot` (a lot it stops) says."""
        p = self.ctx.policy
        country = p.countries[self.country]
        found = self._rule_at(step, lot) if lot is not None else None
        if found is None:
            return _RULE_REASONS[step], {"country": country, "source": "", "uncertain": False}
        index, fuel = found
        rule = p.rules[index]
        at = (self.country, fuel)
        params: dict[str, Any] = {"country": country}
        if step == "rule_ban":
            if p.block[at] == BLOCK_USED:
                reason = "rule_used_banned"
            else:
                reason, params["fuel"] = "rule_fuel_banned", p.fuels[fuel]
        elif step == "rule_steering":
            reason = "steering_unavailable"
            steer = int(p.steer[at])
            params["steering"] = STEERING_NAMES[steer] if steer in (0, 1) else ""
        elif step == "rule_age":
            reason = "rule_max_age"
            params["max_age"] = rule.max_age_years
            params["counted_from"] = rule.age_counted_from or "model_year"
        elif step == "rule_emission":
            reason, params["standard"] = "rule_min_emission", rule.min_emission_standard
        elif step == "rule_engine":
            reason, params["max_cc"] = "rule_max_engine_cc", int(p.max_cc[at])
        else:
            reason, params["max_km"] = "rule_max_mileage", int(p.max_km[at])
        params.update(source=rule.source, uncertain=rule.uncertain)
        return reason, params

    def _step_params(self, step: str, stopped: int | None) -> dict[str, Any]:
        """What a funnel step shows besides its count (`stopped`: for a
        market-rule step, a lot it stopped)."""
        if step in RULE_STEPS:
            _, params = self._rule_params(step, stopped)
            return {key: value for key, value in params.items() if key not in ("source", "uncertain")}
        record = self.ctx.needs.records[self.i]
        if step == "kind":
            return {
                "makes": list(record.makes),
                "models": list(record.models),
                "body_types": list(record.body_types),
                "fuel_types": list(record.fuel_types),
            }
        if step == "years":
            return {"year_min": record.year_min, "year_max": record.year_max}
        if step == "steering":
            return {"steering": STEERING_NAMES[int(self.ctx.needs.steer[self.i])]}
        if step == "mileage":
            return {"max_km": record.max_mileage_km}
        if step == "battery":
            return {"min_pct": record.min_battery_soh_pct}
        return {"max_price": float(record.max_unit_price), "currency": self.ctx.needs.currency[self.i]}

    def _own_reason(self, blocker: str, near: np.ndarray) -> tuple[str, dict[str, Any]]:
        """The reason code of one of the need's own steps, and its params with
        the nearest miss among `near` (the lots the blocker alone stops, or
        that reached it)."""
        ctx, i = self.ctx, self.i
        t, record = ctx.table, ctx.needs.records[i]
        params = self._step_params(blocker, None)
        if blocker == "kind":
            key = t.make[near] * len(t.model_names) + t.model[near]
            counts = np.bincount(key)
            # The first lot of each make and model names it as its exporter wrote it.
            first = np.full(len(counts), -1, np.int64)
            first[key[::-1]] = near[::-1]
            top = np.argsort(-counts, kind="stable")[: min(_NEAREST_KINDS, np.count_nonzero(counts))]
            params["nearest"] = [
                [f"{t.records[first[k]].make} {t.records[first[k]].model}", int(counts[k])]
                for k in top.tolist()
            ]
            return "no_lot_of_kind", params
        if blocker == "years":
            years = t.year[near]
            if len(years):
                low, high = record.year_min, record.year_max
                gap = np.where(years < (low or 0), (low or 0) - years, years - (high or YEAR_ANY_MAX))
                params["nearest_year"] = int(years[np.argmin(gap)])
            return "no_lot_in_year_range", params
        if blocker == "steering":
            return "steering_wanted", params
        if blocker == "mileage":
            if len(near):
                params["nearest_km"] = int(t.km[near].min())
            return "over_mileage", params
        if blocker == "battery":
            if len(near):
                params["nearest_pct"] = int(t.soh[near].max())
            return "battery_soh_below", params
        prices = self._delivered(near)
        priced = prices[~np.isnan(prices)]
        if len(near) and not len(priced):
            missing = sorted({t.currency_names[c] for c in t.currency[near].tolist()})
            return "lot_fx_missing", {"currencies": missing}
        if not len(priced):
            return "no_candidate", {}
        return "over_budget", _over_budget(ctx, float(convert(priced.min(), 1.0, ctx.arrays.rate[i])), i)


_RULE_REASONS = {
    "rule_ban": "rule_used_banned",
    "rule_steering": "steering_unavailable",
    "rule_age": "rule_max_age",
    "rule_emission": "rule_min_emission",
    "rule_engine": "rule_max_engine_cc",
    "rule_mileage": "rule_max_mileage",
}


def _over_budget(ctx: arrays.Context, cheapest: float, i: int) -> dict[str, Any]:
    """`cheapest`: the cheapest lot's price in the need's currency."""
    need = ctx.needs.records[i]
    pct = math.ceil(round((cheapest / float(need.max_unit_price) - 1.0) * 100, 6))
    return {"pct": pct, "cheapest": round(cheapest, 2), "currency": ctx.needs.currency[i]}


def _rule_params(policy: Policy, index: int, **params: Any) -> dict[str, Any]:
    rule = policy.rules[index]
    country = rule.country.strip().upper()
    return {"country": country, **params, "source": rule.source, "uncertain": rule.uncertain}


def _barred(ctx: arrays.Context, i: int) -> Diagnostic | None:
    """With no lot at all: a rule diagnostic when market rules bar every fuel
    the need accepts, whatever the stock (Chile's ban on used imports, say)."""
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
    if found is None:
        return None
    block, rule, fuel = found
    country = p.countries[c]
    if block == BLOCK_USED:
        reason, params = "rule_used_banned", _rule_params(p, rule)
    else:
        reason, params = "rule_fuel_banned", _rule_params(p, rule, fuel=p.fuels[fuel])
    funnel: tuple[Step, ...] = (("available", 0, {}), ("rule_ban", 0, {"country": country}))
    return Diagnostic(reason, params, funnel)
