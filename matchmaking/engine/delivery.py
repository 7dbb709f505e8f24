"""Prices delivered to the buyer's incoterm and place (DESIGN.md §3, hard
constraint 5).

A lot priced below the need's incoterm is brought up to it step by step with
the organisers' indicative tables:

    EXW -> FOB   + inland haulage to the lot's loading point
    FOB -> CFR   + freight from the loading point to the need's destination, by
                   the cheapest mode both sides accept (the lot's offered modes
                   that the need wants; either side's modes when the other
                   gives none; every mode when neither does)
    CFR -> CIF   x (1 + insurance rate), the rate being a percentage of the CFR value

Every amount is converted to yuan with the run's FX rates (a rate in a
currency without an FX rate is no rate). Where a step has no rate the
conversion stops: the lot is compared on the last term reached (its own for a
FOB lot with no freight rate), its explanation says which rate was missing,
and its logistics points lose `weights.UNPRICED_PENALTY_CENTI`. A lot priced at
or above the need's term is compared as stated.

Which rate covers a route: a rate's origins (a loading point, or several for a
region) cover a lot whose loading point contains one of them as whole words
("Tianjin" covers "Tianjin port"); a freight rate covers a need of its country
when it names no port, or names the need's port (either name containing the
other as whole words), or when the need names no port at all. When the need
names a port, rates for that port are taken before rates for the whole
country, and those before rates for another port; within that, the cheapest.
The vehicle class (from the lot's body type) must be the rate's.

Costs depend on a lot only through its delivery terms (incoterm, loading
point, vehicle class, offered modes) and on a need only through its own
(incoterm, country, port, wanted modes), of which there are few distinct ones:
they are worked out once per pair of terms and pairs look them up by
`cell = lot_row[lot] + need_col[need]`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from matchmaking.engine import vocabulary as vocab

INCOTERMS = ("EXW", "FOB", "CFR", "CIF")
EXW, FOB, CFR, CIF = range(4)
# The classes of the freight tables; a lot's comes from its body type.
VEHICLE_CLASSES = ("car", "suv_mpv_pickup", "van", "bus_truck")
BODY_CLASS = {
    "sedan": "car",
    "hatchback": "car",
    "coupe": "car",
    "wagon": "car",
    "suv": "suv_mpv_pickup",
    "mpv": "suv_mpv_pickup",
    "pickup": "suv_mpv_pickup",
    "van": "van",
    "bus": "bus_truck",
    "truck": "bus_truck",
}
MODES = vocab.SHIPPING_MODES
# Why a conversion stopped short of the need's term (index into MISSING).
MISSING = ("", "haulage", "freight", "insurance")
_ALL_MODES = (1 << len(MODES)) - 1


@dataclass(frozen=True)
class FreightRecord:
    """Freight per vehicle from `origins` to `country` (and `port`, "" for anywhere in it)."""

    mode: str
    origins: tuple[str, ...]
    country: str
    port: str
    vehicle_class: str
    price: float
    currency: str
    indicative: bool = True


@dataclass(frozen=True)
class HaulageRecord:
    """Inland haulage per vehicle to the loading points `origins` (EXW -> FOB)."""

    origins: tuple[str, ...]
    vehicle_class: str
    price: float
    currency: str
    indicative: bool = True


@dataclass(frozen=True)
class InsuranceRecord:
    """Cargo insurance (CFR -> CIF) as a percentage of the CFR value; country "" for every destination."""

    country: str
    rate_pct: float
    indicative: bool = True


@dataclass(frozen=True, eq=False)
class FreightTables:
    """The rates in force. Compared by identity: load them once per run and
    reuse them for rescoring, so what is worked out from them stays cached."""

    freight: tuple[FreightRecord, ...] = ()
    haulage: tuple[HaulageRecord, ...] = ()
    insurance: tuple[InsuranceRecord, ...] = ()
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


NO_RATES = FreightTables()

_NOT_WORDS = re.compile(r"[^\w]+")


@lru_cache(maxsize=4096)
def place_words(name: str) -> str:
    """Lower case words of a place name, punctuation dropped: "Lagos, Apapa" -> "lagos apapa"."""
    return " ".join(_NOT_WORDS.sub(" ", name.lower()).split())


def covers(name: str, place: str) -> bool:
    """Does `name` appear in `place` as whole words (both already `place_words`)?"""
    return bool(name) and f" {name} " in f" {place} "


def vehicle_class(body_type: str) -> str:
    return BODY_CLASS.get(vocab.normalise(body_type), "car")


def incoterm_index(term: str) -> int:
    """Unknown terms read as FOB, the trade's default quotation."""
    code = term.strip().upper()
    return INCOTERMS.index(code) if code in INCOTERMS else FOB


def accepted_modes(offered: int, wanted: int) -> int:
    """The modes freight may go by (bit masks of vocab.MODE_BIT)."""
    if offered and wanted:
        return offered & wanted
    return offered or wanted or _ALL_MODES


# ---------------------------------------------------------------- looking rates up


class _Tariff:
    """The tables in yuan for one set of FX rates, with each lookup memoised
    (the same few routes are asked for over and over)."""

    def __init__(self, tables: FreightTables, fx: Mapping[str, float]) -> None:
        def cny(price: float, currency: str) -> float:
            rate = fx.get(currency.strip().upper())
            value = float(price) * float(rate) if rate is not None else float("nan")
            return value if np.isfinite(value) and value >= 0 else float("nan")

        self.freight: dict[tuple[str, str], list[tuple[FreightRecord, tuple[str, ...], str, float]]] = {}
        for r in tables.freight:
            price = cny(r.price, r.currency)
            if not np.isnan(price):
                row = (r, tuple(place_words(o) for o in r.origins), place_words(r.port), price)
                self.freight.setdefault((r.country.strip().upper(), r.vehicle_class), []).append(row)
        haulage = [
            (r, tuple(place_words(o) for o in r.origins), cny(r.price, r.currency)) for r in tables.haulage
        ]
        self.haulage = [row for row in haulage if not np.isnan(row[2])]
        self.insurance = {r.country.strip().upper(): r for r in tables.insurance if r.rate_pct >= 0}
        self._haulage: dict[tuple[str, str], tuple[float, bool]] = {}
        self._freight: dict[tuple[str, str, str, str], tuple[np.ndarray, np.ndarray]] = {}

    def haulage_to(self, point: str, vclass: str) -> tuple[float, bool]:
        """(yuan, indicative) to bring a vehicle to `point`; NaN when no rate covers it."""
        key = (point, vclass)
        if key not in self._haulage:
            best, indicative = float("nan"), False
            for record, origins, price in self.haulage:
                covered = record.vehicle_class == vclass and any(covers(o, point) for o in origins)
                if covered and (np.isnan(best) or price < best):
                    best, indicative = price, record.indicative
            self._haulage[key] = (best, indicative)
        return self._haulage[key]

    def freight_by_mode(
        self, point: str, vclass: str, country: str, port: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per mode (MODES order): yuan per vehicle (NaN without a rate) and whether it is indicative."""
        key = (point, vclass, country, port)
        if key not in self._freight:
            best = np.full(len(MODES), np.nan)
            rank = np.full(len(MODES), -1)
            indicative = np.zeros(len(MODES), bool)
            for record, origins, rate_port, price in self.freight.get((country, vclass), ()):
                mode = MODES.index(record.mode) if record.mode in MODES else -1
                if mode < 0 or not any(covers(o, point) for o in origins):
                    continue
                if not rate_port:
                    specific = 1
                elif not port:
                    specific = 0
                elif covers(rate_port, port) or covers(port, rate_port):
                    specific = 2
                else:
                    continue
                if specific > rank[mode] or (specific == rank[mode] and price < best[mode]):
                    best[mode], rank[mode], indicative[mode] = price, specific, record.indicative
            self._freight[key] = (best, indicative)
        return self._freight[key]

    def insurance_pct(self, country: str) -> tuple[float, bool]:
        record = self.insurance.get(country) or self.insurance.get("")
        return (float("nan"), False) if record is None else (float(record.rate_pct), record.indicative)


def tariff(tables: FreightTables, fx: Mapping[str, float], fx_key: Any) -> _Tariff:
    memo = tables._memo
    if fx_key not in memo:
        if len(memo) > 8:
            memo.clear()
        memo[fx_key] = _Tariff(tables, fx)
    found: _Tariff = memo[fx_key]
    return found


# ---------------------------------------------------------------- per pair of terms


@dataclass(frozen=True)
class LotTerms:
    incoterm: int
    point: str  # place_words of the loading point
    vehicle_class: str
    modes: int
    origin: int  # vocab.ORIGIN_*: the loading point's route sense (for logistics points)


@dataclass(frozen=True)
class NeedTerms:
    incoterm: int
    country: str
    port: str  # place_words of the destination port
    modes: int


@dataclass(frozen=True, eq=False)
class Costs:
    """Per cell (lot terms x need terms, row-major): what delivering costs."""

    columns: int  # need terms: a lot's row offset is its terms' index x this
    add: np.ndarray  # yuan added before insurance (haulage + freight)
    mult: np.ndarray  # 1 + insurance rate (1 when not insured)
    reached: np.ndarray  # the incoterm compared on
    missing: np.ndarray  # index into MISSING
    haulage: np.ndarray  # yuan (0 when not added)
    freight: np.ndarray  # yuan (0 when not added)
    mode: np.ndarray  # index into MODES of the freight used, -1 none
    insurance_pct: np.ndarray  # 0 when not insured
    indicative: np.ndarray  # any rate used is indicative


def costs(lot_terms: Sequence[LotTerms], need_terms: Sequence[NeedTerms], rates: _Tariff) -> Costs:
    """Every (lot terms, need terms) pair's conversion, as flat row-major arrays."""
    rows, cols = len(lot_terms), len(need_terms)
    lot_term = np.array([t.incoterm for t in lot_terms], np.int64)[:, None]
    need_term = np.array([t.incoterm for t in need_terms], np.int64)[None, :]
    haul = [rates.haulage_to(t.point, t.vehicle_class) for t in lot_terms]
    haul_cny = np.array([h[0] for h in haul], np.float64)[:, None] if rows else np.zeros((0, 1))
    haul_ind = np.array([h[1] for h in haul], bool)[:, None] if rows else np.zeros((0, 1), bool)
    insured = [rates.insurance_pct(t.country) for t in need_terms]
    ins_pct = np.array([i[0] for i in insured], np.float64)[None, :] if cols else np.zeros((1, 0))
    ins_ind = np.array([i[1] for i in insured], bool)[None, :] if cols else np.zeros((1, 0), bool)
    # Freight: per distinct route, each mode's rate; per cell, the cheapest accepted mode.
    fr_cny, fr_mode, fr_ind = _cheapest_freight(lot_terms, need_terms, rates)
    shape = (rows, cols)
    wants_haul = np.broadcast_to((lot_term == EXW) & (need_term >= FOB), shape)
    wants_freight = np.broadcast_to((lot_term <= FOB) & (need_term >= CFR), shape)
    wants_ins = np.broadcast_to((lot_term <= CFR) & (need_term == CIF), shape)
    has_haul = np.broadcast_to(~np.isnan(haul_cny), shape)
    has_ins = np.broadcast_to(~np.isnan(ins_pct), shape)
    # Steps in order; the first missing rate stops the conversion there.
    stop_haul = wants_haul & ~has_haul
    do_haul = wants_haul & has_haul
    stop_freight = ~stop_haul & wants_freight & np.isnan(fr_cny)
    do_freight = ~stop_haul & wants_freight & ~np.isnan(fr_cny)
    going = ~stop_haul & ~stop_freight
    stop_ins = going & wants_ins & ~has_ins
    do_ins = going & wants_ins & has_ins
    haulage = np.where(do_haul, np.broadcast_to(haul_cny, shape), 0.0)
    freight = np.where(do_freight, fr_cny, 0.0)
    insurance = np.where(do_ins, np.broadcast_to(ins_pct, shape), 0.0)
    missing = np.select([stop_haul, stop_freight, stop_ins], [1, 2, 3], 0)
    reached = np.where(do_haul, FOB, np.broadcast_to(lot_term, shape))
    reached = np.where(do_freight, CFR, reached)
    reached = np.where(do_ins, CIF, reached)
    indicative = (do_haul & np.broadcast_to(haul_ind, shape)) | (do_freight & fr_ind)
    indicative |= do_ins & np.broadcast_to(ins_ind, shape)
    return Costs(
        cols,
        (haulage + freight).ravel(),
        (1.0 + insurance / 100.0).ravel(),
        reached.ravel(),
        missing.ravel(),
        haulage.ravel(),
        freight.ravel(),
        np.where(do_freight, fr_mode, -1).ravel(),
        insurance.ravel(),
        indicative.ravel(),
    )


def _cheapest_freight(
    lot_terms: Sequence[LotTerms], need_terms: Sequence[NeedTerms], rates: _Tariff
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: yuan of the cheapest mode both sides accept (NaN when none has
    a rate), that mode's index (-1) and whether its rate is indicative."""
    rows, cols = len(lot_terms), len(need_terms)
    origins: dict[tuple[str, str], int] = {}
    places: dict[tuple[str, str], int] = {}
    lot_route = np.array(
        [origins.setdefault((t.point, t.vehicle_class), len(origins)) for t in lot_terms], np.intp
    )
    need_route = np.array([places.setdefault((t.country, t.port), len(places)) for t in need_terms], np.intp)
    by_route = np.full((len(origins), len(places), len(MODES)), np.inf)
    indicative = np.zeros(by_route.shape, bool)
    for (point, vclass), i in origins.items():
        for (country, port), j in places.items():
            price, flag = rates.freight_by_mode(point, vclass, country, port)
            by_route[i, j] = np.where(np.isnan(price), np.inf, price)
            indicative[i, j] = flag
    masks = _ACCEPTED[
        np.array([t.modes for t in lot_terms], np.intp)[:, None] * 16
        + np.array([t.modes for t in need_terms], np.intp)[None, :]
    ]
    cell_rates = by_route[lot_route[:, None], need_route[None, :]]  # rows x cols x modes
    allowed = (masks[..., None] >> np.arange(len(MODES))) & 1 == 1
    cell_rates = np.where(allowed, cell_rates, np.inf)
    best = cell_rates.argmin(axis=2) if rows and cols else np.zeros((rows, cols), np.intp)
    price = (
        np.take_along_axis(cell_rates, best[..., None], axis=2)[..., 0]
        if rows and cols
        else np.zeros((rows, cols))
    )
    found = np.isfinite(price)
    flags = indicative[lot_route[:, None], need_route[None, :]]
    flag = (
        np.take_along_axis(flags, best[..., None], axis=2)[..., 0]
        if rows and cols
        else np.zeros((rows, cols), bool)
    )
    return np.where(found, price, np.nan), np.where(found, best, -1), flag & found


_ACCEPTED = np.array([accepted_modes(o, w) for o in range(16) for w in range(16)], np.intp)


def delivered(price_cny: Any, add: Any, mult: Any) -> Any:
    """The one formula (arrays or floats): (price + haulage + freight) x (1 + insurance)."""
    return (price_cny + add) * mult
