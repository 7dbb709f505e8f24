"""Thin Celery tasks: load by primary key, call a service."""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.db import OperationalError
from django.utils import translation

from matchmaking.spreadsheets import jobs as import_services

# A dropped database connection is worth another try; each step checks the
# job's status first, so a repeated run does no harm. The time limits stop a
# file that would hold a worker for good: at the soft one the service fails the
# job, the hard one ends the process and the stalled job is failed later.
_IMPORT_TASK: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
    "soft_time_limit": import_services.IMPORT_SOFT_TIME_LIMIT,
    "time_limit": import_services.IMPORT_TIME_LIMIT,
}


@shared_task(**_IMPORT_TASK)
def import_validate_task(job_id: int, language: str) -> None:
    with translation.override(language):
        import_services.import_job_validate(job_id=job_id)


@shared_task(**_IMPORT_TASK)
def import_apply_task(job_id: int, language: str) -> None:
    with translation.override(language):
        import_services.import_job_apply(job_id=job_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def import_jobs_recover_task() -> None:
    import_services.import_jobs_recover_stalled()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def match_run_task(run_id: int) -> None:
    from matchmaking.services.match_runs import match_run_execute

    match_run_execute(run_id=run_id)


# Mail servers refuse now and then; the service remembers a sent announcement,
# so a retry after a failure sends it and a repeat after success does not.
@shared_task(
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def match_mutual_notify_task(match_id: int) -> None:
    from matchmaking.models import Match
    from matchmaking.services.matches import match_mutual_notify

    match = Match.objects.filter(pk=match_id).first()
    if match is not None:
        match_mutual_notify(match=match)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def lot_rescore_task(lot_id: int) -> None:
    from matchmaking.services.rescoring import lot_rescore

    lot_rescore(lot_id=lot_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def need_rescore_task(need_id: int) -> None:
    from matchmaking.services.rescoring import need_rescore

    need_rescore(need_id=need_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def country_rescore_task(country: str) -> None:
    from matchmaking.services.rescoring import needs_rescore_for_country

    needs_rescore_for_country(country=country)
