"""Money as organisers read it: whole units in the language's own currency
pattern (core.formats), and the compact headline form (亿/万 in Chinese,
"1.02B" otherwise)."""

from __future__ import annotations

from django import template

from core import formats

register = template.Library()


@register.filter
def money(value: formats.Number | None, currency: str = "") -> str:
    """1234567.891, "CNY" → "CN¥1,234,568" (en), "¥1,234,568" (zh)."""
    return formats.money(value, currency)


@register.filter
def amount(value: formats.Number | None, currency: str = "") -> str:
    """A price with its cents, grouped: 15000 → "15,000.00"."""
    return formats.money(value, currency, decimals=2)


@register.filter
def compact_money(value: formats.Number | None, currency: str = "CNY") -> str:
    """The headline figure: "CN¥1.02B", "¥10.2亿", "1,02 млрд CN¥"."""
    return formats.compact_money(value, currency)


@register.filter
def remainder_pct(value: float) -> float:
    """The rest of a donut: 100 − value."""
    return round(100.0 - float(value or 0), 1)
