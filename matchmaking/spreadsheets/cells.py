"""Reading one cell of an import file into a value, and writing a value back
in the import format (DESIGN.md §5): codes in any case, lists separated by ;,
dates as YYYY-MM or YYYY-MM-DD, decimals with a point. Text that a
spreadsheet would run as a formula is refused, unless the export's apostrophe
marks it as text."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django_countries import countries

from matchmaking.spreadsheets.files import Cell, unquote_text


class CellError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run as a formula: = or @ first, or + or -
    followed by anything but a plain number (so -5, 12.5 and +86 28 8888 stay
    text, while -2+3+cmd|' /C calc'!A0, the classic payload, does not)."""
    if not text:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and not _SIGNED_NUMBER.fullmatch(text)


def as_text(value: Cell) -> str:
    if isinstance(value, str):
        text = value.strip()
        if "\x00" in text:
            raise CellError(_("The cell contains a NUL character; remove it."))
        # CarBridge's own exports put an apostrophe before text such as
        # "=CD-1" so no spreadsheet runs it; read back, it is that text again,
        # so re-importing an export updates the same lot or need.
        text, quoted = unquote_text(text)
        if quoted:
            return text
        if looks_like_formula(text):
            raise CellError(
                _(
                    "“%(value)s” looks like a spreadsheet formula; formulas are not accepted. "
                    "Type the value itself."
                )
                % {"value": text[:40]}
            )
        return text
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", text).casefold()


_SIGNED_NUMBER = re.compile(r"[+-][\d\s().,/-]*")
_LIST_SEPARATORS = re.compile(r"[;,，；]")
_INTEGER = re.compile(r"^[+-]?\d{1,15}(\.0*)?$")
_DECIMAL = re.compile(r"^[+-]?(\d{1,15}(\.\d{0,8})?|\.\d{1,8})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"yes", "true", "1"}
_FALSE = {"no", "false", "0"}


def parse_text(value: Cell) -> str:
    return as_text(value)


def parse_vin(value: Cell) -> str:
    return as_text(value).upper()


def code_parser(choices: type[Enum] | Sequence[str], what: Promise) -> Callable[[Cell], str]:
    codes = [str(member.value) for member in choices] if isinstance(choices, type) else list(choices)
    by_key = {_key(code): code for code in codes}
    exact = {code: code for code in codes}

    def parse(value: Cell) -> str:
        text = as_text(value)
        code = exact.get(text) or by_key.get(_key(text))
        if code is None:
            raise CellError(
                _("“%(value)s” is not a known %(what)s. Use one of: %(codes)s.")
                % {"value": text[:40], "what": what, "codes": ", ".join(codes)}
            )
        return code

    return parse


def _split(value: Cell) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(as_text(value)) if part.strip()]


def codes_parser(choices: type[Enum], what: Promise) -> Callable[[Cell], list[str]]:
    codes = [str(member.value) for member in choices]
    by_key = {_key(code): code for code in codes}
    exact = {code: code for code in codes}

    def parse(value: Cell) -> list[str]:
        found: list[str] = []
        unknown: list[str] = []
        for part in _split(value):
            code = exact.get(part) or by_key.get(_key(part))
            if code is None:
                unknown.append(part[:40])
            elif code not in found:
                found.append(code)
        if unknown:
            raise CellError(
                _("Unknown %(what)s: %(values)s. Use codes from: %(codes)s, separated by ;")
                % {"what": what, "values": ", ".join(unknown), "codes": ", ".join(codes)}
            )
        return found

    return parse


def parse_names(value: Cell) -> list[str]:
    """Names separated by ; (commas are taken too, as in the web form), one
    spelling per name in the order given."""
    seen: dict[str, str] = {}
    for part in _split(value):
        if looks_like_formula(part):
            raise CellError(
                _("“%(value)s” looks like a spreadsheet formula; formulas are not accepted.")
                % {"value": part[:40]}
            )
        if len(part) > 64:
            raise CellError(
                _("Each name has at most %(max)s characters: %(name)s.") % {"max": 64, "name": part}
            )
        seen.setdefault(part.casefold(), part)
    return list(seen.values())


def parse_integer(value: Cell) -> int:
    if isinstance(value, bool):
        raise CellError(_("Expected a whole number, not TRUE or FALSE."))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return int(value)
        raise CellError(_("Expected a whole number, e.g. 12000."))
    text = as_text(value)
    if _INTEGER.match(text):
        return int(text.split(".")[0])
    if re.fullmatch(r"[+-]?\d{16,}", text):
        raise CellError(_("The number %(value)s… is far too large.") % {"value": text[:16]})
    raise CellError(
        _("Expected a whole number without separators, e.g. 12000; got “%(value)s”.") % {"value": text[:40]}
    )


def parse_decimal(value: Cell) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("Expected a number, not TRUE or FALSE."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= 1e15:
            raise CellError(_("Expected a number such as 16500.50."))
        # Spreadsheet arithmetic leaves binary noise (0.1 + 0.2); cents matter, not that.
        return Decimal(repr(round(value, 6))).normalize()
    if isinstance(value, Decimal):
        return value
    text = as_text(value)
    if _DECIMAL.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            pass
    if "," in text:
        raise CellError(
            _(
                "Write numbers with a point for decimals and no thousands separators, "
                "e.g. 16500.50; got “%(value)s”."
            )
            % {"value": text[:40]}
        )
    raise CellError(_("Expected a number such as 16500.50; got “%(value)s”.") % {"value": text[:40]})


def parse_month(value: Cell) -> datetime.date:
    if isinstance(value, datetime.datetime | datetime.date):
        return datetime.date(value.year, value.month, 1)
    text = as_text(value)
    match = _MONTH.match(text)
    if match and 1 <= int(match.group(2)) <= 12:
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)
    raise CellError(
        _("Expected a year and month as YYYY-MM, e.g. 2023-05; got “%(value)s”.") % {"value": text[:40]}
    )


def parse_day(value: Cell) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = as_text(value)
    if _DAY.match(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CellError(_("“%(value)s” is not a date of the calendar.") % {"value": text}) from None
    raise CellError(
        _("Expected a date as YYYY-MM-DD, e.g. 2027-03-31; got “%(value)s”.") % {"value": text[:40]}
    )


def parse_boolean(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = as_text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("Expected yes or no (or true/false, 1/0); got “%(value)s”.") % {"value": text[:40]})


@cache
def _country_codes() -> frozenset[str]:

    return frozenset(country.code for country in countries)


def parse_country(value: Cell) -> str:
    code = as_text(value).upper()
    if code not in _country_codes():
        raise CellError(
            _("“%(value)s” is not a two-letter ISO 3166 country code such as KZ, RU or NG.")
            % {"value": code[:40]}
        )
    return code


# What goes back out: the import format, so an export imports unchanged.


def export_text(value: Any) -> Cell:
    return value or ""


def export_list(value: Any) -> Cell:
    return ";".join(value or [])


def export_number(value: int | float | Decimal | None) -> Cell:
    return value


def export_month(value: Any) -> Cell:
    return value.strftime("%Y-%m") if value else ""


def export_day(value: Any) -> Cell:
    return value.isoformat() if value else ""


def export_boolean(value: Any) -> Cell:
    return "yes" if value else "no"


def export_country(value: Any) -> Cell:
    return getattr(value, "code", value) or ""
