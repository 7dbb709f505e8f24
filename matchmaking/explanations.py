"""Matches and "why nothing matched" in plain, translated words.

The engine stores codes, never sentences: a match's explanation is a list of
`{"factor", "points", "reason", "params"}` and a need's `match_diagnosis` is
`{"reason", "params"}`. The sentences live here, so they follow the reader's
language and can be reworded without rerunning matching. To support a new
code, add one entry to `REASONS` (a factor of a match) or `DIAGNOSES` (why a
need has no match). Codes nobody has worded yet still render: a factor as its
label and points, a diagnosis as a general sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

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


class Diagnosis(NamedTuple):
    """How to word one reason a need found no lot: the sentence for the buyer
    (with the need's params), a short label for organisers' totals (no
    params), and what the buyer can do about it."""

    sentence: Promise
    summary: Promise
    advice: Promise


DIAGNOSES: dict[str, Diagnosis] = {
    "rule_used_banned": Diagnosis(
        gettext_lazy("%(country)s bans used-vehicle imports"),
        gettext_lazy("The destination bans used-vehicle imports"),
        gettext_lazy("No exporter can ship used vehicles there; consider another destination."),
    ),
    "rule_fuel_banned": Diagnosis(
        gettext_lazy("%(country)s bans imports of %(fuel)s vehicles"),
        gettext_lazy("The destination bans the fuel types wanted"),
        gettext_lazy("Choose other fuel types."),
    ),
    "steering_unavailable": Diagnosis(
        gettext_lazy("No available lot has the steering %(country)s requires (%(steering)s)"),
        gettext_lazy("No lot with the steering required"),
        gettext_lazy(
            "Few Chinese lots are right-hand drive; ask exporters at the fair for right-hand-drive stock."
        ),
    ),
    "rule_max_age": Diagnosis(
        gettext_lazy(
            "%(country)s admits vehicles at most %(max_age)s years old, and every suitable lot is older"
        ),
        gettext_lazy("Every lot is too old for the destination"),
        gettext_lazy("Look for newer model years."),
    ),
    "rule_min_emission": Diagnosis(
        gettext_lazy(
            "%(country)s requires emission standard %(standard)s or better, and no suitable lot meets it"
        ),
        gettext_lazy("No lot meets the destination's emission standard"),
        gettext_lazy("Look for newer vehicles or electric ones."),
    ),
    "rule_max_engine_cc": Diagnosis(
        gettext_lazy("%(country)s admits engines up to %(max_cc)s cc, and every suitable lot's is larger"),
        gettext_lazy("Engines too large for the destination"),
        gettext_lazy("Look for smaller engines or electric vehicles."),
    ),
    "rule_max_mileage": Diagnosis(
        gettext_lazy("%(country)s admits at most %(max_km)s km, and every suitable lot has more"),
        gettext_lazy("Mileage too high for the destination"),
        gettext_lazy("Look for vehicles with fewer kilometres."),
    ),
    "no_lot_of_kind": Diagnosis(
        gettext_lazy("No available lot is of the makes, models, body and fuel types you want"),
        gettext_lazy("No lot of the kind wanted"),
        gettext_lazy("Accept more makes, models, body or fuel types, or leave them open."),
    ),
    "no_lot_in_year_range": Diagnosis(
        gettext_lazy("No suitable lot is within the model years %(year_min)s to %(year_max)s"),
        gettext_lazy("No lot within the model years wanted"),
        gettext_lazy("Widen the model years."),
    ),
    "over_mileage": Diagnosis(
        gettext_lazy("Every suitable lot has more than %(max_km)s km"),
        gettext_lazy("Mileage above the buyer's limit"),
        gettext_lazy("Raise the maximum mileage."),
    ),
    "battery_soh_below": Diagnosis(
        gettext_lazy("Every suitable lot's battery is below %(min_pct)s%% state of health"),
        gettext_lazy("Battery health below the buyer's minimum"),
        gettext_lazy("Lower the minimum battery state of health."),
    ),
    "over_budget": Diagnosis(
        gettext_lazy(
            "No lot under your budget: the cheapest compliant lot is %(pct)s%% above "
            "(%(cheapest)s %(currency)s)"
        ),
        gettext_lazy("Budget below every compliant lot"),
        gettext_lazy("Raise your maximum unit price, or accept older vehicles or more mileage."),
    ),
    "no_fx_rate": Diagnosis(
        gettext_lazy("There is no exchange rate for %(currency)s yet, so prices cannot be compared"),
        gettext_lazy("Need priced in a currency without an FX rate"),
        gettext_lazy("Ask the organisers to add the rate, or choose another currency."),
    ),
    "lot_fx_missing": Diagnosis(
        gettext_lazy("The suitable lots are priced in currencies without an exchange rate (%(currencies)s)"),
        gettext_lazy("Lots priced in currencies without an FX rate"),
        gettext_lazy("Ask the organisers to add the missing exchange rates."),
    ),
    "need_closed": Diagnosis(
        gettext_lazy("This need is closed"),
        gettext_lazy("Need closed"),
        gettext_lazy("Reopen the need to receive proposals again."),
    ),
    "lot_unavailable": Diagnosis(
        gettext_lazy("The lot is no longer available"),
        gettext_lazy("Lot no longer available"),
        gettext_lazy("Look at the other proposals for this need."),
    ),
}

_UNKNOWN_DIAGNOSIS = Diagnosis(
    gettext_lazy("No available lot meets this need"),
    gettext_lazy("Other reasons"),
    gettext_lazy("Widen what you accept, or check back after exporters list more lots."),
)


def _label(choices: type, code: Any) -> str:
    return str(dict(choices.choices).get(code, code))


def _country(code: Any) -> str:
    return str(countries.name(str(code).upper()) or code)


def _number(value: Any) -> str:
    # Percentages and years read better whole; the engine may send floats.
    if isinstance(value, float):
        value = round(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    return str(value)


def _auto(value: Any) -> str:
    """Quantities are numbers, shipping modes are codes: the same param names
    carry both (offered/wanted)."""
    if isinstance(value, str) and value in ShippingMode.values:
        return _label(ShippingMode, value)
    return _number(value)


_PARAM_FORMATS: dict[str, Callable[[Any], str]] = {
    "country": _country,
    "fuel": lambda code: _label(FuelType, code),
    "mode": lambda code: _label(ShippingMode, code),
    "standard": lambda code: _label(EmissionStandard, code),
    "steering": lambda code: _label(Steering, code),
    "pct": lambda value: _number(abs(value)) if isinstance(value, (int, float)) else str(value),
    "years": _number,
    "km": _number,
    "deals": _number,
    "limit_km": _number,
    "max_km": _number,
    "max_cc": _number,
    "price": _number,
    "max_price": _number,
    "cheapest": _number,
    "offered": _auto,
    "wanted": _auto,
}


def _formatted(params: Mapping[str, Any] | None) -> dict[str, str]:
    formatted = {}
    for name, value in (params or {}).items():
        if isinstance(value, (list, tuple)):
            formatted[name] = ", ".join(_PARAM_FORMATS.get(name, str)(item) for item in value)
        else:
            formatted[name] = _PARAM_FORMATS.get(name, str)(value)
    return formatted


def _fill(template: Promise, params: Mapping[str, Any] | None) -> str | None:
    """The template with its params, or None when the engine sent other params
    than the wording expects."""
    try:
        return str(template) % _formatted(params)
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ExplanationLine:
    factor: str
    label: str
    points: float
    text: str


def explain_factor(item: Mapping[str, Any]) -> ExplanationLine:
    factor = str(item.get("factor") or "")
    label = str(FACTOR_LABELS.get(factor, factor.replace("_", " ").capitalize() or _("Other")))
    try:
        points = float(item.get("points") or 0)
    except (TypeError, ValueError):
        points = 0.0
    template = REASONS.get(str(item.get("reason") or ""))
    reason = _fill(template, item.get("params")) if template is not None else None
    if reason is None:
        text = _("%(factor)s: %(points)s points") % {
            "factor": label,
            "points": number_format(points, decimal_pos=1),
        }
    else:
        text = _("%(factor)s: %(reason)s") % {"factor": label, "reason": reason}
    return ExplanationLine(factor=factor, label=label, points=points, text=text)


def explain_match(explanation: Iterable[Mapping[str, Any]] | None) -> list[ExplanationLine]:
    """A match's factors as sentences, those that scored most first."""
    lines = [explain_factor(item) for item in explanation or [] if isinstance(item, Mapping)]
    return sorted(lines, key=lambda line: -line.points)


@dataclass(frozen=True)
class DiagnosisText:
    reason: str
    sentence: str
    advice: str


def _diagnosis_for(reason: str) -> Diagnosis:
    return DIAGNOSES.get(reason, _UNKNOWN_DIAGNOSIS)


def explain_diagnosis(diagnosis: Mapping[str, Any] | None) -> DiagnosisText | None:
    """Why a need found no lot, with the rule's source where one applies; None
    when matching left no diagnosis."""
    if not diagnosis or not diagnosis.get("reason"):
        return None
    reason = str(diagnosis["reason"])
    params = diagnosis.get("params") or {}
    wording = _diagnosis_for(reason)
    sentence = _fill(wording.sentence, params) or str(_UNKNOWN_DIAGNOSIS.sentence)
    if params.get("source"):
        sentence = _("%(sentence)s (source: %(source)s)") % {"sentence": sentence, "source": params["source"]}
    return DiagnosisText(reason=reason, sentence=sentence, advice=str(wording.advice))


def diagnosis_summary(reason: str) -> str:
    """A reason as organisers see it in totals over many needs."""
    return str(_diagnosis_for(reason).summary)
