"""An organisation's own lots and needs as CSV or XLSX, in exactly the import
format (exporting and importing again changes nothing), and the blank
templates to start an import from."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import models
from django.utils.text import slugify

from matchmaking.spreadsheets.files import Cell, csv_bytes, xlsx_bytes
from matchmaking.spreadsheets.formats import ImportSpec, spec_for

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str


def export_rows(spec: ImportSpec, objects: Iterable[models.Model]) -> Iterator[list[Cell]]:
    for obj in objects:
        yield [column.export(getattr(obj, column.field_name)) for column in spec.columns]


def _file(spec: ImportSpec, rows: Iterable[list[Cell]], fmt: str, stem: str) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    content = csv_bytes(spec.header, rows) if fmt == "csv" else xlsx_bytes(spec.header, rows, title=spec.kind)
    return ExportFile(content=content, filename=f"{stem}.{fmt}", content_type=CONTENT_TYPES[fmt])


def export_file(kind: str, objects: Iterable[models.Model], fmt: str, *, owner_name: str = "") -> ExportFile:
    """The objects (one organisation's lots or needs) as an import-ready file."""
    spec = spec_for(kind)
    stem = "-".join(
        part for part in (spec.kind, slugify(owner_name), datetime.date.today().isoformat()) if part
    )
    return _file(spec, export_rows(spec, objects), fmt, stem)


def template_file(kind: str, fmt: str) -> ExportFile:
    """The header row and one example row."""
    spec = spec_for(kind)
    example = [spec.example.get(column.name, "") for column in spec.columns]
    return _file(spec, [example], fmt, f"carbridge-{spec.kind}-template")
