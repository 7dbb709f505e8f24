"""Read queries for needs, and the destination's market rules as a buyer sees
them next to a need."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import Organisation
from matchmaking.choices import Steering
from matchmaking.models import Need
from matchmaking.selectors.market_rules import market_rules_for, rule_scope, rule_statements


def needs_for(organisation: Organisation) -> QuerySet[Need]:
    """The needs a company works with: a buyer's own; every need for
    organisers; none for anybody else."""
    needs = Need.objects.select_related("buyer")
    if organisation.is_organiser:
        return needs
    if organisation.is_buyer:
        return needs.filter(buyer=organisation)
    return needs.none()


def needs_with_buyer() -> QuerySet[Need]:
    return Need.objects.select_related("buyer")


@dataclass(frozen=True)
class MarketRuleSummary:
    scope: str
    statements: list[str]
    source: str
    uncertain: bool
    last_checked: str
    notes: str


@dataclass(frozen=True)
class MarketRulePanel:
    """What a buyer should know about a destination before saving a need."""

    country_code: str
    country_name: str
    rules: list[MarketRuleSummary]
    steering_note: str
    steering_conflict: bool


def _steering_label(code: str) -> str:
    return str(Steering(code).label)


def market_rule_panel(country: object, steering: str = "") -> MarketRulePanel | None:
    """The destination's market rules in plain words, and what they mean for
    the need's steering; None when no known country is given. `country` is an
    ISO code or a django-countries `Country`."""
    code = str(country or "").strip().upper()
    if not code or code not in countries:
        return None
    name = str(countries.name(code))
    rules = list(market_rules_for(code))
    summaries = [
        MarketRuleSummary(
            scope=rule_scope(rule),
            statements=rule_statements(rule),
            source=rule.source,
            uncertain=rule.uncertain,
            last_checked=rule.last_checked,
            notes=rule.display_notes,
        )
        for rule in rules
    ]
    required = next((rule.steering_required for rule in rules if rule.steering_required), "")
    conflict = False
    if steering not in Steering.values:
        steering = ""
    if not steering:
        if required:
            note = _("Steering left empty: the market rule's steering applies (%(steering)s).") % {
                "steering": _steering_label(required)
            }
        else:
            note = _("Steering left empty: no market rule limits steering, so lots with either may match.")
    elif required and steering != required:
        conflict = True
        note = _(
            "%(country)s requires “%(required)s”, so a need asking for “%(wanted)s” cannot be saved: "
            "leave the steering empty or choose “%(required)s”."
        ) % {"wanted": _steering_label(steering), "country": name, "required": _steering_label(required)}
    else:
        note = ""
    return MarketRulePanel(
        country_code=code,
        country_name=name,
        rules=summaries,
        steering_note=note,
        steering_conflict=conflict,
    )


def need_counts(buyer: Organisation) -> dict[str, int]:
    """How many of a buyer's needs there are and how many are open."""
    return Need.objects.filter(buyer=buyer).aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status=Need.Status.OPEN))
    )
