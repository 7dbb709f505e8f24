"""`import_lots` and `import_needs`: one line per bad row on stderr and exit
status 2; --dry-run writes nothing; --create-org onboards a company."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Organisation
from matchmaking.models import Lot, Need
from tests.factories import BuyerFactory, ExporterFactory, LotFactory
from tests.matchmaking.spreadsheets.import_support import lot_row, lots_csv, need_row, needs_csv, xlsx_file

pytestmark = pytest.mark.django_db


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_lots_creates_and_updates_by_ref(tmp_path):
    exporter = ExporterFactory(name="Chengdu Auto Export")
    LotFactory(exporter=exporter, ref="L-1", make="Chery")
    path = _write(tmp_path, "lots.csv", lots_csv(lot_row(ref="L-1", make="BYD"), lot_row(ref="L-2")))

    out, err = _run("import_lots", path, "--exporter", "chengdu AUTO export")

    assert "1 created, 1 updated" in out
    assert err == ""
    assert sorted(Lot.objects.values_list("ref", "make")) == [("L-1", "BYD"), ("L-2", "BYD")]


def test_import_lots_prints_one_line_per_bad_row_and_exits_with_2(tmp_path):
    ExporterFactory(name="Henan Export")
    data = lots_csv(lot_row(ref="A"), lot_row(ref="B", fuel_type="coal"), lot_row(ref="C", model_year="soon"))
    path = _write(tmp_path, "lots.csv", data)
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_lots", path, "--exporter", "Henan Export", stdout=StringIO(), stderr=err)

    assert raised.value.returncode == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("row 3, column fuel_type: ")
    assert lines[1].startswith("row 4, column model_year: ")
    assert "2 rows have problems" in str(raised.value)
    assert not Lot.objects.exists()


def test_import_lots_reports_an_unreadable_file_with_2(tmp_path):
    ExporterFactory(name="Henan Export")
    path = _write(tmp_path, "lots.csv", "ref,make\nA,奇瑞\n".encode("utf-16"))
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_lots", path, "--exporter", "Henan Export", stdout=StringIO(), stderr=err)

    assert raised.value.returncode == 2
    assert "not UTF-8 text; save it as CSV UTF-8" in err.getvalue()


def test_import_lots_dry_run_writes_nothing(tmp_path):
    ExporterFactory(name="Henan Export")
    path = _write(tmp_path, "lots.xlsx", xlsx_file(list(lot_row()), [lot_row(ref="A"), lot_row(ref="B")]))

    out, _err = _run("import_lots", path, "--exporter", "Henan Export", "--dry-run")

    assert "2 to create, 0 to update" in out
    assert not Lot.objects.exists()


def test_import_lots_refuses_an_unknown_or_wrong_kind_of_organisation(tmp_path):
    BuyerFactory(name="Almaty Motors")
    path = _write(tmp_path, "lots.csv", lots_csv(lot_row()))

    with pytest.raises(CommandError, match="--create-org") as unknown:
        _run("import_lots", path, "--exporter", "Nobody Ltd")
    with pytest.raises(CommandError, match="not as Exporter") as wrong_kind:
        _run("import_lots", path, "--exporter", "almaty motors", "--create-org")

    assert unknown.value.returncode == wrong_kind.value.returncode == 2
    assert not Lot.objects.exists()


def test_import_lots_create_org_makes_a_pending_exporter(tmp_path):
    path = _write(tmp_path, "lots.csv", lots_csv(lot_row(ref="A")))

    out, _err = _run("import_lots", path, "--exporter", "Luoyang Trade Group", "--create-org")

    exporter = Organisation.objects.get(name="Luoyang Trade Group")
    assert exporter.kind == Organisation.Kind.EXPORTER
    assert exporter.export_qualification_no == "PENDING"
    assert exporter.country == "CN"
    assert "PENDING" in out
    assert "Warning" in out
    # It has not signed the convention, so its lots wait as drafts.
    assert Lot.objects.get(exporter=exporter).status == Lot.Status.DRAFT


def test_create_org_in_a_dry_run_creates_nothing(tmp_path):
    path = _write(tmp_path, "lots.csv", lots_csv(lot_row(ref="A")))

    out, _err = _run("import_lots", path, "--exporter", "Luoyang Trade Group", "--create-org", "--dry-run")

    assert "would be created" in out
    assert not Organisation.objects.exists()
    assert not Lot.objects.exists()


def test_create_org_with_a_bad_file_creates_nothing(tmp_path):
    path = _write(tmp_path, "lots.csv", lots_csv(lot_row(body_type="boat")))

    with pytest.raises(CommandError):
        _run("import_lots", path, "--exporter", "Luoyang Trade Group", "--create-org")

    assert not Organisation.objects.exists()


def test_import_needs_creates_a_buyer_in_its_main_destination(tmp_path):
    data = needs_csv(
        need_row(ref="N-1", destination_country="UZ"),
        need_row(ref="N-2", destination_country="UZ"),
        need_row(ref="N-3", destination_country="KZ"),
    )
    path = _write(tmp_path, "needs.csv", data)

    out, _err = _run("import_needs", path, "--buyer", "Tashkent Auto", "--create-org")

    buyer = Organisation.objects.get(name="Tashkent Auto")
    assert (buyer.kind, buyer.country.code, buyer.export_qualification_no) == ("buyer", "UZ", "")
    assert "3 created, 0 updated" in out
    assert set(Need.objects.values_list("status", flat=True)) == {Need.Status.OPEN}


def test_import_needs_reports_bad_rows_with_2(tmp_path):
    BuyerFactory(name="Lagos Motors")
    path = _write(tmp_path, "needs.csv", needs_csv(need_row(ref="N-1", year_min="2025", year_max="2020")))
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_needs", path, "--buyer", "lagos motors", stdout=StringIO(), stderr=err)

    assert raised.value.returncode == 2
    assert (
        err.getvalue().strip()
        == "row 2, column year_max: The last model year (2020) is before the first (2025)."
    )
    assert not Need.objects.exists()


def test_a_missing_file_exits_with_2(tmp_path):
    ExporterFactory(name="Henan Export")

    with pytest.raises(CommandError, match="Cannot read") as raised:
        _run("import_lots", str(tmp_path / "nope.csv"), "--exporter", "Henan Export")

    assert raised.value.returncode == 2
