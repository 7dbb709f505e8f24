"""The matching engine's inputs: plain records (mirroring the Lot, Need and
MarketRule models) and their columnar encodings, built once and reused.

`LotTable` keeps one NumPy column per lot attribute, in lot-id order (so a
lot's index is also its tie-break rank), plus the blocking indexes: for each
combination of need attributes that can be given (body, make, model), the
eligible lots sorted by steering, fuel, the given attributes and model year,
with their packed sort keys. A need's candidates are then a few contiguous
slices found with `searchsorted`. `NeedTable` is the same for needs. Each
table also numbers its distinct delivery terms (engine.delivery), which the
delivered prices are looked up by.

Why one module of ~500 lines: both tables, their delivery terms included, are
built by the same encoders (distinct values, normalised codes, one pass over
the records for several fields), which belong with the records they read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from matchmaking.engine import delivery
from matchmaking.engine import vocabulary as vocab

_T = TypeVar("_T")

# "No limit" and "unknown engine size" as integers, so limits compare without
# special cases: an unknown size passes when there is no cap and fails any cap.
NO_LIMIT = 1 << 40
UNKNOWN_CC = 1 << 31
STEERING_CODE = {"LHD": 0, "RHD": 1}
STEERING_NAMES = ("LHD", "RHD", "")
OTHER_STEERING = 2
MILEAGE_REFERENCE_KM = 200_000
YEAR_ANY_MIN, YEAR_ANY_MAX = -1, 1_000_000


@dataclass(frozen=True)
class LotRecord:
    id: int
    exporter_id: int
    make: str
    model: str
    body_type: str
    fuel_type: str
    model_year: int
    first_registration: date | None
    mileage_km: int
    steering: str
    engine_cc: int | None
    battery_soh_pct: int | None
    emission_standard: str
    quantity: int
    unit_price: float
    currency: str
    shipping_modes: tuple[str, ...]
    loading_point: str
    exporter_verified: bool
    exporter_deals: int
    available: bool
    incoterm: str = "FOB"


@dataclass(frozen=True)
class NeedRecord:
    id: int
    buyer_id: int
    destination_country: str
    destination_port: str
    makes: tuple[str, ...]
    models: tuple[str, ...]
    body_types: tuple[str, ...]
    fuel_types: tuple[str, ...]
    year_min: int | None
    year_max: int | None
    max_mileage_km: int | None
    min_battery_soh_pct: int | None
    steering: str
    quantity: int
    allow_split: bool
    max_unit_price: float
    currency: str
    shipping_modes: tuple[str, ...]
    open: bool
    incoterm: str = "FOB"


@dataclass(frozen=True)
class RuleRecord:
    country: str
    applies_to_fuels: tuple[str, ...]
    used_imports_banned: bool
    steering_required: str
    max_age_years: int | None
    age_counted_from: str
    min_emission_standard: str
    banned_fuels: tuple[str, ...]
    max_engine_cc: int | None
    max_mileage_km: int | None
    uncertain: bool
    source: str


def fx_key(fx: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """The rates as a canonical, hashable key (caches are keyed by it)."""
    return _fx_key(tuple(fx.items()))


@lru_cache(maxsize=64)
def _fx_key(items: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    # Every rescore asks several times for the same few rates.
    return tuple(sorted((str(cur).upper(), float(rate)) for cur, rate in items))


def rate_of(fx: Mapping[str, float], currency: str) -> float:
    """CNY per unit, or NaN when missing or not a positive number (then nothing priced in it matches)."""
    rate = fx.get(currency, fx.get(currency.strip().upper()))
    try:
        value = float(rate) if rate is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")
    return value if value > 0 and np.isfinite(value) else float("nan")


class _FirstSeen(dict[Any, int]):
    """Numbers keys in order of first appearance: one lookup per record, where
    collecting the distinct values first and then looking each record up costs two."""

    def __missing__(self, key: Any) -> int:
        self[key] = code = len(self)
        return code


def _distinct(values: Iterable[Any], count: int) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Each value's index into the distinct values (in order of first
    appearance), and those values: work per value is then done once per
    distinct value, and there are few (makes, fuels, loading points…)."""
    seen = _FirstSeen()
    codes = np.fromiter(map(seen.__getitem__, values), dtype=np.int64, count=count)
    return codes, list(seen)


def _field(
    records: Sequence[Any], field: str, convert: Callable[[Any], Any] | None = None
) -> tuple[npt.NDArray[np.int64], list[Any]]:
    values = map(attrgetter(field), records)
    return _distinct(values if convert is None else map(convert, values), len(records))


def _fields(records: Sequence[Any], *fields: str) -> tuple[npt.NDArray[np.int64], list[list[Any]]]:
    """Like `_field` for several fields read in one pass, for fields whose
    combinations are few (a model comes with its make, body, fuel and engine):
    each record's index into the distinct combinations, and per field its value
    in each combination. One pass over the records costs less than one per field."""
    getter = attrgetter(*fields)
    try:
        codes, combinations = _distinct(map(getter, records), len(records))
    except TypeError:
        # A list where the records hold tuples (shipping modes): read it as one.
        rows = (tuple(tuple(v) if isinstance(v, list) else v for v in getter(r)) for r in records)
        codes, combinations = _distinct(rows, len(records))
    columns = [list(column) for column in zip(*combinations, strict=True)]
    return codes, columns or [[] for _ in fields]


def _encode(
    codes: npt.NDArray[np.int64], raws: Sequence[str], key: Callable[[str], str]
) -> tuple[npt.NDArray[np.int64], list[str], dict[str, int]]:
    """Codes for the raw strings `raws[codes]` via their normalised key; the
    vocabulary is sorted so codes do not depend on input order."""
    keys = {raw: key(raw) for raw in dict.fromkeys(raws)}
    names = sorted(set(keys.values()))
    index = {name: code for code, name in enumerate(names)}
    return np.array([index[keys[raw]] for raw in raws], dtype=np.int64)[codes], names, index


def _mapped(
    codes: npt.NDArray[np.int64], values: Sequence[Any], function: Callable[[Any], int]
) -> npt.NDArray[np.int64]:
    """The integer column `function(values[codes])`, computed once per distinct value."""
    known = {value: function(value) for value in dict.fromkeys(values)}
    return np.array([known[value] for value in values], dtype=np.int64)[codes]


def _column(records: Sequence[Any], field: str, dtype: Any) -> np.ndarray:
    return np.fromiter(map(attrgetter(field), records), dtype=dtype, count=len(records))


def _columns(records: Sequence[Any], **dtypes: Any) -> dict[str, np.ndarray]:
    """Several numeric columns read in one pass over the records (one pass
    per column costs twice as much at 100,000 lots), each contiguous."""
    dtype = np.dtype(list(dtypes.items()))
    rows = np.fromiter(map(attrgetter(*dtypes), records), dtype=dtype, count=len(records))
    return {name: np.ascontiguousarray(rows[name]) for name in dtypes}


def _floats(records: Sequence[Any], field: str) -> np.ndarray:
    return np.fromiter(map(float, map(attrgetter(field), records)), dtype=np.float64, count=len(records))


def _in_id_order(ids: np.ndarray) -> bool:
    """Ids strictly increasing: sorted, and unique too."""
    return bool((ids[1:] > ids[:-1]).all())


def _sorted_by_id(records: Sequence[Any], kind: str) -> tuple[Any, ...]:
    ordered = tuple(sorted(records, key=attrgetter("id")))
    ids = [r.id for r in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{kind} ids must be unique")
    return ordered


def _or(default: int) -> Callable[[int | None], int]:
    return lambda value: default if value is None else value


def _date_code(day: date | None) -> int:
    """yyyymmdd, 0 for no date."""
    return 0 if day is None else day.year * 10_000 + day.month * 100 + day.day


# Derived arrays kept per table (FX-, date- and rules-dependent: a few per
# setting, one rule matrix per destination rescored); beyond this, start over.
_CACHE_ENTRIES = 64


# Blocking patterns: which of (body, make, model) a need gives. A need with
# models is looked up by (make, model) pairs, so pattern 4 implies 2.
BODY, MAKE, MODEL = 1, 2, 4
PATTERNS = (0, BODY, MAKE, BODY | MAKE, MAKE | MODEL, BODY | MAKE | MODEL)


class LotTable:
    """Columns of the lots, in id order, and the blocking indexes. Immutable
    once built; results derived from FX rates and the reference date are
    cached on it, so reuse one table for a full run and later rescores."""

    def __init__(self, records: tuple[LotRecord, ...], *, index: bool = True) -> None:
        self.records = records
        n = self.n = len(records)
        numbers = _columns(
            records,
            id=np.int64,
            model_year=np.int64,
            quantity=np.int64,
            available=np.bool_,
            exporter_verified=np.bool_,
            exporter_deals=np.int64,
            mileage_km=np.int64,
            unit_price=np.float64,
        )
        self.ids = numbers["id"]
        vehicle, (make, model, body, fuel, cc, soh) = _fields(
            records, "make", "model", "body_type", "fuel_type", "engine_cc", "battery_soh_pct"
        )
        self.make, self.make_names, self.make_index = _encode(vehicle, make, vocab.canonical_make)
        self.model, self.model_names, self.model_index = _encode(vehicle, model, vocab.normalise)
        self.body, self.body_names, self.body_index = _encode(vehicle, body, vocab.normalise)
        self.fuel, self.fuel_names, self.fuel_index = _encode(vehicle, fuel, vocab.normalise)
        self.cc = _mapped(vehicle, cc, _or(UNKNOWN_CC))
        self.soh = _mapped(vehicle, soh, _or(-1))
        self.electrified = np.array([f in vocab.ELECTRIFIED for f in self.fuel_names] + [False])[self.fuel]
        self.no_engine = np.array([f in vocab.NO_ENGINE for f in self.fuel_names] + [False])[self.fuel]
        terms, (steering, currency, emission, loading_point, modes, incoterm) = _fields(
            records,
            "steering",
            "currency",
            "emission_standard",
            "loading_point",
            "shipping_modes",
            "incoterm",
        )
        self.steer = _mapped(terms, steering, _steer)
        self.currency, self.currency_names, _ = _encode(terms, currency, _currency)
        self.emission = _mapped(terms, emission, vocab.emission_level)
        self.origin = _mapped(terms, loading_point, vocab.origin_kind)
        self.modes = _mapped(terms, modes, vocab.modes_mask)
        self.delivery_terms, self.delivery_keys = _lot_delivery_terms(
            terms, incoterm, loading_point, modes, _mapped(vehicle, body, _class_code)
        )
        self.year = numbers["model_year"]
        registered = _mapped(*_field(records, "first_registration"), _date_code)
        self.has_fr = registered > 0
        self.fr_year = registered // 10_000
        self.fr_monthday = registered % 10_000
        self.qty = numbers["quantity"]
        self.eligible = numbers["available"] & (self.qty >= 1)
        self.verified = numbers["exporter_verified"]
        self.deals = numbers["exporter_deals"]
        self.km = numbers["mileage_km"]
        self.price = numbers["unit_price"]
        self.year0 = int(self.year.min()) if n else 0
        self.years = int(self.year.max()) - self.year0 + 1 if n else 1
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.cells: dict[tuple[Any, ...], Any] = {}  # engine.arrays.cells
        self.makes_of_model: dict[int, list[int]] = {}
        if index:
            self._build_index()

    @classmethod
    def build(cls, lots: Sequence[LotRecord]) -> LotTable:
        # Lots read from the database come in primary-key order, so the table is
        # built from them as they are, and again from sorted lots only if needed.
        records = tuple(lots)
        table = cls(records)
        return table if _in_id_order(table.ids) else cls(_sorted_by_id(records, "lot"))

    def sizes(self) -> dict[int, int]:
        """Radix of each blocking dimension in the packed keys."""
        return {
            BODY: max(len(self.body_names), 1),
            MAKE: max(len(self.make_names), 1),
            MODEL: max(len(self.model_names), 1),
        }

    def _build_index(self) -> None:
        sizes = self.sizes()
        for pair in np.unique(self.model * sizes[MAKE] + self.make).tolist():
            model, make = divmod(pair, sizes[MAKE])
            self.makes_of_model.setdefault(model, []).append(make)

    def cached(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        if key not in self._cache:
            if len(self._cache) > _CACHE_ENTRIES:
                self._cache.clear()
            self._cache[key] = make()
        # The key names what `make` builds, so the value under it is a _T.
        value: _T = self._cache[key]
        return value


def _class_code(body_type: str) -> int:
    return delivery.VEHICLE_CLASSES.index(delivery.vehicle_class(body_type))


def _lot_delivery_terms(
    terms: npt.NDArray[np.int64],
    incoterms: list[str],
    points: list[str],
    modes: list[Any],
    classes: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], list[delivery.LotTerms]]:
    """Each lot's index into its distinct delivery terms, and those terms."""
    routes = _FirstSeen()
    route_of = np.array(
        [
            routes[
                (
                    delivery.incoterm_index(term),
                    delivery.place_words(point),
                    vocab.modes_mask(mode),
                    vocab.origin_kind(point),
                )
            ]
            for term, point, mode in zip(incoterms, points, modes, strict=True)
        ],
        dtype=np.int64,
    )
    n_classes = len(delivery.VEHICLE_CLASSES)
    key = route_of[terms] * n_classes + classes if len(terms) else np.zeros(0, np.int64)
    present = np.zeros(len(routes) * n_classes + 1, np.int64)
    present[key] = 1
    number = np.cumsum(present) - 1
    route_keys = list(routes)
    keys = []
    for k in np.flatnonzero(present[:-1]).tolist():
        term, point, modes_, origin = route_keys[k // n_classes]
        keys.append(delivery.LotTerms(term, point, delivery.VEHICLE_CLASSES[k % n_classes], modes_, origin))
    return number[key], keys


def _steer(raw: str) -> int:
    return STEERING_CODE.get(raw.strip().upper(), OTHER_STEERING)


def _currency(code: str) -> str:
    return code.strip().upper()


def _normalised(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(vocab.normalise(word) for word in words)


def _per_distinct(values: list[Any], function: Callable[[Any], Any]) -> list[Any]:
    """`function` of each value, computed once per distinct value (and shared)."""
    known = {value: function(value) for value in dict.fromkeys(values)}
    return list(map(known.__getitem__, values))


class NeedTable:
    """Columns of the needs, in id order, with each need's wanted sets
    normalised (make groups expanded)."""

    def __init__(self, records: tuple[NeedRecord, ...]) -> None:
        self.records = records
        n = self.n = len(records)
        self.ids = _column(records, "id", np.int64)
        self.country_names = sorted({r.destination_country.strip().upper() for r in records})
        index = {name: code for code, name in enumerate(self.country_names)}
        self.country = np.fromiter(
            (index[r.destination_country.strip().upper()] for r in records), dtype=np.int64, count=n
        )
        self.steer = np.fromiter(
            (STEERING_CODE.get(r.steering.strip().upper(), -1) for r in records), dtype=np.int64, count=n
        )
        self.year_min = np.fromiter(
            (YEAR_ANY_MIN if r.year_min is None else r.year_min for r in records), dtype=np.int64, count=n
        )
        self.year_max = np.fromiter(
            (YEAR_ANY_MAX if r.year_max is None else r.year_max for r in records), dtype=np.int64, count=n
        )
        self.max_km = np.fromiter(
            (NO_LIMIT if r.max_mileage_km is None else r.max_mileage_km for r in records),
            dtype=np.int64,
            count=n,
        )
        self.km_limited = self.max_km < NO_LIMIT
        self.km_ref = np.where(self.km_limited, np.maximum(self.max_km, 1), MILEAGE_REFERENCE_KM).astype(
            np.float64
        )
        self.min_soh = np.fromiter(
            (-1 if r.min_battery_soh_pct is None else r.min_battery_soh_pct for r in records),
            dtype=np.int64,
            count=n,
        )
        self.want = np.maximum(_column(records, "quantity", np.int64), 1)
        self.split = _column(records, "allow_split", bool)
        self.max_price = _floats(records, "max_unit_price")
        self.limit = self.max_price * 1.10
        self.currency = [r.currency.strip().upper() for r in records]
        modes = list(map(tuple, map(attrgetter("shipping_modes"), records)))
        self.modes = np.array(_per_distinct(modes, vocab.modes_mask), dtype=np.int64)
        self.open = _column(records, "open", bool)
        seen_terms = _FirstSeen()
        self.delivery_terms = np.fromiter(
            (
                seen_terms[
                    delivery.NeedTerms(
                        delivery.incoterm_index(r.incoterm),
                        r.destination_country.strip().upper(),
                        delivery.place_words(r.destination_port),
                        vocab.modes_mask(tuple(r.shipping_modes)),
                    )
                ]
                for r in records
            ),
            dtype=np.int64,
            count=n,
        )
        self.delivery_keys: list[delivery.NeedTerms] = list(seen_terms)
        routes = [sum(1 << kind for kind in vocab.route_origins(name)) for name in self.country_names]
        self.route_bits = np.array(routes, dtype=np.int64)[self.country]
        # Sets are made once per distinct spelling and shared by the needs that
        # have it; needs that spell the same makes, models, bodies and fuels
        # share one kind (and so the very same sets), which blocking works out once.
        makes = list(map(tuple, map(attrgetter("makes"), records)))
        models = list(map(tuple, map(attrgetter("models"), records)))
        bodies = list(map(tuple, map(attrgetter("body_types"), records)))
        fuels = list(map(tuple, map(attrgetter("fuel_types"), records)))
        self.makes = _per_distinct(makes, vocab.wanted_makes)
        self.models = _per_distinct(models, _normalised)
        self.bodies = _per_distinct(bodies, _normalised)
        self.fuels = _per_distinct(fuels, _normalised)
        kinds = _FirstSeen()
        self.kind = np.fromiter(
            map(kinds.__getitem__, zip(makes, models, bodies, fuels, strict=True)), dtype=np.int64, count=n
        )
        self.all_fuels = frozenset().union(*self.fuels)
        # 2 = the need names models, 1 = only makes, 0 = open request.
        self.model_level = np.fromiter(
            (2 if m else 1 if k else 0 for m, k in zip(self.models, self.makes, strict=True)),
            dtype=np.int64,
            count=n,
        )
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.cells: dict[tuple[Any, ...], Any] = {}  # engine.arrays.cells

    @classmethod
    def build(cls, needs: Sequence[NeedRecord]) -> NeedTable:
        records = tuple(needs)
        table = cls(records)
        return table if _in_id_order(table.ids) else cls(_sorted_by_id(records, "need"))

    def cached(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        if key not in self._cache:
            if len(self._cache) > _CACHE_ENTRIES:
                self._cache.clear()
            self._cache[key] = make()
        # The key names what `make` builds, so the value under it is a _T.
        value: _T = self._cache[key]
        return value

    def rates(self, fx: Mapping[str, float]) -> np.ndarray:
        key = ("rates", fx_key(fx))
        if key not in self._cache:
            per_currency = {cur: rate_of(fx, cur) for cur in set(self.currency)}
            self._cache[key] = np.array([per_currency[c] for c in self.currency], dtype=np.float64)
        rates: npt.NDArray[np.float64] = self._cache[key]
        return rates

    def accepting(self, attribute: str, value: str) -> np.ndarray:
        """Which needs accept a lot whose `attribute` (makes, models, bodies,
        fuels) is the normalised `value`: those that name it or leave it open."""
        key = ("accepting", attribute)
        if key not in self._cache:
            sets = getattr(self, attribute)
            columns: dict[str, npt.NDArray[np.bool_]] = {}
            for i, wanted in enumerate(sets):
                for name in wanted:
                    columns.setdefault(name, np.zeros(self.n, dtype=bool))[i] = True
            open_: npt.NDArray[np.bool_] = np.fromiter((not s for s in sets), dtype=bool, count=self.n)
            self._cache[key] = (open_, columns)
        open_, columns = self._cache[key]
        named = columns.get(value)
        return open_ if named is None else open_ | named
