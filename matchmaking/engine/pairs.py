"""Candidate pairs: blocking lookups, the hard-constraint masks and the factor
points, all as array operations over (lot index, need index) pairs.

The soft score's weights live in WEIGHTS (see `scoring` for what each factor
measures). Points are computed in hundredths ("centi-points") as integers so
sums are exact and ties are real ties.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from matchmaking.engine import vocabulary as vocab
from matchmaking.engine.market_rules import (
    BLOCK_NONE,
    STEER_ANY,
    STEER_CONFLICT,
    Policy,
    compile_rules,
    policy_fuels,
    rules_ok,
    wanted_steering,
)
from matchmaking.engine.tables import (
    BODY,
    MAKE,
    MODEL,
    PATTERNS,
    LotTable,
    NeedTable,
    RuleRecord,
    fx_key,
    rate_of,
)
from matchmaking.fx import convert

# The soft score: points available per factor (they sum to 100). Change the
# balance here and nowhere else.
WEIGHTS: dict[str, float] = {
    "price": 30.0,
    "age": 15.0,
    "mileage": 15.0,
    "quantity": 10.0,
    "model": 10.0,
    "logistics": 10.0,
    "exporter": 10.0,
}
FACTORS = tuple(WEIGHTS)
PRICE_TOLERANCE = 1.10  # hard limit: max unit price x 1.10
PRICE_FULL_AT = 0.5  # full price points at or below half the budget
AGE_ZERO_AT = 10.0  # no age points from 10 years
DEALS_FULL_AT = 10
MODEL_FIT = (0.3, 0.6, 1.0)  # open request, makes only, models named
MODE_FIT = {"mode_match": 1.0, "mode_mismatch": 0.0, "mode_unknown": 0.5, "any_mode": 1.0}
ROUTE_NAMES = ("unknown", "fits", "detour")
ROUTE_FIT = (0.5, 1.0, 0.0)
MAX_CENTI = 10_000
# Pairs expanded at once per thread: bounds peak memory (roughly 60 bytes per pair in flight).
PAIR_BLOCK = 3 << 19
_INT32_MAX = int(np.iinfo(np.int32).max)
_LIMITS = ("max_age_my", "max_age_fr", "min_emission", "max_cc", "max_km")


_ROUTE_SETS = sorted({sum(1 << kind for kind in vocab.route_origins(c)) for c in (*vocab.ROUTES, "")})
ORIGINS = 4


def route_code(route_bits: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """0 unknown loading point, 1 it fits the destination, 2 a detour."""
    fits = (route_bits >> origin) & 1
    return np.where(origin == vocab.ORIGIN_UNKNOWN, 0, 2 - fits)


def _logistics_tables() -> tuple[np.ndarray, np.ndarray]:
    """Points for every (wanted modes, destination routes) x (offered modes,
    origin), and the mode reason (index into REASONS["logistics"]) for every
    (wanted, offered)."""
    reasons = ("mode_match", "mode_mismatch", "mode_unknown", "any_mode")
    reason = np.zeros(16 * 16, np.int64)
    for wanted in range(16):
        for offered in range(16):
            if not offered:
                name = "mode_unknown"
            elif not wanted:
                name = "any_mode"
            else:
                name = "mode_match" if wanted & offered else "mode_mismatch"
            reason[wanted * 16 + offered] = reasons.index(name)
    routes = len(_ROUTE_SETS)
    centi = np.zeros((16, routes, 16, ORIGINS), np.int32)
    for wanted in range(16):
        for r, bits in enumerate(_ROUTE_SETS):
            for offered in range(16):
                for origin in range(ORIGINS):
                    fit = MODE_FIT[reasons[reason[wanted * 16 + offered]]]
                    route_fit = ROUTE_FIT[int(route_code(np.array(bits), np.array(origin)))]
                    points = WEIGHTS["logistics"] * 100 * (0.7 * fit + 0.3 * route_fit)
                    centi[wanted, r, offered, origin] = round(points)
    return centi.ravel(), reason


LOGISTICS_CENTI, MODE_REASON = _logistics_tables()
_MODEL_CENTI = np.array([round(WEIGHTS["model"] * 100 * fit) for fit in MODEL_FIT], np.int32)


def _centi(weight: str, fit: np.ndarray) -> np.ndarray:
    return np.rint(np.float32(WEIGHTS[weight] * 100) * fit).astype(np.int32)


# ---------------------------------------------------------------- per-table arrays


@dataclass(frozen=True, eq=False)
class LotPrices:
    """Depends on the FX rates."""

    price_cny: np.ndarray  # float64, NaN when the lot's currency has no rate
    price32: np.ndarray
    rank: np.ndarray  # rank by (CNY price, id): the need side's tie-break
    at_rank: np.ndarray
    sorted_price: np.ndarray


@dataclass(frozen=True, eq=False)
class LotAges:
    """Depends on the reference date."""

    age_my: np.ndarray
    age_fr: np.ndarray
    age_centi: np.ndarray
    exporter_centi: np.ndarray
    static_centi: np.ndarray  # age + exporter


@dataclass(frozen=True, eq=False)
class LotFixed:
    km: np.ndarray  # int32
    km32: np.ndarray
    qty32: np.ndarray
    soh_ok_from: np.ndarray  # SoH, or 1000 for lots without a traction battery (any minimum passes)
    logistics: np.ndarray  # the lot's (offered modes, origin) offset into LOGISTICS_CENTI


def lot_prices(table: LotTable, fx: Mapping[str, float]) -> LotPrices:
    def make() -> LotPrices:
        rates = np.array([rate_of(fx, c) for c in table.currency_names] + [np.nan], dtype=np.float64)
        price_cny = convert(table.price, rates[table.currency]) if table.n else np.zeros(0)
        at_rank = np.argsort(price_cny, kind="stable")
        rank = np.empty(table.n, np.int64)
        rank[at_rank] = np.arange(table.n)
        return LotPrices(price_cny, price_cny.astype(np.float32), rank, at_rank, price_cny[at_rank])

    return table.cached(("prices", fx_key(fx)), make)


def lot_ages(table: LotTable, on: date) -> LotAges:
    def make() -> LotAges:
        age_my = on.year - table.year
        before_anniversary = (on.month * 100 + on.day) < table.fr_monthday
        age_fr = np.where(table.has_fr, on.year - table.fr_year - before_anniversary, age_my)
        age_centi = _centi("age", np.clip(1.0 - age_my / AGE_ZERO_AT, 0.0, 1.0))
        deals = np.minimum(table.deals, DEALS_FULL_AT) / DEALS_FULL_AT
        exporter_centi = _centi("exporter", 0.6 * table.verified + 0.4 * deals)
        return LotAges(age_my, age_fr, age_centi, exporter_centi, age_centi + exporter_centi)

    return table.cached(("ages", on), make)


def lot_fixed(table: LotTable) -> LotFixed:
    def make() -> LotFixed:
        return LotFixed(
            np.minimum(table.km, _INT32_MAX).astype(np.int32),
            table.km.astype(np.float32),
            table.qty.astype(np.float32),
            np.where(table.electrified, table.soh, 1000).astype(np.int32),
            (table.modes * ORIGINS + table.origin).astype(np.int32),
        )

    return table.cached(("fixed",), make)


def lot_orders(table: LotTable, prices: LotPrices) -> tuple[dict[int, tuple[np.ndarray, int]], np.ndarray]:
    """For each blocking pattern, the eligible lots sorted by (steering, fuel,
    [body], [make], [model], model year, CNY price) with packed keys, and one
    array of all orders' lot indices (so slices of any order expand with a
    single gather). Keyed by FX because the price order depends on it."""

    def make() -> tuple[dict[int, tuple[np.ndarray, int]], np.ndarray]:
        sizes = table.sizes()
        eligible = np.flatnonzero(table.eligible)
        columns = {BODY: table.body, MAKE: table.make, MODEL: table.model}
        orders: dict[int, tuple[np.ndarray, int]] = {}
        perms: list[np.ndarray] = []
        for pattern in PATTERNS:
            key = table.steer[eligible] * max(len(table.fuel_names), 1) + table.fuel[eligible]
            for bit in (BODY, MAKE, MODEL):
                if pattern & bit:
                    key = key * sizes[bit] + columns[bit][eligible]
            key = (key * table.years + (table.year[eligible] - table.year0)) * max(table.n, 1)
            key += prices.rank[eligible]
            order = np.argsort(key)
            orders[pattern] = (key[order], len(perms) * len(eligible))
            perms.append(eligible[order])
        return orders, np.concatenate(perms) if perms else np.zeros(0, np.intp)

    return table.cached(("orders", id(prices)), make)


@dataclass(frozen=True, eq=False)
class NeedArrays:
    """Per-need arrays for one LotTable, FX and policy."""

    rate: np.ndarray
    cap_cny: np.ndarray  # max unit price x 1.10, in CNY (NaN without a rate)
    cap_rank: np.ndarray  # lots ranked below this are within the cap
    inv_budget32: np.ndarray  # 1 / (max unit price in CNY)
    km_scale32: np.ndarray
    want32: np.ndarray
    partial_scale32: np.ndarray
    logistics: np.ndarray  # the need's (wanted modes, routes) offset into LOGISTICS_CENTI
    route_bits: np.ndarray
    model_centi: np.ndarray
    max_km: np.ndarray
    min_soh: np.ndarray
    row: np.ndarray  # country x lots: the need's row offset into the rule matrix


def need_arrays(needs: NeedTable, table: LotTable, prices: LotPrices, fx: Mapping[str, float]) -> NeedArrays:
    def fixed() -> dict[str, np.ndarray]:
        rate = needs.rates(fx)
        route_class = np.searchsorted(np.array(_ROUTE_SETS), needs.route_bits)
        share = np.where(needs.split, 1.0, 0.5) * WEIGHTS["quantity"] * 100 / needs.want
        with np.errstate(invalid="ignore", divide="ignore"):
            inv_budget = 1.0 / (needs.max_price * rate)
        return {
            "rate": rate,
            "cap_cny": convert(needs.limit, rate),
            "inv_budget32": inv_budget.astype(np.float32),
            "km_scale32": (WEIGHTS["mileage"] * 100 / needs.km_ref).astype(np.float32),
            "want32": needs.want.astype(np.float32),
            "partial_scale32": share.astype(np.float32),
            "logistics": ((needs.modes * len(_ROUTE_SETS) + route_class) * 16 * ORIGINS).astype(np.int32),
            "route_bits": needs.route_bits.astype(np.int32),
            "model_centi": _MODEL_CENTI[needs.model_level],
            "max_km": np.minimum(needs.max_km, _INT32_MAX).astype(np.int32),
            "min_soh": needs.min_soh.astype(np.int32),
            "country": needs.country,
        }

    arrays = needs.cached(("arrays", fx_key(fx)), fixed)
    cap = arrays["cap_cny"]
    with np.errstate(invalid="ignore"):
        cap_rank = np.where(np.isnan(cap), 0, np.searchsorted(prices.sorted_price, cap, side="right"))
    rest = {name: value for name, value in arrays.items() if name != "country"}
    return NeedArrays(cap_rank=cap_rank, row=arrays["country"] * table.n, **rest)


@dataclass(frozen=True, eq=False)
class Context:
    table: LotTable
    needs: NeedTable
    policy: Policy
    prices: LotPrices
    ages: LotAges
    fixed: LotFixed
    arrays: NeedArrays
    fx: Mapping[str, float]
    on: date

    def orders(self) -> tuple[dict[int, tuple[np.ndarray, int]], np.ndarray]:
        return lot_orders(self.table, self.prices)


def context(
    table: LotTable, needs: NeedTable, rules: Sequence[RuleRecord], fx: Mapping[str, float], on: date
) -> Context:
    fuels = policy_fuels(table.fuel_names, needs.all_fuels)
    policy = compile_rules(tuple(rules), tuple(needs.country_names), fuels)
    prices = lot_prices(table, fx)
    return Context(
        table,
        needs,
        policy,
        prices,
        lot_ages(table, on),
        lot_fixed(table),
        need_arrays(needs, table, prices, fx),
        fx,
        on,
    )


# ---------------------------------------------------------------- points


def route(ctx: Context, lp: np.ndarray, nl: np.ndarray) -> np.ndarray:
    """0 unknown loading point, 1 fits the destination, 2 a detour."""
    return route_code(ctx.arrays.route_bits[nl], ctx.table.origin[lp])


def factors(ctx: Context, lp: np.ndarray, nl: np.ndarray, *, split: bool = True) -> list[np.ndarray]:
    """Centi-points per factor in WEIGHTS order; with split=False age and
    exporter come summed (one gather fewer) as the last element. Float32
    throughout: every step is monotone, so cheaper never scores lower."""
    a, f, n = ctx.arrays, ctx.fixed, ctx.ages
    ratio = ctx.prices.price32.take(lp)
    ratio *= a.inv_budget32.take(nl)
    price = np.rint(np.clip(np.float32(5500.0) - np.float32(5000.0) * ratio, 0, 3000)).astype(np.int32)
    km = f.km32.take(lp)
    km *= a.km_scale32.take(nl)
    mileage = np.rint(np.clip(np.float32(1500.0) - km, 0, 1500)).astype(np.int32)
    qty = f.qty32.take(lp)
    partial = np.rint(qty * a.partial_scale32.take(nl)).astype(np.int32)
    quantity = np.where(qty >= a.want32.take(nl), np.int32(1000), partial)
    logistics = a.logistics.take(nl)
    logistics += f.logistics.take(lp)
    logistics = LOGISTICS_CENTI.take(logistics)
    model = a.model_centi.take(nl)
    if split:
        age, exporter = n.age_centi.take(lp), n.exporter_centi.take(lp)
        return [price, age, mileage, quantity, model, logistics, exporter]
    return [price, mileage, quantity, model, logistics, n.static_centi.take(lp)]


def score(ctx: Context, lp: np.ndarray, nl: np.ndarray) -> np.ndarray:
    """The sum of `factors`, computed in place: a full run scores millions of
    pairs, and every temporary array of that size costs a fresh allocation.
    Each step is the same float32 operation as in `factors` (x * -5000 + 5500
    is 5500 - 5000x exactly), so scores equal their explanations' points."""
    a, f = ctx.arrays, ctx.fixed
    price = ctx.prices.price32.take(lp)
    price *= a.inv_budget32.take(nl)
    price *= np.float32(-5000.0)
    price += np.float32(5500.0)
    np.clip(price, 0, 3000, out=price)
    total: npt.NDArray[np.int32] = np.rint(price, out=price).astype(np.int32)
    del price
    km = f.km32.take(lp)
    km *= a.km_scale32.take(nl)
    km *= np.float32(-1.0)
    km += np.float32(1500.0)
    np.clip(km, 0, 1500, out=km)
    total += np.rint(km, out=km).astype(np.int32)
    del km
    qty = f.qty32.take(lp)
    partial = qty * a.partial_scale32.take(nl)
    partial = np.rint(partial, out=partial).astype(np.int32)
    partial[qty >= a.want32.take(nl)] = 1000
    total += partial
    del qty, partial
    logistics = a.logistics.take(nl)
    logistics += f.logistics.take(lp)
    total += LOGISTICS_CENTI.take(logistics)
    total += a.model_centi.take(nl)
    total += ctx.ages.static_centi.take(lp)
    return total


# ---------------------------------------------------------------- blocking


def ranges(ctx: Context, which: Sequence[int], mode: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(need, start, length) slices of the orders' lot array holding each need's
    blocked lots, grouped by need. Modes add constraints in the diagnostics'
    funnel order: "kind" (makes, models, bodies, fuels), "block" (+ market-rule
    bans), "steering" (+ steering), "years" (+ model-year range), "each_year"
    (the same lots, one slice per model year, so each slice lists its lots
    cheapest first), "full" (+ price cap; the open-need candidates)."""
    t, n, policy = ctx.table, ctx.needs, ctx.policy
    rank = ("kind", "block", "steering", "years", "each_year", "full").index(mode)
    nf, sizes, ny, year0 = max(len(t.fuel_names), 1), t.sizes(), t.years, t.year0
    block, steer = policy.block.tolist(), policy.steer.tolist()
    country, nsteer = n.country.tolist(), n.steer.tolist()
    all_fuels = range(len(t.fuel_names))

    def blocked(i: int) -> tuple[int, list[int]]:
        """The need's blocking pattern and its key prefixes in that pattern's order."""
        fuels = n.fuels[i]
        # Sorted: a frozenset's order follows the string hash seed, and diagnostics
        # cite the first fuel that fails, so every worker must try them alike.
        codes = sorted(t.fuel_index[f] for f in fuels if f in t.fuel_index) if fuels else all_fuels
        c = country[i]
        prefixes: list[int] = []
        for f in codes:
            if rank >= 1 and block[c][f] != BLOCK_NONE:
                continue
            wanted = wanted_steering(nsteer[i], steer[c][f]) if rank >= 2 else STEER_ANY
            if wanted == STEER_ANY:
                prefixes += (f, nf + f, 2 * nf + f)
            elif wanted != STEER_CONFLICT:
                prefixes.append(wanted * nf + f)
        pattern = 0
        if prefixes and n.bodies[i]:
            pattern |= BODY
            bodies = [t.body_index[b] for b in n.bodies[i] if b in t.body_index]
            prefixes = [p * sizes[BODY] + b for p in prefixes for b in bodies]
        if prefixes and n.models[i]:
            pattern |= MAKE | MODEL
            makes = {t.make_index[m] for m in n.makes[i] if m in t.make_index} if n.makes[i] else None
            pairs = [
                (mk, mo)
                for mo in (t.model_index[m] for m in n.models[i] if m in t.model_index)
                for mk in t.makes_of_model.get(mo, ())
                if makes is None or mk in makes
            ]
            prefixes = [(p * sizes[MAKE] + mk) * sizes[MODEL] + mo for p in prefixes for mk, mo in pairs]
        elif prefixes and n.makes[i]:
            pattern |= MAKE
            makes_ = [t.make_index[m] for m in n.makes[i] if m in t.make_index]
            prefixes = [p * sizes[MAKE] + mk for p in prefixes for mk in makes_]
        return pattern, prefixes

    # Needs of one kind, destination and steering have the same prefixes (their
    # wanted sets are the very same objects, so even the order agrees): they are
    # worked out once. Destination and steering only matter from the stages
    # that use them.
    kind, open_ = n.kind.tolist(), n.open.tolist()
    known: dict[tuple[int, int, int], tuple[int, list[int]]] = {}
    prefixes_by: dict[int, list[int]] = {p: [] for p in PATTERNS}
    owners_by: dict[int, list[int]] = {p: [] for p in PATTERNS}
    for i in which:
        if mode == "full" and not open_[i]:
            continue
        key = (kind[i], country[i] if rank >= 1 else 0, nsteer[i] if rank >= 2 else 0)
        found = known.get(key)
        if found is None:
            found = known[key] = blocked(i)
        pattern, prefixes = found
        prefixes_by[pattern] += prefixes
        owners_by[pattern] += [i] * len(prefixes)
    orders, _ = ctx.orders()
    lots_n = max(t.n, 1)
    parts = []
    for pattern in PATTERNS:
        if not owners_by[pattern]:
            continue
        owner = np.array(owners_by[pattern], np.int64)
        prefix = np.array(prefixes_by[pattern], np.int64) * ny
        if rank >= 3:
            low = np.maximum(n.year_min[owner] - year0, 0)
            high = np.minimum(n.year_max[owner] - year0, ny - 1)
        else:
            low, high = np.zeros(len(owner), np.int64), np.full(len(owner), ny - 1)
        if rank >= 4:
            # One slice per model year ("full": each cut at the need's price cap).
            years = np.maximum(high - low + 1, 0)
            first = np.cumsum(years) - years
            which_prefix = np.repeat(np.arange(len(owner)), years)
            year = low[which_prefix] + np.arange(int(years.sum())) - first[which_prefix]
            owner = owner[which_prefix]
            lo = (prefix[which_prefix] + year) * lots_n
            hi = lo + (ctx.arrays.cap_rank[owner] if mode == "full" else lots_n)
        else:
            lo = (prefix + low) * lots_n
            hi = np.where(low <= high, (prefix + high + 1) * lots_n, lo)
        keys, offset = orders[pattern]
        start = np.searchsorted(keys, lo)
        stop = np.searchsorted(keys, hi)
        parts.append((owner, start + offset, stop - start))
    if not parts:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    owner, start, length = (np.concatenate(x) for x in zip(*parts, strict=True))
    keep = length > 0
    owner, start, length = owner[keep], start[keep], length[keep]
    order = np.argsort(owner, kind="stable")
    return owner[order], start[order], length[order]


def blocks(owner: np.ndarray, length: np.ndarray, limit: int = PAIR_BLOCK) -> Iterator[tuple[int, int]]:
    """Consecutive range slices of about `limit` pairs, never splitting a need."""
    if len(owner) == 0:
        return
    if int(length.sum()) <= limit:  # rescoring: one block, no bookkeeping
        yield 0, len(owner)
        return
    need_end = np.flatnonzero(np.r_[owner[1:] != owner[:-1], True]) + 1
    pairs_before = np.cumsum(length)[need_end - 1]
    begin, base, k = 0, 0, 0
    while begin < len(owner):
        j = max(int(np.searchsorted(pairs_before, base + limit, side="right")) - 1, k)
        stop = int(need_end[j])
        yield begin, stop
        begin, base, k = stop, int(pairs_before[j]), j + 1


def expand(
    ctx: Context, owner: np.ndarray, start: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Lot and need index arrays (intp: the fastest to gather with) of the pairs in the slices."""
    total = int(length.sum())
    first = np.cumsum(length) - length
    positions = np.repeat(start - first, length)
    positions += np.arange(total)
    _, perm = ctx.orders()
    return perm.take(positions), np.repeat(owner, length)


def rule_matrix(ctx: Context) -> np.ndarray:
    """Country x lot: do the lot-dependent limits of the country's rules hold?
    Cached on the table per policy (compile_rules returns the same Policy for
    the same rules; the key holds it, so its identity cannot be reused) and
    date, so rescoring need after need pays the pass over every lot once per
    destination."""
    t, p, a = ctx.table, ctx.policy, ctx.ages

    def make() -> np.ndarray:
        out = np.empty((len(p.countries), t.n), dtype=bool)
        for c in range(len(p.countries)):
            out[c] = rules_ok(
                a.age_my,
                a.age_fr,
                t.emission,
                t.no_engine,
                t.cc,
                t.km,
                *(getattr(p, name)[c][t.fuel] for name in _LIMITS),
            )
        return out

    return t.cached(("rule_matrix", p, ctx.on), make)


def pair_limits(ctx: Context, lp: np.ndarray, nl: np.ndarray) -> list[np.ndarray]:
    flat = ctx.needs.country[nl] * len(ctx.policy.fuels) + ctx.table.fuel[lp]
    return [ctx.policy.flat(name)[flat] for name in _LIMITS]


def pair_rules_ok(ctx: Context, lp: np.ndarray, nl: np.ndarray) -> np.ndarray:
    t, a = ctx.table, ctx.ages
    lot = (a.age_my[lp], a.age_fr[lp], t.emission[lp], t.no_engine[lp], t.cc[lp], t.km[lp])
    return rules_ok(*lot, *pair_limits(ctx, lp, nl))


def admissible(ctx: Context, lp: np.ndarray, nl: np.ndarray, matrix: np.ndarray | None) -> np.ndarray:
    """Constraints the blocking did not enforce: the market rules' age,
    emission, engine and mileage limits, the need's mileage cap and battery
    SoH. (Availability, open, kinds, steering, bans, years and price are the
    blocking's.)"""
    a = ctx.arrays
    if matrix is not None:
        cell = a.row.take(nl)
        cell += lp
        ok = matrix.ravel().take(cell)
    else:
        ok = pair_rules_ok(ctx, lp, nl)
    ok &= ctx.fixed.km.take(lp) <= a.max_km.take(nl)
    ok &= ctx.fixed.soh_ok_from.take(lp) >= a.min_soh.take(nl)
    return ok


def segment_rank(groups: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal values (sorted input)."""
    if len(groups) == 0:
        return np.zeros(0, np.int64)
    first = np.r_[True, groups[1:] != groups[:-1]]
    starts = np.flatnonzero(first)
    rank: npt.NDArray[np.intp] = np.arange(len(groups)) - starts[np.cumsum(first) - 1]
    return rank
