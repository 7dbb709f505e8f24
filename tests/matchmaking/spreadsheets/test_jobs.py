"""What bounds an import job: Celery time limits on its tasks (and what happens
when one strikes), recovery of a job whose worker died, and per-company upload
limits counted in the database."""

from __future__ import annotations

import datetime
import gc
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from matchmaking.models import ImportJob, Lot
from matchmaking.spreadsheets import jobs as services
from matchmaking.tasks import import_apply_task, import_jobs_recover_task, import_validate_task
from tests.config.test_integration import _run_concurrently
from tests.factories import ExporterFactory, MembershipFactory
from tests.matchmaking.spreadsheets.import_support import lot_row, lots_csv

pytestmark = pytest.mark.django_db

STALLED = "stopped before it finished"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def _job(organisation, *, data: bytes | None = None, age: datetime.timedelta | None = None, **fields):
    job = ImportJob.objects.create(
        organisation=organisation,
        kind=ImportJob.Kind.LOTS,
        file=SimpleUploadedFile("lots.csv", data or lots_csv(lot_row())),
        original_name="lots.csv",
        **fields,
    )
    if age is not None:
        ImportJob.objects.filter(pk=job.pk).update(
            created_at=timezone.now() - age, started_at=timezone.now() - age
        )
    return job


def _upload(client, name: str = "lots.csv"):
    return client.post(reverse("lot_import"), {"file": SimpleUploadedFile(name, lots_csv(lot_row()))})


# Time limits --------------------------------------------------------------------


def test_import_tasks_have_hard_time_limits_and_stalled_jobs_outlast_them():
    for task in (import_validate_task, import_apply_task):
        assert task.soft_time_limit == services.IMPORT_SOFT_TIME_LIMIT == 300
        assert task.time_limit == services.IMPORT_TIME_LIMIT == 360
    assert services.STALLED_AFTER.total_seconds() > services.IMPORT_TIME_LIMIT
    schedule = django_settings.CELERY_BEAT_SCHEDULE["stalled-imports"]
    assert schedule["task"] == import_jobs_recover_task.name


@contextmanager
def _soft_time_limit_after(cpu_seconds: float) -> Iterator[None]:
    """Raise SoftTimeLimitExceeded in the running code, as a Celery worker's
    pool does when a task reaches its soft time limit. Counted in this
    process's CPU time, so it strikes while rows are checked in Python, the
    same moment however busy the machine is. A strike that lands in a
    finalizer is swallowed there, so it strikes again until the service is
    failing the job."""

    def strike(signum, frame):
        while frame is not None:
            if frame.f_code is services._time_out.__code__:
                return
            frame = frame.f_back
        raise SoftTimeLimitExceeded

    # Garbage collection runs callbacks (hypothesis registers one) that would
    # swallow a strike and report it as an unraisable exception.
    gc.collect()
    gc.disable()
    previous = signal.signal(signal.SIGPROF, strike)
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        gc.enable()


def _large_file() -> bytes:
    # Reading it and looking up its refs take a fraction of a second, checking
    # its rows seconds: the limit strikes among the rows.
    return lots_csv(*[lot_row(ref=f"R-{n}") for n in range(20_000)])


def test_a_check_stopped_at_the_soft_time_limit_fails_the_job(exporter_admin):
    job = _job(exporter_admin.membership.organisation, data=_large_file())

    with _soft_time_limit_after(1.0):
        services.import_job_validate(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("The import took longer than 5 minutes and was stopped; nothing was")
    assert job.finished_at is not None


def test_an_import_stopped_at_the_soft_time_limit_writes_nothing(exporter_admin):
    job = _job(exporter_admin.membership.organisation, data=_large_file(), status=ImportJob.Status.APPLYING)

    with _soft_time_limit_after(1.0):
        services.import_job_apply(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "took longer than 5 minutes" in job.error
    assert not Lot.objects.exists()


# Jobs whose worker died ----------------------------------------------------------


@pytest.mark.parametrize("status", [ImportJob.Status.VALIDATING, ImportJob.Status.APPLYING])
def test_a_job_whose_worker_died_is_failed_when_its_page_is_viewed(login, exporter_admin, status):
    organisation = exporter_admin.membership.organisation
    stalled = _job(organisation, status=status, age=datetime.timedelta(minutes=11))
    running = _job(organisation, status=status, age=datetime.timedelta(minutes=2))
    client = login(exporter_admin)

    page = client.get(reverse("import_detail", args=[stalled.pk]))
    poll = client.get(reverse("import_progress", args=[running.pk]), headers={"HX-Request": "true"})

    stalled.refresh_from_db()
    running.refresh_from_db()
    assert (stalled.status, running.status) == (ImportJob.Status.FAILED, status)
    assert STALLED in stalled.error
    assert STALLED in page.text
    assert "<progress" not in page.text
    assert "<progress" in poll.text


def test_polling_a_job_whose_worker_died_stops(login, exporter_admin):
    job = _job(
        exporter_admin.membership.organisation,
        status=ImportJob.Status.VALIDATING,
        age=datetime.timedelta(minutes=11),
    )

    client = login(exporter_admin)

    response = client.get(reverse("import_progress", args=[job.pk]), headers={"HX-Request": "true"})

    assert response.headers["HX-Refresh"] == "true"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_the_upload_page_shows_a_dead_job_as_failed(login, exporter_admin):
    job = _job(
        exporter_admin.membership.organisation,
        status=ImportJob.Status.PENDING,
        age=datetime.timedelta(minutes=11),
    )

    page = login(exporter_admin).get(reverse("lot_import"))

    assert f"import-status-{ImportJob.Status.FAILED}" in page.text
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_the_periodic_task_fails_every_stalled_job_and_nothing_else(exporter_admin, other_exporter_admin):
    old = datetime.timedelta(minutes=11)
    mine, theirs = exporter_admin.membership.organisation, other_exporter_admin.membership.organisation
    stalled = [
        _job(mine, status=ImportJob.Status.PENDING, age=old),
        _job(theirs, status=ImportJob.Status.VALIDATING, age=old),
        _job(mine, status=ImportJob.Status.APPLYING, age=old),
    ]
    kept = {
        _job(mine, status=ImportJob.Status.VALIDATING, age=datetime.timedelta(minutes=9)).pk: "validating",
        _job(mine, status=ImportJob.Status.VALIDATED, age=old).pk: "validated",
        _job(theirs, status=ImportJob.Status.APPLIED, age=old).pk: "applied",
    }

    import_jobs_recover_task.delay()

    assert {job.status for job in ImportJob.objects.filter(pk__in=[j.pk for j in stalled])} == {"failed"}
    assert dict(ImportJob.objects.filter(pk__in=kept).values_list("pk", "status")) == kept


def test_a_recovered_job_is_not_run_by_a_late_task(exporter_admin):
    job = _job(
        exporter_admin.membership.organisation,
        status=ImportJob.Status.PENDING,
        age=datetime.timedelta(minutes=11),
    )
    services.import_jobs_recover_stalled()

    import_validate_task.delay(job.pk, "en")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


# Upload limits -------------------------------------------------------------------


def test_thirty_uploads_in_a_burst_are_cut_at_the_limit_per_minute(
    login, exporter_admin, other_exporter_admin, django_capture_on_commit_callbacks
):
    client = login(exporter_admin)

    statuses = []
    for _ in range(30):
        # Each upload commits and is checked at once (tasks run in-process).
        with django_capture_on_commit_callbacks(execute=True):
            statuses.append(_upload(client).status_code)
    refused = _upload(client)

    assert statuses == [302] * 6 + [429] * 24
    assert "uploaded 6 files in the last minute, the most allowed" in refused.text
    assert ImportJob.objects.filter(organisation=exporter_admin.membership.organisation).count() == 6
    # Another company is not held back by this one.
    assert _upload(login(other_exporter_admin)).status_code == 302


def test_uploads_older_than_a_minute_do_not_count(login, exporter_admin, settings):
    settings.CARBRIDGE_IMPORT_UPLOADS_PER_MINUTE = 2
    organisation = exporter_admin.membership.organisation
    for _ in range(2):
        _job(organisation, status=ImportJob.Status.VALIDATED, age=datetime.timedelta(seconds=61))
    recent = _job(organisation, status=ImportJob.Status.VALIDATED)
    client = login(exporter_admin)

    assert _upload(client).status_code == 302
    assert _upload(client).status_code == 429
    ImportJob.objects.filter(pk=recent.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    assert _upload(client).status_code == 302


def test_imports_running_at_once_are_limited_per_company(login, exporter_admin):
    organisation = exporter_admin.membership.organisation
    # Created by another web process or a worker: only the database knows.
    _job(organisation, status=ImportJob.Status.VALIDATING, age=datetime.timedelta(minutes=3))
    dead = _job(organisation, status=ImportJob.Status.APPLYING, age=datetime.timedelta(minutes=3))
    client = login(exporter_admin)

    refused = _upload(client)
    ImportJob.objects.filter(pk=dead.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=11))
    accepted = _upload(client)

    assert refused.status_code == 429
    assert "already has 2 imports being checked or imported, the most at once" in refused.text
    assert accepted.status_code == 302
    dead.refresh_from_db()
    assert dead.status == ImportJob.Status.FAILED


def test_the_upload_limit_holds_in_the_service_too(exporter_admin, settings):
    settings.CARBRIDGE_IMPORT_UPLOADS_PER_MINUTE = 1
    organisation = exporter_admin.membership.organisation
    _job(organisation, status=ImportJob.Status.INVALID)

    with pytest.raises(ValidationError) as refused:
        services.import_job_create(
            organisation=organisation,
            user=exporter_admin,
            kind=ImportJob.Kind.LOTS,
            upload=SimpleUploadedFile("lots.csv", lots_csv(lot_row())),
        )

    assert refused.value.code == "rate_limited"
    assert "uploaded 1 file in the last minute" in refused.value.messages[0]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_uploads_at_the_same_instant_cannot_squeeze_past_the_limit(postgres, settings):
    settings.CARBRIDGE_IMPORT_UPLOADS_PER_MINUTE = 3
    settings.CARBRIDGE_IMPORT_RUNNING_AT_ONCE = 100
    membership = MembershipFactory(organisation=ExporterFactory())

    outcomes = _run_concurrently(
        *[
            lambda n=n: services.import_job_create(
                organisation=membership.organisation,
                user=membership.user,
                kind=ImportJob.Kind.LOTS,
                upload=SimpleUploadedFile(f"lots-{n}.csv", lots_csv(lot_row())),
            )
            for n in range(10)
        ]
    )

    assert ImportJob.objects.count() == 3
    refused = [outcome for outcome in outcomes if outcome is not None]
    assert len(refused) == 7, outcomes
    assert all(isinstance(error, ValidationError) and error.code == "rate_limited" for error in refused)
