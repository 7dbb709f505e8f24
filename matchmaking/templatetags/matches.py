"""Template filters for match pages: explanations and diagnoses in words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy

from matchmaking.diagnoses import DiagnosisText, diagnosis_summary, explain_diagnosis
from matchmaking.explanations import DeliveredPrice, ExplanationLine, delivered_price, explain_match
from matchmaking.refusals import rule_block_message, stale_text

register = template.Library()


@register.filter
def explanation_lines(explanation: Any) -> list[ExplanationLine]:
    return explain_match(explanation)


@register.filter
def delivered(explanation: Any) -> DeliveredPrice | None:
    return delivered_price(explanation)


@register.filter
def diagnosis_text(diagnosis: Any) -> DiagnosisText | None:
    return explain_diagnosis(diagnosis)


@register.filter
def reason_summary(reason: str) -> str:
    return diagnosis_summary(reason)


@register.filter
def stale_reason_text(stale_reason: Any) -> str:
    return stale_text(stale_reason)


@register.filter
def rule_block_text(block: Any) -> str:
    return rule_block_message(block)


@register.filter
def score_level(score: float) -> str:
    """The score badge's colour: "high", "mid" or "low"."""
    if score >= 75:
        return "high"
    if score >= 50:
        return "mid"
    return "low"


_TIMING_LABELS = {
    "load": gettext_lazy("load"),
    "score": gettext_lazy("score"),
    "store": gettext_lazy("store"),
    "total": gettext_lazy("total"),
}


@register.filter
def timing_label(step: str) -> str:
    """A run's timing step in words; steps the engine adds later show as named."""
    return str(_TIMING_LABELS.get(step, step))
