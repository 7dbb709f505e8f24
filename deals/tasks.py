"""Thin Celery tasks: load by primary key, call a service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError


# Mail servers refuse now and then; a retry resends that one change's emails.
@shared_task(
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def deal_changed_notify_task(deal_id: int, change: str, by_organisation_id: int | None) -> int:
    from deals.notifications import deal_changed_notify

    return deal_changed_notify(deal_id=deal_id, change=change, by_organisation_id=by_organisation_id)
