"""Checking a file of lots or needs (DESIGN.md §5) without writing anything,
so it is also the dry run.

`validate_import` reads a file and checks every row with the models' own field
rules plus the row rules of the lot and need forms (`formats`), collecting
every problem as (row, column, reason). Rows whose `ref` the organisation
already uses will update that lot or need and keep its status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from accounts.selectors import current_convention
from matchmaking.models import Lot, Need
from matchmaking.services.lots import check_may_publish
from matchmaking.spreadsheets.cells import CellError, as_text
from matchmaking.spreadsheets.files import Cell, Sheet, SheetError, column_letter, is_blank, read_sheet
from matchmaking.spreadsheets.formats import LOTS, NEEDS, ImportSpec, spec_for
from matchmaking.spreadsheets.reports import (
    LOOKUP_CHUNK,
    PREVIEW_ROWS,
    PROGRESS_EVERY,
    ImportReport,
    Progress,
    RowError,
    ValidatedImport,
    max_import_rows,
    max_read_seconds,
    max_upload_bytes,
)
from matchmaking.spreadsheets.rows import RowValidator

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
    for start in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[start : start + LOOKUP_CHUNK]
        rows = spec.model._default_manager.filter(
            **{spec.owner_field: organisation, "ref__in": chunk}
        ).values(*attnames)
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
    validator = RowValidator(spec, positions, existing, organisation, result.new_status)
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
