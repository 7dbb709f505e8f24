"""Thin Celery tasks: load by primary key, call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import translation

from matchmaking.services import imports as import_services


# A dropped database connection is worth another try; each step checks the
# job's status first, so a repeated run does no harm.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def import_validate_task(job_id: int, language: str) -> None:
    with translation.override(language):
        import_services.import_job_validate(job_id=job_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def import_apply_task(job_id: int, language: str) -> None:
    with translation.override(language):
        import_services.import_job_apply(job_id=job_id)
