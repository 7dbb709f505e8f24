"""Building import files for the import and export tests."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from matchmaking.spreadsheets.formats import LOTS, NEEDS

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


def repeated(piece: bytes, size: int) -> Iterator[bytes]:
    """`size` bytes of `piece` over and over, a mebibyte at a time, so a part of
    hundreds of MiB is built without holding it in memory."""
    block = piece * (1024 * 1024 // len(piece))
    while size > 0:
        yield block[:size]
        size -= len(block)


def workbook_with(
    sheet_xml: Iterable[bytes] = (),
    *,
    parts: Mapping[str, Iterable[bytes]] | None = None,
    stored: Mapping[str, bytes] | None = None,
) -> bytes:
    """A valid workbook of one lot whose sheet1.xml holds `sheet_xml` ahead of its
    rows, with extra `parts` (deflated) and `stored` parts (kept as they are:
    random bytes stored make an upload larger without it unpacking to more)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_file(LOT_HEADER, [lot_row()])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with archive.open(info.filename, "w") as part:
                part.write(head)
                for chunk in sheet_xml:
                    part.write(chunk)
                part.write(b"<sheetData>" + tail)
        for name, chunks in (parts or {}).items():
            with archive.open(name, "w") as part:
                for chunk in chunks:
                    part.write(chunk)
        for name, data in (stored or {}).items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
