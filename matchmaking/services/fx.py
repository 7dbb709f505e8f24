"""Write operations on FX rates. Each is one transaction; refusals are
`ValidationError`s with a message for the person who asked."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matchmaking.fx import BASE_CURRENCY
from matchmaking.models import FxRate
from matchmaking.services import match_runs

FX_RATE_FIELDS = ("currency", "date", "rate_to_cny")


# FX rates ----------------------------------------------------------------------


def _check_fx_rate(fx_rate: FxRate) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        fx_rate.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    rate = fx_rate.rate_to_cny
    if isinstance(rate, Decimal) and "rate_to_cny" not in errors:
        if rate <= 0:
            errors["rate_to_cny"] = [ValidationError(_("A rate must be more than zero."))]
        elif fx_rate.currency == BASE_CURRENCY and rate != 1:
            errors["rate_to_cny"] = [ValidationError(_("The yuan is always worth 1 CNY."))]
    if fx_rate.currency and isinstance(fx_rate.date, datetime.date):
        taken = FxRate.objects.filter(currency=fx_rate.currency, date=fx_rate.date).exclude(pk=fx_rate.pk)
        if taken.exists():
            errors.setdefault("date", []).append(
                ValidationError(
                    _("There is already a %(currency)s rate for %(date)s: edit that one instead.")
                    % {"currency": fx_rate.currency, "date": fx_rate.date.isoformat()}
                )
            )
    if errors:
        raise ValidationError(errors)
    fx_rate.validate_constraints()


def _normalise_fx(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(FX_RATE_FIELDS)
    if unknown:
        raise ValueError(f"Not FX rate fields: {sorted(unknown)}")
    if isinstance(fields.get("currency"), str):
        fields["currency"] = fields["currency"].strip().upper()
    return fields


@transaction.atomic
def fx_rate_create(*, currency: str, date: datetime.date, rate_to_cny: Decimal) -> FxRate:
    """Record what one unit of `currency` was worth in yuan on `date`."""
    fx_rate = FxRate(**_normalise_fx({"currency": currency, "date": date, "rate_to_cny": rate_to_cny}))
    _check_fx_rate(fx_rate)
    fx_rate.save()
    match_runs.on_many_changed()
    return fx_rate


@transaction.atomic
def fx_rate_update(*, fx_rate: FxRate, **fields: Any) -> FxRate:
    for name, value in _normalise_fx(fields).items():
        setattr(fx_rate, name, value)
    _check_fx_rate(fx_rate)
    fx_rate.save()
    match_runs.on_many_changed()
    return fx_rate


@transaction.atomic
def fx_rate_delete(*, fx_rate: FxRate) -> None:
    fx_rate.delete()
    match_runs.on_many_changed()
