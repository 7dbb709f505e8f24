"""Thin Celery tasks: load by primary key, call a service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def schedule_run_task(run_id: int) -> None:
    from events.services.scheduling import schedule_run_execute

    schedule_run_execute(run_id=run_id)


# Mail servers refuse now and then; a retry resends that one change's emails.
@shared_task(
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def meeting_changed_notify_task(meeting_id: int, change: str, by_side: str | None) -> int:
    from events.services.notifications import meeting_changed_notify

    return meeting_changed_notify(meeting_id=meeting_id, change=change, by_side=by_side)


@shared_task(
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def agenda_published_notify_task(event_id: int, organisation_ids: list[int] | None = None) -> int:
    from events.services.notifications import agenda_published_send

    return agenda_published_send(event_id=event_id, organisation_ids=organisation_ids)


@shared_task(
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def participation_decision_notify_task(participation_id: int) -> int:
    from events.services.notifications import participation_decision_notify

    return participation_decision_notify(participation_id=participation_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def reminders_send_task() -> int:
    from events.services.notifications import reminders_send

    return reminders_send()
