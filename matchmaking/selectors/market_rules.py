"""Reading market rules, and saying in plain words what each one means for a
buyer choosing a destination."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matchmaking.choices import AgeCountedFrom, EmissionStandard, FuelType, Steering
from matchmaking.models import MarketRule


def market_rules_for(country: str) -> QuerySet[MarketRule]:
    """Every rule of one destination country (ISO 3166 alpha-2)."""
    return MarketRule.objects.filter(country=country.upper()).order_by("pk")


def market_rules_all() -> QuerySet[MarketRule]:
    """Every rule of every destination, grouped by country (then in the order
    they were entered)."""
    return MarketRule.objects.order_by("country", "pk")


def market_rule_countries() -> list[str]:
    """The country codes that have at least one rule, sorted."""
    return list(MarketRule.objects.order_by("country").values_list("country", flat=True).distinct())


def _fuels(codes: list[str]) -> str:
    labels = dict(FuelType.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes)


def rule_statements(rule: MarketRule) -> list[str]:
    """What the rule demands, one plain sentence per constraint, with the
    consequence for Chinese exports where it is not obvious."""
    statements: list[str] = []
    if rule.used_imports_banned:
        statements.append(_("Used-vehicle imports are banned: no lot will match."))
    if rule.steering_required == Steering.RHD:
        statements.append(_("Right-hand drive only: Chinese left-hand-drive lots will not match."))
    elif rule.steering_required == Steering.LHD:
        statements.append(_("Left-hand drive only."))
    if rule.max_age_years is not None:
        counted = dict(AgeCountedFrom.choices).get(rule.age_counted_from, "")
        statements.append(
            ngettext(
                "At most %(years)s year old, counted from %(from)s.",
                "At most %(years)s years old, counted from %(from)s.",
                rule.max_age_years,
            )
            % {"years": rule.max_age_years, "from": str(counted).lower()}
        )
    if rule.min_emission_standard:
        statements.append(
            _("Emission standard %(standard)s or better (China N counts as Euro N).")
            % {"standard": EmissionStandard(rule.min_emission_standard).label}
        )
    if rule.banned_fuels:
        statements.append(_("Banned fuel types: %(fuels)s.") % {"fuels": _fuels(rule.banned_fuels)})
    if rule.max_engine_cc is not None:
        statements.append(_("Engine at most %(cc)s cc.") % {"cc": rule.max_engine_cc})
    if rule.max_mileage_km is not None:
        statements.append(_("At most %(km)s km on the odometer.") % {"km": f"{rule.max_mileage_km:,}"})
    return statements


def rule_scope(rule: MarketRule) -> str:
    if not rule.applies_to_fuels:
        return _("All vehicles")
    return _("Only for: %(fuels)s") % {"fuels": _fuels(rule.applies_to_fuels)}
