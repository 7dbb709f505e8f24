"""Per-table arrays the pair functions read: lot prices in yuan (per FX
rates), ages (per reference date), fixed lot columns, the blocking orders, and
the needs' arrays, gathered in a `Context` for one scoring pass. Each is
cached on its table so rescoring reuses a full run's work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from matchmaking.engine import delivery
from matchmaking.engine import vocabulary as vocab
from matchmaking.engine.market_rules import (
    Policy,
    compile_rules,
    policy_fuels,
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
from matchmaking.engine.weights import (
    AGE_ZERO_AT,
    DEALS_FULL_AT,
    INT32_MAX,
    LOGISTICS_CENTI,
    MODEL_CENTI,
    ORIGINS,
    ROUTE_SETS,
    UNPRICED_PENALTY_CENTI,
    WEIGHTS,
    centi,
)
from matchmaking.fx import convert

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
        age_centi = centi("age", np.clip(1.0 - age_my / AGE_ZERO_AT, 0.0, 1.0))
        deals = np.minimum(table.deals, DEALS_FULL_AT) / DEALS_FULL_AT
        exporter_centi = centi("exporter", 0.6 * table.verified + 0.4 * deals)
        return LotAges(age_my, age_fr, age_centi, exporter_centi, age_centi + exporter_centi)

    return table.cached(("ages", on), make)


def lot_fixed(table: LotTable) -> LotFixed:
    def make() -> LotFixed:
        return LotFixed(
            np.minimum(table.km, INT32_MAX).astype(np.int32),
            table.km.astype(np.float32),
            table.qty.astype(np.float32),
            np.where(table.electrified, table.soh, 1000).astype(np.int32),
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
    route_bits: np.ndarray
    model_centi: np.ndarray
    max_km: np.ndarray
    min_soh: np.ndarray
    row: np.ndarray  # country x lots: the need's row offset into the rule matrix


def need_arrays(needs: NeedTable, table: LotTable, prices: LotPrices, fx: Mapping[str, float]) -> NeedArrays:
    def fixed() -> dict[str, np.ndarray]:
        rate = needs.rates(fx)
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
            "route_bits": needs.route_bits.astype(np.int32),
            "model_centi": MODEL_CENTI[needs.model_level],
            "max_km": np.minimum(needs.max_km, INT32_MAX).astype(np.int32),
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
class Cells:
    """What depends on a pair only through the lot's and the need's delivery
    terms: a pair's cell is `lot_row[lot] + need_col[need]`."""

    costs: delivery.Costs
    logistics: np.ndarray  # logistics centi-points, less the penalty where a rate is missing


def _cells(
    lot_terms: list[delivery.LotTerms], need_terms: list[delivery.NeedTerms], rates: delivery._Tariff
) -> Cells:
    costs = delivery.costs(lot_terms, need_terms, rates)
    lot_modes = np.array([t.modes for t in lot_terms], np.int64)
    lot_origin = np.array([t.origin for t in lot_terms], np.int64)
    need_modes = np.array([t.modes for t in need_terms], np.int64)
    bits = [sum(1 << kind for kind in vocab.route_origins(t.country)) for t in need_terms]
    route_class = np.searchsorted(np.array(ROUTE_SETS), np.array(bits, np.int64))
    need_offset = (need_modes * len(ROUTE_SETS) + route_class) * 16 * ORIGINS
    cell = (lot_modes * ORIGINS + lot_origin)[:, None] + need_offset[None, :]
    points = LOGISTICS_CENTI[cell.ravel()] if cell.size else np.zeros(0, np.int32)
    points = np.where(costs.missing > 0, np.maximum(points - UNPRICED_PENALTY_CENTI, 0), points)
    return Cells(costs, points.astype(np.int32))


def cells(
    table: LotTable, needs: NeedTable, fx: Mapping[str, float], freight: delivery.FreightTables
) -> Cells:
    """Cached on the larger table, keyed by the other's terms (rescoring one
    lot or need against a table reuses the work of the last rescore like it)."""
    key = fx_key(fx)
    rates = delivery.tariff(freight, fx, key)
    lot_terms, need_terms = table.delivery_keys, needs.delivery_keys

    def make() -> Cells:
        return _cells(lot_terms, need_terms, rates)

    # Kept apart from the tables' other caches: rescoring need after need adds
    # one entry each, which must not push out the orders and prices.
    store, other = (table.cells, tuple(need_terms)) if table.n >= needs.n else (needs.cells, tuple(lot_terms))
    found: Cells | None = store.get((key, freight, other))
    if found is None:
        if len(store) > _CELL_ENTRIES:
            store.clear()
        found = store[(key, freight, other)] = make()
    return found


_CELL_ENTRIES = 4096


def lot_rows(table: LotTable, columns: int) -> np.ndarray:
    """Each lot's first cell: its delivery terms' row (a pass over every lot,
    so kept per number of columns: rescoring needs one column)."""

    def make() -> np.ndarray:
        rows: np.ndarray = (table.delivery_terms * columns).astype(np.intp)
        return rows

    return table.cached(("lot_rows", columns), make)


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
    freight: delivery.FreightTables
    cells: Cells
    lot_row: np.ndarray  # per lot: its delivery terms' first cell
    need_col: np.ndarray  # per need: its delivery terms' column

    def orders(self) -> tuple[dict[int, tuple[np.ndarray, int]], np.ndarray]:
        return lot_orders(self.table, self.prices)


def context(
    table: LotTable,
    needs: NeedTable,
    rules: Sequence[RuleRecord],
    fx: Mapping[str, float],
    on: date,
    freight: delivery.FreightTables = delivery.NO_RATES,
) -> Context:
    fuels = policy_fuels(table.fuel_names, needs.all_fuels)
    policy = compile_rules(tuple(rules), tuple(needs.country_names), fuels)
    prices = lot_prices(table, fx)
    pair_cells = cells(table, needs, fx, freight)
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
        freight,
        pair_cells,
        lot_rows(table, pair_cells.costs.columns),
        needs.delivery_terms.astype(np.intp),
    )
