"""Field validators with messages a person can act on."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from vininfo import Vin

from matchmaking.choices import BodyType, FuelType, ShippingMode

_VIN_SHAPE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
# Regions whose VINs carry the ISO 3779 check digit in position 9: North America
# by law, China by GB 16735 (so every Chinese-built vehicle here has one).
_CHECK_DIGIT_COUNTRIES = {"China", "United States", "Canada", "Mexico"}


def validate_vin(value: str) -> None:
    if not value:
        return
    vin = value.strip().upper()
    if len(vin) != 17:
        raise ValidationError(
            _("A VIN has 17 characters; this one has %(count)s."),
            params={"count": len(vin)},
            code="vin_length",
        )
    if not _VIN_SHAPE.match(vin):
        raise ValidationError(
            _("A VIN uses digits and capital letters except I, O and Q."), code="vin_characters"
        )
    info = Vin(vin)
    if not info.country:
        raise ValidationError(
            _("The VIN's first three characters (%(wmi)s) are not a known manufacturer code."),
            params={"wmi": vin[:3]},
            code="vin_wmi",
        )
    if info.country in _CHECK_DIGIT_COUNTRIES and not info.verify_checksum():
        raise ValidationError(
            _("The VIN's check digit (9th character) does not match: check for a typing mistake."),
            code="vin_check_digit",
        )


def _validate_codes(values: object, allowed: list[str], what: str) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError(_("Expected a list of codes."))
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(
            _("Unknown %(what)s: %(codes)s. Use: %(allowed)s."),
            params={"what": what, "codes": ", ".join(unknown), "allowed": ", ".join(allowed)},
        )


def validate_shipping_modes(values: object) -> None:
    _validate_codes(values, ShippingMode.values, _("shipping mode"))


def validate_body_types(values: object) -> None:
    _validate_codes(values, BodyType.values, _("body type"))


def validate_fuel_types(values: object) -> None:
    _validate_codes(values, FuelType.values, _("fuel type"))


def validate_text_list(values: object) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValidationError(_("Expected a list of names."))


# Rules across fields, shared by the web forms and the spreadsheet import so a
# row is refused for the same reason whichever way it arrives.


def first_registration_problem(registered: datetime.date | None, model_year: object) -> str | None:
    if not registered:
        return None
    if registered > timezone.localdate():
        return _("The first registration cannot be in the future.")
    # Makers sell next year's models from the summer before, never earlier.
    if isinstance(model_year, int) and registered.year < model_year - 1:
        return _("A %(year)s model cannot have been registered in %(registered)s.") % {
            "year": model_year,
            "registered": registered.year,
        }
    return None


def year_range_problem(year_min: object, year_max: object) -> str | None:
    if isinstance(year_min, int) and isinstance(year_max, int) and year_min > year_max:
        return _("The last model year (%(max)s) is before the first (%(min)s).") % {
            "max": year_max,
            "min": year_min,
        }
    return None


def deadline_problem(deadline: datetime.date | None, *, changed: bool) -> str | None:
    # An old need may keep its past deadline; a new or changed one may not.
    if deadline and changed and deadline < timezone.localdate():
        return _("The deadline has already passed.")
    return None
