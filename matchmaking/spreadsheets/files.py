"""Reading and writing the spreadsheets people exchange with CarBridge: CSV
(UTF-8) and XLSX. Knows nothing of lots or needs; `validation` gives the cells
their meaning.

Cells come out as what the file holds: text from CSV; text, numbers, booleans
and dates from XLSX. Blank rows are skipped but row numbers stay those a
spreadsheet shows (the header is row 1), so error messages point at the right
line.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from matchmaking.spreadsheets.limits import DAMAGED_ZIP_ERRORS, WorkbookRefused, check_workbook

Cell = str | int | float | Decimal | bool | datetime.date | datetime.datetime | datetime.time | None

_ZIP_MAGIC = b"PK\x03\x04"
# Old binary Excel (.xls) and other OLE2 files.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Rows past the limit are refused; a sheet of endless blank rows (blank rows are
# skipped, not counted) is cut off as well.
_BLANK_ROW_ALLOWANCE = 10_000
# Columns beyond this are ignored (Excel allows 16,384 per row).
_MAX_COLUMNS = 500

# Text a spreadsheet program would run as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What an apostrophe added by `neutralise_formula` can stand before.
_QUOTABLE = frozenset("=+-@\t\r'")


class SheetError(Exception):
    """The file as a whole cannot be read; the message says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The header (as written in the file) and the non-blank data rows, each
    with its row number as a spreadsheet shows it."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, Sequence[Cell]]] = field(default_factory=list)


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column_letter(index: int) -> str:
    """The spreadsheet letter of a zero-based column index (0 → A)."""
    letter: str = get_column_letter(index + 1)
    return letter


def _limit_error(max_rows: int) -> SheetError:
    return SheetError(
        ngettext(
            "The file has more than %(max)s data row; split it into smaller files.",
            "The file has more than %(max)s data rows; split it into smaller files.",
            max_rows,
        )
        % {"max": f"{max_rows:,}"}
    )


def _slow_error(max_seconds: float) -> SheetError:
    return SheetError(
        ngettext(
            "Reading the file took more than %(seconds)s second, so it was stopped. "
            "Split it into smaller files, or save it as CSV UTF-8.",
            "Reading the file took more than %(seconds)s seconds, so it was stopped. "
            "Split it into smaller files, or save it as CSV UTF-8.",
            math.ceil(max_seconds),
        )
        % {"seconds": f"{max_seconds:g}"}
    )


def _collect(
    records: Iterable[tuple[int, Sequence[Cell]]], max_rows: int, max_seconds: float | None = None
) -> Sheet:
    sheet: Sheet | None = None
    # The workbook checks keep each row cheap to parse, so looking at the clock
    # once a row bounds the whole read even where no worker's time limit applies.
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    for number, cells in records:
        if max_seconds is not None and deadline is not None and time.monotonic() > deadline:
            raise _slow_error(max_seconds)
        if number > 2 * max_rows + _BLANK_ROW_ALLOWANCE:
            raise _limit_error(max_rows)
        if all(is_blank(value) for value in cells):
            continue
        cells = cells[:_MAX_COLUMNS]
        if sheet is None:
            header = ["" if value is None else str(value).replace("\ufeff", "").strip() for value in cells]
            sheet = Sheet(header=header, header_row=number)
            continue
        if len(sheet.rows) >= max_rows:
            raise _limit_error(max_rows)
        sheet.rows.append((number, cells))
    if sheet is None:
        raise SheetError(
            _("The file is empty. Start from the template: a header row, then one row per line.")
        )
    if not sheet.rows:
        raise SheetError(_("The file has a header row but no data rows below it."))
    return sheet


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    # Excel saves "CSV" with the list separator of the computer's locale: a
    # semicolon in Russia and much of Europe. Header names never contain one.
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            # A spreadsheet numbers records, not lines: a cell may span lines.
            number += 1
            yield number, record
    except csv.Error as error:
        raise SheetError(
            _("Row %(row)s could not be read as CSV (%(problem)s). Save the file as CSV UTF-8.")
            % {"row": number + 1, "problem": error}
        ) from error


def _read_csv(data: bytes, max_rows: int, max_seconds: float | None) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetError(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from error
    if "\x00" in text:
        # UTF-16 files and binary files decode as UTF-8 full of NUL characters.
        raise SheetError(_("The file is not UTF-8 text; save it as CSV UTF-8."))
    return _collect(_csv_records(text), max_rows, max_seconds)


def _check_zip(data: bytes) -> None:
    try:
        check_workbook(data)
    except WorkbookRefused as error:
        raise SheetError(error.message) from error
    except DAMAGED_ZIP_ERRORS as error:
        raise SheetError(_("The file is not a readable Excel workbook (.xlsx).")) from error


def _xlsx_records(data: bytes) -> Iterator[tuple[int, Sequence[Cell]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        # openpyxl raises a dozen exception types on damaged files.
        raise SheetError(_("The file is not a readable Excel workbook (.xlsx).")) from error
    try:
        if not workbook.worksheets:
            raise SheetError(_("The workbook has no worksheet."))
        worksheet = workbook.worksheets[0]
        # Files written by other programs often state wrong dimensions.
        worksheet.reset_dimensions()
        number = 0
        rows = worksheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as error:
                raise SheetError(
                    _("Row %(row)s of the workbook could not be read; the file may be damaged.")
                    % {"row": number + 1}
                ) from error
            number += 1
            yield number, values
    finally:
        workbook.close()


def too_large_error(size: int, max_bytes: int) -> SheetError:
    """A file of `size` bytes is over the limit (also said before reading an upload whole)."""
    return SheetError(
        _("The file is %(size)s MB; files of at most %(max)s MB can be imported.")
        % {"size": f"{size / 1024 / 1024:.1f}", "max": f"{max_bytes / 1024 / 1024:g}"}
    )


def read_sheet(
    data: bytes, filename: str, *, max_bytes: int, max_rows: int, max_seconds: float | None = None
) -> Sheet:
    """Read a CSV or XLSX file into a header and data rows, giving up after
    `max_seconds`. Raises `SheetError` with a message for the person who
    uploaded it."""
    if len(data) > max_bytes:
        raise too_large_error(len(data), max_bytes)
    if not data.strip():
        raise SheetError(
            _("The file is empty. Start from the template: a header row, then one row per line.")
        )
    name = filename.lower()
    if data.startswith(_OLE2_MAGIC) or name.endswith(".xls"):
        raise SheetError(_("Old Excel files (.xls) cannot be read: save it as .xlsx or as CSV UTF-8."))
    if data.startswith(_ZIP_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        _check_zip(data)
        return _collect(_xlsx_records(data), max_rows, max_seconds)
    return _read_csv(data, max_rows, max_seconds)


# Writing -----------------------------------------------------------------------


def _is_quoted(text: str) -> bool:
    return text[:1] == "'" and text[1:2] in _QUOTABLE


def neutralise_formula(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula gets a leading apostrophe, so
    it shows as text (OWASP's advice against CSV injection). So does text that
    already starts with an apostrophe before such a character, which makes
    `unquote_text` give every value back as it was."""
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or _is_quoted(value)):
        return "'" + value
    return value


def unquote_text(text: str) -> tuple[str, bool]:
    """Undo `neutralise_formula`: the text without the apostrophe it added, and
    whether there was one (the text is then literal, not a formula)."""
    if _is_quoted(text):
        return text[1:], True
    return text, False


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(neutralise_formula(value) if isinstance(value, str) else value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A CSV file with a BOM, which Excel needs to read UTF-8 (Chinese, Cyrillic)
    text correctly; CarBridge reads it back with or without."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        # XML cannot hold most control characters; a pasted one must not break the export.
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str) -> bytes:
    """A one-sheet workbook. Text cells are neutralised, numbers stay numbers."""
    workbook = Workbook(write_only=True)
    # Excel refuses sheet titles over 31 characters or with some punctuation.
    worksheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1")
    worksheet.append(list(header))
    for row in rows:
        worksheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
