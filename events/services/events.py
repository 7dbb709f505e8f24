"""Setting up an event: its details, sessions, slots and tables, and who takes
part."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation, User
from events.models import Event, EventSession, EventTable, Meeting, Participation, Slot
from events.selectors import agenda_publication_notice
from events.services.meetings import meetings_request_from_matches
from events.services.notifications import agenda_published_notify, participation_decision_notify_task

EVENT_FIELDS = (
    "name",
    "slug",
    "city",
    "venue",
    "description",
    "name_translations",
    "description_translations",
    "time_zone",
    "slot_minutes",
    "registration_opens_at",
    "registration_closes_at",
    "max_meetings_per_participant",
    "status",
)


@dataclass(frozen=True)
class SessionSpec:
    date: date
    label: str
    starts: time
    ends: time


def table_names_from(text: str) -> list[str]:
    """Tables are given as a count ("30" gives T1…T30) or as names separated by
    commas or new lines ("Booth A, Booth B")."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Give the number of tables or their names."), code="tables")
    # isdecimal, not isdigit: int() reads "１２" but not "²", which is a name.
    if text.isdecimal():
        count = int(text)
        if not 1 <= count <= 500:
            raise ValidationError(_("Give between 1 and 500 tables."), code="tables")
        return [f"T{number}" for number in range(1, count + 1)]
    names = [name.strip() for name in re.split(r"[,\n]", text) if name.strip()]
    too_long = [name for name in names if len(name) > 40]
    if too_long:
        raise ValidationError(
            _("Table names are at most 40 characters: %(names)s"), params={"names": ", ".join(too_long)}
        )
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValidationError(
            _("Each table needs its own name; repeated: %(names)s"), params={"names": ", ".join(repeated)}
        )
    return names


def slot_times(sessions: Sequence[SessionSpec], slot_minutes: int) -> list[tuple[int, datetime, datetime]]:
    """(session index, start, end) of every slot, in local wall time; a
    session's last part shorter than a slot is left out."""
    length = timedelta(minutes=slot_minutes)
    slots = []
    for index, session in sorted(enumerate(sessions), key=lambda item: (item[1].date, item[1].starts)):
        start = datetime.combine(session.date, session.starts)
        end = datetime.combine(session.date, session.ends)
        while start + length <= end:
            slots.append((index, start, start + length))
            start += length
    return slots


def _check_sessions(sessions: Sequence[SessionSpec], slot_minutes: int) -> None:
    if not sessions:
        raise ValidationError(_("Add at least one session."), code="sessions")
    ordered = sorted(sessions, key=lambda session: (session.date, session.starts))
    for before, after in pairwise(ordered):
        if before.date == after.date and after.starts < before.ends:
            raise ValidationError(
                _("Sessions %(first)s and %(second)s on %(date)s overlap."),
                params={"first": before.label, "second": after.label, "date": before.date.isoformat()},
                code="sessions",
            )
    for session in sessions:
        if session.ends <= session.starts:
            raise ValidationError(
                _("Session %(label)s must end after it starts."),
                params={"label": session.label},
                code="sessions",
            )
    if not slot_times(sessions, slot_minutes):
        raise ValidationError(_("No session is long enough for one slot."), code="sessions")


# A session as (date, label, starts, ends), comparable between the stored and
# the submitted layout.
SessionRow = tuple[date, str, time, time]


def _layout_of(event: Event) -> tuple[list[SessionRow], list[str]]:
    sessions = [(s.date, s.label, s.starts, s.ends) for s in event.sessions.order_by("date", "starts")]
    tables = list(event.tables.order_by("position").values_list("name", flat=True))
    return sessions, tables


def _booked(event: Event) -> QuerySet[Meeting]:
    return Meeting.objects.filter(event=event, state__in=Meeting.BOOKED)


@transaction.atomic
def event_save(
    *,
    organiser: Organisation,
    data: dict[str, Any],
    sessions: Sequence[SessionSpec],
    table_names: Sequence[str],
    event: Event | None = None,
) -> Event:
    """Create or change an event with its sessions and tables. The slots are cut
    again when the sessions or the slot length change, which is refused once
    meetings are booked into them (the agenda would lose its places). `data`
    holds field values by name, as a form's cleaned_data does."""
    if not organiser.is_organiser:
        raise ValidationError(_("Only organisers run events."), code="organiser")
    slot_minutes = int(data.get("slot_minutes") or (event.slot_minutes if event else 30))
    _check_sessions(sessions, slot_minutes)
    if not table_names:
        raise ValidationError(_("Give the number of tables or their names."), code="tables")
    new_sessions = sorted(((s.date, s.label, s.starts, s.ends) for s in sessions), key=lambda s: (s[0], s[2]))
    old_sessions: list[SessionRow] | None
    old_tables: list[str]
    old_minutes: int | None
    old_zone: str | None
    if event is None:
        event = Event(organiser=organiser)
        old_sessions, old_tables, old_minutes, old_zone = None, [], None, None
    else:
        event = Event.objects.select_for_update().get(pk=event.pk)
        old_sessions, old_tables = _layout_of(event)
        old_minutes, old_zone = event.slot_minutes, event.time_zone
    for field in EVENT_FIELDS:
        if field in data:
            setattr(event, field, data[field])
    event.full_clean(exclude=["organiser"])
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError as error:
        raise ValidationError(_("Another event already uses this short name."), code="slug") from error

    # Sessions are wall-clock times at the venue: a new time zone moves every slot.
    layout_changed = (
        old_sessions != new_sessions or old_minutes != event.slot_minutes or old_zone != event.time_zone
    )
    if layout_changed:
        if old_sessions is not None and _booked(event).exists():
            raise ValidationError(
                _(
                    "Meetings are already booked into the current slots. Cancel or unschedule them before "
                    "changing the sessions, the slot length or the time zone."
                ),
                code="layout",
            )
        _rebuild_slots(event, sessions)
    if list(table_names) != old_tables:
        _sync_tables(event, list(table_names))
    return event


def _rebuild_slots(event: Event, sessions: Sequence[SessionSpec]) -> None:
    # Nothing booked refers to a slot here; history and requests let go of theirs.
    Meeting.objects.filter(event=event, slot__isnull=False).update(slot=None, table=None)
    event.sessions.all().delete()
    created = EventSession.objects.bulk_create(
        EventSession(event=event, date=s.date, label=s.label, starts=s.starts, ends=s.ends) for s in sessions
    )
    zone = event.zone
    Slot.objects.bulk_create(
        Slot(
            event=event,
            session=created[index],
            number=number,
            starts_at=start.replace(tzinfo=zone),
            ends_at=end.replace(tzinfo=zone),
        )
        for number, (index, start, end) in enumerate(slot_times(sessions, event.slot_minutes), start=1)
    )


def _sync_tables(event: Event, names: list[str]) -> None:
    existing = {table.name: table for table in event.tables.all()}
    dropped = [table for name, table in existing.items() if name not in names]
    in_use = sorted(
        EventTable.objects.filter(pk__in=[t.pk for t in dropped], meetings__state__in=Meeting.BOOKED)
        .values_list("name", flat=True)
        .distinct()
    )
    if in_use:
        raise ValidationError(
            _("Tables with meetings booked cannot be removed: %(names)s"),
            params={"names": ", ".join(in_use)},
            code="tables",
        )
    Meeting.objects.filter(table__in=dropped).update(table=None)
    EventTable.objects.filter(pk__in=[t.pk for t in dropped]).delete()
    # Positions are rewritten from scratch; names stay unique throughout.
    to_update, to_create = [], []
    for position, name in enumerate(names, start=1):
        table = existing.get(name)
        if table is None:
            to_create.append(EventTable(event=event, name=name, position=position))
        elif table.position != position:
            table.position = position
            to_update.append(table)
    EventTable.objects.bulk_update(to_update, ["position"])
    EventTable.objects.bulk_create(to_create)


# Statuses in which participants hold their agenda as published.
PUBLISHED_STATUSES = (Event.Status.SCHEDULED, Event.Status.LIVE)


def event_set_status(*, event: Event, status: str, confirm: str = "") -> Event:
    """Change the event's status. Publishing the agenda (moving into "agenda
    published" or "under way" from another status) emails "your agenda is
    ready" to each approved participant with meetings whose agenda differs
    from the one it was last sent. When anyone would be emailed, `confirm`
    must be the token of that exact list (selectors.agenda_publication_notice),
    so nobody is emailed before the organiser saw who."""
    if status not in Event.Status.values:
        raise ValidationError(_("Unknown status."), code="status")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        previous = event.status
        if status == previous:
            return event
        publishing = status in PUBLISHED_STATUSES and previous not in PUBLISHED_STATUSES
        notice = agenda_publication_notice(event) if publishing else None
        if notice and notice.participations and confirm != notice.token:
            raise ValidationError(
                ngettext(
                    "Publishing the agenda emails %(count)s participant. Check who and confirm.",
                    "Publishing the agenda emails %(count)s participants. Check who and confirm.",
                    len(notice.participations),
                ),
                params={"count": len(notice.participations)},
                code="confirm",
            )
        event.status = status
        fields = ["status"]
        if publishing and event.agenda_published_at is None:
            event.agenda_published_at = timezone.now()
            fields.append("agenda_published_at")
        event.save(update_fields=fields)
        if notice and notice.participations:
            agenda_published_notify(event=event, notice=notice)
    return event


# Participation ----------------------------------------------------------------


def registration_is_open(event: Event) -> bool:
    if event.status != Event.Status.OPEN:
        return False
    now = timezone.now()
    if event.registration_opens_at and now < event.registration_opens_at:
        return False
    return not (event.registration_closes_at and now >= event.registration_closes_at)


def participation_apply(*, event: Event, organisation: Organisation, note: str = "") -> Participation:
    """An exporter or buyer asks to take part; the organisers decide."""
    if organisation.is_organiser:
        raise ValidationError(_("Organisers do not apply to events."), code="kind")
    if not registration_is_open(event):
        raise ValidationError(_("Registration for this event is not open."), code="closed")
    try:
        with transaction.atomic():
            return Participation.objects.create(event=event, organisation=organisation, note=note)
    except IntegrityError as error:
        raise ValidationError(
            _("Your company has already applied to this event."), code="duplicate"
        ) from error


@transaction.atomic
def participation_decide(
    *, participation: Participation, approve: bool, reason: str = "", by: User
) -> Participation:
    """Approve or reject an application; a rejection needs a reason, which the
    applicant sees. The applicant's members are emailed each new decision, in
    their languages; deciding the same again changes nothing and sends
    nothing (a rejection's reason may still be reworded)."""
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    if not approve and not reason.strip():
        raise ValidationError(_("Say why the application is rejected."), code="reason")
    status = Participation.Status.APPROVED if approve else Participation.Status.REJECTED
    if participation.status == status:
        if not approve and participation.decision_reason != reason.strip():
            participation.decision_reason = reason.strip()
            participation.save(update_fields=["decision_reason"])
        return participation
    if (
        not approve
        and Meeting.objects.filter(event_id=participation.event_id, state__in=Meeting.BOOKED)
        .filter(_involves(participation.organisation_id))
        .exists()
    ):
        raise ValidationError(
            _("This company has meetings booked. Cancel them before rejecting it."), code="booked"
        )
    participation.status = status
    participation.decision_reason = reason.strip()
    participation.decided_at = timezone.now()
    participation.decided_by = by
    participation.save(update_fields=["status", "decision_reason", "decided_at", "decided_by"])
    if approve:
        meetings_request_from_matches(
            event=participation.event, organisation_ids=[participation.organisation_id]
        )

    participation_id = participation.pk
    transaction.on_commit(lambda: participation_decision_notify_task.delay(participation_id))
    return participation


def _involves(organisation_id: int) -> Q:
    return Q(exporter_id=organisation_id) | Q(buyer_id=organisation_id)


@transaction.atomic
def participation_add(*, event: Event, organisation: Organisation, by: User) -> Participation:
    """The organisers add a company directly, approved."""
    if organisation.is_organiser:
        raise ValidationError(_("Only exporters and buyers take part in meetings."), code="kind")
    participation, _created = Participation.objects.get_or_create(event=event, organisation=organisation)
    if participation.is_approved:
        return participation
    return participation_decide(participation=participation, approve=True, by=by)


def participation_set_unavailable(*, participation: Participation, slot_ids: Iterable[int]) -> list[int]:
    """Replace the slots the participant cannot attend. Refused for a slot that
    already holds one of its meetings, which must be moved first."""
    slot_ids = set(slot_ids)
    foreign = slot_ids - set(
        Slot.objects.filter(event_id=participation.event_id).values_list("pk", flat=True)
    )
    if foreign:
        raise ValidationError(_("Unknown slot."), code="slot")
    clashing = (
        Meeting.objects.filter(
            event_id=participation.event_id, state__in=Meeting.BOOKED, slot_id__in=slot_ids
        )
        .filter(_involves(participation.organisation_id))
        .order_by("slot__number")
    )
    numbers = [str(number) for number in clashing.values_list("slot__number", flat=True)]
    if numbers:
        raise ValidationError(
            _("You have meetings in slots %(numbers)s. Ask the organisers to move them first."),
            params={"numbers": ", ".join(numbers)},
            code="booked",
        )
    participation.unavailable_slots.set(slot_ids)
    return sorted(slot_ids)


def participation_set_home_table(*, participation: Participation, table: EventTable | None) -> Participation:
    if table is not None and table.event_id != participation.event_id:
        raise ValidationError(_("Unknown table."), code="table")
    if table is not None and not participation.organisation.is_exporter:
        raise ValidationError(_("Only exporters have a booth."), code="table")
    participation.home_table = table
    participation.save(update_fields=["home_table"])
    return participation
