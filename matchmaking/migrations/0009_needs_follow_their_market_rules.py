"""Needs stored before market rules always won may ask for what their
destination forbids (a Kenya need set to left-hand drive). Correct what can be
corrected without widening the need, flag what can never match, and report
each change.

The rule logic is written out here rather than imported, so this migration
keeps working whatever later releases do to the matching engine. Only the
plain cases are handled; the app recomputes every flag on the next save or
matching run.
"""

from __future__ import annotations

import sys

from django.db import migrations

FUELS = ("petrol", "diesel", "hev", "phev", "bev", "erev", "cng")


def _applies(rule, fuel: str) -> bool:
    return not rule.applies_to_fuels or fuel in rule.applies_to_fuels


def _banned(rules, fuel: str):
    """The rule that bans used imports of this fuel, or None."""
    return next(
        (r for r in rules if _applies(r, fuel) and (r.used_imports_banned or fuel in r.banned_fuels)), None
    )


def _required_steering(rules, fuel: str) -> set[str]:
    return {r.steering_required for r in rules if _applies(r, fuel) and r.steering_required}


def _cite(rule, **params) -> dict:
    return {"country": str(rule.country), **params, "source": rule.source, "uncertain": rule.uncertain}


def correct_needs(apps, schema_editor) -> None:
    MarketRule = apps.get_model("matchmaking", "MarketRule")
    Need = apps.get_model("matchmaking", "Need")
    rules_by_country: dict[str, list] = {}
    for rule in MarketRule.objects.order_by("pk"):
        rules_by_country.setdefault(str(rule.country), []).append(rule)
    report: list[str] = []
    for need in Need.objects.select_related("buyer").order_by("pk"):
        rules = rules_by_country.get(str(need.destination_country), [])
        if not rules:
            continue
        changed: list[str] = []
        accepted = list(need.fuel_types) or list(FUELS)
        open_fuels = [fuel for fuel in accepted if _banned(rules, fuel) is None]
        block: dict = {}
        if need.fuel_types and open_fuels and len(open_fuels) < len(accepted):
            dropped = [fuel for fuel in accepted if fuel not in open_fuels]
            need.fuel_types = open_fuels
            changed.append(f"fuel types {', '.join(dropped)} removed (banned in {need.destination_country})")
        if not open_fuels:
            rule = _banned(rules, accepted[0])
            reason = "rule_used_banned" if rule.used_imports_banned else "rule_fuel_banned"
            block = {"reason": reason, "params": _cite(rule, fuel=accepted[0])}
        elif need.steering:
            required = [_required_steering(rules, fuel) for fuel in open_fuels]
            if all(wanted and need.steering not in wanted for wanted in required):
                changed.append(
                    f"steering {need.steering} cleared: {need.destination_country} requires "
                    f"{' or '.join(sorted(required[0]))}"
                )
                need.steering = ""
        if changed or block != need.blocked_by_rule:
            need.blocked_by_rule = block
            need.save(update_fields=["fuel_types", "steering", "blocked_by_rule"])
        if changed:
            report.append(f"  need {need.pk} {need.ref!r} of {need.buyer.name}: {'; '.join(changed)}")
        if block:
            report.append(
                f"  need {need.pk} {need.ref!r} of {need.buyer.name}: can never match "
                f"({block['reason']} in {need.destination_country})"
            )
    if report:
        sys.stdout.write("\nNeeds brought in line with their destination's market rules:\n")
        sys.stdout.write("\n".join(report) + "\n")


class Migration(migrations.Migration):
    dependencies = [
        ("matchmaking", "0008_need_blocked_by_rule"),
    ]

    operations = [
        migrations.RunPython(correct_needs, migrations.RunPython.noop),
    ]
