"""The organisers' dashboard's own template helper; money and the compact
headline figure are core.formats' filters (`{% load formats %}`)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def remainder_pct(value: float) -> float:
    """The rest of a donut: 100 − value."""
    return round(100.0 - float(value or 0), 1)
