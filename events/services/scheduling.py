"""Running the scheduling engine over an event's meetings and writing its
agenda back; once the agenda is published, a run proposes and the organiser
applies what it showed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from events.engine import scheduling as engine
from events.models import Event, Meeting, Participation, ScheduleRun
from events.services.notifications import meeting_changed_notify_task

DEFAULT_TIME_LIMIT = 10.0
# How a movable meeting's place changes, and the email each change sends.
CHANGE_KINDS = {"placed": "scheduled", "moved": "moved", "taken_off": "unscheduled"}

# A run's result as ScheduleRun.proposal stores it (JSON): "places", "reasons"
# and "changes", described in _proposal.
Proposal = dict[str, Any]
# A meeting's (slot id, table id) on the agenda.
Place = tuple[int | None, int | None]


def _participant_key(organisation_id: int) -> str:
    return f"o{organisation_id}"


def schedule_problem(event: Event, *, keep_booked: bool = False) -> tuple[engine.Problem, dict[str, Meeting]]:
    """The engine's view of the event: every live meeting between approved
    participants. Booked meetings that are fixed (confirmed ones unless the
    organiser released them, pinned ones) stay where they are; with
    `keep_booked` (a published agenda) every booked meeting does."""
    slots = list(event.slots.select_related("session").order_by("number"))
    tables = list(event.tables.order_by("position"))
    participations = list(
        Participation.objects.filter(event=event, status=Participation.Status.APPROVED).prefetch_related(
            "unavailable_slots"
        )
    )
    approved = {p.organisation_id for p in participations}
    meetings = list(
        Meeting.objects.filter(
            event=event, state__in=Meeting.LIVE, exporter_id__in=approved, buyer_id__in=approved
        ).order_by("pk")
    )
    cap = event.max_meetings_per_participant

    def stays(meeting: Meeting) -> bool:
        return meeting.is_booked and (keep_booked or meeting.fixed)

    problem = engine.Problem(
        slots=tuple(engine.Slot(id=str(slot.pk), session=str(slot.session_id)) for slot in slots),
        tables=tuple(str(table.pk) for table in tables),
        meetings=tuple(
            engine.MeetingRequest(
                id=str(meeting.pk),
                participants=(_participant_key(meeting.exporter_id), _participant_key(meeting.buyer_id)),
                fixed_slot=str(meeting.slot_id) if stays(meeting) else None,
                fixed_table=str(meeting.table_id) if stays(meeting) else None,
                priority=meeting.priority,
            )
            for meeting in meetings
        ),
        unavailable={
            _participant_key(p.organisation_id): frozenset(str(slot.pk) for slot in p.unavailable_slots.all())
            for p in participations
            if p.unavailable_slots.all()
        },
        home_tables={
            _participant_key(p.organisation_id): str(p.home_table_id)
            for p in participations
            if p.home_table_id
        },
        max_meetings={_participant_key(p.organisation_id): cap for p in participations} if cap else {},
    )
    return problem, {str(meeting.pk): meeting for meeting in meetings}


def _fingerprint(problem: engine.Problem, meetings: dict[str, Meeting]) -> str:
    """A digest of everything a run reads: the problem and where each of its
    meetings is now. Equal digests mean the run's result still applies."""
    data = {
        "problem": dataclasses.asdict(problem),
        "places": sorted([m.pk, m.state, m.slot_id, m.table_id] for m in meetings.values()),
    }
    text = json.dumps(data, sort_keys=True, default=sorted)
    return hashlib.sha256(text.encode()).hexdigest()


def agenda_fingerprint(event: Event, *, keep_booked: bool) -> str:
    """The digest a run made now would record (see _fingerprint)."""
    return _fingerprint(*schedule_problem(event, keep_booked=keep_booked))


def _movable(problem: engine.Problem) -> set[str]:
    return {request.id for request in problem.meetings if request.fixed_slot is None}


def schedule_run_start(
    *,
    event: Event,
    user: User | None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    allow_moving_published: bool = False,
) -> ScheduleRun:
    """Queue a scheduling run; refused while another is under way. Once the
    agenda is published the run only proposes its changes, which the
    organiser applies after seeing them (schedule_run_apply); it moves
    published meetings only with `allow_moving_published`."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if ScheduleRun.active().filter(event=event).exists():
            raise ValidationError(_("A scheduling run is already under way for this event."), code="running")
        if not event.slots.exists() or not event.tables.exists():
            raise ValidationError(_("Add sessions and tables before scheduling."), code="layout")
        published = event.agenda_is_published
        run = ScheduleRun.objects.create(
            event=event,
            started_by=user,
            time_limit=time_limit,
            preview=published,
            allow_moving_published=published and allow_moving_published,
        )
        transaction.on_commit(lambda: schedule_run_task.delay(run.pk))
    return run


def schedule_run_execute(*, run_id: int) -> ScheduleRun:
    """Solve the run's problem. Before publication the agenda is written at
    once; after it the result is kept as the run's proposal."""
    run = ScheduleRun.objects.select_related("event").get(pk=run_id)
    # Only a queued run is executed, and only by one task.
    if not ScheduleRun.start(run.pk, progress_pct=1):
        return run
    try:
        keep_booked = run.preview and not run.allow_moving_published
        problem, meetings = schedule_problem(run.event, keep_booked=keep_booked)
        last_reported = [0.0]

        def report(fraction: float) -> None:
            # A progress bar needs a few updates, not one per improvement.
            now = time.monotonic()
            if now - last_reported[0] >= 0.5:
                last_reported[0] = now
                pct = max(1, min(95, int(fraction * 95)))
                ScheduleRun.record(run.pk, progress_pct=pct)

        solution = engine.solve(problem, time_limit=run.time_limit, on_progress=report)
        proposal = _proposal(run.event, problem, solution, meetings)
        if not run.preview:
            _write_unpublished(run, proposal)
    except Exception as error:
        ScheduleRun.fail(run.pk, error)
        raise
    run.status = ScheduleRun.Status.FINISHED
    run.progress_pct = 100
    run.proposal = proposal
    run.agenda_fingerprint = _fingerprint(problem, meetings)
    kinds = [change[1] for change in proposal["changes"]]
    run.stats = {**solution.stats, **{kind: kinds.count(kind) for kind in CHANGE_KINDS}}
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            *("status", "progress_pct", "proposal", "agenda_fingerprint", "stats", "finished_at"),
            *("preview", "allow_moving_published"),
        ]
    )
    return run


@transaction.atomic
def _write_unpublished(run: ScheduleRun, proposal: Proposal) -> None:
    """Write a run's agenda while nobody has been told one; the event's row is
    locked, so publishing waits for the write or comes first."""
    event = Event.objects.select_for_update().get(pk=run.event_id)
    if event.agenda_is_published:
        # Published while the engine worked: its result, free to move any
        # unconfirmed meeting, waits to be seen and applied like any proposal.
        run.preview = run.allow_moving_published = True
        return
    _write_agenda(event, proposal, notify=False)


def _proposal(
    event: Event, problem: engine.Problem, solution: engine.Solution, meetings: dict[str, Meeting]
) -> Proposal:
    """The engine's result for the meetings it may place: each one's new place
    (or none, with the reason) and the list of changes against today's agenda,
    as [meeting, kind, slot before, table before, slot after, table after]."""
    movable = _movable(problem)
    placed = {a.meeting: (int(a.slot), int(a.table)) for a in solution.assignments if a.meeting in movable}
    companies = {meetings[key].exporter_id for key in movable} | {meetings[key].buyer_id for key in movable}
    names = {
        _participant_key(org_id): name
        for org_id, name in Organisation.objects.filter(pk__in=companies).values_list("pk", "name")
    }
    slot_numbers = {str(pk): number for pk, number in event.slots.values_list("pk", "number")}
    table_names = {str(pk): name for pk, name in event.tables.values_list("pk", "name")}
    reasons = {
        u.meeting: {
            "code": u.code,
            "params": _readable_params(u.params, names, slot_numbers, table_names),
            "reason": u.reason,
        }
        for u in solution.unscheduled
        if u.meeting in movable
    }
    changes = []
    for key in sorted(movable, key=int):
        meeting = meetings[key]
        before = (meeting.slot_id, meeting.table_id) if meeting.is_booked else None
        after = placed.get(key)
        kind = _change_kind(before, after)
        if kind:
            changes.append([meeting.pk, kind, *(before or (None, None)), *(after or (None, None))])
    return {
        "places": {key: list(placed[key]) if key in placed else None for key in sorted(movable, key=int)},
        "reasons": reasons,
        "changes": changes,
    }


def _change_kind(before: Place | None, after: Place | None) -> str | None:
    if before == after:
        return None
    if before is None:
        return "placed"
    return "taken_off" if after is None else "moved"


@transaction.atomic
def schedule_run_apply(*, run: ScheduleRun, by: User | None) -> ScheduleRun:
    """Write a previewed run's agenda, exactly as it was shown, and email both
    sides of each meeting placed, moved or taken off. Refused once applied (a
    second click changes and sends nothing) and when the agenda changed since
    the run read it."""
    run = ScheduleRun.objects.select_for_update().select_related("event").get(pk=run.pk)
    if not run.preview or run.status != ScheduleRun.Status.FINISHED:
        raise ValidationError(_("This run has nothing to apply."), code="state")
    if run.applied_at is not None:
        raise ValidationError(
            _("This preview has already been applied; nothing more was changed or sent."), code="applied"
        )
    event = Event.objects.select_for_update().get(pk=run.event_id)
    if agenda_fingerprint(event, keep_booked=not run.allow_moving_published) != run.agenda_fingerprint:
        raise ValidationError(
            _(
                "The agenda has changed since this preview was worked out, so it no longer shows what "
                "would happen. Run the scheduling again to see the changes as they are now."
            ),
            code="changed",
        )
    _write_agenda(event, run.proposal, notify=True)
    run.applied_at = timezone.now()
    run.applied_by = by
    run.save(update_fields=["applied_at", "applied_by"])
    return run


def _write_agenda(event: Event, proposal: Proposal, *, notify: bool) -> None:
    """Give each movable meeting of the proposal its new place. Movable meetings
    leave their places first so the unique constraints never see two meetings
    in one place mid-way; with `notify`, both sides of each change are told."""
    places = proposal["places"]
    ids = [int(key) for key in places]
    movable = list(
        Meeting.objects.select_for_update().filter(pk__in=ids, state__in=Meeting.LIVE).order_by("pk")
    )
    Meeting.objects.filter(pk__in=[m.pk for m in movable]).update(
        slot=None, table=None, state=Meeting.State.REQUESTED
    )
    for meeting in movable:
        key = str(meeting.pk)
        before = (meeting.slot_id, meeting.table_id) if meeting.is_booked else None
        after = tuple(places[key]) if places.get(key) else None
        if after is None:
            meeting.slot_id = meeting.table_id = None
            meeting.state = Meeting.State.REQUESTED
            meeting.exporter_confirmed_at = meeting.buyer_confirmed_at = None
            meeting.unscheduled_reason = proposal["reasons"].get(key, {})
            continue
        meeting.slot_id, meeting.table_id = after
        meeting.unscheduled_reason = {}
        if before != after:
            # A new time needs both sides' word again.
            meeting.state = Meeting.State.SCHEDULED
            meeting.exporter_confirmed_at = meeting.buyer_confirmed_at = None
        elif meeting.exporter_confirmed_at and meeting.buyer_confirmed_at:
            meeting.state = Meeting.State.CONFIRMED
        else:
            meeting.state = Meeting.State.SCHEDULED
    Meeting.objects.bulk_update(
        movable,
        ["slot", "table", "state", "unscheduled_reason", "exporter_confirmed_at", "buyer_confirmed_at"],
        batch_size=500,
    )
    if notify:
        emails = [(row[0], CHANGE_KINDS[row[1]]) for row in proposal["changes"]]
        transaction.on_commit(
            lambda: [meeting_changed_notify_task.delay(pk, change, None) for pk, change in emails]
        )


def latest_schedule_run(event: Event) -> ScheduleRun | None:
    return ScheduleRun.objects.filter(event=event).order_by("-created_at", "-pk").first()


def unscheduled_reason_text(reason: dict[str, Any]) -> str:
    """The engine's reason for leaving a meeting off the agenda, in the
    reader's language, naming the companies, slots and tables involved."""
    code = reason.get("code")
    p = {key: str(value) for key, value in (reason.get("params") or {}).items()}
    if code == "no_slot":
        return _("The event has no slot for this meeting.")
    if code == "no_table":
        return _("The event has no tables.")
    if code == "tables_full":
        if "table" in p:
            return _("Table %(table)s is taken whenever both sides are free.") % p
        return _("Every table is taken whenever both sides are free.")
    if code == "participant_unavailable":
        if "slot" in p:
            return _("%(participant)s cannot attend slot %(slot)s.") % p
        return _("%(participant)s has no free slot left.") % p
    if code == "no_common_slot":
        return _("%(participant)s and %(other)s have no free slot in common.") % p
    if code == "participant_capped":
        return _("%(participant)s already has the maximum of %(cap)s meetings.") % p
    if code == "fixed_slot_conflict":
        return _("Its fixed slot %(slot)s clashes with another fixed meeting.") % {"slot": p.get("slot", "?")}
    if code == "crowded_out":
        if "other" in p:
            return _("No slot is free for both %(participant)s and %(other)s.") % p
        return _("%(participant)s is booked in every slot this meeting could use.") % p
    # The engine's own words, in English, for a code this function does not know.
    engine_text: str = reason.get("reason", "")
    return engine_text


def _readable_params(
    params: dict[str, str], names: dict[str, str], slots: dict[str, int], tables: dict[str, str]
) -> dict[str, str]:
    """Engine ids (o12, slot and table keys) turned into what people read."""
    readable = dict(params)
    for key in ("participant", "other"):
        if key in readable:
            readable[key] = names.get(readable[key], readable[key])
    if "slot" in readable:
        readable["slot"] = str(slots.get(readable["slot"], readable["slot"]))
    if "table" in readable:
        readable["table"] = tables.get(readable["table"], readable["table"])
    return readable


# Background tasks (thin: load by primary key, call the service above) -----------


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type information
    name="events.tasks.schedule_run_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def schedule_run_task(run_id: int) -> None:
    schedule_run_execute(run_id=run_id)
