"""What the matching engine sees: available lots, open needs, market rules and
FX rates loaded as the engine's plain records (values_list keeps 100,000 lots
to one query and plain tuples), and a need checked against its destination's
rules."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from matchmaking.engine.market_rules import RuleConflict, need_conflicts
from matchmaking.engine.scoring import NO_RATES, Diagnostic, FreightTables
from matchmaking.engine.tables import LotRecord, NeedRecord, RuleRecord
from matchmaking.models import Lot, MarketRule, Need
from matchmaking.selectors.freight import freight_tables_on
from matchmaking.selectors.fx import fx_table_on

# Loading the engine's records ---------------------------------------------------
# values_list keeps loading 100,000 lots to one query and plain tuples.

LOT_FIELDS = (
    "id",
    "exporter_id",
    "make",
    "model",
    "body_type",
    "fuel_type",
    "model_year",
    "first_registration",
    "mileage_km",
    "steering",
    "engine_cc",
    "battery_soh_pct",
    "emission_standard",
    "quantity",
    "unit_price",
    "currency",
    "shipping_modes",
    "loading_point",
    "exporter__verified",
    "incoterm",
)
NEED_FIELDS = (
    "id",
    "buyer_id",
    "destination_country",
    "destination_port",
    "makes",
    "model_names",
    "body_types",
    "fuel_types",
    "year_min",
    "year_max",
    "max_mileage_km",
    "min_battery_soh_pct",
    "steering",
    "quantity",
    "allow_split",
    "max_unit_price",
    "currency",
    "shipping_modes",
    "incoterm",
)


def lot_record_of_row(row: tuple[Any, ...]) -> LotRecord:
    (
        pk,
        exporter_id,
        make,
        model,
        body,
        fuel,
        year,
        registered,
        mileage,
        steering,
        cc,
        soh,
        emission,
        quantity,
        price,
        currency,
        modes,
        loading_point,
        verified,
        incoterm,
    ) = row
    return LotRecord(
        id=pk,
        exporter_id=exporter_id,
        make=make,
        model=model,
        body_type=body,
        fuel_type=fuel,
        model_year=year,
        first_registration=registered,
        mileage_km=mileage,
        steering=steering,
        engine_cc=cc,
        battery_soh_pct=soh,
        emission_standard=emission,
        quantity=quantity,
        unit_price=float(price),
        currency=currency,
        shipping_modes=tuple(modes or ()),
        loading_point=loading_point,
        exporter_verified=verified,
        exporter_deals=0,
        available=True,
        incoterm=incoterm,
    )


def need_record_of_row(row: tuple[Any, ...]) -> NeedRecord:
    (
        pk,
        buyer_id,
        country,
        port,
        makes,
        models,
        bodies,
        fuels,
        year_min,
        year_max,
        max_mileage,
        min_soh,
        steering,
        quantity,
        allow_split,
        max_price,
        currency,
        modes,
        incoterm,
    ) = row
    return NeedRecord(
        id=pk,
        buyer_id=buyer_id,
        destination_country=str(country),
        destination_port=port,
        makes=tuple(makes or ()),
        models=tuple(models or ()),
        body_types=tuple(bodies or ()),
        fuel_types=tuple(fuels or ()),
        year_min=year_min,
        year_max=year_max,
        max_mileage_km=max_mileage,
        min_battery_soh_pct=min_soh,
        steering=steering,
        quantity=quantity,
        allow_split=allow_split,
        max_unit_price=float(max_price),
        currency=currency,
        shipping_modes=tuple(modes or ()),
        open=True,
        incoterm=incoterm,
    )


def lot_records(lots: QuerySet[Lot] | None = None) -> list[LotRecord]:
    """Available lots as the engine sees them."""
    lots = Lot.objects.all() if lots is None else lots
    rows = lots.filter(status=Lot.Status.AVAILABLE, quantity__gte=1).order_by("pk")
    return [lot_record_of_row(row) for row in rows.values_list(*LOT_FIELDS)]


def need_records(needs: QuerySet[Need] | None = None) -> list[NeedRecord]:
    """Open needs as the engine sees them."""
    needs = Need.objects.all() if needs is None else needs
    rows = needs.filter(status=Need.Status.OPEN).order_by("pk")
    return [need_record_of_row(row) for row in rows.values_list(*NEED_FIELDS)]


def instance_row(instance: models.Model, fields: Iterable[str]) -> tuple[Any, ...]:
    """The values_list row of an instance already loaded (foreign keys followed
    through attributes, so select_related rows cost no query)."""
    row = []
    for path in fields:
        value: Any = instance
        for name in path.split("__"):
            value = getattr(value, name)
        row.append(value)
    return tuple(row)


def lot_record(lot: Lot) -> LotRecord:
    """A lot as the engine sees it, whatever its status (for explaining stored
    matches); load it with its exporter."""
    return lot_record_of_row(instance_row(lot, LOT_FIELDS))


def need_record(need: Need) -> NeedRecord:
    return need_record_of_row(instance_row(need, NEED_FIELDS))


def rule_records(country: str | None = None) -> list[RuleRecord]:
    """Market rules as the engine sees them: every country's, or one's."""
    rules = MarketRule.objects.order_by("pk")
    if country is not None:
        rules = rules.filter(country=country.strip().upper())
    return [
        RuleRecord(
            country=str(rule.country),
            applies_to_fuels=tuple(rule.applies_to_fuels),
            used_imports_banned=rule.used_imports_banned,
            steering_required=rule.steering_required,
            max_age_years=rule.max_age_years,
            age_counted_from=rule.age_counted_from,
            min_emission_standard=rule.min_emission_standard,
            banned_fuels=tuple(rule.banned_fuels),
            max_engine_cc=rule.max_engine_cc,
            max_mileage_km=rule.max_mileage_km,
            uncertain=rule.uncertain,
            source=rule.source,
        )
        for rule in rules
    ]


def fx_floats(on: datetime.date) -> dict[str, float]:
    return {currency: float(rate) for currency, rate in fx_table_on(on).items()}


# A need against its destination's rules ----------------------------------------


def need_rule_conflicts(
    need: Need, rules: list[RuleRecord] | None = None, on: datetime.date | None = None
) -> list[RuleConflict]:
    """What in a need (saved or not) its destination's market rules
    contradict. Pass `rules` (all, or its country's) to spare the query."""
    country = str(need.destination_country or "")
    if not country:
        return []
    if rules is None:
        rules = rule_records(country)
    return need_conflicts(need_record(need), rules, on or timezone.localdate())


def rule_block(conflicts: Iterable[RuleConflict]) -> dict[str, Any]:
    """The first reason a need can never match, as Need.blocked_by_rule holds it."""
    for conflict in conflicts:
        if conflict.never_matches:
            return {"reason": conflict.reason, "params": plain(conflict.params), "field": conflict.field}
    return {}


@dataclass
class World:
    """What one scoring pass needs besides the items being scored."""

    rules: list[RuleRecord]
    fx: dict[str, float]
    on: datetime.date
    freight: FreightTables = NO_RATES

    @classmethod
    def load(cls, on: datetime.date | None = None) -> World:
        on = on or timezone.localdate()
        return cls(rule_records(), fx_floats(on), on, freight_tables_on(on))


def plain(value: Any) -> Any:
    """JSON-ready copies of the engine's values (NumPy scalars included)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "item"):
        return value.item()
    return value


TOP_K = 20


def stored_explanation(factors: Iterable[tuple[str, float, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {"factor": factor, "points": float(points), "reason": reason, "params": plain(params)}
        for factor, points, reason, params in factors
    ]


def stored_diagnosis(diagnostic: Diagnostic | None) -> dict[str, Any]:
    """A diagnostic as stored: {"reason", "params", "funnel": [[step, lots, params], ...]}."""
    if diagnostic is None:
        return {}
    return {
        "reason": diagnostic.reason,
        "params": plain(diagnostic.params),
        "funnel": [[step, int(count), plain(params)] for step, count, params in diagnostic.funnel],
    }
