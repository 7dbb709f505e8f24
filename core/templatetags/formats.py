"""Template filters for core.formats: `{% load formats %}` then
`{{ deal.signed_on|day }}`, `{{ run.applied_at|moment }}`,
`{{ slot.starts_at|span:slot.ends_at }}`, `{{ price|money:"USD" }}`,
`{{ fx.rate|rate }}`, `{{ count|number }}`, `{{ total|compact_money:"CNY" }}`."""

from __future__ import annotations

import datetime

from django import template

from core import formats

register = template.Library()


@register.filter
def day(value: datetime.date | None) -> str:
    return formats.day(value)


@register.filter
def month(value: datetime.date | None) -> str:
    return formats.month(value)


@register.filter
def moment(value: datetime.datetime | None) -> str:
    return formats.moment(value)


@register.filter
def span(start: datetime.datetime | None, end: datetime.datetime | None) -> str:
    return formats.span(start, end)


@register.filter
def money(value: formats.Number | None, currency: str = "") -> str:
    return formats.money(value, currency)


@register.filter
def amount(value: formats.Number | None, currency: str = "") -> str:
    """A price with its cents."""
    return formats.money(value, currency, decimals=2)


@register.filter
def compact_money(value: formats.Number | None, currency: str = "CNY") -> str:
    """The headline figure: "CN¥1.02B", "¥10.2亿", "1,02 млрд CN¥"."""
    return formats.compact_money(value, currency)


@register.filter
def price(value: formats.Number | None, currency: str = "") -> str:
    return formats.price(value, currency)


@register.filter
def rate(value: formats.Number | None) -> str:
    return formats.rate(value)


@register.filter
def number(value: formats.Number | None) -> str:
    return formats.number_text(value)


@register.filter
def clock(value: datetime.time | None) -> str:
    """Only under a heading that gives the date."""
    return formats.clock(value)


@register.filter
def isolate(value: object) -> str:
    """A name inside a sentence keeps its own direction: "Co., Ltd." stays
    whole inside Persian or Arabic text (Unicode first-strong isolate)."""
    return formats.isolate(value)


@register.filter
def decimal(value: formats.Number | None) -> str:
    """A share or a score with one decimal, none when whole: 21.5, 10, 21,5 (ru)."""
    return formats.share(value)
