"""The freight, inland haulage and insurance tables as spreadsheets: importing
a whole table from CSV or XLSX, exporting it, and the blank templates. The
columns are those of the bundled data files (data/freight_rates.csv,
inland_haulage.csv, insurance_rates.csv).

An import checks every row and saves nothing unless all are good; then a row
whose key (route, class and `valid_from`) names a stored rate updates it, any
other adds a rate, all in one transaction. The tables are small, so the page
imports at once rather than through a background job like lots and needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from matchmaking.choices import CURRENCIES, ShippingMode, VehicleClass
from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate
from matchmaking.services import freight as services
from matchmaking.services.freight import AnyRate
from matchmaking.spreadsheets.cells import (
    CellError,
    code_parser,
    export_boolean,
    export_country,
    export_day,
    export_text,
    parse_boolean,
    parse_country,
    parse_day,
    parse_decimal,
    parse_text,
)
from matchmaking.spreadsheets.exports import CONTENT_TYPES, FORMATS, ExportFile
from matchmaking.spreadsheets.files import (
    Cell,
    Sheet,
    column_letter,
    csv_bytes,
    is_blank,
    read_sheet,
    too_large_error,
    xlsx_bytes,
)
from matchmaking.spreadsheets.reports import RowError, max_import_rows, max_read_seconds, max_upload_bytes

# A table fits in a few hundred rows; the page reads the file while the
# organiser waits, so these stay below the lot and need imports' limits.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_SECONDS = 20.0

_REQUIRED = object()


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[Cell], Any]
    export: Callable[[Any], Cell]
    # An optional column may be left out of the file: every row then takes `blank`.
    required: bool = True
    # What an empty cell means; by default an empty cell is a problem.
    blank: Any = _REQUIRED


@dataclass(frozen=True)
class TableSpec:
    name: str
    model: type[AnyRate]
    label: Promise
    columns: tuple[Column, ...]
    example: Callable[[], list[Cell]]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


def _export_decimal(value: Decimal | None) -> Cell:
    # 1650 and 0.5 as the bundled files write them, not 1650.00 and 0.500.
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _number(name: str) -> Column:
    return Column(name, parse_decimal, _export_decimal)


_VALID_FROM = Column("valid_from", parse_day, export_day)
_INDICATIVE = Column("indicative", parse_boolean, export_boolean, required=False, blank=True)
_SOURCE = Column("source", parse_text, export_text)
_VEHICLE_CLASS = Column(
    "vehicle_class", code_parser(VehicleClass, gettext_lazy("vehicle class")), export_text
)
_CURRENCY = Column("currency", code_parser(CURRENCIES, gettext_lazy("currency")), export_text)
_ORIGIN = Column("origin", parse_text, export_text)
_EXAMPLE_DAY = "2026-10-01"

TABLES = {
    "freight": TableSpec(
        name="freight",
        model=FreightRate,
        label=gettext_lazy("Freight rates"),
        columns=(
            Column("mode", code_parser(ShippingMode, gettext_lazy("shipping mode")), export_text),
            _ORIGIN,
            Column("destination_country", parse_country, export_country),
            Column("destination_port", parse_text, export_text, required=False, blank=""),
            _VEHICLE_CLASS,
            _number("price"),
            _CURRENCY,
            _VALID_FROM,
            _INDICATIVE,
            _SOURCE,
        ),
        example=lambda: [
            "roro",
            "Shanghai; Tianjin; Guangzhou",
            "NG",
            "Lagos",
            "car",
            1650,
            "USD",
            _EXAMPLE_DAY,
            "yes",
            _("Your forwarder's quote, with its date"),
        ],
    ),
    "haulage": TableSpec(
        name="haulage",
        model=InlandHaulage,
        label=gettext_lazy("Inland haulage"),
        columns=(_ORIGIN, _VEHICLE_CLASS, _number("price"), _CURRENCY, _VALID_FROM, _INDICATIVE, _SOURCE),
        example=lambda: [
            "Shanghai; Tianjin; Guangzhou",
            "car",
            250,
            "USD",
            _EXAMPLE_DAY,
            "yes",
            _("Your trucking company's quote, with its date"),
        ],
    ),
    "insurance": TableSpec(
        name="insurance",
        model=InsuranceRate,
        label=gettext_lazy("Insurance rates"),
        columns=(
            Column("destination_country", parse_country, export_country, blank=""),
            _number("rate_pct"),
            _VALID_FROM,
            _INDICATIVE,
            _SOURCE,
        ),
        example=lambda: ["", 0.5, _EXAMPLE_DAY, "yes", _("Your insurer's quote, with its date")],
    ),
}
TABLE_CHOICES = [(spec.name, spec.label) for spec in TABLES.values()]


def spec_of(table: str) -> TableSpec:
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(f"Unknown freight table {table!r}") from None


# Importing -----------------------------------------------------------------------


@dataclass
class FreightImport:
    """What an import found, and (when every row was good) what it saved."""

    spec: TableSpec
    rows_total: int = 0
    added: int = 0
    updated: int = 0
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def _positions(spec: TableSpec, sheet: Sheet, result: FreightImport) -> dict[str, int]:
    """Where each column is; unknown, repeated and missing columns are file errors."""
    known = set(spec.header)
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, raw in enumerate(sheet.header):
        name = _header_key(raw)
        if not name:
            continue
        if name not in known:
            unknown.append(raw)
        elif name in positions:
            result.file_errors.append(
                _("The column %(name)s appears twice (columns %(first)s and %(second)s); keep one.")
                % {"name": name, "first": column_letter(positions[name]), "second": column_letter(index)}
            )
        else:
            positions[name] = index
    if unknown:
        result.file_errors.append(
            ngettext(
                "The column %(columns)s is not one of the %(table)s columns: %(known)s.",
                "The columns %(columns)s are not among the %(table)s columns: %(known)s.",
                len(unknown),
            )
            % {"columns": ", ".join(unknown), "table": spec.label, "known": ", ".join(spec.header)}
        )
    missing = [column.name for column in spec.columns if column.required and column.name not in positions]
    if missing:
        result.file_errors.append(
            ngettext(
                "The required column %(columns)s is missing from the header row (row %(row)s).",
                "The required columns %(columns)s are missing from the header row (row %(row)s).",
                len(missing),
            )
            % {"columns": ", ".join(missing), "row": sheet.header_row}
        )
    return positions


def _parse_row(
    spec: TableSpec, positions: dict[str, int], cells: Sequence[Cell]
) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for column in spec.columns:
        index = positions.get(column.name)
        raw = cells[index] if index is not None and index < len(cells) else None
        if is_blank(raw):
            if column.blank is _REQUIRED:
                problems[column.name] = _("A value is required.")
            else:
                values[column.name] = column.blank
            continue
        try:
            values[column.name] = column.parse(raw)
        except CellError as error:
            problems[column.name] = error.reason
    return values, problems


def _check_row(spec: TableSpec, values: dict[str, Any], problems: dict[str, str]) -> AnyRate | None:
    """The row as an unsaved rate, or None with `problems` filled in (the
    cells that could be read are checked too, so every problem is told)."""
    rate = spec.model(**services.normalise(spec.model, values))
    try:
        services.check_rate(rate, against_database=False, exclude=problems.keys())
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            problems.setdefault("" if name == NON_FIELD_ERRORS else name, " ".join(messages))
    return None if problems else rate


def _check_rows(
    spec: TableSpec, sheet: Sheet, positions: dict[str, int], result: FreightImport
) -> list[AnyRate]:
    order = {name: index for index, name in enumerate(spec.header)}
    first_row: dict[tuple[Any, ...], int] = {}
    keys = spec.model.key_fields()
    rates: list[AnyRate] = []
    for number, cells in sheet.rows:
        values, problems = _parse_row(spec, positions, cells)
        rate = _check_row(spec, values, problems)
        if rate is not None:
            key = rate.key()
            if key in first_row:
                problems["valid_from"] = _(
                    "Row %(row)s already gives a rate with the same %(columns)s; keep one of the two."
                ) % {"row": first_row[key], "columns": ", ".join(keys)}
            else:
                first_row[key] = number
                rates.append(rate)
        result.errors.extend(
            RowError(number, name, reason)
            for name, reason in sorted(problems.items(), key=lambda item: order.get(item[0], -1))
        )
    return rates


def _save(spec: TableSpec, rates: list[AnyRate], result: FreightImport) -> None:
    stored = {rate.key(): rate for rate in spec.model._default_manager.all()}
    added: list[Any] = []
    updated: list[Any] = []
    for rate in rates:
        existing = stored.get(rate.key())
        if existing is None:
            added.append(rate)
            continue
        for name in services.value_fields(spec.model):
            setattr(existing, name, getattr(rate, name))
        updated.append(existing)
    try:
        services.freight_table_save(model=spec.model, added=added, updated=updated)
    except IntegrityError:
        result.file_errors.append(
            _("Another organiser changed these rates while the file was being checked. Upload it again.")
        )
        return
    result.added, result.updated = len(added), len(updated)


def upload_limit() -> int:
    return min(max_upload_bytes(), MAX_BYTES)


def row_limit() -> int:
    return min(max_import_rows(), MAX_ROWS)


def read_upload(upload: UploadedFile[bytes]) -> bytes:
    """The uploaded file's content, refused before reading when it is too large."""
    limit = upload_limit()
    if upload.size is not None and upload.size > limit:
        raise too_large_error(upload.size, limit)
    # One byte more than allowed is enough for read_sheet to know it is too large.
    data: bytes = upload.read(limit + 1)
    return data


@transaction.atomic
def freight_table_import(*, table: str, data: bytes, filename: str) -> FreightImport:
    """Check every row of the file and, only when all are good, store them.
    Raises `SheetError` (with a message for the organiser) when the file
    itself cannot be read."""
    spec = spec_of(table)
    sheet = read_sheet(
        data,
        filename,
        max_bytes=upload_limit(),
        max_rows=row_limit(),
        max_seconds=min(max_read_seconds(), MAX_SECONDS),
    )
    result = FreightImport(spec=spec, rows_total=len(sheet.rows))
    positions = _positions(spec, sheet, result)
    if result.file_errors:
        return result
    rates = _check_rows(spec, sheet, positions, result)
    if result.ok:
        _save(spec, rates, result)
    return result


# Exporting -----------------------------------------------------------------------


def _rows(spec: TableSpec, rates: Iterator[AnyRate]) -> Iterator[list[Cell]]:
    for rate in rates:
        yield [column.export(getattr(rate, column.name)) for column in spec.columns]


def _file(spec: TableSpec, rows: Iterator[list[Cell]] | list[list[Cell]], fmt: str, stem: str) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    content = csv_bytes(spec.header, rows) if fmt == "csv" else xlsx_bytes(spec.header, rows, title=spec.name)
    return ExportFile(content=content, filename=f"{stem}.{fmt}", content_type=CONTENT_TYPES[fmt])


def freight_table_export(table: str, fmt: str) -> ExportFile:
    """Every stored rate of the table, in the import's columns."""
    spec = spec_of(table)
    rates = spec.model._default_manager.all().iterator()
    stem = f"carbridge-{spec.name}-{timezone.localdate().isoformat()}"
    return _file(spec, _rows(spec, rates), fmt, stem)


def freight_table_template(table: str, fmt: str) -> ExportFile:
    """The header row and one example row."""
    spec = spec_of(table)
    return _file(spec, [spec.example()], fmt, f"carbridge-{spec.name}-template")
