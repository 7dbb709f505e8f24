"""Write operations on the freight, inland haulage and insurance tables. Each
is one transaction and has matching run again (a rate can change every
delivered price); refusals are `ValidationError`s with a message for the
person who asked, on the field they name."""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate
from matchmaking.services import match_runs

# The columns of data/freight_rates.csv, inland_haulage.csv and
# insurance_rates.csv: the import and export format, and the forms' order.
FREIGHT_RATE_FIELDS = (
    "mode",
    "origin",
    "destination_country",
    "destination_port",
    "vehicle_class",
    "price",
    "currency",
    "valid_from",
    "indicative",
    "source",
)
INLAND_HAULAGE_FIELDS = ("origin", "vehicle_class", "price", "currency", "valid_from", "indicative", "source")
INSURANCE_RATE_FIELDS = ("destination_country", "rate_pct", "valid_from", "indicative", "source")

AnyRate = FreightRate | InlandHaulage | InsuranceRate
_R = TypeVar("_R", FreightRate, InlandHaulage, InsuranceRate)

FIELDS: dict[type[Model], tuple[str, ...]] = {
    FreightRate: FREIGHT_RATE_FIELDS,
    InlandHaulage: INLAND_HAULAGE_FIELDS,
    InsuranceRate: INSURANCE_RATE_FIELDS,
}

_DUPLICATE: dict[type[Model], Promise] = {
    FreightRate: _(
        "There is already a freight rate for this mode, route and vehicle class valid from %(date)s: "
        "edit that one instead, or choose another day."
    ),
    InlandHaulage: _(
        "There is already a haulage rate for this loading point and vehicle class valid from %(date)s: "
        "edit that one instead, or choose another day."
    ),
    InsuranceRate: _(
        "There is already an insurance rate for this destination valid from %(date)s: "
        "edit that one instead, or choose another day."
    ),
}

_UPPER = ("currency", "destination_country")
_LOWER = ("mode", "vehicle_class")


def value_fields(model: type[AnyRate]) -> tuple[str, ...]:
    """What an import may change on a rate it finds by its key."""
    keys = model.key_fields()
    return tuple(name for name in FIELDS[model] if name not in keys)


def normalise_origin(text: str) -> str:
    """ "Shanghai ;Tianjin;" → "Shanghai; Tianjin": the form the engine splits
    and pages show (full-width semicolons from Chinese keyboards count too)."""
    parts = (part.strip() for part in re.split(r"[;；]", text))
    return "; ".join(dict.fromkeys(part for part in parts if part))


def normalise(model: type[Model], fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(FIELDS[model])
    if unknown:
        raise ValueError(f"Not {model.__name__} fields: {sorted(unknown)}")
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        value = " ".join(value.split())
        if name in _UPPER:
            value = value.upper()
        elif name in _LOWER:
            value = value.lower()
        elif name == "origin":
            value = normalise_origin(value)
        fields[name] = value
    return fields


def check_rate(rate: AnyRate, *, against_database: bool = True, exclude: Collection[str] = ()) -> None:
    """The model's own field rules (price ≥ 0, a rate of 0–20 %, known codes
    and countries) but for the fields in `exclude`, then, `against_database`,
    no other rate with the same key and day. An import checks its keys
    itself, all rows at once."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        rate.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    model = type(rate)
    keys = model.key_fields()
    if against_database and not set(errors) & set(keys):
        taken = model._default_manager.filter(**{name: getattr(rate, name) for name in keys})
        if taken.exclude(pk=rate.pk).exists():
            errors["valid_from"] = [
                ValidationError(_DUPLICATE[model] % {"date": rate.valid_from.isoformat()}, code="unique")
            ]
    if errors:
        raise ValidationError(errors)
    if against_database:
        rate.validate_constraints()


def _save(rate: _R) -> _R:
    check_rate(rate)
    rate.save()
    match_runs.on_many_changed()
    return rate


def _update(rate: _R, fields: dict[str, Any]) -> _R:
    for name, value in normalise(type(rate), fields).items():
        setattr(rate, name, value)
    return _save(rate)


def _delete(rate: AnyRate) -> None:
    rate.delete()
    match_runs.on_many_changed()


# Freight rates -------------------------------------------------------------------


@transaction.atomic
def freight_rate_create(
    *,
    mode: str,
    origin: str,
    destination_country: str,
    vehicle_class: str,
    price: Decimal,
    valid_from: datetime.date,
    source: str,
    destination_port: str = "",
    currency: str = "USD",
    indicative: bool = True,
) -> FreightRate:
    """Freight per vehicle from a loading point (or region) to a destination
    country, or one of its ports, from `valid_from` on."""
    fields = {
        "mode": mode,
        "origin": origin,
        "destination_country": destination_country,
        "destination_port": destination_port,
        "vehicle_class": vehicle_class,
        "price": price,
        "currency": currency,
        "valid_from": valid_from,
        "indicative": indicative,
        "source": source,
    }
    return _save(FreightRate(**normalise(FreightRate, fields)))


@transaction.atomic
def freight_rate_update(*, freight_rate: FreightRate, **fields: Any) -> FreightRate:
    return _update(freight_rate, fields)


@transaction.atomic
def freight_rate_delete(*, freight_rate: FreightRate) -> None:
    _delete(freight_rate)


# Inland haulage ------------------------------------------------------------------


@transaction.atomic
def inland_haulage_create(
    *,
    origin: str,
    vehicle_class: str,
    price: Decimal,
    valid_from: datetime.date,
    source: str,
    currency: str = "USD",
    indicative: bool = True,
) -> InlandHaulage:
    """Trucking a vehicle from an inland yard to a loading point, from `valid_from` on."""
    fields = {
        "origin": origin,
        "vehicle_class": vehicle_class,
        "price": price,
        "currency": currency,
        "valid_from": valid_from,
        "indicative": indicative,
        "source": source,
    }
    return _save(InlandHaulage(**normalise(InlandHaulage, fields)))


@transaction.atomic
def inland_haulage_update(*, haulage: InlandHaulage, **fields: Any) -> InlandHaulage:
    return _update(haulage, fields)


@transaction.atomic
def inland_haulage_delete(*, haulage: InlandHaulage) -> None:
    _delete(haulage)


# Insurance -----------------------------------------------------------------------


@transaction.atomic
def insurance_rate_create(
    *,
    rate_pct: Decimal,
    valid_from: datetime.date,
    source: str,
    destination_country: str = "",
    indicative: bool = True,
) -> InsuranceRate:
    """Cargo insurance as a percentage of the CFR value, for one destination
    country or (blank) every destination without a rate of its own."""
    fields = {
        "destination_country": destination_country,
        "rate_pct": rate_pct,
        "valid_from": valid_from,
        "indicative": indicative,
        "source": source,
    }
    return _save(InsuranceRate(**normalise(InsuranceRate, fields)))


@transaction.atomic
def insurance_rate_update(*, insurance_rate: InsuranceRate, **fields: Any) -> InsuranceRate:
    return _update(insurance_rate, fields)


@transaction.atomic
def insurance_rate_delete(*, insurance_rate: InsuranceRate) -> None:
    _delete(insurance_rate)


# Imports -------------------------------------------------------------------------


@transaction.atomic
def freight_table_save(*, model: type[_R], added: Sequence[_R], updated: Sequence[_R]) -> None:
    """Store the checked rates of an imported file, new and changed, together;
    matching then runs once for the lot."""
    model._default_manager.bulk_create(added, batch_size=500)
    model._default_manager.bulk_update(updated, value_fields(model), batch_size=500)
    match_runs.on_many_changed()
