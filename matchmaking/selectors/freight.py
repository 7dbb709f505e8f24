"""The freight, haulage and insurance rates in force on a day, as the matching
engine reads them, and as organisers list them."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.db.models import QuerySet

from matchmaking.engine.delivery import FreightRecord, FreightTables, HaulageRecord, InsuranceRecord
from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate

_R = TypeVar("_R", FreightRate, InlandHaulage, InsuranceRate)


def rates_on(model: type[_R], day: datetime.date) -> list[_R]:
    """The rates of a table in force on `day`: per route, the one with the
    newest `valid_from` on or before it (a newer rate replaces an older one
    from its day on)."""
    kept: dict[tuple[Any, ...], _R] = {}
    for rate in model._default_manager.filter(valid_from__lte=day).order_by("-valid_from", "pk"):
        kept.setdefault(rate.key(with_day=False), rate)
    return list(kept.values())


def freight_tables_on(day: datetime.date) -> FreightTables:
    """The engine's view of the tables in force on `day` (three queries)."""
    return FreightTables(
        freight=tuple(
            FreightRecord(
                mode=rate.mode,
                origins=tuple(rate.origin_list),
                country=str(rate.destination_country),
                port=rate.destination_port,
                vehicle_class=rate.vehicle_class,
                price=float(rate.price),
                currency=rate.currency,
                indicative=rate.indicative,
            )
            for rate in rates_on(FreightRate, day)
        ),
        haulage=tuple(
            HaulageRecord(
                origins=tuple(rate.origin_list),
                vehicle_class=rate.vehicle_class,
                price=float(rate.price),
                currency=rate.currency,
                indicative=rate.indicative,
            )
            for rate in rates_on(InlandHaulage, day)
        ),
        insurance=tuple(
            InsuranceRecord(
                country=str(rate.destination_country),
                rate_pct=float(rate.rate_pct),
                indicative=rate.indicative,
            )
            for rate in rates_on(InsuranceRate, day)
        ),
    )


def freight_rate_list() -> QuerySet[FreightRate]:
    return FreightRate.objects.order_by(
        "destination_country", "destination_port", "mode", "origin", "vehicle_class", "-valid_from"
    )


def freight_rate_countries() -> list[str]:
    """The destination country codes that have at least one freight rate, sorted."""
    return list(
        FreightRate.objects.order_by("destination_country")
        .values_list("destination_country", flat=True)
        .distinct()
    )


def inland_haulage_list() -> QuerySet[InlandHaulage]:
    return InlandHaulage.objects.order_by("origin", "vehicle_class", "-valid_from")


def insurance_rate_list() -> QuerySet[InsuranceRate]:
    return InsuranceRate.objects.order_by("destination_country", "-valid_from")
