"""Candidate pairs: blocking lookups, the hard-constraint masks and the factor
points, all as array operations over (lot index, need index) pairs (the
weights are in `weights`, the arrays they read in `arrays`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from matchmaking.engine.arrays import (
    Context,
)
from matchmaking.engine.market_rules import (
    BLOCK_NONE,
    STEER_ANY,
    STEER_CONFLICT,
    rules_ok,
    wanted_steering,
)
from matchmaking.engine.tables import (
    BODY,
    MAKE,
    MODEL,
    PATTERNS,
)
from matchmaking.engine.weights import (
    PAIR_BLOCK,
    RULE_LIMITS,
    route_code,
)

# ---------------------------------------------------------------- points


def route(ctx: Context, lp: np.ndarray, nl: np.ndarray) -> np.ndarray:
    """0 unknown loading point, 1 fits the destination, 2 a detour."""
    return route_code(ctx.arrays.route_bits[nl], ctx.table.origin[lp])


def priced(ctx: Context, lp: np.ndarray, nl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's cell (engine.delivery) and its lot's price delivered to the
    need's incoterm, in yuan (float64, NaN when the lot's currency has no
    rate): the price hard constraint 5 and the price points read."""
    cell = ctx.lot_row.take(lp)
    cell += ctx.need_col.take(nl)
    costs = ctx.cells.costs
    price = ctx.prices.price_cny.take(lp)
    price += costs.add.take(cell)
    price *= costs.mult.take(cell)  # delivery.delivered, in place
    return cell, price


def within_budget(ctx: Context, nl: np.ndarray, price: np.ndarray) -> np.ndarray:
    return price <= ctx.arrays.cap_cny.take(nl)


def factors(ctx: Context, lp: np.ndarray, nl: np.ndarray, *, split: bool = True) -> list[np.ndarray]:
    """Centi-points per factor in WEIGHTS order; with split=False age and
    exporter come summed (one gather fewer) as the last element. Float32
    throughout: every step is monotone, so cheaper never scores lower."""
    a, f, n = ctx.arrays, ctx.fixed, ctx.ages
    cell, delivered = priced(ctx, lp, nl)
    ratio = delivered.astype(np.float32)
    ratio *= a.inv_budget32.take(nl)
    price = np.rint(np.clip(np.float32(5500.0) - np.float32(5000.0) * ratio, 0, 3000)).astype(np.int32)
    km = f.km32.take(lp)
    km *= a.km_scale32.take(nl)
    mileage = np.rint(np.clip(np.float32(1500.0) - km, 0, 1500)).astype(np.int32)
    qty = f.qty32.take(lp)
    partial = np.rint(qty * a.partial_scale32.take(nl)).astype(np.int32)
    quantity = np.where(qty >= a.want32.take(nl), np.int32(1000), partial)
    logistics = ctx.cells.logistics.take(cell)
    model = a.model_centi.take(nl)
    if split:
        age, exporter = n.age_centi.take(lp), n.exporter_centi.take(lp)
        return [price, age, mileage, quantity, model, logistics, exporter]
    return [price, mileage, quantity, model, logistics, n.static_centi.take(lp)]


def score(
    ctx: Context, lp: np.ndarray, nl: np.ndarray, cell: np.ndarray, delivered: np.ndarray
) -> np.ndarray:
    """The sum of `factors` for pairs already `priced`, computed in place: a
    full run scores millions of pairs, and every temporary array of that size
    costs a fresh allocation. Each step is the same float32 operation as in
    `factors` (x * -5000 + 5500 is 5500 - 5000x exactly), so scores equal
    their explanations' points."""
    a, f = ctx.arrays, ctx.fixed
    price = delivered.astype(np.float32)
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
    np.putmask(partial, qty >= a.want32.take(nl), 1000)
    total += partial
    del qty, partial
    total += ctx.cells.logistics.take(cell)
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
                *(getattr(p, name)[c][t.fuel] for name in RULE_LIMITS),
            )
        return out

    return t.cached(("rule_matrix", p, ctx.on), make)


def pair_limits(ctx: Context, lp: np.ndarray, nl: np.ndarray) -> list[np.ndarray]:
    flat = ctx.needs.country[nl] * len(ctx.policy.fuels) + ctx.table.fuel[lp]
    return [ctx.policy.flat(name)[flat] for name in RULE_LIMITS]


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
