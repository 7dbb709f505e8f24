"""Meetings from request to outcome: made from mutual interest or by the
organisers, placed by the scheduling engine or by hand, confirmed by both
sides, then held or missed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from core import formats
from events.models import Event, EventTable, Meeting, Participation, Slot
from events.services.notifications import meeting_changed_notify_task
from matchmaking.models import Match

# Meetings are requested only while the fair is being prepared or under way.
REQUESTING_STATUSES = (Event.Status.OPEN, Event.Status.SCHEDULED, Event.Status.LIVE)


def _approved_ids(event: Event) -> set[int]:
    return set(
        Participation.objects.filter(event=event, status=Participation.Status.APPROVED).values_list(
            "organisation_id", flat=True
        )
    )


def meetings_request_from_matches(*, event: Event, organisation_ids: Iterable[int] | None = None) -> int:
    """Turn mutual matches between approved participants into meeting requests,
    one per exporter–buyer pair (their best-scoring match), skipping pairs
    that already have a live meeting. Returns how many were requested."""
    if event.status not in REQUESTING_STATUSES:
        return 0
    approved = _approved_ids(event)
    mutual = Match.objects.filter(
        state=Match.State.MUTUAL, lot__exporter_id__in=approved, need__buyer_id__in=approved
    )
    if organisation_ids is not None:
        ids = list(organisation_ids)
        mutual = mutual.filter(Q(lot__exporter_id__in=ids) | Q(need__buyer_id__in=ids))
    best: dict[tuple[int, int], int] = {}
    for match_id, exporter_id, buyer_id in mutual.order_by("score", "pk").values_list(
        "pk", "lot__exporter_id", "need__buyer_id"
    ):
        best[(exporter_id, buyer_id)] = match_id
    existing = set(
        Meeting.objects.filter(event=event, state__in=Meeting.LIVE).values_list("exporter_id", "buyer_id")
    )
    created = Meeting.objects.bulk_create(
        [
            Meeting(event=event, exporter_id=exporter_id, buyer_id=buyer_id, match_id=match_id)
            for (exporter_id, buyer_id), match_id in best.items()
            if (exporter_id, buyer_id) not in existing
        ],
        # A request made at the same moment by another path wins; no error.
        ignore_conflicts=True,
    )
    return len(created)


def meetings_request_for_match(*, match: Match) -> int:
    """A match just turned mutual: request a meeting at every event where both
    companies are approved."""
    events = Event.objects.filter(
        status__in=REQUESTING_STATUSES,
        participations__organisation_id=match.lot.exporter_id,
        participations__status=Participation.Status.APPROVED,
    ).filter(
        pk__in=Participation.objects.filter(
            organisation_id=match.need.buyer_id, status=Participation.Status.APPROVED
        ).values("event_id")
    )
    return sum(
        meetings_request_from_matches(event=event, organisation_ids=[match.lot.exporter_id])
        for event in events
    )


def meetings_request_on_mutual(sender: object, *, match: Match, **kwargs: object) -> None:
    """Receiver of matchmaking's `match_turned_mutual`."""
    meetings_request_for_match(match=match)


def meeting_add(*, event: Event, exporter: Organisation, buyer: Organisation, priority: int = 1) -> Meeting:
    """The organisers ask two participants to meet (a meeting not born from
    matching, e.g. a delegation's request)."""
    if not (exporter.is_exporter and buyer.is_buyer):
        raise ValidationError(_("A meeting is between an exporter and a buyer."), code="kind")
    approved = _approved_ids(event)
    missing = [org.name for org in (exporter, buyer) if org.pk not in approved]
    if missing:
        raise ValidationError(
            _("Not approved for this event: %(names)s"),
            params={"names": ", ".join(missing)},
            code="participant",
        )
    try:
        with transaction.atomic():
            return Meeting.objects.create(
                event=event,
                exporter=exporter,
                buyer=buyer,
                origin=Meeting.Origin.ORGANISER,
                priority=priority,
            )
    except IntegrityError as error:
        raise ValidationError(
            _("These two companies already have a meeting at this event."), code="duplicate"
        ) from error


# Placing meetings by hand ------------------------------------------------------


def _conflict_message(meeting: Meeting, slot: Slot, table: EventTable) -> str | None:
    """Say who or what is already in the slot, in the words an organiser uses."""
    others = (
        Meeting.objects.filter(slot=slot, state__in=Meeting.BOOKED)
        .exclude(pk=meeting.pk)
        .filter(
            Q(table=table)
            | Q(exporter_id__in=[meeting.exporter_id, meeting.buyer_id])
            | Q(buyer_id__in=[meeting.exporter_id, meeting.buyer_id])
        )
        .select_related("exporter", "buyer", "table")
    )
    for other in others:
        if other.table is None:
            raise AssertionError("a booked meeting has a table (meeting_booked_has_slot_and_table)")
        names = {meeting.exporter_id: meeting.exporter.name, meeting.buyer_id: meeting.buyer.name}
        busy = [names[org_id] for org_id in (other.exporter_id, other.buyer_id) if org_id in names]
        if busy:
            return _("%(name)s already has a meeting in slot %(slot)s (with %(other)s at %(table)s).") % {
                "name": busy[0],
                "slot": slot.number,
                "other": other.buyer.name if other.exporter_id in names else other.exporter.name,
                "table": other.table.name,
            }
        return _("%(table)s is already taken in slot %(slot)s (%(exporter)s – %(buyer)s).") % {
            "table": table.name,
            "slot": slot.number,
            "exporter": other.exporter.name,
            "buyer": other.buyer.name,
        }
    return None


def _unavailable_names(meeting: Meeting, slot: Slot) -> list[str]:
    return list(
        Participation.objects.filter(
            event_id=meeting.event_id,
            organisation_id__in=[meeting.exporter_id, meeting.buyer_id],
            unavailable_slots=slot,
        ).values_list("organisation__name", flat=True)
    )


def meeting_move(*, meeting: Meeting, slot: Slot, table: EventTable, reason: str = "") -> Meeting:
    """Book a meeting into a slot at a table by hand; a reason for a move goes
    to both sides with the new time. The meeting's row is
    locked so two organisers moving it at once queue up, and the database's
    unique constraints settle any race for the slot; the loser gets a message
    naming the clash."""
    if slot.event_id != meeting.event_id or table.event_id != meeting.event_id:
        raise ValidationError(_("That slot or table belongs to another event."), code="event")
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("exporter", "buyer", "slot", "table", "event")
            .get(pk=meeting.pk)
        )
        if meeting.state not in Meeting.LIVE:
            raise ValidationError(_("Only requested or scheduled meetings can be moved."), code="state")
        unavailable = _unavailable_names(meeting, slot)
        if unavailable:
            raise ValidationError(
                _("%(names)s cannot attend slot %(slot)s."),
                params={"names": ", ".join(unavailable), "slot": slot.number},
                code="unavailable",
            )
        message = _conflict_message(meeting, slot, table)
        if message:
            raise ValidationError(message, code="conflict")
        moved = meeting.slot_id is not None and (meeting.slot_id, meeting.table_id) != (slot.pk, table.pk)
        meeting.slot, meeting.table = slot, table
        if meeting.state == Meeting.State.REQUESTED or moved:
            # A new time needs both sides' word again.
            meeting.state = Meeting.State.SCHEDULED
            meeting.exporter_confirmed_at = meeting.buyer_confirmed_at = None
        meeting.unscheduled_reason = {}
        if moved:
            meeting.reason = reason.strip()
        try:
            with transaction.atomic():
                meeting.save()
        except IntegrityError:
            message = _conflict_message(meeting, slot, table)
            raise ValidationError(
                message or _("Someone booked that slot a moment ago. Reload the agenda and try again."),
                code="conflict",
            ) from None
        if meeting.event.status in (Event.Status.SCHEDULED, Event.Status.LIVE):
            _notify_later(meeting, "moved" if moved else "scheduled")
    return meeting


def meeting_unschedule(*, meeting: Meeting) -> Meeting:
    """Take a meeting off the agenda, back to the requests."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("event").get(pk=meeting.pk)
        if meeting.state not in (Meeting.State.SCHEDULED, Meeting.State.CONFIRMED):
            raise ValidationError(_("This meeting is not on the agenda."), code="state")
        published = meeting.event.status in (Event.Status.SCHEDULED, Event.Status.LIVE)
        meeting.state = Meeting.State.REQUESTED
        meeting.slot = meeting.table = None
        meeting.fixed = False
        meeting.exporter_confirmed_at = meeting.buyer_confirmed_at = None
        meeting.save()
        if published:
            _notify_later(meeting, "unscheduled")
    return meeting


def meeting_set_fixed(*, meeting: Meeting, fixed: bool) -> Meeting:
    """Pin a meeting where it is, or release it (a confirmed one too) so the
    next scheduling run may move it."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if fixed and not meeting.is_booked:
            raise ValidationError(_("Only a meeting on the agenda can be pinned."), code="state")
        meeting.fixed = fixed
        meeting.save(update_fields=["fixed", "updated_at"])
    return meeting


# Each side's answers -----------------------------------------------------------


def meeting_side(meeting: Meeting, organisation: Organisation) -> str | None:
    if organisation.pk == meeting.exporter_id:
        return "exporter"
    if organisation.pk == meeting.buyer_id:
        return "buyer"
    return None


def _lock_for_side(meeting: Meeting, organisation: Organisation) -> tuple[Meeting, str]:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("event", "exporter", "buyer", "slot", "table")
        .get(pk=meeting.pk)
    )
    side = meeting_side(meeting, organisation)
    if side is None:
        raise ValidationError(_("This meeting is not one of yours."), code="side")
    return meeting, side


@transaction.atomic
def meeting_confirm(*, meeting: Meeting, organisation: Organisation) -> Meeting:
    """One side confirms its slot; with both, the meeting is confirmed and stays
    put when the agenda is recomputed."""
    meeting, side = _lock_for_side(meeting, organisation)
    if meeting.state not in (Meeting.State.SCHEDULED, Meeting.State.CONFIRMED):
        raise ValidationError(_("Only a scheduled meeting can be confirmed."), code="state")
    setattr(meeting, f"{side}_confirmed_at", getattr(meeting, f"{side}_confirmed_at") or timezone.now())
    if meeting.exporter_confirmed_at and meeting.buyer_confirmed_at:
        meeting.state = Meeting.State.CONFIRMED
        meeting.fixed = True
    meeting.save()
    return meeting


@transaction.atomic
def meeting_decline(*, meeting: Meeting, organisation: Organisation, reason: str) -> Meeting:
    """One side says no to the meeting; the other side hears why."""
    if not reason.strip():
        raise ValidationError(_("Say why you decline, so the other side understands."), code="reason")
    meeting, side = _lock_for_side(meeting, organisation)
    if meeting.state not in Meeting.LIVE:
        raise ValidationError(_("This meeting can no longer be declined."), code="state")
    meeting.state = Meeting.State.DECLINED
    meeting.reason = reason.strip()
    meeting.fixed = False
    meeting.save()
    _notify_later(meeting, "declined", by_side=side)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str) -> Meeting:
    """The organisers call a meeting off; both sides are told."""
    if not reason.strip():
        raise ValidationError(_("Give a reason for the cancellation; both sides will see it."), code="reason")
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("event").get(pk=meeting.pk)
    if meeting.state not in Meeting.LIVE:
        raise ValidationError(_("This meeting can no longer be cancelled."), code="state")
    was_booked = meeting.is_booked
    meeting.state = Meeting.State.CANCELLED
    meeting.reason = reason.strip()
    meeting.fixed = False
    meeting.save()
    if was_booked:
        _notify_later(meeting, "cancelled")
    return meeting


def meeting_has_started(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    """Whether the meeting's slot has begun (pass the meeting with its slot)."""
    return meeting.slot is not None and meeting.slot.starts_at <= (now or timezone.now())


@transaction.atomic
def meeting_record_attendance(
    *, meeting: Meeting, held: bool, now: datetime.datetime | None = None
) -> Meeting:
    """On the day: the meeting took place, or one side did not come. Taken
    only once the meeting's slot has started, so nothing counts as held
    before it could have been."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("slot", "event").get(pk=meeting.pk)
    )
    if meeting.state not in Meeting.BOOKED:
        raise ValidationError(_("Only a meeting on the agenda can be marked held or missed."), code="state")
    if not meeting_has_started(meeting, now):
        raise ValidationError(
            _("This meeting starts on %(start)s. Mark it held or missed once it has started."),
            params={"start": _local_start(meeting)},
            code="early",
        )
    meeting.state = Meeting.State.HELD if held else Meeting.State.NO_SHOW
    meeting.save(update_fields=["state", "updated_at"])
    return meeting


def _local_start(meeting: Meeting) -> str:
    """The slot's start with its date, in the event's time zone."""
    if meeting.slot is None:
        raise AssertionError("a booked meeting has a slot (meeting_booked_has_slot_and_table)")
    return formats.moment(timezone.localtime(meeting.slot.starts_at, meeting.event.zone))


# After the meeting ---------------------------------------------------------------

# A meeting took place when it was marked held, or when it was on the agenda
# and its slot has begun: recording an outcome then marks it held.
OUTCOME_STATES = (Meeting.State.SCHEDULED, Meeting.State.CONFIRMED, Meeting.State.HELD)


def meeting_takes_outcome(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    """Whether a side may record how the meeting went (pass it with its slot)."""
    if meeting.state == Meeting.State.HELD:
        return True
    return (
        meeting.state in OUTCOME_STATES
        and meeting.slot is not None
        and meeting.slot.starts_at <= (now or timezone.now())
    )


@transaction.atomic
def meeting_record_outcome(
    *, meeting: Meeting, organisation: Organisation, outcome: str, note: str = ""
) -> Meeting:
    """One side records its own account of a meeting that took place (deal
    signed, follow-up agreed, no interest) with an optional note; it may change
    it later. A booked meeting whose slot has begun is marked held by it."""
    if outcome not in Meeting.Outcome.values:
        raise ValidationError(_("Choose how the meeting went."), code="outcome")
    meeting, side = _lock_for_side(meeting, organisation)
    if meeting.state not in OUTCOME_STATES:
        raise ValidationError(
            _("Only a meeting that took place can have an outcome; this one is: %(state)s."),
            params={"state": meeting.get_state_display()},
            code="state",
        )
    if not meeting_takes_outcome(meeting):
        raise ValidationError(
            _("This meeting has not started yet. Record its outcome once it has taken place."),
            code="early",
        )
    setattr(meeting, f"{side}_outcome", outcome)
    setattr(meeting, f"{side}_outcome_note", note.strip())
    meeting.state = Meeting.State.HELD
    meeting.save(update_fields=["state", f"{side}_outcome", f"{side}_outcome_note", "updated_at"])
    return meeting


def _notify_later(meeting: Meeting, change: str, by_side: str | None = None) -> None:

    meeting_id = meeting.pk
    transaction.on_commit(lambda: meeting_changed_notify_task.delay(meeting_id, change, by_side))
