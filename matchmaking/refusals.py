"""Refusals in words: what a destination's market rules forbid in a need (a
form's field error, an import row's reason, the reason a saved need can never
match), and why one lot does not qualify for one need (an offer refused, a
proposal turned stale), each naming the rule's source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matchmaking.diagnoses import explain_diagnosis, sentence_of, with_source, years_text
from matchmaking.explanations import fill_params

# A need's own fields against its destination's rules -------------------------------

_CONFLICTS: dict[tuple[str, str], Promise] = {
    ("steering_unavailable", ""): gettext_lazy("The market rules of %(country)s ask for different steering"),
    ("rule_used_banned", "fuel"): gettext_lazy("%(country)s bans imports of used %(fuel)s vehicles"),
    ("rule_max_age", ""): gettext_lazy(
        "%(country)s admits vehicles at most %(max_age)s years old, counted from the model year: "
        "ask for model year %(year_min)s or later"
    ),
}


def conflict_message(reason: str, params: Mapping[str, Any], *, field: str = "") -> str:
    """What a destination's rule forbids in a need, naming the rule's source:
    "Kenya admits right-hand-drive vehicles only (source: …)". `field` is the
    need's field it contradicts ("" for the destination as a whole)."""
    key = (reason, "fuel" if field == "fuel_types" and reason == "rule_used_banned" else "")
    template = _CONFLICTS.get(key) if key in _CONFLICTS and (key[1] or not params.get("steering")) else None
    sentence = fill_params(template, params) if template is not None else None
    if sentence is None:
        sentence = sentence_of(reason, params)
    if params.get("source"):
        return with_source(sentence, params)
    return _("%(sentence)s (source not recorded)") % {"sentence": sentence}


def rule_block_message(block: Mapping[str, Any] | None) -> str:
    """Why a need can never match (its `blocked_by_rule`), naming the rule's source."""
    if not block or not block.get("reason"):
        return ""
    return conflict_message(str(block["reason"]), block.get("params") or {}, field=block.get("field") or "")


# Why one lot does not qualify for one need -----------------------------------------

_LOT_FAILURES: dict[str, Promise] = {
    "no_lot_of_kind": gettext_lazy("it is not of the makes, models, body or fuel types wanted"),
    "no_lot_in_year_range": gettext_lazy("its model year is outside the years wanted (%(years)s)"),
    "steering_wanted": gettext_lazy("its steering is not the one the need asks for (%(steering)s)"),
    "over_mileage": gettext_lazy("its mileage is above the %(max_km)s km wanted"),
    "battery_soh_below": gettext_lazy("its battery is below the %(min_pct)s%% state of health wanted"),
    "over_budget": gettext_lazy("its price is more than 10%% above the buyer's budget"),
}


def lot_refusal(failures: list[tuple[str, dict[str, Any]]]) -> str:
    """Every constraint a lot fails for a need, as an exporter reads it:
    "Kenya admits right-hand-drive vehicles only (source: …); its model year
    is outside the years wanted (2021–2025)"."""
    parts = []
    for reason, params in failures:
        template = _LOT_FAILURES.get(reason)
        if template is not None:
            values = {**params, "years": years_text(params)} if reason == "no_lot_in_year_range" else params
            parts.append(fill_params(template, values) or str(template))
        else:
            parts.append(with_source(sentence_of(reason, params), params))
    return "; ".join(parts)


def stale_text(stale_reason: Mapping[str, Any] | None) -> str:
    """Why a proposal no longer holds (a match's `stale_reason`)."""
    if not stale_reason or not stale_reason.get("reason"):
        return ""
    failures = [tuple(item) for item in stale_reason.get("failures") or () if len(item) == 2]
    if failures:
        return lot_refusal(failures)
    text = explain_diagnosis(stale_reason)
    return text.sentence if text else ""
