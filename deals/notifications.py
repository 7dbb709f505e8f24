"""Emails about deals: the side whose answer a deal waits for, or whose deal
was answered, hears of it in its own language."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.db import OperationalError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Organisation
from deals.models import Deal
from events.selectors import recipients_of

CHANGES = ("recorded", "amended", "confirmed", "disputed", "cancelled")


def deal_changed_notify(*, deal_id: int, change: str, by_organisation_id: int | None) -> int:
    """Tell the deal's sides, except the one that acted, that it was recorded,
    amended, confirmed, disputed or cancelled. Returns how many emails went out."""
    if change not in CHANGES:
        raise ValueError(change)
    deal = (
        Deal.objects.select_related("exporter", "buyer", "event")
        .prefetch_related("lines__lot")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        return 0
    told = [org for org in (deal.exporter, deal.buyer) if org.pk != by_organisation_id]
    # No actor (None) when the organiser or the system made the change.
    sides: dict[int | None, Organisation] = {deal.exporter_id: deal.exporter, deal.buyer_id: deal.buyer}
    actor = sides.get(by_organisation_id)
    url = settings.CARBRIDGE_SITE_URL.rstrip("/") + reverse("deal_detail", args=[deal.pk])
    messages = []
    for recipient in recipients_of(org.pk for org in told):
        context = {"deal": deal, "change": change, "actor": actor, "url": url, "recipient": recipient}
        with translation.override(recipient.language):
            subject = render_to_string("deals/email/deal_changed_subject.txt", context).strip()
            body = render_to_string("deals/email/deal_changed_message.txt", context)
        messages.append((" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [recipient.email]))
    if messages:
        send_mass_mail(messages, connection=get_connection())
    return len(messages)


# Background tasks (thin: load by primary key, call the service above) -----------


# Mail servers refuse now and then; a retry resends that one change's emails.
@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no types
    name="deals.tasks.deal_changed_notify_task",
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def deal_changed_notify_task(deal_id: int, change: str, by_organisation_id: int | None) -> int:
    return deal_changed_notify(deal_id=deal_id, change=change, by_organisation_id=by_organisation_id)
