"""Import limits and what an import reports: every bad row as (row, column,
reason), the preview, and the checked objects ready to apply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from accounts.models import Organisation
from matchmaking.spreadsheets.formats import ImportSpec

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
LOOKUP_CHUNK = 500

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
