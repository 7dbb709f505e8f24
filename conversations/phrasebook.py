"""The phrasebook: common trade questions and answers a sender picks instead
of writing, each read in the reader's own language.

A phrase is stored as its code and its parameters (`Message.phrase`,
`Message.phrase_params`), never as text: `render` translates it (and formats
its dates and money) in the language active when the page is drawn. The
result is plain text: templates escape it like any other.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import formats
from matchmaking.choices import CURRENCIES

Kind = Literal["text", "count", "date", "price", "currency", "incoterm"]

MAX_TEXT_PARAM_CHARS = 60
MAX_COUNT = 1000
MAX_PRICE = Decimal("1000000000")
INCOTERMS = ("EXW", "FOB", "CFR", "CIF")
# Every parameter a phrase may take, as the thread's form names its fields.
PARAM_KINDS: dict[str, Kind] = {
    "port": "text",
    "n": "count",
    "date": "date",
    "price": "price",
    "currency": "currency",
    "incoterm": "incoterm",
}


@dataclass(frozen=True)
class Phrase:
    code: str
    text: Promise
    params: tuple[str, ...] = ()


PHRASES: dict[str, Phrase] = {
    phrase.code: phrase
    for phrase in (
        Phrase("more_photos", _("Can you send more photos?")),
        # Translators: %(port)s is a port's name as the sender wrote it, e.g. "Lagos".
        Phrase("price_cfr", _("What is the price CFR %(port)s?"), ("port",)),
        # Translators: %(port)s is a port's name as the sender wrote it, e.g. "Lagos".
        Phrase("price_cif", _("What is the price CIF %(port)s?"), ("port",)),
        Phrase("vin_available", _("Is the VIN available?")),
        # Translators: %(n)s is a number of vehicles (1 to 1000); %(date)s a date, e.g. "Dec 2, 2026".
        Phrase("hold_units", _("Can you hold %(n)s units until %(date)s?"), ("n", "date")),
        Phrase("inspection_report", _("Can you send the inspection report?")),
        Phrase("meet_at_fair", _("Can we meet at the fair?")),
        # Translators: a reply in a conversation.
        Phrase("yes", _("Yes")),
        # Translators: a reply in a conversation.
        Phrase("no_sorry", _("No, sorry")),
        Phrase("will_check", _("I will check and come back to you")),
        Phrase(
            "price_is",
            # Translators: %(price)s is a number (e.g. "7,230"), %(currency)s a currency code
            # ("USD"), %(incoterm)s a trade term (EXW, FOB, CFR or CIF).
            _("The price is %(price)s %(currency)s %(incoterm)s per vehicle."),
            ("price", "currency", "incoterm"),
        ),
        # Translators: %(n)s is a number of vehicles.
        Phrase("available_units", _("%(n)s units are available."), ("n",)),
    )
}


def _error(field: str, message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


def _clean(name: str, kind: Kind, value: object) -> object:
    """The JSON value stored for one parameter, or a ValidationError on its field."""
    if kind == "text":
        text = str(value).strip() if isinstance(value, str) else ""
        if not text:
            raise _error(name, gettext("Fill this in for the chosen phrase."), "required")
        if len(text) > MAX_TEXT_PARAM_CHARS:
            raise _error(
                name,
                gettext("At most %(max)s characters; this has %(length)s."),
                "too_long",
                max=MAX_TEXT_PARAM_CHARS,
                length=len(text),
            )
        return text
    if kind == "count":
        try:
            count = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
        except ValueError:
            count = None
        if count is None or not 1 <= count <= MAX_COUNT:
            raise _error(name, gettext("Give a whole number from 1 to %(max)s."), "invalid", max=MAX_COUNT)
        return count
    if kind == "date":
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value)).isoformat() if isinstance(value, str) else None
        except ValueError:
            pass
        raise _error(name, gettext("Give a date as YYYY-MM-DD."), "invalid")
    if kind == "price":
        try:
            amount = Decimal(str(value).strip()) if isinstance(value, str | int | Decimal) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or not 0 < amount < MAX_PRICE:
            raise _error(name, gettext("Give a price above zero."), "invalid")
        return str(amount.quantize(Decimal("0.01")).normalize() if amount % 1 else amount.to_integral_value())
    choices = CURRENCIES if kind == "currency" else INCOTERMS
    if value not in choices:
        raise _error(
            name, gettext("Choose one of %(choices)s."), "invalid_choice", choices=", ".join(choices)
        )
    return value


def validate(code: str, params: Mapping[str, object] | None) -> dict[str, object]:
    """The phrase's parameters checked and ready to store as JSON. Refused
    (naming the field) for an unknown phrase, a missing or bad parameter, or
    one the phrase does not take."""
    phrase = PHRASES.get(code)
    if phrase is None:
        raise _error("phrase", gettext("Choose a phrase from the list."), "invalid_choice")
    given = dict(params or {})
    for name in given:
        if name not in phrase.params:
            raise _error(
                name,
                gettext("The chosen phrase does not take this; leave it empty."),
                "unexpected",
            )
    cleaned: dict[str, object] = {}
    for name in phrase.params:
        if name not in given or given[name] in (None, ""):
            raise _error(name, gettext("Fill this in for the chosen phrase."), "required")
        cleaned[name] = _clean(name, PARAM_KINDS[name], given[name])
    return cleaned


def _shown(name: str, value: object) -> str:
    kind = PARAM_KINDS.get(name)
    if kind == "count":
        return formats.number_text(int(str(value)))
    if kind == "date":
        return formats.day(datetime.date.fromisoformat(str(value)))
    if kind == "price":
        # The number as the reader's language groups it; the currency follows as its code.
        return formats.price(Decimal(str(value)))
    return str(value)


def render(code: str, params: Mapping[str, object] | None) -> str:
    """The phrase in the active language, its parameters formatted for it.
    Plain text, to be escaped where it is shown."""
    phrase = PHRASES.get(code)
    if phrase is None:
        return gettext("(a phrase no longer in the phrasebook)")
    given = params or {}
    try:
        values = {name: _shown(name, given[name]) for name in phrase.params}
    except (KeyError, ValueError, InvalidOperation):
        return gettext("(a phrase no longer in the phrasebook)")
    text = str(phrase.text)  # the lazy gettext, in the active language
    return text % values if phrase.params else text


def _choice_label(phrase: Phrase) -> str:
    text = str(phrase.text)
    return text % {name: "…" for name in phrase.params} if phrase.params else text


choice_label = lazy(_choice_label, str)


def choices() -> list[tuple[str, object]]:
    """The phrase picker's options, each read in the language active when drawn."""
    return [("", _("— Write freely instead —")), *((code, choice_label(p)) for code, p in PHRASES.items())]
