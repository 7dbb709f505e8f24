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

# One factor of a match's score; %(name)s placeholders are the factor's params.
REASONS: dict[str, Promise] = {
    "under_budget": gettext_lazy("%(pct)s%% under budget"),
    "over_budget": gettext_lazy("%(pct)s%% over budget, within the 10%% allowance"),
    "at_budget": gettext_lazy("at budget"),
    "age_years": gettext_lazy("%(years)s years old"),
    "mileage_km": gettext_lazy("%(km)s km on the odometer"),
    "covers_quantity": gettext_lazy("covers %(pct)s%% of the quantity wanted"),
    "exact_model": gettext_lazy("exactly the model wanted"),
    "make_only": gettext_lazy("the make wanted, another model"),
    "mode_match": gettext_lazy("%(mode)s as wanted"),
    "mode_mismatch": gettext_lazy("not shipped the way the buyer prefers"),
    "route_match": gettext_lazy("from %(from)s to %(to)s as wanted"),
    "verified_exporter": gettext_lazy("verified exporter"),
    "deal_history": gettext_lazy("%(deals)s deals recorded"),
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
    "rule_steering": Diagnosis(
        gettext_lazy("%(country)s admits only vehicles with this steering: %(steering)s"),
        gettext_lazy("The destination requires the other steering side"),
        gettext_lazy("Few Chinese lots are right-hand drive; ask exporters at the fair for converted stock."),
    ),
    "rule_age": Diagnosis(
        gettext_lazy("%(country)s admits vehicles at most %(years)s years old"),
        gettext_lazy("Every lot is too old for the destination"),
        gettext_lazy("Look for newer model years."),
    ),
    "rule_emission": Diagnosis(
        gettext_lazy("%(country)s requires emission standard %(standard)s or better"),
        gettext_lazy("No lot meets the destination's emission standard"),
        gettext_lazy("Look for newer vehicles or electric ones."),
    ),
    "rule_fuel_banned": Diagnosis(
        gettext_lazy("%(country)s bans imports of %(fuel)s vehicles"),
        gettext_lazy("The destination bans the fuel types wanted"),
        gettext_lazy("Choose other fuel types."),
    ),
    "rule_engine_cc": Diagnosis(
        gettext_lazy("%(country)s limits the engine size of imported vehicles"),
        gettext_lazy("Engines too large for the destination"),
        gettext_lazy("Look for smaller engines or electric vehicles."),
    ),
    "rule_mileage": Diagnosis(
        gettext_lazy("%(country)s limits the mileage of imported vehicles"),
        gettext_lazy("Mileage too high for the destination"),
        gettext_lazy("Look for vehicles with fewer kilometres."),
    ),
    "no_make_model": Diagnosis(
        gettext_lazy("No available lot is of the makes and models you want"),
        gettext_lazy("No lot of the makes or models wanted"),
        gettext_lazy("Accept more makes or models, or leave them open."),
    ),
    "no_body_fuel": Diagnosis(
        gettext_lazy("No available lot has the body and fuel types you want"),
        gettext_lazy("No lot of the body or fuel types wanted"),
        gettext_lazy("Accept more body or fuel types."),
    ),
    "no_year_mileage": Diagnosis(
        gettext_lazy("No available lot is within your model years and mileage"),
        gettext_lazy("No lot within the model years or mileage wanted"),
        gettext_lazy("Widen the model years or raise the maximum mileage."),
    ),
    "over_budget": Diagnosis(
        gettext_lazy("No lot under your budget: the cheapest compliant lot is %(pct)s%% above"),
        gettext_lazy("Budget below every compliant lot"),
        gettext_lazy("Raise your maximum unit price, or accept older vehicles or more mileage."),
    ),
    "no_available_lots": Diagnosis(
        gettext_lazy("No lots are available yet"),
        gettext_lazy("No lots available"),
        gettext_lazy("Exporters are still listing lots; check back later."),
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
