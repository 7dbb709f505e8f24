"""Converting money between currencies: the one conversion every part of
CarBridge uses (pages, deal totals, the matching engine's price cap).

Every rate is yuan for one unit of a currency, so any two currencies convert
through CNY; the yuan itself is always worth 1. No Django import: the engines
and the deal totals, which import none, use it too. It works on Decimals,
floats and NumPy arrays alike, and does the arithmetic in one fixed order
(amount × rate of the currency it is in ÷ rate of the one it goes to), so every
caller rounds the same way.
"""

from __future__ import annotations

from typing import Any, TypeVar

BASE_CURRENCY = "CNY"

Amount = TypeVar("Amount")


def convert(amount: Amount, rate_from: Any, rate_to: Any = None) -> Amount | None:
    """`amount` in a currency worth `rate_from` yuan, expressed in one worth
    `rate_to` yuan (in yuan when `rate_to` is omitted); None when a rate is
    missing. Not rounded: callers round for display, comparisons want full
    precision."""
    if rate_from is None:
        return None
    in_cny = amount * rate_from
    if rate_to is None:
        return in_cny
    return in_cny / rate_to
