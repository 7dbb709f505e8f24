"""Bulk import of lots and needs: every bad row reported by row, column and
reason; all or nothing; re-import updates by ref and keeps the status."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.models import Organisation
from matchmaking.models import Lot, Need
from matchmaking.spreadsheets.apply import ImportRefused, apply_import, import_file
from matchmaking.spreadsheets.reports import RowError
from matchmaking.spreadsheets.validation import validate_import
from tests.factories import (
    BuyerFactory,
    ConventionSignatureFactory,
    ExporterFactory,
    LotFactory,
    NeedFactory,
)
from tests.matchmaking.spreadsheets.import_support import (
    LOT_HEADER,
    csv_file,
    lot_row,
    lots_csv,
    need_row,
    needs_csv,
    xlsx_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter() -> Organisation:
    return ExporterFactory()


@pytest.fixture
def signed_exporter() -> Organisation:
    exporter = ExporterFactory()
    ConventionSignatureFactory(organisation=exporter)
    return exporter


@pytest.fixture
def buyer() -> Organisation:
    return BuyerFactory()


def errors_of(report) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in report.errors}


# Every bad row -----------------------------------------------------------------


def test_lot_import_reports_every_bad_row_with_row_column_and_reason(exporter):
    data = lots_csv(
        lot_row(ref="OK-1"),
        lot_row(ref="BAD-1", body_type="spaceship", model_year="20x3"),
        lot_row(ref="OK-2"),
        lot_row(ref="BAD-2", mileage_km="-5", unit_price="16,500.00", vin="LSGPC52U56F12345"),
        lot_row(ref="BAD-3", shipping_modes="roro;teleport", first_registration="05/2023"),
        lot_row(ref="", make=""),
    )

    report = import_file("lots", data, "lots.csv", exporter, dry_run=True)

    assert errors_of(report) == {
        (3, "body_type"),
        (3, "model_year"),
        (5, "mileage_km"),
        (5, "unit_price"),
        (5, "vin"),
        (6, "first_registration"),
        (6, "shipping_modes"),
        (7, "ref"),
        (7, "make"),
    }
    reasons = {(error.row, error.column): error.reason for error in report.errors}
    assert "spaceship" in reasons[(3, "body_type")]
    assert "suv" in reasons[(3, "body_type")]
    assert "point for decimals" in reasons[(5, "unit_price")]
    assert "17 characters" in reasons[(5, "vin")]
    assert "teleport" in reasons[(6, "shipping_modes")]
    assert "YYYY-MM" in reasons[(6, "first_registration")]
    assert reasons[(7, "ref")] == "A value is required."
    assert report.error_rows == 4
    assert report.to_create == 2
    assert str(report.errors[0]).startswith("row 3, column body_type: ")


def test_need_import_checks_the_same_rules_as_the_need_form(buyer):
    data = needs_csv(
        need_row(ref="N-1", year_min="2024", year_max="2020"),
        need_row(ref="N-2", deadline="2020-01-31"),
        need_row(ref="N-3", deadline="2027-02-30", destination_country="Kazakhstan"),
        need_row(ref="N-4", allow_split="maybe", fuel_types="phev;steam", min_battery_soh_pct="120"),
        need_row(ref="N-5", makes="BYD;=HYPERLINK(1)"),
    )

    report = import_file("needs", data, "needs.csv", buyer, dry_run=True)

    assert errors_of(report) == {
        (2, "year_max"),
        (3, "deadline"),
        (4, "deadline"),
        (4, "destination_country"),
        (5, "allow_split"),
        (5, "fuel_types"),
        (5, "min_battery_soh_pct"),
        (6, "makes"),
    }
    reasons = {(error.row, error.column): error.reason for error in report.errors}
    assert reasons[(3, "deadline")] == "The deadline has already passed."
    assert "formula" in reasons[(6, "makes")]


def test_lot_import_checks_first_registration_like_the_lot_form(exporter):
    data = lots_csv(
        lot_row(ref="A", model_year="2024", first_registration="2019-01"),
        lot_row(ref="B", first_registration=f"{datetime.date.today().year + 1}-01"),
    )

    report = import_file("lots", data, "lots.csv", exporter, dry_run=True)

    assert errors_of(report) == {(2, "first_registration"), (3, "first_registration")}


def test_a_later_row_repeating_a_ref_is_the_one_reported(exporter):
    data = lots_csv(lot_row(ref="DUP"), lot_row(ref="OTHER"), lot_row(ref="DUP"))

    report = import_file("lots", data, "lots.csv", exporter, dry_run=True)

    assert report.errors == [
        RowError(4, "ref", "The reference DUP is already used on row 2 of this file."),
    ]


@pytest.mark.parametrize(
    "value", ["=1+2", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3+cmd|'/C calc'!A0", "=5", "-Sport"]
)
def test_formula_like_text_is_refused(exporter, value):
    report = import_file("lots", lots_csv(lot_row(trim=value)), "lots.csv", exporter)

    assert errors_of(report) == {(2, "trim")}
    assert "formula" in report.errors[0].reason
    assert not Lot.objects.exists()


@pytest.mark.parametrize("value", ["-", "+86 28 8888", "-5", "A=B", "'quoted", "'"])
def test_text_that_only_resembles_a_formula_is_accepted(exporter, value):
    report = import_file("lots", lots_csv(lot_row(trim=value)), "lots.csv", exporter)

    assert report.ok, report.errors
    assert Lot.objects.get().trim == value


@pytest.mark.parametrize(
    ("cell", "value"), [("'=quoted", "=quoted"), ("'-Sport", "-Sport"), ("''=x", "'=x"), ("''x", "'x")]
)
def test_an_apostrophe_before_a_formula_character_marks_text(exporter, cell, value):
    """The apostrophe exports put before such text is read as what it is."""
    report = import_file("lots", lots_csv(lot_row(trim=cell)), "lots.csv", exporter)

    assert report.ok, report.errors
    assert Lot.objects.get().trim == value


# All or nothing ----------------------------------------------------------------


def test_one_bad_row_writes_nothing(signed_exporter):
    LotFactory(exporter=signed_exporter, ref="OLD", make="Chery")
    rows = [lot_row(ref=f"R-{n}") for n in range(30)]
    rows.append(lot_row(ref="OLD", make="Geely"))
    rows.append(lot_row(ref="R-BAD", fuel_type="coal"))

    report = import_file("lots", lots_csv(*rows), "lots.csv", signed_exporter)

    assert not report.applied
    assert errors_of(report) == {(33, "fuel_type")}
    assert list(Lot.objects.values_list("ref", "make")) == [("OLD", "Chery")]


def test_apply_refuses_a_file_with_problems(exporter):
    validated = validate_import("lots", lots_csv(lot_row(model_year="old")), "lots.csv", exporter)

    with pytest.raises(ImportRefused):
        apply_import(validated)
    assert not Lot.objects.exists()


def test_a_file_checked_for_one_company_is_not_saved_for_another(exporter, signed_exporter):
    validated = validate_import("lots", lots_csv(lot_row()), "lots.csv", exporter)

    with pytest.raises(ImportRefused):
        apply_import(validated, organisation=signed_exporter)
    assert not Lot.objects.exists()


def test_a_file_checked_for_a_company_still_to_create_is_saved_for_it(signed_exporter):
    validated = validate_import("lots", lots_csv(lot_row(ref="A")), "lots.csv", None)

    report = apply_import(validated, organisation=signed_exporter)

    assert report.created == 1
    assert Lot.objects.get().exporter == signed_exporter


def test_a_database_failure_midway_rolls_back_every_batch(exporter, monkeypatch):
    validated = validate_import(
        "lots", lots_csv(*[lot_row(ref=f"R-{n}") for n in range(5)]), "lots.csv", exporter
    )
    calls = []
    original = Lot.objects.bulk_create

    def fail_on_second_batch(objs, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(objs, **kwargs)

    monkeypatch.setattr(Lot.objects, "bulk_create", fail_on_second_batch)

    with pytest.raises(RuntimeError):
        apply_import(validated, batch_size=2)
    assert calls == [2, 2]
    assert not Lot.objects.exists()


# Creating and updating ---------------------------------------------------------


def test_new_lots_are_available_once_the_convention_is_signed(signed_exporter, exporter):
    import_file("lots", lots_csv(lot_row(ref="S-1")), "lots.csv", signed_exporter)
    report = import_file("lots", lots_csv(lot_row(ref="U-1")), "lots.csv", exporter)

    assert Lot.objects.get(ref="S-1").status == Lot.Status.AVAILABLE
    assert Lot.objects.get(ref="U-1").status == Lot.Status.DRAFT
    assert any("convention" in warning for warning in report.warnings)


def test_reimporting_a_ref_updates_the_lot_and_keeps_its_status(signed_exporter):
    sold = LotFactory(exporter=signed_exporter, ref="CD-1", status=Lot.Status.SOLD, make="Chery", quantity=3)
    other = LotFactory(ref="CD-1", make="Haval")  # the same ref at another exporter is another lot

    report = import_file(
        "lots",
        lots_csv(lot_row(ref="CD-1", make="BYD", quantity="7"), lot_row(ref="CD-2")),
        "l.csv",
        signed_exporter,
    )

    assert (report.created, report.updated) == (1, 1)
    sold.refresh_from_db()
    assert (sold.make, sold.quantity, sold.status) == ("BYD", 7, Lot.Status.SOLD)
    assert Lot.objects.get(ref="CD-2").status == Lot.Status.AVAILABLE
    other.refresh_from_db()
    assert other.make == "Haval"
    assert Lot.objects.filter(exporter=signed_exporter).count() == 2


def test_columns_missing_from_the_file_keep_their_values_on_update(exporter):
    lot = LotFactory(exporter=exporter, ref="K-1", vin="LGXCE4CB2N0123456", colour="red")
    header = ["ref", "make", "model", "body_type", "fuel_type", "model_year", "mileage_km", "unit_price"]

    report = import_file(
        "lots", lots_csv(lot_row(ref="K-1", mileage_km="50000"), header=header), "k.csv", exporter
    )

    assert report.updated == 1
    lot.refresh_from_db()
    assert (lot.mileage_km, lot.vin, lot.colour) == (50_000, "LGXCE4CB2N0123456", "red")


def test_reimporting_a_need_updates_it_and_keeps_its_status(buyer):
    need = NeedFactory(buyer=buyer, ref="N-1", status=Need.Status.CLOSED, quantity=2)

    report = import_file(
        "needs", needs_csv(need_row(ref="N-1", quantity="9"), need_row(ref="N-2")), "n.csv", buyer
    )

    assert (report.created, report.updated) == (1, 1)
    need.refresh_from_db()
    assert (need.quantity, need.status) == (9, Need.Status.CLOSED)
    assert Need.objects.get(ref="N-2").status == Need.Status.OPEN


def test_codes_and_headers_are_read_case_insensitively(exporter):
    header = [f"  {name.upper()} " for name in LOT_HEADER]
    row = lot_row(
        body_type="SUV",
        fuel_type="Phev",
        steering="rhd",
        transmission="Single-Speed",
        emission_standard="China 6b",
        currency="usd",
        incoterm="fob",
        shipping_modes="RoRo; Container",
    )
    data = csv_file(header, [{f"  {key.upper()} ": value for key, value in row.items()}])

    report = import_file("lots", data, "lots.csv", exporter)

    assert report.ok, report.errors
    lot = Lot.objects.get()
    assert (lot.body_type, lot.fuel_type, lot.steering, lot.transmission) == (
        "suv",
        "phev",
        "RHD",
        "single_speed",
    )
    assert (lot.emission_standard, lot.currency, lot.incoterm) == ("china6b", "USD", "FOB")
    assert lot.shipping_modes == ["roro", "container"]


def test_need_values_are_normalised(buyer):
    row = need_row(
        destination_country="kz",
        makes="BYD; byd ;Chery",
        body_types="SUV;suv",
        allow_split="No",
        max_unit_price="18000.5",
        steering="",
    )

    report = import_file("needs", needs_csv(row), "n.csv", buyer)

    assert report.ok, report.errors
    need = Need.objects.get()
    assert need.destination_country == "KZ"
    assert (need.makes, need.body_types, need.allow_split) == (["BYD", "Chery"], ["suv"], False)
    assert need.max_unit_price == Decimal("18000.50")
    assert need.steering == ""


@pytest.mark.parametrize("value", ["yes", "TRUE", "1", "no", "False", "0"])
def test_allow_split_reads_yes_no_true_false_one_zero(buyer, value):
    report = import_file("needs", needs_csv(need_row(allow_split=value)), "n.csv", buyer)

    assert report.ok
    assert Need.objects.get().allow_split is (value.lower() in {"yes", "true", "1"})


def test_empty_optional_cells_take_the_defaults(exporter):
    row = lot_row(steering="", quantity="", currency="", incoterm="", first_registration="", engine_cc="")

    import_file("lots", lots_csv(row), "l.csv", exporter)

    lot = Lot.objects.get()
    assert (lot.steering, lot.quantity, lot.currency, lot.incoterm) == ("LHD", 1, "USD", "FOB")
    assert lot.first_registration is None
    assert lot.engine_cc is None


# The file as a whole -----------------------------------------------------------


def test_extra_columns_are_ignored_with_a_warning_naming_them(exporter):
    header = [*LOT_HEADER, "Notes", "internal_cost"]
    data = csv_file(header, [lot_row(Notes="call first", internal_cost="12000")])

    report = import_file("lots", data, "l.csv", exporter)

    assert report.applied
    assert any("Notes" in w and "internal_cost" in w and "ignored" in w for w in report.warnings)


def test_missing_required_columns_are_named_in_one_error(exporter):
    header = [name for name in LOT_HEADER if name not in {"make", "unit_price"}]

    report = import_file("lots", lots_csv(lot_row(), header=header), "l.csv", exporter)

    assert len(report.file_errors) == 1
    assert "make" in report.file_errors[0]
    assert "unit_price" in report.file_errors[0]
    assert not report.errors
    assert not Lot.objects.exists()


def test_a_column_given_twice_is_refused(exporter):
    data = (
        b"ref,make,model,body_type,fuel_type,model_year,mileage_km,unit_price,Make\n"
        b"A,B,C,suv,bev,2023,1,2,D\n"
    )

    report = import_file("lots", data, "l.csv", exporter)

    assert "appears twice" in report.file_errors[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\r\n  \n", "empty"),
        (",".join(LOT_HEADER).encode() + b"\n", "no data rows"),
        ("ref,make\n漢字".encode("utf-16"), "not UTF-8"),
        ("ref,make,model\nA,奇瑞,瑞虎\n".encode("gbk"), "not UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        (b"PK\x03\x04broken zip", "Excel workbook"),
    ],
)
def test_unreadable_files_get_one_clear_error(exporter, data, message):
    report = import_file("lots", data, "upload.csv", exporter)

    assert len(report.file_errors) == 1
    assert message in report.file_errors[0]
    assert not Lot.objects.exists()


def test_utf8_with_or_without_bom_and_semicolons_are_read(exporter):
    plain = lots_csv(lot_row(ref="A", make="比亚迪"))
    with_bom = "\ufeff".encode() + lots_csv(lot_row(ref="B"))
    semicolons = csv_file(LOT_HEADER, [lot_row(ref="C", shipping_modes="rail")]).replace(b",", b";")

    for data in (plain, with_bom, semicolons):
        report = import_file("lots", data, "l.csv", exporter)
        assert report.ok, (report.file_errors, report.errors)

    assert set(Lot.objects.values_list("ref", flat=True)) == {"A", "B", "C"}
    assert Lot.objects.get(ref="A").make == "比亚迪"


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(exporter):
    header = ",".join(LOT_HEADER)
    good = ",".join(lot_row(ref="G").get(name, "") for name in LOT_HEADER)
    bad = ",".join(lot_row(ref="B", model_year="x").get(name, "") for name in LOT_HEADER)
    data = f"{header}\n{good}\n\n,,,\n{bad}\n".encode()

    report = import_file("lots", data, "l.csv", exporter, dry_run=True)

    assert report.rows_total == 2
    assert errors_of(report) == {(5, "model_year")}


def test_size_and_row_limits_give_a_clear_error(exporter, settings):
    data = lots_csv(*[lot_row(ref=f"R{n}") for n in range(4)])

    settings.CARBRIDGE_IMPORT_MAX_ROWS = 3
    too_many = validate_import("lots", data, "l.csv", exporter).report
    settings.CARBRIDGE_IMPORT_MAX_ROWS = 50_000
    settings.CARBRIDGE_IMPORT_MAX_BYTES = 1024
    too_large = validate_import("lots", data, "l.csv", exporter).report

    assert "more than 3 data rows" in too_many.file_errors[0]
    assert "files of at most" in too_large.file_errors[0]
    assert not Lot.objects.exists()


def test_a_buyer_cannot_import_lots(buyer):
    report = import_file("lots", lots_csv(lot_row()), "l.csv", buyer)

    assert "only exporters import lots" in report.file_errors[0]
    assert not Lot.objects.exists()


# XLSX ---------------------------------------------------------------------------


def test_xlsx_lots_are_imported_with_native_cell_types(exporter):
    row = lot_row(ref="X-1")
    data = xlsx_file(LOT_HEADER, [row, lot_row(ref="X-2", body_type="tank")])
    typed = xlsx_file(
        LOT_HEADER,
        [
            {
                **row,
                "ref": 1001,
                "model_year": 2023,
                "mileage_km": 12000.0,
                "unit_price": 16500.5,
                "battery_kwh": 18.3,
                "first_registration": datetime.datetime(2023, 5, 17),
            }
        ],
    )

    bad = import_file("lots", data, "lots.xlsx", exporter)
    good = import_file("lots", typed, "lots.xlsx", exporter)

    assert errors_of(bad) == {(3, "body_type")}
    assert good.ok, good.errors
    lot = Lot.objects.get()
    assert (lot.ref, lot.mileage_km, lot.unit_price) == ("1001", 12000, Decimal("16500.50"))
    assert (lot.battery_kwh, lot.first_registration) == (Decimal("18.3"), datetime.date(2023, 5, 1))


def test_xlsx_needs_are_imported(buyer):
    row = need_row(deadline=datetime.datetime(2027, 3, 31), allow_split=False, year_min=2021)

    report = import_file("needs", xlsx_file(list(row), [row]), "n.xlsx", buyer)

    assert report.ok, report.errors
    need = Need.objects.get()
    assert (need.deadline, need.allow_split, need.year_min) == (datetime.date(2027, 3, 31), False, 2021)


# Report -------------------------------------------------------------------------


def test_dry_run_counts_previews_and_writes_nothing(exporter):
    LotFactory(exporter=exporter, ref="R-0")
    rows = [lot_row(ref=f"R-{n}", make="Geely") for n in range(25)]

    report = import_file("lots", lots_csv(*rows), "l.csv", exporter, dry_run=True)

    assert (report.to_create, report.to_update, report.applied) == (24, 1, False)
    assert len(report.preview) == 20
    assert report.preview[0] == {
        "row": 2,
        "action": "update",
        "cells": ["R-0", "Geely", "Song Plus", "2023", "phev", "12000", "10", "16500.00", "USD"],
    }
    assert Lot.objects.get().make != "Geely"
    data = report.as_dict(max_errors=5)
    assert data["valid_rows"] == 25
    assert data["errors"] == []


def test_progress_is_reported_while_checking_and_saving(exporter, monkeypatch):
    monkeypatch.setattr("matchmaking.spreadsheets.validation.PROGRESS_EVERY", 2)
    seen: list[tuple[int, int]] = []
    data = lots_csv(*[lot_row(ref=f"R-{n}") for n in range(5)])

    validated = validate_import("lots", data, "l.csv", exporter, progress=lambda d, t: seen.append((d, t)))
    apply_import(validated, progress=lambda d, t: seen.append((d, t)), batch_size=3)

    assert seen == [(2, 5), (4, 5), (5, 5), (3, 5), (5, 5)]


@pytest.mark.parametrize("rows", [5, 25])
def test_saving_takes_the_same_queries_for_any_number_of_rows(exporter, rows, django_assert_num_queries):
    LotFactory(exporter=exporter, ref="R-1")
    data = lots_csv(*[lot_row(ref=f"R-{n}") for n in range(rows)])

    # existing refs, convention version, signature, savepoint, one upsert, then
    # queueing a matching run (is one running? lock, savepoint, insert,
    # release), release
    with django_assert_num_queries(11):
        report = import_file("lots", data, "l.csv", exporter)

    assert (report.created, report.updated) == (rows - 1, 1)
