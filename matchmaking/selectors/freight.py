"""The freight, haulage and insurance rates in force on a day, as the matching
engine reads them, and as organisers list them."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from matchmaking.engine.delivery import FreightRecord, FreightTables, HaulageRecord, InsuranceRecord
from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate

_M = TypeVar("_M", bound=Model)


def in_force(rates: Iterable[_M], key: Callable[[_M], Any]) -> list[_M]:
    """Of rates ordered newest first within each key, the first of each key:
    the one in force (a newer rate replaces an older one from its day on)."""
    seen: set[Any] = set()
    kept = []
    for rate in rates:
        if key(rate) not in seen:
            seen.add(key(rate))
            kept.append(rate)
    return kept


def freight_rates_on(day: datetime.date) -> list[FreightRate]:
    rates = FreightRate.objects.filter(valid_from__lte=day).order_by("-valid_from", "pk")
    return in_force(
        rates,
        lambda r: (r.mode, r.origin, str(r.destination_country), r.destination_port, r.vehicle_class),
    )


def haulage_rates_on(day: datetime.date) -> list[InlandHaulage]:
    rates = InlandHaulage.objects.filter(valid_from__lte=day).order_by("-valid_from", "pk")
    return in_force(rates, lambda r: (r.origin, r.vehicle_class))


def insurance_rates_on(day: datetime.date) -> list[InsuranceRate]:
    rates = InsuranceRate.objects.filter(valid_from__lte=day).order_by("-valid_from", "pk")
    return in_force(rates, lambda r: str(r.destination_country))


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
            for rate in freight_rates_on(day)
        ),
        haulage=tuple(
            HaulageRecord(
                origins=tuple(rate.origin_list),
                vehicle_class=rate.vehicle_class,
                price=float(rate.price),
                currency=rate.currency,
                indicative=rate.indicative,
            )
            for rate in haulage_rates_on(day)
        ),
        insurance=tuple(
            InsuranceRecord(
                country=str(rate.destination_country),
                rate_pct=float(rate.rate_pct),
                indicative=rate.indicative,
            )
            for rate in insurance_rates_on(day)
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
