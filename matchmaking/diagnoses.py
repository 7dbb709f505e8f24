"""Why a need found no lot, and what in a need its destination's rules
forbid, in plain translated words.

The engine stores codes, never sentences: a need's `match_diagnosis` is
`{"reason", "params", "funnel": [[step, lots left, params], ...]}` (see
matchmaking/engine/diagnostics.py) and `blocked_by_rule` is `{"reason",
"params", "field"}`. The words live here so they follow the reader's language
and can be reworded without rerunning matching. To support a new code, add one
entry to `DIAGNOSES` (a blocker) or `STEPS` (a funnel step); codes nobody has
worded yet still render, as a general sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from matchmaking.choices import BodyType, FuelType
from matchmaking.explanations import choice_label, fill_params, format_number, formatted_params


class Diagnosis(NamedTuple):
    """How to word one reason a need found no lot: the sentence naming what
    stands in the way (with the diagnosis' params), a short label for
    organisers' totals (no params), and what the buyer can do about it."""

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
        gettext_lazy("%(country)s admits only vehicles with its required steering (%(steering)s)"),
        gettext_lazy("No lot with the steering the destination requires"),
        gettext_lazy(
            "Few Chinese lots are right-hand drive; ask exporters at the fair for right-hand-drive stock."
        ),
    ),
    "rule_max_age": Diagnosis(
        gettext_lazy("%(country)s admits vehicles at most %(max_age)s years old"),
        gettext_lazy("Lots too old for the destination"),
        gettext_lazy("Look for newer model years."),
    ),
    "rule_min_emission": Diagnosis(
        gettext_lazy("%(country)s requires emission standard %(standard)s or better"),
        gettext_lazy("Lots below the destination's emission standard"),
        gettext_lazy("Look for newer vehicles or electric ones."),
    ),
    "rule_max_engine_cc": Diagnosis(
        gettext_lazy("%(country)s admits engines up to %(max_cc)s cc"),
        gettext_lazy("Engines too large for the destination"),
        gettext_lazy("Look for smaller engines or electric vehicles."),
    ),
    "rule_max_mileage": Diagnosis(
        gettext_lazy("%(country)s admits at most %(max_km)s km"),
        gettext_lazy("Mileage too high for the destination"),
        gettext_lazy("Look for vehicles with fewer kilometres."),
    ),
    "no_lot_of_kind": Diagnosis(
        gettext_lazy("No lot is of the makes, models, body and fuel types wanted"),
        gettext_lazy("No lot of the kind wanted"),
        gettext_lazy("Accept more makes, models, body or fuel types, or leave them open."),
    ),
    "no_lot_in_year_range": Diagnosis(
        gettext_lazy("No lot is from the model years wanted"),
        gettext_lazy("No lot within the model years wanted"),
        gettext_lazy("Widen the model years."),
    ),
    "steering_wanted": Diagnosis(
        gettext_lazy("No lot has the steering the need asks for (%(steering)s)"),
        gettext_lazy("No lot with the steering the buyer asked for"),
        gettext_lazy("Leave the steering empty, so that the destination's rule decides."),
    ),
    "over_mileage": Diagnosis(
        gettext_lazy("No lot is within the maximum mileage of %(max_km)s km"),
        gettext_lazy("Mileage above the buyer's limit"),
        gettext_lazy("Raise the maximum mileage."),
    ),
    "battery_soh_below": Diagnosis(
        gettext_lazy("No lot's battery is at %(min_pct)s%% state of health or more"),
        gettext_lazy("Battery health below the buyer's minimum"),
        gettext_lazy("Lower the minimum battery state of health."),
    ),
    "over_budget": Diagnosis(
        gettext_lazy("No lot is within the budget"),
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
    "no_lots_available": Diagnosis(
        gettext_lazy("No lot is available yet"),
        gettext_lazy("No lots available"),
        gettext_lazy("Check back after exporters list their lots."),
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

UNKNOWN_DIAGNOSIS = Diagnosis(
    gettext_lazy("No available lot meets this need"),
    gettext_lazy("Other reasons"),
    gettext_lazy("Widen what you accept, or check back after exporters list more lots."),
)

# Steering has its own words either way: "right-hand drive" reads as an
# adjective in the middle of a sentence, which a choice label does not.
_STEERING_SENTENCES: dict[tuple[str, str], Promise] = {
    ("steering_unavailable", "RHD"): gettext_lazy("%(country)s admits right-hand-drive vehicles only"),
    ("steering_unavailable", "LHD"): gettext_lazy("%(country)s admits left-hand-drive vehicles only"),
    ("steering_wanted", "RHD"): gettext_lazy("No lot is right-hand drive, as the need asks"),
    ("steering_wanted", "LHD"): gettext_lazy("No lot is left-hand drive, as the need asks"),
}

# The nearest miss, among the lots that meet everything but the blocker.
_NEAREST: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "no_lot_of_kind": lambda p: (
        _("Lots that meet everything else: %(kinds)s.") % {"kinds": _kinds(p["nearest"])}
        if p.get("nearest")
        else None
    ),
    "no_lot_in_year_range": lambda p: (
        _("The nearest model year among lots that meet everything else is %(year)s.")
        % {"year": p["nearest_year"]}
        if p.get("nearest_year")
        else None
    ),
    "over_mileage": lambda p: (
        _("The lowest mileage among lots that meet everything else is %(km)s km.")
        % {"km": format_number(p["nearest_km"])}
        if p.get("nearest_km") is not None
        else None
    ),
    "battery_soh_below": lambda p: (
        _("The best battery among lots that meet everything else is at %(pct)s%% state of health.")
        % {"pct": p["nearest_pct"]}
        if p.get("nearest_pct") is not None
        else None
    ),
    "over_budget": lambda p: (
        _(
            "The cheapest lot that meets everything else is %(pct)s%% above the budget "
            "(%(price)s %(currency)s)."
        )
        % {"pct": format_number(p["pct"]), "price": format_number(p["cheapest"]), "currency": p["currency"]}
        if p.get("pct") is not None
        else None
    ),
}


def _kinds(nearest: list[list[Any]]) -> str:
    return ", ".join(
        ngettext("%(kind)s (%(count)s lot)", "%(kind)s (%(count)s lots)", int(count))
        % {"kind": kind, "count": format_number(int(count))}
        for kind, count in nearest
    )


# Funnel steps ---------------------------------------------------------------------

# Each step's words, filled with its params and the lots left after it (as a
# number, "count", which picks the plural form, and grouped for reading, "lots").
STEPS: dict[str, Promise] = {
    "available": ngettext_lazy("%(lots)s available lot", "%(lots)s available lots", "count"),
    "rule_ban": ngettext_lazy(
        "%(lots)s not banned in %(country)s", "%(lots)s not banned in %(country)s", "count"
    ),
    "rule_steering": ngettext_lazy(
        "%(lots)s with the steering %(country)s requires",
        "%(lots)s with the steering %(country)s requires",
        "count",
    ),
    "rule_steering:RHD": ngettext_lazy(
        "%(lots)s right-hand drive, as %(country)s requires",
        "%(lots)s right-hand drive, as %(country)s requires",
        "count",
    ),
    "rule_steering:LHD": ngettext_lazy(
        "%(lots)s left-hand drive, as %(country)s requires",
        "%(lots)s left-hand drive, as %(country)s requires",
        "count",
    ),
    "rule_age": ngettext_lazy(
        "%(lots)s at most %(max_age)s years old, as %(country)s requires",
        "%(lots)s at most %(max_age)s years old, as %(country)s requires",
        "count",
    ),
    "rule_emission": ngettext_lazy(
        "%(lots)s at %(standard)s or better, as %(country)s requires",
        "%(lots)s at %(standard)s or better, as %(country)s requires",
        "count",
    ),
    "rule_engine": ngettext_lazy(
        "%(lots)s with an engine up to %(max_cc)s cc, as %(country)s requires",
        "%(lots)s with engines up to %(max_cc)s cc, as %(country)s requires",
        "count",
    ),
    "rule_mileage": ngettext_lazy(
        "%(lots)s with at most %(max_km)s km, as %(country)s requires",
        "%(lots)s with at most %(max_km)s km, as %(country)s requires",
        "count",
    ),
    "kind": ngettext_lazy(
        "%(lots)s of the kind wanted (%(kind)s)", "%(lots)s of the kind wanted (%(kind)s)", "count"
    ),
    "years": ngettext_lazy(
        "%(lots)s from model years %(years)s", "%(lots)s from model years %(years)s", "count"
    ),
    "steering:RHD": ngettext_lazy(
        "%(lots)s right-hand drive, as the need asks",
        "%(lots)s right-hand drive, as the need asks",
        "count",
    ),
    "steering:LHD": ngettext_lazy(
        "%(lots)s left-hand drive, as the need asks", "%(lots)s left-hand drive, as the need asks", "count"
    ),
    "mileage": ngettext_lazy(
        "%(lots)s with at most %(max_km)s km", "%(lots)s with at most %(max_km)s km", "count"
    ),
    "battery": ngettext_lazy(
        "%(lots)s with a battery at %(min_pct)s%% state of health or more",
        "%(lots)s with a battery at %(min_pct)s%% state of health or more",
        "count",
    ),
    "price": ngettext_lazy(
        "%(lots)s within the budget of %(max_price)s %(currency)s (plus 10%%)",
        "%(lots)s within the budget of %(max_price)s %(currency)s (plus 10%%)",
        "count",
    ),
}


def _kind(params: Mapping[str, Any]) -> str:
    parts = [
        ", ".join(params.get("makes") or ()),
        ", ".join(params.get("models") or ()),
        ", ".join(choice_label(BodyType, code) for code in params.get("body_types") or ()),
        ", ".join(choice_label(FuelType, code) for code in params.get("fuel_types") or ()),
    ]
    return " · ".join(part for part in parts if part)


def years_text(params: Mapping[str, Any]) -> str:
    low, high = params.get("year_min"), params.get("year_max")
    if low and high:
        return f"{low}–{high}"
    if low:
        return _("%(year)s or later") % {"year": low}
    return _("%(year)s or earlier") % {"year": high}


@dataclass(frozen=True)
class FunnelStep:
    step: str
    count: int
    text: str
    blocker: bool


def funnel_step(step: str, count: int, params: Mapping[str, Any], *, blocker: bool = False) -> FunnelStep:
    """One step of a funnel in words: "6 right-hand drive, as Kenya requires"."""
    key = step
    if step in ("rule_steering", "steering") and params.get("steering") in ("LHD", "RHD"):
        key = f"{step}:{params['steering']}"
    words = STEPS.get(key)
    values = {
        **formatted_params({k: v for k, v in params.items() if k not in ("makes", "models")}),
        "count": count,
    }
    values["count"] = format_number(count)
    if step == "kind":
        values["kind"] = _kind(params)
    elif step == "years":
        values["years"] = years_text(params)
    try:
        # "count" picks the plural form; "lots" shows it grouped.
        text = str(words % {**values, "count": count, "lots": format_number(count)}) if words else ""
        text = text or format_number(count)
    except (KeyError, TypeError, ValueError):
        text = format_number(count)
    return FunnelStep(step=step, count=count, text=text, blocker=blocker)


# The diagnosis as a whole ---------------------------------------------------------


@dataclass(frozen=True)
class DiagnosisText:
    reason: str
    sentence: str
    advice: str
    nearest: str = ""
    funnel: tuple[FunnelStep, ...] = ()
    # Whether dropping the blocker alone would admit a lot.
    alone: bool = True

    @property
    def funnel_line(self) -> str:
        return " → ".join(step.text for step in self.funnel)


def _diagnosis_for(reason: str) -> Diagnosis:
    return DIAGNOSES.get(reason, UNKNOWN_DIAGNOSIS)


def with_source(sentence: str, params: Mapping[str, Any]) -> str:
    if params.get("source"):
        return _("%(sentence)s (source: %(source)s)") % {"sentence": sentence, "source": params["source"]}
    return sentence


def sentence_of(reason: str, params: Mapping[str, Any]) -> str:
    template = _STEERING_SENTENCES.get((reason, str(params.get("steering") or "")))
    sentence = fill_params(template or _diagnosis_for(reason).sentence, params)
    return sentence or str(UNKNOWN_DIAGNOSIS.sentence)


def explain_diagnosis(diagnosis: Mapping[str, Any] | None) -> DiagnosisText | None:
    """Why a need found no lot: the blocker with the rule's source where one
    applies, the nearest miss, and the funnel that led there; None when
    matching left no diagnosis."""
    if not diagnosis or not diagnosis.get("reason"):
        return None
    reason = str(diagnosis["reason"])
    params = diagnosis.get("params") or {}
    alone = bool(params.get("alone", True))
    nearest = _NEAREST.get(reason)
    try:
        near = (nearest(params) if nearest and alone else None) or ""
    except (KeyError, TypeError, ValueError):
        near = ""
    steps = [
        step for step in diagnosis.get("funnel") or () if isinstance(step, (list, tuple)) and len(step) == 3
    ]
    funnel = tuple(
        funnel_step(str(step), int(count), step_params or {}, blocker=k == len(steps) - 1 and k > 0)
        for k, (step, count, step_params) in enumerate(steps)
    )
    return DiagnosisText(
        reason=reason,
        sentence=with_source(sentence_of(reason, params), params),
        advice=str(_diagnosis_for(reason).advice),
        nearest=near,
        funnel=funnel,
        alone=alone,
    )


def diagnosis_summary(reason: str) -> str:
    """A reason as organisers see it in totals over many needs."""
    return str(_diagnosis_for(reason).summary)
