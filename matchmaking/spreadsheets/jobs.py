"""The life of an import job: upload, check in the background, apply on
request. Each step is safe to run twice, because a Celery worker may deliver a
task again after a crash.

Why ~400 lines: an import job's life (upload limits, checking, applying,
recovering stalled jobs) and the tasks that run it stay together, so a task
is defined beside the service it runs.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation, User
from matchmaking.models import ImportJob
from matchmaking.services import background_task
from matchmaking.spreadsheets.apply import apply_import
from matchmaking.spreadsheets.formats import spec_for
from matchmaking.spreadsheets.reports import ImportReport, ValidatedImport, max_upload_bytes
from matchmaking.spreadsheets.validation import validate_import

logger = logging.getLogger(__name__)

# A page shows at most this many problems; the report keeps their total.
MAX_ERRORS_SHOWN = 1000
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
_PROGRESS_TTL = 60 * 60
# A step of 50,000 rows takes well under a minute; Celery stops one at the soft
# limit (the task fails the job) and ends its process at the hard one.
IMPORT_SOFT_TIME_LIMIT = 5 * 60
IMPORT_TIME_LIMIT = IMPORT_SOFT_TIME_LIMIT + 60
# A step still marked running this long after it began lost its worker (killed
# at the hard limit, or the machine went down) and will never finish.
STALLED_AFTER = datetime.timedelta(seconds=IMPORT_TIME_LIMIT + 4 * 60)

# Per company, counted in the database so every web process sees the same.
DEFAULT_UPLOADS_PER_MINUTE = 6
DEFAULT_RUNNING_AT_ONCE = 2


def _progress_key(job_id: int) -> str:
    return f"carbridge:import-progress:{job_id}"


def import_progress(job: ImportJob) -> tuple[int, int]:
    """Rows done and rows in all of the running step. Kept in the cache
    (shared Redis with a worker) because the applying step's own writes stay
    invisible until its transaction commits."""
    cached: tuple[int, int] | None = cache.get(_progress_key(job.pk))
    if cached is not None:
        return cached
    return job.rows_done, job.rows_total


def _progress_reporter(job_id: int, *, offset: int = 0, scale: int = 1) -> Callable[[int, int], None]:
    """Report `done` of `total` as part of a job whose work is `scale` passes
    over the rows, this one starting after `offset` passes."""

    def report(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), ((offset * total) + done, scale * total), _PROGRESS_TTL)

    return report


def _stalled_message() -> str:
    return _(
        "This import stopped before it finished, probably because the server restarted; "
        "nothing was imported. Upload the file again."
    )


def _timed_out_message() -> str:
    minutes = IMPORT_SOFT_TIME_LIMIT // 60
    return ngettext(
        "The import took longer than %(minutes)s minute and was stopped; nothing was imported. "
        "Split the file into smaller ones and upload them one by one.",
        "The import took longer than %(minutes)s minutes and was stopped; nothing was imported. "
        "Split the file into smaller ones and upload them one by one.",
        minutes,
    ) % {"minutes": minutes}


def import_jobs_recover_stalled(*, organisation: Organisation | None = None) -> int:
    """Fail every job (of `organisation`, or all) whose running step outlived
    its task's time limit, so its page stops showing it as running and it no
    longer counts against the company's uploads. Returns how many."""
    now = timezone.now()
    jobs = ImportJob.objects.filter(status__in=ImportJob.ACTIVE, started_at__lt=now - STALLED_AFTER)
    if organisation is not None:
        jobs = jobs.filter(organisation=organisation)
    return jobs.update(status=ImportJob.Status.FAILED, error=_stalled_message(), finished_at=now)


def import_job_recover_if_stalled(*, job: ImportJob) -> ImportJob:
    """`job`, failed first if its running step lost its worker. No query for a
    job that is not stalled."""
    now = timezone.now()
    if not job.is_running or job.started_at >= now - STALLED_AFTER:
        return job
    ImportJob.objects.filter(pk=job.pk, status=job.status, started_at=job.started_at).update(
        status=ImportJob.Status.FAILED, error=_stalled_message(), finished_at=now
    )
    job.refresh_from_db()
    return job


def _check_upload_rate(organisation: Organisation) -> None:
    per_minute = int(getattr(settings, "CARBRIDGE_IMPORT_UPLOADS_PER_MINUTE", DEFAULT_UPLOADS_PER_MINUTE))
    at_once = int(getattr(settings, "CARBRIDGE_IMPORT_RUNNING_AT_ONCE", DEFAULT_RUNNING_AT_ONCE))
    # Holding the company's row makes its uploads count one after another on
    # PostgreSQL, so two at the same instant cannot both squeeze under a limit.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).exists()
    import_jobs_recover_stalled(organisation=organisation)
    counts = ImportJob.objects.filter(organisation=organisation).aggregate(
        recent=Count("pk", filter=Q(created_at__gte=timezone.now() - datetime.timedelta(minutes=1))),
        running=Count("pk", filter=Q(status__in=ImportJob.ACTIVE)),
    )
    if counts["recent"] >= per_minute:
        raise ValidationError(
            ngettext(
                "Your company has uploaded %(count)s file in the last minute, the most allowed. "
                "Wait a minute, then upload again.",
                "Your company has uploaded %(count)s files in the last minute, the most allowed. "
                "Wait a minute, then upload again.",
                per_minute,
            )
            % {"count": per_minute},
            code="rate_limited",
        )
    if counts["running"] >= at_once:
        raise ValidationError(
            ngettext(
                "Your company already has %(count)s import being checked or imported, the most at once. "
                "Wait for it to finish, then upload again.",
                "Your company already has %(count)s imports being checked or imported, the most at once. "
                "Wait for one to finish, then upload again.",
                at_once,
            )
            % {"count": at_once},
            code="rate_limited",
        )


def kind_for(organisation: Organisation) -> str | None:
    if organisation.is_exporter:
        return ImportJob.Kind.LOTS
    if organisation.is_buyer:
        return ImportJob.Kind.NEEDS
    return None


@transaction.atomic
def import_job_create(
    *, organisation: Organisation, user: User | None, kind: str, upload: UploadedFile[bytes]
) -> ImportJob:
    """Keep an uploaded file and check it in the background once saved."""
    if kind_for(organisation) != kind:
        raise ValidationError(
            _("Only exporters import lots.")
            if kind == ImportJob.Kind.LOTS
            else _("Only buyers import needs.")
        )
    name = upload.name or ""
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise ValidationError(_("Upload a .csv or .xlsx file."), code="extension")
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; files of at most %(max)s MB can be imported.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": f"{limit / 1024 / 1024:g}"},
            code="too_large",
        )
    _check_upload_rate(organisation)
    job = ImportJob.objects.create(
        organisation=organisation, uploaded_by=user, kind=kind, file=upload, original_name=name[-255:]
    )
    language = translation.get_language() or "en"
    transaction.on_commit(lambda: import_validate_task.delay(job.pk, language))
    return job


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        # One byte more than allowed is enough to know it is too large.
        content: bytes = handle.read(max_upload_bytes() + 1)
    return content


def _validate(job: ImportJob, *, offset: int = 0, scale: int = 1) -> ValidatedImport:
    return validate_import(
        job.kind,
        _read(job),
        job.original_name,
        job.organisation,
        progress=_progress_reporter(job.pk, offset=offset, scale=scale),
    )


def _fail(job_id: int, from_status: str, message: str) -> None:
    ImportJob.claim(
        job_id, from_status=from_status, to_status=ImportJob.FAILED, error=message, finished_at=timezone.now()
    )


def _finish_checking(job_id: int, from_status: str, report: ImportReport) -> None:
    ImportJob.claim(
        job_id,
        from_status=from_status,
        to_status=ImportJob.Status.VALIDATED if report.ok else ImportJob.Status.INVALID,
        report=report.as_dict(max_errors=MAX_ERRORS_SHOWN),
        rows_total=report.rows_total,
        rows_done=report.rows_total,
        finished_at=None if report.ok else timezone.now(),
    )


def _time_out(job_id: int, *statuses: str) -> ImportJob | None:
    ImportJob.claim(
        job_id,
        from_status=list(statuses),
        to_status=ImportJob.FAILED,
        error=_timed_out_message(),
        finished_at=timezone.now(),
    )
    cache.delete(_progress_key(job_id))
    return ImportJob.objects.filter(pk=job_id).first()


def import_job_validate(*, job_id: int) -> ImportJob | None:
    """Check the job's file and store the dry-run report. Does nothing for a job
    already checked (or gone). A worker's soft time limit, wherever it
    strikes, fails the job."""
    try:
        return _validate_job(job_id)
    except SoftTimeLimitExceeded:
        return _time_out(job_id, ImportJob.Status.PENDING, ImportJob.Status.VALIDATING)


def _validate_job(job_id: int) -> ImportJob | None:
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.PENDING, ImportJob.Status.VALIDATING]
    ).update(status=ImportJob.Status.VALIDATING, rows_done=0, started_at=timezone.now())
    if not claimed:
        return None
    job = ImportJob.objects.select_related("organisation").get(pk=job_id)
    try:
        validated = _validate(job)
    except (DatabaseError, SoftTimeLimitExceeded):
        raise
    except Exception:
        # A bug or an unreadable stored file must not leave the page polling forever.
        logger.exception("Import job %s could not be checked", job_id)
        _fail(
            job_id, ImportJob.Status.VALIDATING, _("The file could not be checked. Try again or contact us.")
        )
    else:
        _finish_checking(job_id, ImportJob.Status.VALIDATING, validated.report)
    cache.delete(_progress_key(job_id))
    return ImportJob.objects.get(pk=job_id)


@transaction.atomic
def import_job_request_apply(*, job: ImportJob) -> ImportJob:
    """Ask for a checked, clean job to be applied in the background."""
    now = timezone.now()
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.APPLYING, rows_done=0, started_at=now
    )
    if not started:
        raise ValidationError(_("This import is not waiting to be applied."), code="state")
    language = translation.get_language() or "en"
    transaction.on_commit(lambda: import_apply_task.delay(job.pk, language))
    job.status, job.rows_done, job.started_at = ImportJob.Status.APPLYING, 0, now
    return job


def import_job_apply(*, job_id: int) -> ImportJob | None:
    """Check the file again (the organisation's lots or needs may have changed
    since the dry run) and save it whole. Does nothing unless the job is waiting
    to be applied, so a repeated task cannot import twice. A worker's soft time
    limit fails the job, and its transaction writes nothing."""
    try:
        return _apply_job(job_id)
    except SoftTimeLimitExceeded:
        return _time_out(job_id, ImportJob.Status.APPLYING)


def _apply_job(job_id: int) -> ImportJob | None:
    job = ImportJob.objects.select_related("organisation").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.APPLYING:
        return None
    try:
        validated = _validate(job, scale=2)
    except (DatabaseError, SoftTimeLimitExceeded):
        raise
    except Exception:
        logger.exception("Import job %s could not be checked before applying", job_id)
        _fail(job_id, ImportJob.Status.APPLYING, _("The file could not be checked. Try again or contact us."))
        return ImportJob.objects.get(pk=job_id)
    if not validated.report.ok:
        _finish_checking(job_id, ImportJob.Status.APPLYING, validated.report)
        return ImportJob.objects.get(pk=job_id)
    try:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job_id)
            if locked.status != ImportJob.Status.APPLYING:
                return locked
            report = apply_import(validated, progress=_progress_reporter(job_id, offset=1, scale=2))
            locked.status = ImportJob.Status.APPLIED
            locked.report = report.as_dict(max_errors=MAX_ERRORS_SHOWN)
            locked.rows_total = locked.rows_done = report.rows_total
            locked.finished_at = timezone.now()
            locked.error = ""
            locked.save(update_fields=["status", "report", "rows_total", "rows_done", "finished_at", "error"])
    except IntegrityError:
        # Another import of the same references committed between our check and our write.
        logger.warning("Import job %s collided with a concurrent change", job_id, exc_info=True)
        _fail(
            job_id,
            ImportJob.Status.APPLYING,
            _(
                "Your lots or needs changed while this file was being imported; "
                "nothing was written. Upload it again."
            ),
        )
    finally:
        cache.delete(_progress_key(job_id))
    return ImportJob.objects.get(pk=job_id)


# Command-line imports ------------------------------------------------------------


def organisation_for_import(*, name: str, kind: str) -> Organisation | None:
    """The organisation called `name` (any case) or None. Raises when a company
    of that name is of another kind."""
    organisation = Organisation.objects.filter(name__iexact=name.strip()).first()
    owner_kind = spec_for(kind).owner_kind
    if organisation is not None and organisation.kind != owner_kind:
        raise ValidationError(
            _("%(name)s is registered as %(kind)s, not as %(wanted)s.")
            % {
                "name": organisation.name,
                "kind": organisation.get_kind_display(),
                "wanted": Organisation.Kind(owner_kind).label,
            }
        )
    return organisation


# An exporter must have an export qualification number (a database
# constraint); a company onboarded from its spreadsheet has not given it yet.
PENDING_QUALIFICATION_NO = "PENDING"


@transaction.atomic
def organisation_create_for_import(*, name: str, kind: str, country: str) -> Organisation:
    """Onboard a company from its spreadsheet: an organiser's shortcut."""
    owner_kind = spec_for(kind).owner_kind
    if Organisation.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError(_("An organisation called “%(name)s” is already registered.") % {"name": name})
    organisation = Organisation(
        kind=owner_kind,
        name=name.strip(),
        country=country,
        export_qualification_no=PENDING_QUALIFICATION_NO if owner_kind == Organisation.Kind.EXPORTER else "",
    )
    organisation.full_clean()
    organisation.save()
    return organisation


# Background tasks (thin: load by primary key, call the service above) -----------

# A dropped database connection is worth another try; each step checks the
# job's status first, so a repeated run does no harm. The time limits stop a
# file that would hold a worker for good: at the soft one the service fails the
# job, the hard one ends the process and the stalled job is failed later.
_IMPORT_TASK: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
    "soft_time_limit": IMPORT_SOFT_TIME_LIMIT,
    "time_limit": IMPORT_TIME_LIMIT,
}


@background_task(name="matchmaking.tasks.import_validate_task", **_IMPORT_TASK)
def import_validate_task(job_id: int, language: str) -> None:
    with translation.override(language):
        import_job_validate(job_id=job_id)


@background_task(name="matchmaking.tasks.import_apply_task", **_IMPORT_TASK)
def import_apply_task(job_id: int, language: str) -> None:
    with translation.override(language):
        import_job_apply(job_id=job_id)


@background_task(
    name="matchmaking.tasks.import_jobs_recover_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def import_jobs_recover_task() -> None:
    import_jobs_recover_stalled()
