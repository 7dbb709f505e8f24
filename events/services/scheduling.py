"""Running the scheduling engine over an event's meetings and writing its
agenda back."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from events.models import Event, Meeting, Participation, ScheduleRun
from matchmaking.engine import scheduling as engine

DEFAULT_TIME_LIMIT = 10.0


def _participant_key(organisation_id: int) -> str:
    return f"o{organisation_id}"


def schedule_problem(event: Event) -> tuple[engine.Problem, dict[str, Meeting]]:
    """The engine's view of the event: every live meeting between approved
    participants; booked meetings that are fixed (confirmed ones unless the
    organiser released them) stay where they are."""
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
    problem = engine.Problem(
        slots=tuple(engine.Slot(id=str(slot.pk), session=str(slot.session_id)) for slot in slots),
        tables=tuple(str(table.pk) for table in tables),
        meetings=tuple(
            engine.MeetingRequest(
                id=str(meeting.pk),
                participants=(_participant_key(meeting.exporter_id), _participant_key(meeting.buyer_id)),
                fixed_slot=str(meeting.slot_id) if meeting.fixed and meeting.is_booked else None,
                fixed_table=str(meeting.table_id) if meeting.fixed and meeting.is_booked else None,
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


def schedule_run_start(
    *, event: Event, user: User | None, time_limit: float = DEFAULT_TIME_LIMIT
) -> ScheduleRun:
    """Queue a scheduling run; refused while another is under way."""
    from events.tasks import schedule_run_task

    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        if ScheduleRun.objects.filter(
            event=event, status__in=[ScheduleRun.Status.QUEUED, ScheduleRun.Status.RUNNING]
        ).exists():
            raise ValidationError(_("A scheduling run is already under way for this event."), code="running")
        if not event.slots.exists() or not event.tables.exists():
            raise ValidationError(_("Add sessions and tables before scheduling."), code="layout")
        run = ScheduleRun.objects.create(event=event, started_by=user, time_limit=time_limit)
        transaction.on_commit(lambda: schedule_run_task.delay(run.pk))
    return run


def schedule_run_execute(*, run_id: int) -> ScheduleRun:
    run = ScheduleRun.objects.select_related("event").get(pk=run_id)
    if run.status != ScheduleRun.Status.QUEUED:
        return run
    ScheduleRun.objects.filter(pk=run.pk).update(status=ScheduleRun.Status.RUNNING, progress_pct=1)
    try:
        problem, meetings = schedule_problem(run.event)
        last_reported = [0.0]

        def report(fraction: float) -> None:
            # A progress bar needs a few updates, not one per improvement.
            now = time.monotonic()
            if now - last_reported[0] >= 0.5:
                last_reported[0] = now
                pct = max(1, min(95, int(fraction * 95)))
                ScheduleRun.objects.filter(pk=run.pk).update(progress_pct=pct)

        solution = engine.solve(problem, time_limit=run.time_limit, on_progress=report)
        moved = _apply(run.event, solution, meetings)
    except Exception as error:
        ScheduleRun.objects.filter(pk=run.pk).update(
            status=ScheduleRun.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    run.status = ScheduleRun.Status.FINISHED
    run.progress_pct = 100
    run.stats = {**solution.stats, "moved": moved}
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "progress_pct", "stats", "finished_at"])
    return run


@transaction.atomic
def _apply(event: Event, solution: engine.Solution, meetings: dict[str, Meeting]) -> int:
    """Write the engine's agenda. Movable meetings leave their places first so
    the unique constraints never see two meetings in one place mid-way.
    Returns how many already-published meetings changed place."""
    ids = [int(key) for key in meetings]
    locked = {
        str(m.pk): m
        for m in Meeting.objects.select_for_update().filter(pk__in=ids, state__in=Meeting.LIVE).order_by("pk")
    }
    placed = {a.meeting: a for a in solution.assignments}
    movable = [m for key, m in locked.items() if not (m.fixed and m.is_booked)]
    Meeting.objects.filter(pk__in=[m.pk for m in movable]).update(
        slot=None, table=None, state=Meeting.State.REQUESTED
    )
    published = event.status in (Event.Status.SCHEDULED, Event.Status.LIVE)
    changed: list[Meeting] = []
    reasons = {u.meeting: u for u in solution.unscheduled}
    names = {
        _participant_key(org_id): name
        for org_id, name in Organisation.objects.filter(
            pk__in={m.exporter_id for m in movable} | {m.buyer_id for m in movable}
        ).values_list("pk", "name")
    }
    slot_numbers = {str(pk): number for pk, number in event.slots.values_list("pk", "number")}
    table_names = {str(pk): name for pk, name in event.tables.values_list("pk", "name")}
    for meeting in movable:
        key = str(meeting.pk)
        before = (meeting.slot_id, meeting.table_id) if meeting.is_booked else None
        assignment = placed.get(key)
        if assignment is None:
            meeting.slot_id = meeting.table_id = None
            meeting.state = Meeting.State.REQUESTED
            unscheduled = reasons.get(key)
            meeting.unscheduled_reason = (
                {
                    "code": unscheduled.code,
                    "params": _readable_params(unscheduled.params, names, slot_numbers, table_names),
                    "reason": unscheduled.reason,
                }
                if unscheduled
                else {}
            )
        else:
            meeting.slot_id, meeting.table_id = int(assignment.slot), int(assignment.table)
            meeting.unscheduled_reason = {}
            if before != (meeting.slot_id, meeting.table_id):
                meeting.state = Meeting.State.SCHEDULED
                meeting.exporter_confirmed_at = meeting.buyer_confirmed_at = None
            elif meeting.exporter_confirmed_at and meeting.buyer_confirmed_at:
                meeting.state = Meeting.State.CONFIRMED
            else:
                meeting.state = Meeting.State.SCHEDULED
        if published and before is not None and before != (meeting.slot_id, meeting.table_id):
            changed.append(meeting)
    Meeting.objects.bulk_update(
        movable,
        ["slot", "table", "state", "unscheduled_reason", "exporter_confirmed_at", "buyer_confirmed_at"],
        batch_size=500,
    )
    if changed:
        from events.tasks import meeting_changed_notify_task

        changed_ids = [m.pk for m in changed]
        transaction.on_commit(
            lambda: [meeting_changed_notify_task.delay(pk, "moved", None) for pk in changed_ids]
        )
    return len(changed)


def latest_schedule_run(event: Event) -> ScheduleRun | None:
    return ScheduleRun.objects.filter(event=event).order_by("-created_at", "-pk").first()


def unscheduled_reason_text(reason: dict) -> str:
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
    return reason.get("reason", "")


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
