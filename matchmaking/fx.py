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

from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast, overload

if TYPE_CHECKING:
    from decimal import Decimal

    import numpy as np

BASE_CURRENCY = "CNY"

Amount = TypeVar("Amount")
# A Decimal rate goes with Decimal amounts, a float one (NumPy's too) with float
# amounts or arrays of them, and an array of rates with an array of amounts.
Rate: TypeAlias = "Decimal | float | np.ndarray[Any, Any]"


@overload
def convert(amount: Amount, rate_from: None, rate_to: Rate | None = None) -> None: ...
@overload
def convert(amount: Amount, rate_from: Rate, rate_to: Rate | None = None) -> Amount: ...
@overload
def convert(amount: Amount, rate_from: Rate | None, rate_to: Rate | None = None) -> Amount | None: ...
def convert(amount: Amount, rate_from: Any, rate_to: Any = None) -> Amount | None:
    """`amount` in a currency worth `rate_from` yuan, expressed in one worth
    `rate_to` yuan (in yuan when `rate_to` is omitted); None when a rate is
    missing. Not rounded: callers round for display, comparisons want full
    precision."""
    if rate_from is None:
        return None
    value = amount * rate_from
    if rate_to is not None:
        value = value / rate_to
    # For the pairings above the result has the amount's type, which mypy
    # cannot follow through arithmetic on a TypeVar.
    return cast(Amount, value)
