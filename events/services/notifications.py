"""Emails about meetings, each written in its recipient's language and with
times in the event's time zone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Event, Meeting, Participation
from events.selectors import AgendaNotice, Recipient, agenda_entries, event_day_dates, recipients_of

# What changed, as the tasks name it; each has its own template pair.
CHANGES = ("scheduled", "moved", "unscheduled", "cancelled", "declined")

# (subject, body, sender, recipients), as send_mass_mail takes them.
Email = tuple[str, str, str, list[str]]


def _site_url(path: str) -> str:
    site: str = settings.CARBRIDGE_SITE_URL
    return site.rstrip("/") + path


def _render(template: str, context: dict[str, object], recipient: Recipient, event: Event) -> tuple[str, str]:
    with translation.override(recipient.language), timezone.override(event.zone):
        subject = render_to_string(f"events/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"events/email/{template}_message.txt", context)
    return " ".join(subject.split()), body


def _send(messages: list[Email]) -> int:
    if messages:
        send_mass_mail(messages, connection=get_connection())
    return len(messages)


def meeting_changed_notify(*, meeting_id: int, change: str, by_side: str | None = None) -> int:
    """Tell both sides (the other side only, when one side declined) that a
    meeting was scheduled, moved, taken off the agenda, cancelled or declined.
    Returns how many emails went out."""
    if change not in CHANGES:
        raise ValueError(change)
    meeting = (
        Meeting.objects.select_related(
            "event", "exporter", "buyer", "slot", "table", "match__lot", "match__need"
        )
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return 0
    sides = {"exporter": meeting.exporter, "buyer": meeting.buyer}
    if by_side is not None:
        sides.pop(by_side, None)
    counterpart = {meeting.exporter_id: meeting.buyer, meeting.buyer_id: meeting.exporter}
    url = _site_url(reverse("event_agenda", args=[meeting.event.slug]))
    messages = []
    for recipient in recipients_of(org.pk for org in sides.values()):
        context = {
            "meeting": meeting,
            "event": meeting.event,
            "change": change,
            "counterpart": counterpart[recipient.organisation_id],
            "recipient": recipient,
            "url": url,
        }
        subject, body = _render(f"meeting_{change}", context, recipient, meeting.event)
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]))
    sent = _send(messages)
    if meeting.event.agenda_is_published:
        _agenda_sent_update(meeting)
    return sent


def _agenda_messages(event: Event, organisation_ids: Iterable[int], template: str) -> list[Email]:
    meetings_by_org: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in (
        Meeting.objects.filter(event=event, state__in=Meeting.BOOKED)
        .select_related("exporter", "buyer", "slot", "table")
        .order_by("slot__number")
    ):
        meetings_by_org[meeting.exporter_id].append(meeting)
        meetings_by_org[meeting.buyer_id].append(meeting)
    url = _site_url(reverse("event_agenda", args=[event.slug]))
    messages = []
    for recipient in recipients_of(organisation_ids):
        own = meetings_by_org.get(recipient.organisation_id, [])
        rows = [
            (m, m.buyer if m.exporter_id == recipient.organisation_id else m.exporter, _side(m, recipient))
            for m in own
        ]
        context = {
            "event": event,
            "rows": rows,
            "to_confirm": sum(1 for m, _other, side in rows if not m.confirmed_by(side)),
            "url": url,
        }
        subject, body = _render(template, context, recipient, event)
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]))
    return messages


def _side(meeting: Meeting, recipient: Recipient) -> str:
    return "exporter" if meeting.exporter_id == recipient.organisation_id else "buyer"


def _approved_ids(event: Event) -> list[int]:
    return list(
        Participation.objects.filter(event=event, status=Participation.Status.APPROVED).values_list(
            "organisation_id", flat=True
        )
    )


def agenda_published_notify(*, event: Event, notice: AgendaNotice) -> None:
    """Record that the notice's participants now have this agenda and queue
    their "your agenda is ready" emails; part of the caller's transaction, so
    publishing twice in a row sends nothing the second time."""
    agenda_sent_record(notice=notice)
    event_id = event.pk
    organisation_ids = sorted(notice.entries)
    transaction.on_commit(lambda: agenda_published_notify_task.delay(event_id, organisation_ids))


def agenda_sent_record(*, notice: AgendaNotice) -> None:
    """The notice's participants now hold the agenda it lists."""
    for participation in notice.participations:
        participation.agenda_sent = notice.entries[participation.organisation_id]
    Participation.objects.bulk_update(notice.participations, ["agenda_sent"])


def agenda_published_send(*, event_id: int, organisation_ids: list[int] | None) -> int:
    """Send "your agenda is ready" to the given participants (a task queued
    before they were named goes to every participant with meetings)."""
    event = Event.objects.get(pk=event_id)
    if organisation_ids is None:
        organisation_ids = list(agenda_entries(event))
    return _send(_agenda_messages(event, organisation_ids, "agenda_published"))


def _agenda_sent_update(meeting: Meeting) -> None:
    """Both sides were just emailed about this meeting: their record of the
    agenda they were told now has it as it is (or no longer has it)."""
    booked = meeting.is_booked
    with transaction.atomic():
        participations = Participation.objects.select_for_update().filter(
            event_id=meeting.event_id, organisation_id__in=[meeting.exporter_id, meeting.buyer_id]
        )
        for participation in participations:
            entries = [row for row in participation.agenda_sent if row[0] != meeting.pk]
            if booked:
                entries.append([meeting.pk, meeting.slot_id, meeting.table_id])
            participation.agenda_sent = sorted(entries)
            participation.save(update_fields=["agenda_sent"])


def participation_decision_notify(*, participation_id: int) -> int:
    """Tell the applicant's members, each in their language, that the
    organisers approved or rejected the application. Each decision is told
    once: a repeated or late task finds it told and sends nothing, and a
    failed send leaves it untold so the retry sends it."""
    participation = (
        Participation.objects.select_related("event", "organisation").filter(pk=participation_id).first()
    )
    if participation is None or participation.status == Participation.Status.PENDING:
        return 0
    claimed = (
        Participation.objects.filter(pk=participation.pk, status=participation.status)
        .filter(Q(decision_notified_at__isnull=True) | Q(decision_notified_at__lt=F("decided_at")))
        .update(decision_notified_at=timezone.now())
    )
    if not claimed:
        return 0
    event = participation.event
    template = "participation_approved" if participation.is_approved else "participation_rejected"
    url = _site_url(reverse("event_detail", args=[event.slug]))
    days = event_day_dates(event)
    messages = []
    for recipient in recipients_of([participation.organisation_id]):
        context = {"event": event, "participation": participation, "days": days, "url": url}
        subject, body = _render(template, context, recipient, event)
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]))
    try:
        return _send(messages)
    except Exception:
        Participation.objects.filter(pk=participation.pk).update(
            decision_notified_at=participation.decision_notified_at
        )
        raise


def reminders_send(*, now: datetime | None = None, ahead: timedelta = timedelta(hours=24)) -> int:
    """Remind every approved participant of events starting within `ahead`,
    once per event. Returns how many emails went out."""
    now = now or timezone.now()
    sent = 0
    events = Event.objects.filter(
        status__in=[Event.Status.SCHEDULED, Event.Status.LIVE],
        reminder_sent_at__isnull=True,
        slots__starts_at__gt=now,
        slots__starts_at__lte=now + ahead,
    ).distinct()
    for event in events:
        with transaction.atomic():
            # Two schedulers running the command at once send one reminder.
            claimed = Event.objects.filter(pk=event.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if claimed:
                sent += _send(_agenda_messages(event, _approved_ids(event), "reminder"))
    return sent


# Background tasks (thin: load by primary key, call the service above) -----------


# Mail servers refuse now and then; a retry resends that one change's emails.
@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type information
    name="events.tasks.meeting_changed_notify_task",
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def meeting_changed_notify_task(meeting_id: int, change: str, by_side: str | None) -> int:
    return meeting_changed_notify(meeting_id=meeting_id, change=change, by_side=by_side)


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type information
    name="events.tasks.agenda_published_notify_task",
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def agenda_published_notify_task(event_id: int, organisation_ids: list[int] | None = None) -> int:
    return agenda_published_send(event_id=event_id, organisation_ids=organisation_ids)


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type information
    name="events.tasks.participation_decision_notify_task",
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def participation_decision_notify_task(participation_id: int) -> int:
    return participation_decision_notify(participation_id=participation_id)


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type information
    name="events.tasks.reminders_send_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def reminders_send_task() -> int:
    return reminders_send()
