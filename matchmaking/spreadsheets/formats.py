"""The lot and need import formats: their columns in file order, how each
cell is read and written, and the row rules the lot and need forms apply
beyond the model fields.

Why ~400 lines: the two column lists (DESIGN.md §5) are long tables that read
best whole, next to the row rules they share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation
from matchmaking.choices import (
    CURRENCIES,
    BodyType,
    Drive,
    EmissionStandard,
    FuelType,
    Incoterm,
    ShippingMode,
    Steering,
    Transmission,
)
from matchmaking.models import Lot, Need
from matchmaking.refusals import conflict_message
from matchmaking.selectors import engine_inputs
from matchmaking.services.needs import need_rule_errors
from matchmaking.spreadsheets.cells import (
    code_parser,
    codes_parser,
    export_boolean,
    export_country,
    export_day,
    export_list,
    export_month,
    export_number,
    export_text,
    parse_boolean,
    parse_country,
    parse_day,
    parse_decimal,
    parse_integer,
    parse_month,
    parse_names,
    parse_text,
    parse_vin,
)
from matchmaking.spreadsheets.files import Cell
from matchmaking.validators import deadline_problem, first_registration_problem, year_range_problem

# Columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[Cell], Any]
    export: Callable[[Any], Cell]
    help: Promise
    field: str = ""
    required: bool = False

    @property
    def field_name(self) -> str:
        return self.field or self.name


def _text(name: str, help: Promise, *, required: bool = False, field: str = "") -> Column:
    return Column(name, parse_text, export_text, help, field=field, required=required)


def _code(name: str, choices: type[Enum] | Sequence[str], what: Promise, help: Promise, **kw: Any) -> Column:
    return Column(name, code_parser(choices, what), export_text, help, **kw)


def _codes(name: str, choices: type[Enum], what: Promise, help: Promise, **kw: Any) -> Column:
    return Column(name, codes_parser(choices, what), export_list, help, **kw)


def _int(name: str, help: Promise, *, required: bool = False) -> Column:
    return Column(name, parse_integer, export_number, help, required=required)


def _decimal(name: str, help: Promise, *, required: bool = False) -> Column:
    return Column(name, parse_decimal, export_number, help, required=required)


_CURRENCY_HELP = gettext_lazy("ISO 4217 code, e.g. USD, CNY, RUB; USD when empty.")
_SHIPPING_HELP = gettext_lazy("Codes separated by ;: roro, container, rail, road.")

LOT_COLUMNS: tuple[Column, ...] = (
    _text(
        "ref",
        gettext_lazy("Your stock number; unique among your lots. An existing one updates that lot."),
        required=True,
    ),
    _text("make", gettext_lazy("e.g. BYD, Chery, Toyota."), required=True),
    _text("model", gettext_lazy("e.g. Song Plus."), required=True),
    _text("trim", gettext_lazy("Optional, e.g. DM-i Flagship.")),
    _code(
        "body_type",
        BodyType,
        gettext_lazy("body type"),
        gettext_lazy("sedan, hatchback, suv, mpv, pickup, van, bus, truck, coupe or wagon."),
        required=True,
    ),
    _code(
        "fuel_type",
        FuelType,
        gettext_lazy("fuel type"),
        gettext_lazy("petrol, diesel, hev, phev, bev, erev or cng."),
        required=True,
    ),
    _int("model_year", gettext_lazy("e.g. 2023."), required=True),
    Column(
        "first_registration",
        parse_month,
        export_month,
        gettext_lazy("Year and month, YYYY-MM, e.g. 2023-05."),
    ),
    _int("mileage_km", gettext_lazy("Whole kilometres, e.g. 12000."), required=True),
    _code("steering", Steering, gettext_lazy("steering"), gettext_lazy("LHD or RHD; LHD when empty.")),
    _code(
        "transmission",
        Transmission,
        gettext_lazy("transmission"),
        gettext_lazy("manual, automatic, cvt, dct or single_speed."),
    ),
    _code("drive", Drive, gettext_lazy("drive"), gettext_lazy("fwd, rwd, awd or 4wd.")),
    _int("engine_cc", gettext_lazy("Engine displacement in cc.")),
    _int("power_kw", gettext_lazy("Power in kW.")),
    _decimal("battery_kwh", gettext_lazy("Battery capacity in kWh, e.g. 18.3.")),
    _int("battery_soh_pct", gettext_lazy("Battery state of health, 0–100.")),
    _code(
        "emission_standard",
        EmissionStandard,
        gettext_lazy("emission standard"),
        gettext_lazy("china3 … china6b or euro2 … euro6."),
    ),
    _text("colour", gettext_lazy("e.g. white.")),
    _int("seats", gettext_lazy("Number of seats.")),
    _text("condition_grade", gettext_lazy("Your grading, e.g. A, B+ or 4.5.")),
    _int("quantity", gettext_lazy("Identical vehicles available; 1 when empty.")),
    _decimal(
        "unit_price", gettext_lazy("Price per vehicle, with a point for decimals: 16500.00."), required=True
    ),
    _code("currency", CURRENCIES, gettext_lazy("currency"), _CURRENCY_HELP),
    _code(
        "incoterm", Incoterm, gettext_lazy("incoterm"), gettext_lazy("EXW, FOB, CFR or CIF; FOB when empty.")
    ),
    _text("location", gettext_lazy("Where the vehicles are.")),
    _text("loading_point", gettext_lazy("Port or rail station of loading.")),
    _codes("shipping_modes", ShippingMode, gettext_lazy("shipping mode"), _SHIPPING_HELP),
    Column("vin", parse_vin, export_text, gettext_lazy("Optional; 17 characters, checked when given.")),
)

NEED_COLUMNS: tuple[Column, ...] = (
    _text(
        "ref",
        gettext_lazy("Your request number; unique among your needs. An existing one updates that need."),
        required=True,
    ),
    _text("title", gettext_lazy("What sellers see first."), required=True),
    Column(
        "destination_country",
        parse_country,
        export_country,
        gettext_lazy("Two-letter ISO code, e.g. KZ."),
        required=True,
    ),
    _text("destination_port", gettext_lazy("Port or station of arrival.")),
    Column(
        "makes", parse_names, export_list, gettext_lazy("Makes separated by ;, e.g. BYD;Chery. Empty: any.")
    ),
    Column(
        "models",
        parse_names,
        export_list,
        gettext_lazy("Models separated by ;. Empty: any."),
        field="model_names",
    ),
    _codes(
        "body_types",
        BodyType,
        gettext_lazy("body type"),
        gettext_lazy("Body type codes separated by ;. Empty: any."),
    ),
    _codes(
        "fuel_types",
        FuelType,
        gettext_lazy("fuel type"),
        gettext_lazy("Fuel type codes separated by ;. Empty: any."),
    ),
    _int("year_min", gettext_lazy("Oldest model year wanted.")),
    _int("year_max", gettext_lazy("Newest model year wanted.")),
    _int("max_mileage_km", gettext_lazy("Highest mileage accepted, in km.")),
    _int("min_battery_soh_pct", gettext_lazy("Lowest battery state of health accepted, 0–100.")),
    _code(
        "steering",
        Steering,
        gettext_lazy("steering"),
        gettext_lazy("LHD or RHD; empty: as the market rule requires."),
    ),
    _int("quantity", gettext_lazy("Vehicles wanted; 1 when empty.")),
    Column(
        "allow_split",
        parse_boolean,
        export_boolean,
        gettext_lazy("yes or no: may the quantity come from several lots? yes when empty."),
    ),
    _decimal("max_unit_price", gettext_lazy("Highest price per vehicle, e.g. 18000.00."), required=True),
    _code("currency", CURRENCIES, gettext_lazy("currency"), _CURRENCY_HELP),
    _code(
        "incoterm", Incoterm, gettext_lazy("incoterm"), gettext_lazy("EXW, FOB, CFR or CIF; CIF when empty.")
    ),
    _codes("shipping_modes", ShippingMode, gettext_lazy("shipping mode"), _SHIPPING_HELP),
    Column("deadline", parse_day, export_day, gettext_lazy("Ship by, YYYY-MM-DD, e.g. 2027-03-31.")),
)


# Row rules the lot and need forms apply beyond the model fields ------------------


@dataclass
class RowContext:
    """What the row checks of one file share: data loaded once (`cache`) and
    notes on the current row that are not problems (`notes`, read and cleared
    after each row)."""

    cache: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# Takes an instance of its spec's model (a Lot for lots, a Need for needs),
# which a non-generic ImportSpec can only call Any.
RowCheck = Callable[[Any, dict[str, Any] | None, set[str], RowContext], list[tuple[str, str]]]


def _check_lot(
    lot: Lot, existing: dict[str, Any] | None, present: set[str], context: RowContext
) -> list[tuple[str, str]]:
    """The lot form's rules on first registration."""
    if "first_registration" not in present:
        return []
    problem = first_registration_problem(lot.first_registration, lot.model_year)
    return [("first_registration", problem)] if problem else []


def _check_need(
    need: Need, existing: dict[str, Any] | None, present: set[str], context: RowContext
) -> list[tuple[str, str]]:
    """The need form's rules: the year range, the deadline, and the
    destination's market rules, which a need may narrow but never widen."""
    problems: list[tuple[str, str]] = []
    if problem := year_range_problem(need.year_min, need.year_max):
        problems.append(("year_max", problem))
    changed = existing is None or existing.get("deadline") != need.deadline
    if "deadline" in present and (problem := deadline_problem(need.deadline, changed=changed)):
        problems.append(("deadline", problem))
    if "rules" not in context.cache:
        context.cache["rules"] = engine_inputs.rule_records()
    for name, messages in need_rule_errors(need, context.cache["rules"]).items():
        problems.append((name, " ".join(messages)))
    if need.blocked_by_rule and not problems:
        block = need.blocked_by_rule
        context.notes.append(
            _("No lot will ever match this need: %(reason)s.")
            % {"reason": conflict_message(block["reason"], block["params"], field=block.get("field", ""))}
        )
    return problems


# Specs --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    model: type[models.Model]
    owner_field: str
    owner_kind: str
    columns: tuple[Column, ...]
    preview_columns: tuple[str, ...]
    check: RowCheck
    example: dict[str, Cell]
    # Fields the row checks work out from the others, written with them.
    derived_fields: tuple[str, ...] = ()

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    def column_of_field(self, field_name: str) -> str:
        for column in self.columns:
            if column.field_name == field_name:
                return column.name
        return ""

    def field(self, name: str) -> models.Field[Any, Any]:
        """The model's field `name`: a column's or the owner's, never a relation's far side."""
        model_field = self.model._meta.get_field(name)
        if not isinstance(model_field, models.Field):
            raise TypeError(f"{self.model.__name__}.{name} is not a field of its own")
        return model_field


LOTS = ImportSpec(
    kind="lots",
    model=Lot,
    owner_field="exporter",
    owner_kind=Organisation.Kind.EXPORTER,
    columns=LOT_COLUMNS,
    preview_columns=(
        "ref",
        "make",
        "model",
        "model_year",
        "fuel_type",
        "mileage_km",
        "quantity",
        "unit_price",
        "currency",
    ),
    check=_check_lot,
    example={
        "ref": "CD-2024-001",
        "make": "BYD",
        "model": "Song Plus",
        "trim": "DM-i Flagship",
        "body_type": "suv",
        "fuel_type": "phev",
        "model_year": 2023,
        "first_registration": "2023-05",
        "mileage_km": 12000,
        "steering": "LHD",
        "transmission": "automatic",
        "drive": "fwd",
        "engine_cc": 1498,
        "power_kw": 145,
        "battery_kwh": Decimal("18.3"),
        "battery_soh_pct": 96,
        "emission_standard": "china6b",
        "colour": "white",
        "seats": 5,
        "condition_grade": "A",
        "quantity": 10,
        "unit_price": Decimal("16500.00"),
        "currency": "USD",
        "incoterm": "FOB",
        "location": "Chengdu",
        "loading_point": "Chengdu International Railway Port",
        "shipping_modes": "rail;container",
        "vin": "",
    },
)

NEEDS = ImportSpec(
    kind="needs",
    model=Need,
    owner_field="buyer",
    owner_kind=Organisation.Kind.BUYER,
    columns=NEED_COLUMNS,
    preview_columns=(
        "ref",
        "title",
        "destination_country",
        "quantity",
        "max_unit_price",
        "currency",
        "deadline",
    ),
    check=_check_need,
    derived_fields=("blocked_by_rule",),
    example={
        "ref": "ALA-2025-07",
        "title": "Plug-in hybrid SUVs for Almaty dealers",
        "destination_country": "KZ",
        "destination_port": "Khorgos",
        "makes": "BYD;Chery",
        "models": "",
        "body_types": "suv",
        "fuel_types": "phev;hev",
        "year_min": 2021,
        "year_max": 2025,
        "max_mileage_km": 60000,
        "min_battery_soh_pct": 85,
        "steering": "",
        "quantity": 20,
        "allow_split": "yes",
        "max_unit_price": Decimal("18000.00"),
        "currency": "USD",
        "incoterm": "CIF",
        "shipping_modes": "rail",
        "deadline": "2027-03-31",
    },
)

SPECS: dict[str, ImportSpec] = {LOTS.kind: LOTS, NEEDS.kind: NEEDS}


def spec_for(kind: str) -> ImportSpec:
    return SPECS[kind]
