"""Market rules compiled into per (destination country, fuel) limits.

Every rule of a country that applies to a fuel (its `applies_to_fuels` is empty
or names the fuel) must hold, so the limits combine: any used-import ban or
fuel ban blocks the pair, the tightest age, engine and mileage caps and the
highest emission minimum win, and two rules asking for different steering
leave nothing compliant. For each limit the index of the rule that set it is
kept, so a "why nothing matched" diagnostic can cite the rule's source.

Ages: a rule counts from `first_registration` or from the model year
(`manufacture`, `model_year`, or empty, since the model year is the only
build date a lot carries). See `scoring` for how ages are computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from matchmaking.engine import vocabulary as vocab
from matchmaking.engine.tables import NO_LIMIT, STEERING_CODE, STEERING_NAMES, NeedRecord, RuleRecord

BLOCK_NONE, BLOCK_USED, BLOCK_FUEL = 0, 1, 2
STEER_ANY, STEER_CONFLICT = -1, 3
# The fuel codes of DESIGN.md §5, so rules can be judged for fuels no lot has.
FUELS = ("petrol", "diesel", "hev", "phev", "bev", "erev", "cng")


@dataclass(frozen=True, eq=False)
class Policy:
    """Arrays of shape (countries, fuels); *_rule arrays hold rule indices (-1: none)."""

    countries: tuple[str, ...]
    fuels: tuple[str, ...]
    rules: tuple[RuleRecord, ...]
    block: np.ndarray
    block_rule: np.ndarray
    steer: np.ndarray
    steer_rule: np.ndarray
    max_age_my: np.ndarray
    max_age_my_rule: np.ndarray
    max_age_fr: np.ndarray
    max_age_fr_rule: np.ndarray
    min_emission: np.ndarray
    min_emission_rule: np.ndarray
    max_cc: np.ndarray
    max_cc_rule: np.ndarray
    max_km: np.ndarray
    max_km_rule: np.ndarray

    @property
    def fuel_index(self) -> dict[str, int]:
        return {name: code for code, name in enumerate(self.fuels)}

    def flat(self, name: str) -> np.ndarray:
        limits: np.ndarray = getattr(self, name)
        return limits.ravel()


def _tighter(current: int, rule: int, value: int, index: int, *, lower: bool) -> tuple[int, int]:
    if (value < current) if lower else (value > current):
        return value, index
    return current, rule


@lru_cache(maxsize=64)
def compile_rules(
    rules: tuple[RuleRecord, ...], countries: tuple[str, ...], fuels: tuple[str, ...]
) -> Policy:
    shape = (len(countries), len(fuels))
    arrays = {
        "block": np.zeros(shape, np.int64),
        "steer": np.full(shape, STEER_ANY, np.int64),
        "max_age_my": np.full(shape, NO_LIMIT, np.int64),
        "max_age_fr": np.full(shape, NO_LIMIT, np.int64),
        "min_emission": np.zeros(shape, np.int64),
        "max_cc": np.full(shape, NO_LIMIT, np.int64),
        "max_km": np.full(shape, NO_LIMIT, np.int64),
    }
    owners = {f"{name}_rule": np.full(shape, -1, np.int64) for name in arrays}
    by_country: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        by_country.setdefault(rule.country.strip().upper(), []).append(index)
    for c, country in enumerate(countries):
        for f, fuel in enumerate(fuels):
            for index in by_country.get(country, ()):
                rule = rules[index]
                scope = {vocab.normalise(x) for x in rule.applies_to_fuels}
                if scope and fuel not in scope:
                    continue
                at = (c, f)
                if arrays["block"][at] == BLOCK_NONE:
                    if rule.used_imports_banned:
                        arrays["block"][at], owners["block_rule"][at] = BLOCK_USED, index
                    elif fuel in {vocab.normalise(x) for x in rule.banned_fuels}:
                        arrays["block"][at], owners["block_rule"][at] = BLOCK_FUEL, index
                wanted = STEERING_CODE.get(rule.steering_required.strip().upper(), STEER_ANY)
                if wanted != STEER_ANY:
                    if arrays["steer"][at] == STEER_ANY:
                        arrays["steer"][at], owners["steer_rule"][at] = wanted, index
                    elif arrays["steer"][at] != wanted:
                        arrays["steer"][at] = STEER_CONFLICT
                limits = [
                    ("min_emission", vocab.emission_level(rule.min_emission_standard), False),
                    ("max_cc", rule.max_engine_cc, True),
                    ("max_km", rule.max_mileage_km, True),
                ]
                if rule.max_age_years is not None:
                    basis = "max_age_fr" if rule.age_counted_from == "first_registration" else "max_age_my"
                    limits.append((basis, rule.max_age_years, True))
                for name, value, lower in limits:
                    if value is None or (not lower and value == 0):
                        continue
                    arrays[name][at], owners[f"{name}_rule"][at] = _tighter(
                        int(arrays[name][at]), int(owners[f"{name}_rule"][at]), int(value), index, lower=lower
                    )
    return Policy(countries=countries, fuels=fuels, rules=rules, **arrays, **owners)


def wanted_steering(own: int, rule: int) -> int:
    """The steering a lot must have for a need: the rules' when they set one,
    the need's own only where they do not. A need may narrow what its
    destination admits, never widen it, so an own steering that disagrees
    with the rules leaves nothing (STEER_CONFLICT)."""
    if rule == STEER_ANY:
        return own if own >= 0 else STEER_ANY
    if own >= 0 and own != rule:
        return STEER_CONFLICT
    return rule


def wanted_steerings(own: np.ndarray, rule: np.ndarray) -> np.ndarray:
    """`wanted_steering` over arrays (own: the needs' steering codes, -1 for none)."""
    return np.where(
        rule == STEER_ANY,
        np.where(own >= 0, own, STEER_ANY),
        np.where((own >= 0) & (own != rule), STEER_CONFLICT, rule),
    )


def policy_fuels(table_fuels: list[str], need_fuels: frozenset[str]) -> tuple[str, ...]:
    """The lots' fuels first (their codes index the policy directly), then every
    other fuel a need or DESIGN.md names."""
    return (*table_fuels, *sorted(set(FUELS).union(need_fuels) - set(table_fuels)))


def rule_checks(
    age_my: np.ndarray,
    age_fr: np.ndarray,
    emission: np.ndarray,
    no_engine: np.ndarray,
    cc: np.ndarray,
    km: np.ndarray,
    max_age_my: np.ndarray,
    max_age_fr: np.ndarray,
    min_emission: np.ndarray,
    max_cc: np.ndarray,
    max_km: np.ndarray,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The lot-dependent rule limits (age, emission, engine size, mileage), each
    a boolean array; broadcasting lets one lot meet many countries or many
    lots one country. A BEV has no tailpipe or engine, so emission minimums and
    engine caps do not apply to it; an unknown emission standard fails a minimum."""
    age_ok = (age_my <= max_age_my) & (age_fr <= max_age_fr)
    emission_ok = no_engine | (emission >= min_emission)
    cc_ok = no_engine | (cc <= max_cc)
    km_ok = km <= max_km
    return age_ok, emission_ok, cc_ok, km_ok


def rules_ok(*args: np.ndarray) -> npt.NDArray[np.bool_]:
    age_ok, emission_ok, cc_ok, km_ok = rule_checks(*args)
    return age_ok & emission_ok & cc_ok & km_ok


# A need's own fields against its destination's rules ---------------------------


class RuleConflict(NamedTuple):
    """A need field whose value its destination's rules contradict (`field`
    "" when the destination admits nothing the need could accept at all).
    `reason` and `params` are a diagnosis reason code and its params (country,
    source, uncertain, and the limit); `never_matches`: the need as it stands
    can match no lot because of it."""

    field: str
    reason: str
    params: dict[str, Any]
    never_matches: bool


def _cited(policy: Policy, rule: int, **params: Any) -> dict[str, Any]:
    record = policy.rules[rule] if rule >= 0 else None
    return {
        "country": policy.countries[0],
        **params,
        "source": record.source if record else "",
        "uncertain": record.uncertain if record else False,
    }


def _ban(policy: Policy, f: int) -> tuple[str, dict[str, Any]]:
    """The reason and params of the ban on fuel `f` (the fuel is named either way)."""
    rule = int(policy.block_rule[0, f])
    reason = "rule_used_banned" if policy.block[0, f] == BLOCK_USED else "rule_fuel_banned"
    return reason, _cited(policy, rule, fuel=policy.fuels[f])


def need_conflicts(need: NeedRecord, rules: Sequence[RuleRecord], on: date) -> list[RuleConflict]:
    """What in a need contradicts its destination's market rules, field by
    field: fuel types the destination bans, a steering it does not admit,
    model years all past its age limit (counted from the model year), or a
    destination that bans everything the need could accept. A need's fields
    may narrow what the rules allow, never widen it: these are the values a
    form or an import refuses, and the reasons a saved need can never match."""
    country = need.destination_country.strip().upper()
    wanted = tuple(vocab.normalise(fuel) for fuel in need.fuel_types)
    policy = compile_rules(tuple(rules), (country,), tuple(dict.fromkeys((*FUELS, *wanted))))
    index = policy.fuel_index
    accepted = [index[fuel] for fuel in dict.fromkeys(wanted)] if wanted else [index[f] for f in FUELS]
    open_fuels = [f for f in accepted if policy.block[0, f] == BLOCK_NONE]
    conflicts: list[RuleConflict] = []
    if wanted:
        for f in accepted:
            if policy.block[0, f] != BLOCK_NONE:
                conflicts.append(RuleConflict("fuel_types", *_ban(policy, f), not open_fuels))
        if not open_fuels and not any(policy.block[0, index[f]] == BLOCK_NONE for f in FUELS):
            # Nothing else would do either: the destination itself is closed.
            return [RuleConflict("", *_ban(policy, accepted[0]), True)]
    elif not open_fuels:
        return [RuleConflict("", *_ban(policy, accepted[0]), True)]
    if not open_fuels:
        return conflicts
    own = STEERING_CODE.get(need.steering.strip().upper(), STEER_ANY)
    steering = [wanted_steering(own, int(policy.steer[0, f])) for f in open_fuels]
    if all(value == STEER_CONFLICT for value in steering):
        f = open_fuels[0]
        rule = int(policy.steer_rule[0, f])
        required = int(policy.steer[0, f])
        params = _cited(policy, rule, steering=STEERING_NAMES[required] if required in (0, 1) else "")
        if own == STEER_ANY or required == STEER_CONFLICT:
            # Two rules of the destination ask for different steering.
            return [*conflicts, RuleConflict("", "steering_unavailable", params, True)]
        conflicts.append(RuleConflict("steering", "steering_unavailable", params, True))
    if need.year_max is not None:
        youngest = on.year - need.year_max
        limits = [int(policy.max_age_my[0, f]) for f in open_fuels]
        if all(youngest > limit for limit in limits):
            f = open_fuels[int(np.argmax(limits))]
            rule = int(policy.max_age_my_rule[0, f])
            params = _cited(
                policy,
                rule,
                max_age=limits[open_fuels.index(f)],
                counted_from=policy.rules[rule].age_counted_from or "model_year",
                year_min=on.year - limits[open_fuels.index(f)],
            )
            conflicts.append(RuleConflict("year_max", "rule_max_age", params, True))
    return conflicts
