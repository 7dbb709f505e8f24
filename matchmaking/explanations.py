"""Matches in plain, translated words (why nothing matched: `diagnoses`).

The engine stores codes, never sentences: a match's explanation is a list of
`{"factor", "points", "reason", "params"}`. The sentences live here, so they
follow the reader's language and can be reworded without rerunning matching.
To support a new code, add one entry to `REASONS`. Codes nobody has worded yet
still render, as the factor's label and points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from core import formats
from matchmaking.choices import EmissionStandard, FuelType, ShippingMode, Steering

FACTOR_LABELS: dict[str, Promise] = {
    "price": gettext_lazy("Price"),
    "age": gettext_lazy("Age"),
    "mileage": gettext_lazy("Mileage"),
    "quantity": gettext_lazy("Quantity"),
    "model": gettext_lazy("Model"),
    "logistics": gettext_lazy("Logistics"),
    "exporter": gettext_lazy("Exporter"),
}

# One factor of a match's score, by the engine's reason codes (documented in
# matchmaking/engine/scoring.py); %(name)s placeholders are the factor's params.
REASONS: dict[str, Promise] = {
    "under_budget": gettext_lazy("%(pct)s%% under budget (%(price)s %(currency)s for up to %(max_price)s)"),
    "over_budget": gettext_lazy("%(pct)s%% over budget (%(price)s %(currency)s), within the 10%% allowance"),
    "age_years": gettext_lazy("%(years)s years old (model year %(model_year)s)"),
    "mileage_within_limit": gettext_lazy("%(km)s km, within the %(limit_km)s km asked for"),
    "mileage": gettext_lazy("%(km)s km on the odometer"),
    "covers_quantity": gettext_lazy("%(offered)s available, enough for the %(wanted)s wanted"),
    "partial_split": gettext_lazy("%(offered)s of the %(wanted)s wanted; other lots can make up the rest"),
    "partial_no_split": gettext_lazy(
        "only %(offered)s of the %(wanted)s wanted, and the order may not be split"
    ),
    "exact_model": gettext_lazy("exactly the model wanted (%(model)s)"),
    "make_match": gettext_lazy("a %(make)s, a make the buyer asked for"),
    "open_request": gettext_lazy("the buyer accepts any make"),
    "mode_match": gettext_lazy("%(mode)s from %(from)s, as wanted"),
    "mode_mismatch": gettext_lazy("ships by %(offered)s from %(from)s; the buyer prefers %(wanted)s"),
    "mode_unknown": gettext_lazy("shipping mode not given (from %(from)s); the buyer prefers %(wanted)s"),
    "any_mode": gettext_lazy("%(offered)s from %(from)s; the buyer has no preference"),
    "verified": gettext_lazy("verified exporter"),
    "unverified": gettext_lazy("exporter not verified yet"),
}


def choice_label(choices: type[models.Choices], code: Any) -> str:
    return str(dict(choices.choices).get(code, code))


def _country(code: Any) -> str:
    return str(countries.name(str(code).upper()) or code)


def format_number(value: Any) -> str:
    # Percentages and years read better whole; the engine may send floats.
    if isinstance(value, float):
        value = round(value)
    if isinstance(value, int):
        return formats.number_text(value)
    return str(value)


def _auto(value: Any) -> str:
    """Quantities are numbers, shipping modes are codes: the same param names
    carry both (offered/wanted)."""
    if isinstance(value, str) and value in ShippingMode.values:
        return choice_label(ShippingMode, value)
    return format_number(value)


_PARAM_FORMATS: dict[str, Callable[[Any], str]] = {
    "country": _country,
    "fuel": lambda code: choice_label(FuelType, code),
    "mode": lambda code: choice_label(ShippingMode, code),
    "standard": lambda code: choice_label(EmissionStandard, code),
    "steering": lambda code: choice_label(Steering, code),
    "pct": lambda value: format_number(abs(value)) if isinstance(value, (int, float)) else str(value),
    "years": format_number,
    "km": format_number,
    "deals": format_number,
    "limit_km": format_number,
    "max_km": format_number,
    "max_cc": format_number,
    "price": format_number,
    "max_price": format_number,
    "cheapest": format_number,
    "offered": _auto,
    "wanted": _auto,
}


def formatted_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    formatted = {}
    for name, value in (params or {}).items():
        if isinstance(value, (list, tuple)):
            formatted[name] = ", ".join(_PARAM_FORMATS.get(name, str)(item) for item in value)
        else:
            formatted[name] = _PARAM_FORMATS.get(name, str)(value)
    return formatted


def fill_params(template: Promise, params: Mapping[str, Any] | None) -> str | None:
    """The template with its params, or None when the engine sent other params
    than the wording expects."""
    try:
        return str(template) % formatted_params(params)
    except (KeyError, TypeError, ValueError):
        return None


# A lot priced below the need's incoterm: how its price was brought up to it
# (engine.delivery), or which rate was missing.
COSTS: dict[str, Promise] = {
    "haulage": gettext_lazy("inland haulage"),
    "insurance": gettext_lazy("insurance"),
}
MISSING_RATES: dict[str, Promise] = {
    "haulage": gettext_lazy("no inland haulage rate to the loading point: compared on %(term)s"),
    "freight": gettext_lazy("freight to %(place)s unknown: compared on %(term)s"),
    "insurance": gettext_lazy("no insurance rate for %(place)s: compared on %(term)s"),
}


def _place(value: Any) -> str:
    text = str(value or "")
    return _country(text) if len(text) == 2 and text.isupper() else text


def delivery_detail(params: Mapping[str, Any] | None) -> str:
    """ "CFR Lagos ≈ 9,850 USD = FOB 8,200 + RoRo 1,650 (indicative)", or why
    the price could not be brought to the buyer's incoterm; "" when the lot
    was priced on it already."""
    params = params or {}
    if not params.get("stated_incoterm"):
        return ""
    term, place = str(params.get("incoterm", "")), _place(params.get("place"))
    missing = str(params.get("missing") or "")
    if missing in MISSING_RATES and not params.get("costs"):
        return str(MISSING_RATES[missing]) % {"term": term, "place": formats.isolate(place)}
    parts = [f"{params['stated_incoterm']} {format_number(params.get('stated_price'))}"]
    for kind, mode, amount in params.get("costs") or []:
        label = choice_label(ShippingMode, mode) if kind == "freight" else str(COSTS.get(kind, kind))
        parts.append(f"{label} {format_number(amount)}")
    # Each part keeps its own direction inside a right-to-left sentence.
    text = _("%(term)s %(place)s ≈ %(price)s %(currency)s = %(sum)s") % {
        "term": term,
        "place": formats.isolate(place),
        "price": format_number(params.get("price")),
        "currency": params.get("currency", ""),
        "sum": formats.isolate(" + ".join(parts)),
    }
    if missing in MISSING_RATES:
        text += "; " + str(MISSING_RATES[missing]) % {"term": term, "place": formats.isolate(place)}
    if params.get("indicative"):
        text += " " + _("(indicative)")
    return text


@dataclass(frozen=True)
class ExplanationLine:
    factor: str
    label: str
    points: float
    text: str
    detail: str = ""


def explain_factor(item: Mapping[str, Any]) -> ExplanationLine:
    factor = str(item.get("factor") or "")
    label = str(FACTOR_LABELS.get(factor, factor.replace("_", " ").capitalize() or _("Other")))
    try:
        points = float(item.get("points") or 0)
    except (TypeError, ValueError):
        points = 0.0
    template = REASONS.get(str(item.get("reason") or ""))
    reason = fill_params(template, item.get("params")) if template is not None else None
    if reason is None:
        text = _("%(factor)s: %(points)s points") % {
            "factor": label,
            "points": formats.number_text(points, decimals=1),
        }
    else:
        text = _("%(factor)s: %(reason)s") % {"factor": label, "reason": reason}
    detail = delivery_detail(item.get("params")) if factor == "price" else ""
    return ExplanationLine(factor=factor, label=label, points=points, text=text, detail=detail)


def explain_match(explanation: Iterable[Mapping[str, Any]] | None) -> list[ExplanationLine]:
    """A match's factors as sentences, those that scored most first."""
    lines = [explain_factor(item) for item in explanation or [] if isinstance(item, Mapping)]
    return sorted(lines, key=lambda line: -line.points)


@dataclass(frozen=True)
class DeliveredPrice:
    """A lot's price brought to the buyer's incoterm, as a card shows it."""

    price: Decimal
    currency: str
    incoterm: str
    place: str
    indicative: bool
    complete: bool  # False: a rate was missing, so it is compared on a lower term


def delivered_price(explanation: Iterable[Mapping[str, Any]] | None) -> DeliveredPrice | None:
    """From a match's explanation, the lot's price delivered to the need's
    incoterm; None when the lot was priced on it already (or the explanation
    predates delivered prices)."""
    for item in explanation or []:
        if not isinstance(item, Mapping) or item.get("factor") != "price":
            continue
        params = item.get("params") or {}
        if not params.get("stated_incoterm") or not params.get("costs"):
            return None
        return DeliveredPrice(
            price=Decimal(round(float(params.get("price") or 0))),  # an estimate: whole units
            currency=str(params.get("currency", "")),
            incoterm=str(params.get("incoterm", "")),
            place=_place(params.get("place")),
            indicative=bool(params.get("indicative")),
            complete=not params.get("missing"),
        )
    return None
