"""Market rules in plain words and FX rates as plain numbers, for templates."""

from __future__ import annotations

from decimal import Decimal

from django import template

from matchmaking.models import MarketRule
from matchmaking.selectors.market_rules import rule_scope, rule_statements

register = template.Library()


@register.filter
def statements(rule: MarketRule) -> list[str]:
    return rule_statements(rule)


@register.filter
def scope(rule: MarketRule) -> str:
    return rule_scope(rule)


@register.filter
def plain_decimal(value: Decimal | None) -> str:
    """A rate without trailing zeros and never in exponent form (10, not 1E+1)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
