"""Money as organisers read it: whole units with grouping, and the compact
headline form (亿/万 in Chinese, billion/million otherwise)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats, numberformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "RUB": "₽"}


def _grouped(number: Decimal, decimal_pos: int) -> str:
    # Django's Chinese format groups by four with no separator; trade
    # documents there group by three with commas, as the figures are read.
    if not formats.get_format("THOUSAND_SEPARATOR"):
        return numberformat.format(
            number, ".", decimal_pos=decimal_pos, grouping=3, thousand_sep=",", force_grouping=True
        )
    return formats.number_format(number, decimal_pos=decimal_pos, use_l10n=True, force_grouping=True)


def _whole(value: Decimal | int | float | None) -> str:
    return _grouped(Decimal(value or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP), 0)


@register.filter
def money(value: Decimal | int | float | None, currency: str = "") -> str:
    """1234567.891, "CNY" → "¥1,234,568"; other currencies get their code."""
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"{symbol}{_whole(value)}"
    return f"{_whole(value)} {currency}".strip()


@register.filter
def amount(value: Decimal | int | float | None) -> str:
    """A price with its cents, grouped: 15000 → "15,000.00"."""
    return _grouped(Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), 2)


@register.filter
def compact_money(value: Decimal | int | float | None, currency: str = "CNY") -> str:
    """The headline figure: "¥1.02 billion", "10.2亿元" in Chinese."""
    number = Decimal(value or 0)
    symbol = SYMBOLS.get(currency, "")
    if (get_language() or "").startswith("zh"):
        for size, unit in ((Decimal(100_000_000), "亿"), (Decimal(10_000), "万")):
            if abs(number) >= size:
                shown = _grouped((number / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), 2)
                return f"{symbol}{shown}{unit}"
        return money(number, currency)
    for size, text in (
        (Decimal(1_000_000_000), _("%(amount)s billion")),
        (Decimal(1_000_000), _("%(amount)s million")),
    ):
        if abs(number) >= size:
            shown = _grouped((number / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), 2)
            return text % {"amount": f"{symbol}{shown}"}
    return money(number, currency)


@register.filter
def remainder_pct(value: float) -> float:
    """The rest of a donut: 100 − value."""
    return round(100.0 - float(value or 0), 1)
