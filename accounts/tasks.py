"""Thin Celery tasks: load by primary key, call a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import translation

from accounts import services
from accounts.models import Invitation


@shared_task(
    # SMTP and network failures are OSErrors; anything else is a bug to see.
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invitation_send_task(invitation_id: int, language: str) -> bool:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return False
    with translation.override(language):
        return services.invitation_send(invitation=invitation)
