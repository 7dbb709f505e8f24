"""One way to show a date, a time, money and an exchange rate, per language.

CLDR's patterns (through Babel) rather than Django's per-language format
strings: those differ page to page ("12/02/2026", "Dec. 2, 2026") and some
read oddly ("星期四 10 十二月", "2:42 p.m.."). Every template filter and every
email or calendar text goes through these functions. Digits stay Latin in
every language, as trade documents (and VINs and lot references) write them.
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time, get_datetime_format
from babel.numbers import format_compact_currency, format_currency, format_decimal, get_currency_symbol
from django.utils import timezone
from django.utils.translation import get_language, to_locale

Number = Decimal | int | float


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of a Django language code ("zh-hans" → zh_Hans), by
    default the active language's."""
    return _locale(language or get_language() or "en")


@cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _local_datetime(value: datetime.datetime) -> datetime.datetime:
    # Aware datetimes show in the current time zone: pages about an event set
    # it to the event's ({% timezone event.time_zone %}), emails likewise.
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _local(value: datetime.datetime | datetime.date) -> datetime.datetime | datetime.date:
    """A date as it is; a datetime in the current time zone."""
    return _local_datetime(value) if isinstance(value, datetime.datetime) else value


def day(value: datetime.date | None, language: str | None = None) -> str:
    """2 Dec 2026 as the language writes it: "Dec 2, 2026", "2026年12月2日"."""
    if value is None:
        return ""
    return format_skeleton("yMMMd", _local(value), locale=babel_locale(language))


def month(value: datetime.date | None, language: str | None = None) -> str:
    """A month of a year: "Mar 2019", "2019年3月"."""
    if value is None:
        return ""
    return format_skeleton("yMMM", _local(value), locale=babel_locale(language))


def moment(value: datetime.datetime | None, language: str | None = None) -> str:
    """A time always with its date (and weekday): "Wed, Dec 2, 2026, 2:42 PM"."""
    if value is None:
        return ""
    locale = babel_locale(language)
    local = _local_datetime(value)
    return (
        str(get_datetime_format("medium", locale=locale))
        .replace("{1}", format_skeleton("yMMMEd", local, locale=locale))
        .replace("{0}", format_time(local, "short", locale=locale))
    )


def span(start: datetime.datetime | None, end: datetime.datetime | None, language: str | None = None) -> str:
    """A slot: its date once and both times, where the language puts the
    time: "Wed, Dec 2, 2026, 2:00 PM – 2:30 PM", "14:00 – 14:30 Thứ 4, 2 thg 12, 2026"."""
    if start is None:
        return ""
    if end is None:
        return moment(start, language)
    locale = babel_locale(language)
    local_start, local_end = _local_datetime(start), _local_datetime(end)
    times = " – ".join(format_time(at, "short", locale=locale) for at in (local_start, local_end))
    return (
        str(get_datetime_format("medium", locale=locale))
        .replace("{1}", format_skeleton("yMMMEd", local_start, locale=locale))
        .replace("{0}", times)
    )


def _currency_pattern(locale: Locale, currency: str, decimals: int) -> str:
    # The language's own currency pattern (symbol before or after, spacing),
    # with as many decimals as asked: vehicle prices read in whole units.
    pattern: str = locale.currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace(".00", "." + "0" * decimals if decimals else "")
    if get_currency_symbol(currency, locale=locale).isalpha():
        # A code ("KZT") needs a space where a symbol ("$") sits close.
        pattern = re.sub(r"¤(?=[#0])", "¤\xa0", pattern)
        pattern = re.sub(r"(?<=[#0])¤", "\xa0¤", pattern)
    return pattern


def _rounded(value: Number | None, decimals: int) -> Decimal:
    return Decimal(value or 0).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def money(value: Number | None, currency: str = "", language: str | None = None, decimals: int = 0) -> str:
    """1234567.891 CNY → "CN¥1,234,568" (en), "¥1,234,568" (zh), "1 234 568 CN¥" (ru)."""
    number = _rounded(value, decimals)
    locale = babel_locale(language)
    if not currency:
        return number_text(number, language, decimals)
    return format_currency(
        number,
        currency,
        format=_currency_pattern(locale, currency, decimals),
        locale=locale,
        currency_digits=False,
    )


def price(value: Number | None, currency: str = "", language: str | None = None) -> str:
    """A vehicle's price: whole units unless it has cents ("7,230 USD" → "$7,230", 7230.5 → "$7,230.50")."""
    number = Decimal(value or 0)
    return money(number, currency, language, decimals=0 if number == number.to_integral_value() else 2)


def number_text(value: Number | None, language: str | None = None, decimals: int = 0) -> str:
    """A grouped number: 12700 → "12,700", "12 700", "12.700"."""
    number = _rounded(value, decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(number, format=pattern, locale=babel_locale(language))


def share(value: Number | None, language: str | None = None) -> str:
    """A share, score or duration to one decimal, none when whole: 21.5, 10, 21,5 (ru)."""
    number = _rounded(value, 1)
    return format_decimal(number, format="#,##0.#", locale=babel_locale(language))


def rate(value: Number | None, language: str | None = None) -> str:
    """An exchange rate with the digits it has (up to ten): 7.10000000 → "7.1", 0.0000071."""
    if value is None:
        return ""
    return format_decimal(Decimal(value), format="#,##0.##########", locale=babel_locale(language))


def clock(value: datetime.time | None, language: str | None = None) -> str:
    """A time of day under its date's heading (a session's hours): "2:00 PM", "14:00"."""
    if value is None:
        return ""
    return format_time(value, "short", locale=babel_locale(language))


def compact_money(value: Number | None, currency: str = "CNY", language: str | None = None) -> str:
    """A headline figure in the language's own large units: "CN¥1.02B",
    "¥10.2亿", "1,02 млрд CN¥"."""
    return format_compact_currency(
        Decimal(value or 0), currency, locale=babel_locale(language), fraction_digits=2
    )


def isolate(value: object) -> str:
    """Text wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, the
    plain-text <bdi>: a Latin name, VIN or reference in a right-to-left
    sentence keeps its own order and does not reorder its neighbours."""
    text = str(value)
    return f"\u2068{text}\u2069" if text else text
