"""The matching engine's inputs: plain records (mirroring the Lot, Need and
MarketRule models) and their columnar encodings, built once and reused.

`LotTable` keeps one NumPy column per lot attribute, in lot-id order (so a
lot's index is also its tie-break rank), plus the blocking indexes: for each
combination of need attributes that can be given (body, make, model), the
eligible lots sorted by steering, fuel, the given attributes and model year,
with their packed sort keys. A need's candidates are then a few contiguous
slices found with `searchsorted`. `NeedTable` is the same for needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np

from matchmaking.engine import vocabulary as vocab

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
    return tuple(sorted((str(cur).upper(), float(rate)) for cur, rate in fx.items()))


def rate_of(fx: Mapping[str, float], currency: str) -> float:
    """CNY per unit, or NaN when missing or not a positive number (then nothing priced in it matches)."""
    rate = fx.get(currency, fx.get(currency.strip().upper()))
    try:
        value = float(rate) if rate is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")
    return value if value > 0 and np.isfinite(value) else float("nan")


def _encode(values: Sequence[str], key: Callable[[str], str]) -> tuple[np.ndarray, list[str], dict[str, int]]:
    """Codes for raw strings via their normalised key; the vocabulary is sorted so
    codes do not depend on input order."""
    raw_keys = {raw: key(raw) for raw in dict.fromkeys(values)}
    names = sorted(set(raw_keys.values()))
    index = {name: code for code, name in enumerate(names)}
    raw_code = {raw: index[name] for raw, name in raw_keys.items()}
    codes = np.fromiter(map(raw_code.__getitem__, values), dtype=np.int64, count=len(values))
    return codes, names, index


def _mapped(values: Sequence[Any], function: Callable[[Any], int]) -> np.ndarray:
    """An integer column from a function of each value, computed once per distinct value."""
    known = {value: function(value) for value in dict.fromkeys(values)}
    return np.fromiter(map(known.__getitem__, values), dtype=np.int64, count=len(values))


def _column(records: Sequence[Any], field: str, dtype: Any) -> np.ndarray:
    return np.fromiter(map(attrgetter(field), records), dtype=dtype, count=len(records))


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
        c = {f.name: list(map(attrgetter(f.name), records)) for f in dataclasses.fields(LotRecord)}
        self.ids = np.array(c["id"], dtype=np.int64)
        self.make, self.make_names, self.make_index = _encode(c["make"], vocab.canonical_make)
        self.model, self.model_names, self.model_index = _encode(c["model"], vocab.normalise)
        self.body, self.body_names, self.body_index = _encode(c["body_type"], vocab.normalise)
        self.fuel, self.fuel_names, self.fuel_index = _encode(c["fuel_type"], vocab.normalise)
        self.steer = _mapped(c["steering"], _steer)
        self.year = np.array(c["model_year"], dtype=np.int64)
        registered = c["first_registration"]
        self.has_fr = np.array([d is not None for d in registered], dtype=bool)
        self.fr_year = np.array([d.year if d else 0 for d in registered], dtype=np.int64)
        self.fr_monthday = np.array([d.month * 100 + d.day if d else 0 for d in registered], dtype=np.int64)
        self.km = np.array(c["mileage_km"], dtype=np.int64)
        self.cc = np.array([UNKNOWN_CC if v is None else v for v in c["engine_cc"]], dtype=np.int64)
        self.soh = np.array([-1 if v is None else v for v in c["battery_soh_pct"]], dtype=np.int64)
        self.emission = _mapped(c["emission_standard"], vocab.emission_level)
        self.electrified = np.array([f in vocab.ELECTRIFIED for f in self.fuel_names] + [False])[self.fuel]
        self.no_engine = np.array([f in vocab.NO_ENGINE for f in self.fuel_names] + [False])[self.fuel]
        self.qty = np.array(c["quantity"], dtype=np.int64)
        self.price = np.array([float(v) for v in c["unit_price"]], dtype=np.float64)
        self.currency, self.currency_names, _ = _encode(c["currency"], lambda code: code.strip().upper())
        self.modes = _mapped([tuple(m) for m in c["shipping_modes"]], vocab.modes_mask)
        self.origin = _mapped(c["loading_point"], vocab.origin_kind)
        self.verified = np.array(c["exporter_verified"], dtype=bool)
        self.deals = np.array(c["exporter_deals"], dtype=np.int64)
        self.eligible = np.array(c["available"], dtype=bool) & (self.qty >= 1)
        self.year0 = int(self.year.min()) if n else 0
        self.years = int(self.year.max()) - self.year0 + 1 if n else 1
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.makes_of_model: dict[int, list[int]] = {}
        if index:
            self._build_index()

    @classmethod
    def build(cls, lots: Sequence[LotRecord]) -> LotTable:
        records = tuple(sorted(lots, key=attrgetter("id")))
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            raise ValueError("lot ids must be unique")
        return cls(records)

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

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[key] = make()
        return self._cache[key]


def _steer(raw: str) -> int:
    return STEERING_CODE.get(raw.strip().upper(), OTHER_STEERING)


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
        self.max_price = np.fromiter((float(r.max_unit_price) for r in records), dtype=np.float64, count=n)
        self.limit = self.max_price * 1.10
        self.currency = [r.currency.strip().upper() for r in records]
        self.modes = np.fromiter(
            (vocab.modes_mask(r.shipping_modes) for r in records), dtype=np.int64, count=n
        )
        self.open = _column(records, "open", bool)
        routes = {name: sum(1 << kind for kind in vocab.route_origins(name)) for name in self.country_names}
        self.route_bits = np.fromiter(
            (routes[name] for name in (self.country_names[c] for c in self.country.tolist())),
            dtype=np.int64,
            count=n,
        )
        self.makes = [vocab.wanted_makes(tuple(r.makes)) for r in records]
        self.models = [frozenset(vocab.normalise(m) for m in r.models) for r in records]
        self.bodies = [frozenset(vocab.normalise(b) for b in r.body_types) for r in records]
        self.fuels = [frozenset(vocab.normalise(f) for f in r.fuel_types) for r in records]
        self.all_fuels = frozenset().union(*self.fuels)
        # 2 = the need names models, 1 = only makes, 0 = open request.
        self.model_level = np.fromiter(
            (2 if m else 1 if k else 0 for m, k in zip(self.models, self.makes, strict=True)),
            dtype=np.int64,
            count=n,
        )
        self._cache: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def build(cls, needs: Sequence[NeedRecord]) -> NeedTable:
        records = tuple(sorted(needs, key=attrgetter("id")))
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            raise ValueError("need ids must be unique")
        return cls(records)

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[key] = make()
        return self._cache[key]

    def rates(self, fx: Mapping[str, float]) -> np.ndarray:
        key = ("rates", fx_key(fx))
        if key not in self._cache:
            per_currency = {cur: rate_of(fx, cur) for cur in set(self.currency)}
            self._cache[key] = np.array([per_currency[c] for c in self.currency], dtype=np.float64)
        return self._cache[key]

    def accepting(self, attribute: str, value: str) -> np.ndarray:
        """Which needs accept a lot whose `attribute` (makes, models, bodies,
        fuels) is the normalised `value`: those that name it or leave it open."""
        key = ("accepting", attribute)
        if key not in self._cache:
            sets = getattr(self, attribute)
            columns: dict[str, np.ndarray] = {}
            for i, wanted in enumerate(sets):
                for name in wanted:
                    columns.setdefault(name, np.zeros(self.n, dtype=bool))[i] = True
            open_ = np.fromiter((not s for s in sets), dtype=bool, count=self.n)
            self._cache[key] = (open_, columns)
        open_, columns = self._cache[key]
        named = columns.get(value)
        return open_ if named is None else open_ | named
