"""The fair's deal figures, added up from confirmed deal lines.

Plain Python with no Django import, so the arithmetic behind the headline
number can be checked on its own: each line is converted to yuan at the rate
of the day its deal was signed (the latest rate on or before it), and to US
dollars through the yuan on that same day.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from matchmaking.fx import convert

# New-energy vehicles as China counts them for export statistics: battery
# electric and plug-in hybrids (extended-range ones included); ordinary
# hybrids are not NEVs.
NEV_FUELS = frozenset({"bev", "phev", "erev"})

RateOn = Callable[[str, datetime.date], Decimal | None]
# What a slice is keyed by: a name (country, province, fuel…) or an exporter's id.
SliceKey = TypeVar("SliceKey", str, int)


@dataclass(frozen=True)
class LineFigures:
    """What the totals need to know of one confirmed deal line."""

    deal_id: int
    signed_on: datetime.date
    currency: str
    quantity: int
    unit_price: Decimal
    buyer_country: str
    exporter_id: int
    exporter_name: str
    exporter_province: str
    exporter_city: str
    fuel_type: str
    body_type: str


@dataclass
class Bucket:
    """Value and volume of one slice (a country, a province, a fuel type…)."""

    key: str
    label: str = ""
    cny: Decimal = Decimal(0)
    usd: Decimal = Decimal(0)
    vehicles: int = 0
    deal_ids: set[int] = field(default_factory=set)

    @property
    def deals(self) -> int:
        return len(self.deal_ids)


@dataclass
class DealTotals:
    cny: Decimal = Decimal(0)
    usd: Decimal = Decimal(0)
    vehicles: int = 0
    deal_ids: set[int] = field(default_factory=set)
    nev_vehicles: int = 0
    nev_cny: Decimal = Decimal(0)
    by_country: dict[str, Bucket] = field(default_factory=dict)
    by_province: dict[str, Bucket] = field(default_factory=dict)
    by_city: dict[str, Bucket] = field(default_factory=dict)
    by_fuel: dict[str, Bucket] = field(default_factory=dict)
    by_body: dict[str, Bucket] = field(default_factory=dict)
    by_exporter: dict[int, Bucket] = field(default_factory=dict)
    # (currency, date) pairs with no rate: those lines count in vehicles and
    # deals but not in value, and the dashboard says so.
    missing_rates: set[tuple[str, datetime.date]] = field(default_factory=set)

    @property
    def deals(self) -> int:
        return len(self.deal_ids)

    @property
    def nev_share_pct(self) -> float:
        return 100.0 * self.nev_vehicles / self.vehicles if self.vehicles else 0.0

    @staticmethod
    def ranked(
        buckets: Mapping[str, Bucket] | Mapping[int, Bucket], limit: int | None = None
    ) -> list[Bucket]:
        """Largest value first, then most vehicles, then name, for charts."""
        rows = sorted(buckets.values(), key=lambda b: (-b.cny, -b.vehicles, b.label))
        return rows[:limit] if limit is not None else rows


def _add(
    buckets: dict[SliceKey, Bucket],
    key: SliceKey,
    line: LineFigures,
    cny: Decimal | None,
    usd: Decimal | None,
    label: str = "",
) -> None:
    bucket = buckets.get(key)
    if bucket is None:
        bucket = buckets[key] = Bucket(key=str(key), label=label or str(key))
    bucket.vehicles += line.quantity
    bucket.deal_ids.add(line.deal_id)
    if cny is not None:
        bucket.cny += cny
    if usd is not None:
        bucket.usd += usd


def line_values(line: LineFigures, rate_on: RateOn) -> tuple[Decimal | None, Decimal | None]:
    """The line's value in yuan and in US dollars on its deal's date; None
    for a value whose rate is missing."""
    rate = rate_on(line.currency, line.signed_on)
    if rate is None:
        return None, None
    value = line.quantity * line.unit_price
    usd_rate = rate_on("USD", line.signed_on)
    return convert(value, rate), (convert(value, rate, usd_rate) if usd_rate else None)


def tally(lines: Iterable[LineFigures], rate_on: RateOn) -> DealTotals:
    """Add up confirmed deal lines; the caller passes only confirmed ones."""
    totals = DealTotals()
    for line in lines:
        cny, usd = line_values(line, rate_on)
        if cny is None:
            totals.missing_rates.add((line.currency, line.signed_on))
        elif usd is None:
            totals.missing_rates.add(("USD", line.signed_on))
        totals.vehicles += line.quantity
        totals.deal_ids.add(line.deal_id)
        if cny is not None:
            totals.cny += cny
        if usd is not None:
            totals.usd += usd
        if line.fuel_type in NEV_FUELS:
            totals.nev_vehicles += line.quantity
            if cny is not None:
                totals.nev_cny += cny
        _add(totals.by_country, line.buyer_country, line, cny, usd)
        _add(totals.by_province, line.exporter_province, line, cny, usd)
        _add(totals.by_city, line.exporter_city, line, cny, usd)
        _add(totals.by_fuel, line.fuel_type, line, cny, usd)
        _add(totals.by_body, line.body_type, line, cny, usd)
        _add(totals.by_exporter, line.exporter_id, line, cny, usd, label=line.exporter_name)
    return totals
