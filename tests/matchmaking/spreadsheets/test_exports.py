"""Exports are in the import format: exporting and importing again changes
nothing. Text a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from matchmaking.models import Lot, Need
from matchmaking.spreadsheets.apply import import_file
from matchmaking.spreadsheets.exports import export_file, template_file
from matchmaking.spreadsheets.files import neutralise_formula, unquote_text
from matchmaking.spreadsheets.formats import LOTS, NEEDS
from tests.factories import BuyerFactory, ExporterFactory, LotFactory, NeedFactory
from tests.matchmaking.spreadsheets.import_support import read_csv

pytestmark = pytest.mark.django_db

_VOLATILE = {"id", "updated_at", "created_at"}


def _snapshot(queryset) -> dict[str, dict]:
    return {
        obj.ref: {k: v for k, v in model_to_dict(obj).items() if k not in _VOLATILE} | {"status": obj.status}
        for obj in queryset
    }


def _varied_lots(exporter) -> None:
    LotFactory(exporter=exporter, ref="A-1", status=Lot.Status.SOLD)
    LotFactory(
        exporter=exporter,
        ref="0042",
        make="奇瑞",
        model="Tiggo 8 Pro, Max",
        trim="",
        first_registration=None,
        engine_cc=None,
        power_kw=None,
        battery_kwh=None,
        battery_soh_pct=None,
        transmission="",
        drive="",
        emission_standard="",
        colour="",
        seats=None,
        shipping_modes=[],
        vin="LGXCE4CB2N0123456",
        unit_price=Decimal("9999.99"),
        location='Zhengzhou "Airport" lot',
        status=Lot.Status.DRAFT,
    )
    LotFactory(exporter=exporter, ref="B-2", fuel_type="bev", steering="RHD", battery_kwh=Decimal("60.5"))


def _varied_needs(buyer) -> None:
    NeedFactory(buyer=buyer, ref="N-1", status=Need.Status.FULFILLED)
    NeedFactory(
        buyer=buyer,
        ref="N-2",
        makes=[],
        model_names=["Song Plus", "Han"],
        body_types=[],
        fuel_types=[],
        year_min=None,
        year_max=None,
        max_mileage_km=None,
        min_battery_soh_pct=None,
        steering="RHD",
        allow_split=False,
        shipping_modes=[],
        # An old need keeps its past deadline through a round trip.
        deadline=datetime.date(2020, 1, 31),
        # No market rule limits steering to Russia, so RHD is the need's own choice.
        destination_country="RU",
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_lots_round_trip_unchanged(fmt):
    exporter = ExporterFactory()
    _varied_lots(exporter)
    LotFactory(ref="A-1")  # another exporter's lot is not exported
    before = _snapshot(Lot.objects.filter(exporter=exporter))

    export = export_file("lots", Lot.objects.filter(exporter=exporter), fmt, owner_name=exporter.name)
    report = import_file("lots", export.content, export.filename, exporter)

    assert report.ok, (report.file_errors, report.errors)
    assert (report.created, report.updated) == (0, 3)
    assert _snapshot(Lot.objects.filter(exporter=exporter)) == before
    assert export.filename.startswith("lots-company-")
    assert export.filename.endswith(f".{fmt}")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_needs_round_trip_unchanged(fmt):
    buyer = BuyerFactory()
    _varied_needs(buyer)
    before = _snapshot(Need.objects.filter(buyer=buyer))

    export = export_file("needs", Need.objects.filter(buyer=buyer), fmt)
    report = import_file("needs", export.content, export.filename, buyer)

    assert report.ok, (report.file_errors, report.errors)
    assert (report.created, report.updated) == (0, 2)
    assert _snapshot(Need.objects.filter(buyer=buyer)) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_ref_starting_with_a_formula_character_round_trips_to_the_same_lot(fmt):
    exporter = ExporterFactory()
    for ref in ("=CD-1", "-CD-2", "'=CD-3", "@CD-4"):
        LotFactory(exporter=exporter, ref=ref, trim="+Sport")
    before = _snapshot(Lot.objects.filter(exporter=exporter))

    export = export_file("lots", Lot.objects.filter(exporter=exporter), fmt)
    report = import_file("lots", export.content, export.filename, exporter)

    assert report.ok, (report.file_errors, report.errors)
    assert (report.created, report.updated) == (0, 4)
    assert _snapshot(Lot.objects.filter(exporter=exporter)) == before


def test_csv_export_has_the_import_header_and_formats():
    exporter = ExporterFactory()
    LotFactory(exporter=exporter, ref="A-1")

    rows = read_csv(export_file("lots", Lot.objects.filter(exporter=exporter), "csv").content)

    assert rows[0] == LOTS.header
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["first_registration"] == "2023-05"
    assert values["shipping_modes"] == "rail;container"
    assert values["unit_price"] == "16500.00"
    assert values["battery_kwh"] == "18.3"


def test_export_neutralises_formula_injection():
    exporter = ExporterFactory()
    LotFactory(
        exporter=exporter,
        ref='=HYPERLINK("http://evil")',
        make="+cmd|' /C calc'!A0",
        model="-2+3",
        trim="@SUM(A1)",
        colour="\tred",
        location="\rx",
        condition_grade="A",
    )
    objects = Lot.objects.filter(exporter=exporter)

    csv_row = dict(zip(LOTS.header, read_csv(export_file("lots", objects, "csv").content)[1], strict=True))
    sheet = load_workbook(io.BytesIO(export_file("lots", objects, "xlsx").content)).active
    xlsx_row = dict(zip(LOTS.header, next(sheet.iter_rows(min_row=2, values_only=True)), strict=True))

    for row in (csv_row, xlsx_row):
        assert row["ref"] == '\'=HYPERLINK("http://evil")'
        assert row["make"] == "'+cmd|' /C calc'!A0"
        assert row["model"] == "'-2+3"
        assert row["trim"] == "'@SUM(A1)"
        assert row["colour"] == "'\tred"
        assert row["condition_grade"] == "A"
    # No cell of the workbook is a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_export_drops_characters_a_workbook_cannot_hold():
    exporter = ExporterFactory()
    LotFactory(exporter=exporter, ref="A-1", make="BYD\x01\x1f")

    content = export_file("lots", Lot.objects.filter(exporter=exporter), "xlsx").content

    assert load_workbook(io.BytesIO(content)).active["B2"].value == "BYD"


@pytest.mark.parametrize("value", ["=1", "+x", "-y", "@z", "\tt", "\rr"])
def test_neutralise_formula_prefixes_an_apostrophe(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["BYD", "", None, 5, Decimal("1.5"), "a=b", "'", "'quoted"])
def test_neutralise_formula_leaves_other_cells_alone(value):
    assert neutralise_formula(value) == value


@pytest.mark.parametrize("value", ["'=1", "''", "'-x"])
def test_neutralise_formula_quotes_text_that_already_looks_quoted(value):
    assert neutralise_formula(value) == "'" + value


@given(st.text())
def test_unquote_text_gives_back_whatever_was_neutralised(value):
    assert unquote_text(neutralise_formula(value)) == (value, neutralise_formula(value) != value)


@pytest.mark.parametrize(
    ("kind", "fmt"), [("lots", "csv"), ("lots", "xlsx"), ("needs", "csv"), ("needs", "xlsx")]
)
def test_templates_hold_the_header_and_an_example_that_imports_cleanly(kind, fmt):
    owner = ExporterFactory() if kind == "lots" else BuyerFactory()
    spec = LOTS if kind == "lots" else NEEDS

    template = template_file(kind, fmt)
    report = import_file(kind, template.content, template.filename, owner, dry_run=True)

    assert template.filename == f"carbridge-{kind}-template.{fmt}"
    assert report.ok, (report.file_errors, report.errors)
    assert (report.rows_total, report.to_create) == (1, 1)
    if fmt == "csv":
        assert read_csv(template.content)[0] == spec.header
