"""Building import files for the import and export tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from matchmaking.imports import LOTS, NEEDS

LOT_HEADER = LOTS.header
NEED_HEADER = NEEDS.header


def lot_row(**overrides: Any) -> dict[str, Any]:
    """A valid lot row (the template's example) with some columns changed."""
    row = {name: "" if value is None else str(value) for name, value in LOTS.example.items()}
    row.update(overrides)
    return row


def need_row(**overrides: Any) -> dict[str, Any]:
    row = {name: "" if value is None else str(value) for name, value in NEEDS.example.items()}
    row.update(overrides)
    return row


def table(header: Sequence[str], rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    return [list(header), *[[row.get(name, "") for name in header] for row in rows]]


def csv_file(header: Sequence[str], rows: Iterable[dict[str, Any]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table(header, rows))
    return buffer.getvalue().encode(encoding)


def xlsx_file(header: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for values in table(header, rows):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def lots_csv(*rows: dict[str, Any], header: Sequence[str] = LOT_HEADER) -> bytes:
    return csv_file(header, rows)


def needs_csv(*rows: dict[str, Any], header: Sequence[str] = NEED_HEADER) -> bytes:
    return csv_file(header, rows)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
