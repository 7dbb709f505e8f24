"""Saving a checked file: all valid rows in one transaction with bulk
upserts, or nothing at all when any row has a problem."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation
from matchmaking.services import match_runs
from matchmaking.spreadsheets.reports import BATCH_SIZE, ImportReport, Progress, ValidatedImport
from matchmaking.spreadsheets.validation import validate_import

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
    owner_attname = spec.field(spec.owner_field).attname
    objects = validated.objects
    total = len(objects)
    with transaction.atomic():
        for start in range(0, total, batch_size):
            batch = objects[start : start + batch_size]
            for instance in batch:
                setattr(instance, owner_attname, organisation.pk)
            spec.model._default_manager.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=[spec.owner_field, "ref"],
                update_fields=validated.update_fields,
            )
            if progress is not None:
                progress(min(start + batch_size, total), total)
        if total:
            match_runs.on_many_changed()
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
