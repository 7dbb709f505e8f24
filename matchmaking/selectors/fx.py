"""Reading FX rates and converting prices between currencies.

Every rate is stored against the yuan, so any two currencies convert through
CNY; the yuan itself is always worth 1 and never needs a stored row.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from matchmaking.choices import CURRENCIES
from matchmaking.fx import BASE_CURRENCY, convert
from matchmaking.models import FxRate

ONE = Decimal(1)


def fx_rate_on(currency: str, day: datetime.date) -> Decimal | None:
    """Yuan for one unit of `currency`: the latest rate dated on or before `day`,
    or None when there is none."""
    currency = currency.upper()
    if currency == BASE_CURRENCY:
        return ONE
    return (
        FxRate.objects.filter(currency=currency, date__lte=day)
        .order_by("-date")
        .values_list("rate_to_cny", flat=True)
        .first()
    )


def _latest_rates(day: datetime.date | None = None) -> QuerySet[FxRate]:
    """The newest row per currency (on or before `day` when given), in one query:
    a correlated subquery works the same on SQLite and PostgreSQL and uses the
    (currency, date) unique index."""
    newer = FxRate.objects.filter(currency=OuterRef("currency"))
    rows = FxRate.objects.all()
    if day is not None:
        newer = newer.filter(date__lte=day)
        rows = rows.filter(date__lte=day)
    return rows.filter(date=Subquery(newer.order_by("-date").values("date")[:1]))


def fx_table_on(day: datetime.date) -> dict[str, Decimal]:
    """Every currency's rate to CNY on `day` (latest on or before it), in one
    query, for callers that convert many prices; CNY is always included."""
    table = dict(_latest_rates(day).values_list("currency", "rate_to_cny"))
    table[BASE_CURRENCY] = ONE
    return table


def fx_convert(
    amount: Decimal,
    from_currency: str,
    to_currency: str,
    day: datetime.date,
    *,
    rates: Mapping[str, Decimal] | None = None,
) -> Decimal | None:
    """`amount` in `from_currency` expressed in `to_currency` at the rates of
    `day`, through CNY; None when either rate is missing. Pass `rates` (from
    `fx_table_on`) to convert many amounts without a query each. The result is
    not rounded: callers round for display, comparisons want full precision."""
    from_currency, to_currency = from_currency.upper(), to_currency.upper()
    if from_currency == to_currency:
        return Decimal(amount)
    if rates is None:
        rate_from, rate_to = fx_rate_on(from_currency, day), fx_rate_on(to_currency, day)
    else:
        rate_from = ONE if from_currency == BASE_CURRENCY else rates.get(from_currency)
        rate_to = ONE if to_currency == BASE_CURRENCY else rates.get(to_currency)
    if rate_from is None or rate_to is None:
        return None
    return convert(Decimal(amount), rate_from, rate_to)


@dataclass(frozen=True)
class LatestFxRate:
    """One currency's newest rate for the organisers' overview (rate is None
    when the currency has never had one)."""

    currency: str
    rate: FxRate | None

    @property
    def units_per_cny(self) -> Decimal | None:
        # Organisers read weak currencies as "1 CNY = 140,000 IRR" more easily
        # than as 0.0000071 CNY per rial.
        if self.rate is None:
            return None
        return (ONE / self.rate.rate_to_cny).quantize(Decimal("0.0001"))


def fx_latest_rates() -> list[LatestFxRate]:
    """The newest rate of every quoted currency, CNY first, in the order of
    `choices.CURRENCIES`; one query."""
    latest = {rate.currency: rate for rate in _latest_rates()}
    return [LatestFxRate(currency=code, rate=latest.get(code)) for code in CURRENCIES]


def fx_rate_history() -> QuerySet[FxRate]:
    """Every stored rate, newest first."""
    return FxRate.objects.order_by("-date", "currency")


class RateBook:
    """Every stored rate of some currencies, answering "yuan per unit on this
    day" for many days without a query each: reports convert each deal at the
    rate of the day it was signed, not at today's."""

    def __init__(self, rows: Iterable[tuple[str, datetime.date, Decimal]]) -> None:
        by_currency: dict[str, list[tuple[datetime.date, Decimal]]] = {}
        for currency, day, rate in rows:
            by_currency.setdefault(currency.upper(), []).append((day, rate))
        self._days: dict[str, list[datetime.date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, pairs in by_currency.items():
            pairs.sort()
            self._days[currency] = [day for day, _rate in pairs]
            self._rates[currency] = [rate for _day, rate in pairs]

    def rate_on(self, currency: str, day: datetime.date) -> Decimal | None:
        """Yuan for one unit of `currency`: the latest rate dated on or before
        `day`, as `fx_rate_on` answers it; None when there is none."""
        currency = currency.upper()
        if currency == BASE_CURRENCY:
            return ONE
        days = self._days.get(currency)
        if not days:
            return None
        index = bisect.bisect_right(days, day)
        return self._rates[currency][index - 1] if index else None


def fx_rate_book(currencies: Iterable[str]) -> RateBook:
    """A `RateBook` of the given currencies and the US dollar, in one query."""
    wanted = {code.upper() for code in currencies} | {"USD"}
    return RateBook(FxRate.objects.filter(currency__in=wanted).values_list("currency", "date", "rate_to_cny"))
