"""Bulk import of lots and needs from CSV or XLSX files (DESIGN.md §5).

`validate_import` reads a file and checks every row with the models' own field
rules plus the row rules of the lot and need forms, collecting every problem as
(row, column, reason); it writes nothing, so it is also the dry run.
`apply_import` then saves all valid rows in one transaction with bulk upserts,
or nothing at all when any row has a problem. Rows whose `ref` the
organisation already uses update that lot or need and keep its status.

Pure functions of their arguments and the database; tasks, commands and views
wrap them. The columns and cell formats live in `import_formats.py` and
`import_cells.py`, the file formats in `spreadsheets.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from accounts.selectors import current_convention
from matchmaking.import_cells import CellError, as_text
from matchmaking.import_formats import LOTS, NEEDS, SPECS, Column, ImportSpec, RowContext, spec_for
from matchmaking.models import Lot, Need
from matchmaking.services import matching
from matchmaking.services.lots import check_may_publish
from matchmaking.spreadsheets import Cell, Sheet, SheetError, column_letter, is_blank, read_sheet

__all__ = [
    "LOTS",
    "NEEDS",
    "SPECS",
    "Column",
    "ImportRefused",
    "ImportReport",
    "ImportSpec",
    "RowError",
    "ValidatedImport",
    "apply_import",
    "import_file",
    "max_import_rows",
    "max_read_seconds",
    "max_upload_bytes",
    "spec_for",
    "validate_import",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
# Reading a 50,000-row workbook takes about 15 s; a file still being read after
# this long is given up, even where no worker's time limit applies.
DEFAULT_MAX_READ_SECONDS = 60
PREVIEW_ROWS = 20
# How often (in rows) the progress callback hears from a long import.
PROGRESS_EVERY = 500
# Rows per INSERT … ON CONFLICT statement; the backend lowers it when needed.
BATCH_SIZE = 1000
# Existing rows are looked up by ref in chunks that fit every backend's
# parameter limit.
_LOOKUP_CHUNK = 500

Progress = Callable[[int, int], None]


def max_upload_bytes() -> int:
    return int(getattr(settings, "CARBRIDGE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_import_rows() -> int:
    return int(getattr(settings, "CARBRIDGE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def max_read_seconds() -> float:
    return float(getattr(settings, "CARBRIDGE_IMPORT_MAX_READ_SECONDS", DEFAULT_MAX_READ_SECONDS))


# Reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _("row %(row)s, column %(column)s: %(reason)s") % {
            "row": self.row,
            "column": self.column or "—",
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    """What an import found (dry run) or did (applied)."""

    kind: str
    rows_total: int = 0
    to_create: int = 0
    to_update: int = 0
    created: int = 0
    updated: int = 0
    applied: bool = False
    file_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    preview_columns: list[str] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def valid_rows(self) -> int:
        return self.to_create + self.to_update

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    def as_dict(self, *, max_errors: int | None = None) -> dict[str, Any]:
        """JSON for `ImportJob.report`; `max_errors` keeps a huge broken file's
        report to a size a page can show (the total is kept)."""
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "kind": self.kind,
            "rows_total": self.rows_total,
            "valid_rows": self.valid_rows,
            "error_rows": self.error_rows,
            "errors_total": len(self.errors),
            "to_create": self.to_create,
            "to_update": self.to_update,
            "created": self.created,
            "updated": self.updated,
            "applied": self.applied,
            "file_errors": list(self.file_errors),
            "warnings": list(self.warnings),
            "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in errors],
            "preview_columns": list(self.preview_columns),
            "preview": list(self.preview),
        }


@dataclass
class ValidatedImport:
    """A checked file: its report and, when the report is clean, the unsaved
    objects ready for `apply_import`."""

    spec: ImportSpec
    organisation: Organisation | None
    report: ImportReport
    objects: list[models.Model] = field(default_factory=list)
    update_fields: list[str] = field(default_factory=list)
    new_status: str = ""


# Validation ----------------------------------------------------------------------


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _map_header(spec: ImportSpec, sheet: Sheet, report: ImportReport) -> dict[str, int] | None:
    known = {column.name for column in spec.columns}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, raw in enumerate(sheet.header):
        if not raw:
            continue
        name = _normalise_header(raw)
        if name not in known:
            unknown.append(raw)
        elif name in positions:
            report.file_errors.append(
                _("The column %(name)s appears twice (columns %(first)s and %(second)s); keep one.")
                % {"name": name, "first": column_letter(positions[name]), "second": column_letter(index)}
            )
        else:
            positions[name] = index
    missing = [name for name in spec.required if name not in positions]
    if missing:
        report.file_errors.append(
            ngettext(
                "The required column %(columns)s is missing from the header row (row %(row)s).",
                "The required columns %(columns)s are missing from the header row (row %(row)s).",
                len(missing),
            )
            % {"columns": ", ".join(missing), "row": sheet.header_row}
        )
    if unknown:
        report.warnings.append(
            ngettext(
                "The column %(columns)s is not part of the %(kind)s format and was ignored.",
                "The columns %(columns)s are not part of the %(kind)s format and were ignored.",
                len(unknown),
            )
            % {"columns": ", ".join(unknown), "kind": _kind_noun(spec)}
        )
    return None if report.file_errors else positions


def _kind_noun(spec: ImportSpec) -> str:
    return _("lot") if spec.kind == LOTS.kind else _("need")


def _raw_ref(cells: Sequence[Cell], index: int) -> str | None:
    if index >= len(cells) or is_blank(cells[index]):
        return None
    try:
        return as_text(cells[index])
    except CellError:
        return None


def _existing_rows(
    spec: ImportSpec, organisation: Organisation | None, refs: list[str]
) -> dict[str, dict[str, Any]]:
    """The organisation's current rows with these refs, as field values."""
    if organisation is None or not refs:
        return {}
    attnames = [f.attname for f in spec.model._meta.concrete_fields if not f.primary_key]
    found: dict[str, dict[str, Any]] = {}
    unique = sorted(set(refs))
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start : start + _LOOKUP_CHUNK]
        rows = spec.model.objects.filter(**{spec.owner_field: organisation, "ref__in": chunk}).values(
            *attnames
        )
        for row in rows:
            found[row["ref"]] = row
    return found


def _new_status(spec: ImportSpec, organisation: Organisation | None) -> str:
    if spec.kind == NEEDS.kind:
        return Need.Status.OPEN
    if organisation is None:
        # A company created by this import has signed nothing yet.
        return Lot.Status.AVAILABLE if current_convention() is None else Lot.Status.DRAFT
    try:
        check_may_publish(organisation)
    except ValidationError:
        return Lot.Status.DRAFT
    return Lot.Status.AVAILABLE


_UNSEEN = object()


def _memo_key(value: Any) -> tuple[Any, ...]:
    """A hashable key that tells apart values the field rules could tell apart
    (Decimal("1.50") and Decimal("1.5") differ in decimal places)."""
    if isinstance(value, list):
        return (list, tuple(value))
    if isinstance(value, Decimal):
        return (Decimal, str(value))
    return (type(value), value)


class _RowValidator:
    """Turns one row into a model instance, or into its problems.

    Each row goes through the model's `full_clean` (field rules, choices,
    validators, `clean()`), restricted to the file's columns. A value that
    passed its field's rules on an earlier row is not checked again: the rules
    are functions of the value alone, and a spreadsheet repeats its makes,
    codes and currencies thousands of times.
    """

    def __init__(
        self,
        spec: ImportSpec,
        positions: dict[str, int],
        existing: dict[str, dict[str, Any]],
        organisation: Organisation | None,
        new_status: str,
    ) -> None:
        meta = spec.model._meta
        self.spec = spec
        self.existing = existing
        self.columns = [
            (column, positions[column.name]) for column in spec.columns if column.name in positions
        ]
        self.present = {column.field_name for column, _index in self.columns}
        self.order = {column.field_name: position for position, (column, _i) in enumerate(self.columns)}
        self.empty = {
            column.field_name: _empty_value(meta.get_field(column.field_name)) for column, _i in self.columns
        }
        # Only the columns in the file are checked (and later written): the
        # others keep their current value on updates and defaults on new rows.
        self.exclude = frozenset(f.name for f in meta.fields if f.name not in self.present)
        self.decimals = {
            f.name: Decimal(1).scaleb(-f.decimal_places)
            for f in meta.fields
            if isinstance(f, models.DecimalField) and f.name in self.present
        }
        # Instances are built from positional values, the fast path of Model.__init__.
        self.fields = list(meta.concrete_fields)
        self.position = {f.name: i for i, f in enumerate(self.fields)}
        owner_attname = meta.get_field(spec.owner_field).attname
        owner_id = organisation.pk if organisation is not None else None
        self.template: list[Any] = []
        self.fresh_defaults: list[tuple[int, models.Field]] = []
        for i, f in enumerate(self.fields):
            if f.primary_key:
                self.template.append(None)
            elif f.attname == owner_attname:
                self.template.append(owner_id)
            elif f.name == "status":
                self.template.append(new_status)
            else:
                self.template.append(f.get_default())
                if callable(f.default) and f.name not in self.present:
                    self.fresh_defaults.append((i, f))
        self.good: dict[tuple[str, tuple[Any, ...]], Any] = {}
        self.context = RowContext()

    def _parse(self, cells: Sequence[Cell]) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for column, index in self.columns:
            raw = cells[index] if index < len(cells) else None
            if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
                if column.required:
                    problems[column.field_name] = _("A value is required.")
                else:
                    value = self.empty[column.field_name]
                    values[column.field_name] = list(value) if isinstance(value, list) else value
                continue
            try:
                values[column.field_name] = column.parse(raw)
            except CellError as error:
                problems[column.field_name] = error.reason
        return values, problems

    def _instance(self, values: dict[str, Any], existing: dict[str, Any] | None) -> models.Model:
        if existing is not None:
            args = [None if f.primary_key else existing[f.attname] for f in self.fields]
        else:
            args = self.template.copy()
            for i, f in self.fresh_defaults:
                args[i] = f.get_default()
        for name, value in values.items():
            args[self.position[name]] = value
        return self.spec.model(*args)

    def validate(
        self, number: int, cells: Sequence[Cell]
    ) -> tuple[models.Model | None, bool, list[RowError]]:
        spec = self.spec
        values, problems = self._parse(cells)
        ref = values.get("ref")
        existing = self.existing.get(ref) if isinstance(ref, str) else None
        keys = {name: (name, _memo_key(value)) for name, value in values.items()}
        known: set[str] = set()
        for name, key in keys.items():
            cleaned = self.good.get(key, _UNSEEN)
            if cleaned is not _UNSEEN:
                values[name] = cleaned
                known.add(name)
        instance = self._instance(values, existing)
        try:
            instance.full_clean(
                exclude=self.exclude | problems.keys() | known,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.setdefault("" if name == NON_FIELD_ERRORS else name, " ".join(messages))
        for name, key in keys.items():
            if name not in known and name not in problems:
                self.good[key] = getattr(instance, name)
        if not problems:
            for name, reason in spec.check(instance, existing, self.present, self.context):
                problems.setdefault(name, reason)
        if problems:
            errors = [
                RowError(number, spec.column_of_field(name), reason)
                for name, reason in sorted(problems.items(), key=lambda item: self.order.get(item[0], -1))
            ]
            return None, False, errors
        # Stored as the database will hold it, so the preview shows 16500.00.
        for name, exponent in self.decimals.items():
            value = getattr(instance, name)
            if isinstance(value, Decimal):
                setattr(instance, name, value.quantize(exponent))
        return instance, existing is not None, []


def _empty_value(model_field: models.Field) -> Any:
    if model_field.has_default():
        return model_field.get_default()
    if model_field.null:
        return None
    return ""


def _preview_row(spec: ImportSpec, number: int, instance: models.Model, update: bool) -> dict[str, Any]:
    by_name = {column.name: column for column in spec.columns}
    cells = []
    for name in spec.preview_columns:
        column = by_name[name]
        value = column.export(getattr(instance, column.field_name))
        cells.append("" if value is None else str(value))
    return {"row": number, "action": "update" if update else "create", "cells": cells}


def validate_import(
    kind: str,
    data: bytes,
    filename: str,
    organisation: Organisation | None,
    *,
    progress: Progress | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> ValidatedImport:
    """Check a file of lots or needs for `organisation` (None: a company this
    import will create) and report what importing it would do. Writes nothing."""
    spec = spec_for(kind)
    report = ImportReport(kind=spec.kind, preview_columns=list(spec.preview_columns))
    result = ValidatedImport(spec=spec, organisation=organisation, report=report)
    if organisation is not None and organisation.kind != spec.owner_kind:
        report.file_errors.append(
            _("%(organisation)s is not an exporter; only exporters import lots.")
            % {"organisation": organisation}
            if spec.kind == LOTS.kind
            else _("%(organisation)s is not a buyer; only buyers import needs.")
            % {"organisation": organisation}
        )
        return result
    try:
        sheet = read_sheet(
            data,
            filename,
            max_bytes=max_bytes if max_bytes is not None else max_upload_bytes(),
            max_rows=max_rows if max_rows is not None else max_import_rows(),
            max_seconds=max_read_seconds(),
        )
    except SheetError as error:
        report.file_errors.append(error.message)
        return result
    positions = _map_header(spec, sheet, report)
    if positions is None:
        return result
    report.rows_total = total = len(sheet.rows)
    ref_index = positions["ref"]
    existing = _existing_rows(
        spec, organisation, [ref for _n, cells in sheet.rows if (ref := _raw_ref(cells, ref_index))]
    )
    result.new_status = _new_status(spec, organisation)
    validator = _RowValidator(spec, positions, existing, organisation, result.new_status)
    first_row_of_ref: dict[str, int] = {}
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        instance, update, errors = validator.validate(number, cells)
        ref = _raw_ref(cells, ref_index)
        if ref is not None:
            if ref in first_row_of_ref:
                errors.append(
                    RowError(
                        number,
                        "ref",
                        _("The reference %(ref)s is already used on row %(row)s of this file.")
                        % {"ref": ref, "row": first_row_of_ref[ref]},
                    )
                )
                instance = None
            else:
                first_row_of_ref[ref] = number
        if validator.context.notes:
            report.warnings.extend(
                _("Row %(row)s: %(note)s") % {"row": number, "note": note} for note in validator.context.notes
            )
            validator.context.notes.clear()
        if errors:
            report.errors.extend(errors)
        elif instance is not None:
            result.objects.append(instance)
            if update:
                report.to_update += 1
            else:
                report.to_create += 1
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(_preview_row(spec, number, instance, update))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    result.update_fields = [name for name in validator.present if name != "ref"]
    result.update_fields += [*spec.derived_fields, "updated_at"]
    if spec.kind == LOTS.kind and result.new_status == Lot.Status.DRAFT and report.to_create:
        report.warnings.append(
            ngettext(
                "Your company has not signed the current self-discipline convention: the %(count)s new lot "
                "is saved as a draft, which buyers do not see until you sign and publish it.",
                "Your company has not signed the current self-discipline convention: the %(count)s new lots "
                "are saved as drafts, which buyers do not see until you sign and publish them.",
                report.to_create,
            )
            % {"count": report.to_create}
        )
    if not report.ok:
        result.objects = []
    return result


# Applying -----------------------------------------------------------------------


class ImportRefused(Exception):
    """`apply_import` was handed a file with problems."""


def apply_import(
    validated: ValidatedImport,
    *,
    organisation: Organisation | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Save every row of a clean validated file in one transaction: new refs are
    created, existing ones updated (their status kept). With any problem in the
    file nothing is written and `ImportRefused` is raised. `organisation` names
    the owner of a file checked for a company that did not exist yet."""
    report = validated.report
    if not report.ok:
        raise ImportRefused(_("The file has problems; nothing was imported."))
    spec = validated.spec
    if validated.organisation is not None and organisation not in (None, validated.organisation):
        # Which rows are updates was decided for the organisation checked against.
        raise ImportRefused(_("The file was checked for another company; check it again."))
    organisation = organisation or validated.organisation
    if organisation is None or organisation.kind != spec.owner_kind:
        raise ImportRefused(_("Say which company the rows belong to."))
    owner_attname = spec.model._meta.get_field(spec.owner_field).attname
    objects = validated.objects
    total = len(objects)
    with transaction.atomic():
        for start in range(0, total, batch_size):
            batch = objects[start : start + batch_size]
            for instance in batch:
                setattr(instance, owner_attname, organisation.pk)
            spec.model.objects.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=[spec.owner_field, "ref"],
                update_fields=validated.update_fields,
            )
            if progress is not None:
                progress(min(start + batch_size, total), total)
        if total:
            matching.on_many_changed()
    report.created, report.updated, report.applied = report.to_create, report.to_update, True
    return report


def import_file(
    kind: str,
    data: bytes,
    filename: str,
    organisation: Organisation | None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate a file and, unless it is a dry run or has problems, apply it."""
    validated = validate_import(kind, data, filename, organisation, progress=progress)
    if dry_run or not validated.report.ok:
        return validated.report
    return apply_import(validated)
