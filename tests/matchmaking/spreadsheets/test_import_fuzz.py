"""Whatever bytes arrive, an import ends in a report: problems listed and
nothing written, or a clean file applied whole. Never an unhandled exception,
never half a file."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from matchmaking.models import Lot, Need
from matchmaking.spreadsheets.apply import import_file
from matchmaking.spreadsheets.formats import LOTS, NEEDS
from tests.factories import BuyerFactory, ExporterFactory, LotFactory, NeedFactory
from tests.matchmaking.spreadsheets.import_support import lot_row, need_row

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
_tricky = st.sampled_from(
    [
        "",
        " ",
        "=1+1",
        "=cmd|' /C calc'!A0",
        "@SUM(A1)",
        "+x",
        "-2+3",
        "-",
        "1e400",
        "9" * 40,
        "-1",
        "0",
        "12,5",
        "16500.505",
        "2023-13",
        "2027-02-30",
        "yes",
        "SUV",
        "roro;;teleport",
        "LHD",
        "x" * 300,
        "\u202e",
        "NaN",
        "inf",
        "KZ",
    ]
)
_cell = st.one_of(_tricky, _text, st.integers(min_value=-(10**20), max_value=10**20).map(str))


def _rows_of(example: dict[str, str]) -> st.SearchStrategy[list[dict[str, str]]]:
    """Rows that start valid and have some cells replaced by awkward values."""
    names = list(example)
    row = st.fixed_dictionaries({}, optional={name: _cell for name in names}).map(
        lambda bad: {**example, **bad}
    )
    return st.lists(row, min_size=0, max_size=6)


def _header(names: list[str]) -> st.SearchStrategy[list[str]]:
    extra = st.lists(st.sampled_from(["notes", "", "REF", " Make ", "=evil"]), max_size=2)
    return st.tuples(
        st.lists(st.sampled_from(names), unique=True, min_size=0, max_size=len(names)), extra
    ).map(lambda parts: parts[0] + parts[1])


def _csv(header: list[str], rows: list[dict[str, str]], encoding: str, bom: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name.strip().lower(), "") for name in header])
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    return text.encode(encoding, errors="replace")


def _check(kind: str, data: bytes, filename: str, owner) -> None:
    """Import inside a savepoint that is rolled back, so examples stay apart."""
    model = Lot if kind == "lots" else Need
    with transaction.atomic():
        before = sorted(model.objects.values_list("ref", "updated_at"))
        report = import_file(kind, data, filename, owner)
        after = sorted(model.objects.values_list("ref", "updated_at"))
        if report.ok:
            assert report.applied
            assert len(after) == len(before) + report.created
            assert report.created + report.updated == report.rows_total
        else:
            assert not report.applied
            assert after == before, "a file with problems changed the data"
            for error in report.errors:
                assert error.row >= 2
                assert error.reason
        transaction.set_rollback(True)


@pytest.fixture
def exporter():
    exporter = ExporterFactory()
    LotFactory(exporter=exporter, ref=lot_row()["ref"])
    return exporter


@pytest.fixture
def buyer():
    buyer = BuyerFactory()
    NeedFactory(buyer=buyer, ref=need_row()["ref"])
    return buyer


@FUZZ
@given(data=st.binary(max_size=400), name=st.sampled_from(["f.csv", "f.xlsx", "f.xls", "f"]))
def test_random_bytes_end_in_a_report(exporter, data, name):
    _check("lots", data, name, exporter)


@FUZZ
@given(
    header=_header(LOTS.header),
    rows=_rows_of(lot_row()),
    encoding=st.sampled_from(["utf-8", "utf-16", "gbk", "cp1251", "latin-1"]),
    bom=st.booleans(),
)
def test_generated_lot_csv_files_end_in_a_report(exporter, header, rows, encoding, bom):
    _check("lots", _csv(header, rows, encoding, bom), "lots.csv", exporter)


@FUZZ
@given(
    header=_header(NEEDS.header),
    rows=_rows_of(need_row()),
    encoding=st.sampled_from(["utf-8", "utf-16-le", "gbk"]),
)
def test_generated_need_csv_files_end_in_a_report(buyer, header, rows, encoding):
    _check("needs", _csv(header, rows, encoding, False), "needs.csv", buyer)


_xlsx_value = st.one_of(
    _cell,
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.dates(min_value=datetime.date(1900, 1, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1)),
)


@FUZZ
@given(
    header=_header(LOTS.header),
    rows=st.lists(st.lists(_xlsx_value, max_size=len(LOTS.header) + 2), max_size=5),
    valid=st.lists(_rows_of(lot_row()), max_size=1),
)
def test_generated_xlsx_files_end_in_a_report(exporter, header, rows, valid):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in valid[0] if valid else []:
        sheet.append([row.get(name.strip().lower(), "") for name in header])
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)

    _check("lots", buffer.getvalue(), "lots.xlsx", exporter)


def test_a_clean_generated_file_is_applied_whole(exporter):
    data = _csv(LOTS.header, [lot_row(ref=f"G-{n}") for n in range(3)], "utf-8", True)

    report = import_file("lots", data, "lots.csv", exporter)

    assert (report.created, report.updated) == (3, 0)
