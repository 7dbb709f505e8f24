"""Read queries for events, participants, meetings and agendas."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, Organisation
from core import formats
from events.models import (
    CheckInRecord,
    Event,
    EventSession,
    EventTable,
    Meeting,
    Participation,
    ScheduleRun,
    Slot,
)
from matchmaking.models import Lot, Need

UI_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def events_public() -> QuerySet[Event]:
    return (
        Event.objects.exclude(status=Event.Status.DRAFT)
        .select_related("organiser")
        .annotate(first_day=_first_day())
        .order_by("-first_day", "name")
    )


def _first_day() -> Min:
    return Min("sessions__date")


def events_of_organiser(organisation: Organisation) -> QuerySet[Event]:
    return (
        Event.objects.filter(organiser=organisation)
        .annotate(
            first_day=_first_day(),
            pending_count=Count(
                "participations", filter=Q(participations__status=Participation.Status.PENDING), distinct=True
            ),
        )
        .order_by("-first_day", "name")
    )


def event_by_slug(slug: str) -> Event | None:
    return Event.objects.select_related("organiser").filter(slug=slug).first()


def event_days(event: Event) -> list[tuple[datetime.date, list[EventSession]]]:
    """[(date, [sessions])] in time order."""
    days: defaultdict[datetime.date, list[EventSession]] = defaultdict(list)
    for session in event.sessions.order_by("date", "starts"):
        days[session.date].append(session)
    return sorted(days.items())


def event_day_dates(event: Event) -> list[datetime.date]:
    """The dates of the event's sessions, in the event's own calendar."""
    return sorted(set(event.sessions.values_list("date", flat=True)))


def check_in_days(event: Event, now: datetime.datetime | None = None) -> tuple[bool, str]:
    """Whether today, in the event's own calendar, is one of its days, and
    those days as people read them (for the check-in controls)."""
    days = event_day_dates(event)
    today = timezone.localdate(now or timezone.now(), event.zone)
    return today in days, ", ".join(formats.day(day) for day in days)


def participation_of(event: Event, organisation: Organisation | None) -> Participation | None:
    if organisation is None:
        return None
    return (
        Participation.objects.select_related("home_table", "organisation")
        .filter(event=event, organisation=organisation)
        .first()
    )


def participations_of(event: Event) -> QuerySet[Participation]:
    return (
        Participation.objects.filter(event=event)
        .select_related("organisation", "home_table", "decided_by")
        .order_by("status", "organisation__kind", "organisation__name")
    )


def participation_counts(event: Event) -> dict[str, int]:
    return Participation.objects.filter(event=event).aggregate(
        approved_exporters=Count(
            "pk",
            filter=Q(status=Participation.Status.APPROVED, organisation__kind=Organisation.Kind.EXPORTER),
        ),
        approved_buyers=Count(
            "pk", filter=Q(status=Participation.Status.APPROVED, organisation__kind=Organisation.Kind.BUYER)
        ),
        pending=Count("pk", filter=Q(status=Participation.Status.PENDING)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
    )


def check_in_history(participation: Participation) -> QuerySet[CheckInRecord]:
    return (
        CheckInRecord.objects.filter(participation=participation).select_related("by").order_by("-at", "-pk")
    )


def meeting_counts(event: Event) -> dict[str, int]:
    counts = dict(Meeting.objects.filter(event=event).values_list("state").annotate(n=Count("pk")).order_by())
    return {state: counts.get(state, 0) for state in Meeting.State.values}


def meeting_outcome_counts(event: Event) -> dict[str, dict[str, int]]:
    """How many meetings each side reported with each outcome, in one query:
    {"exporter": {"deal_signed": n, "follow_up": n, "no_interest": n}, "buyer": {…}}."""
    sides = ("exporter", "buyer")
    counts = Meeting.objects.filter(event=event).aggregate(
        **{
            f"{side}__{outcome}": Count("pk", filter=Q(**{f"{side}_outcome": outcome}))
            for side in sides
            for outcome in Meeting.Outcome.values
        }
    )
    return {
        side: {outcome: counts[f"{side}__{outcome}"] for outcome in Meeting.Outcome.values} for side in sides
    }


def _meeting_rows() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("exporter", "buyer", "slot", "table", "match__lot", "match__need")


def meetings_of_event(event: Event, states: Iterable[str] | None = None) -> QuerySet[Meeting]:
    meetings = _meeting_rows().filter(event=event)
    if states is not None:
        meetings = meetings.filter(state__in=list(states))
    return meetings.order_by(
        F("slot__number").asc(nulls_last=True), "table__position", "exporter__name", "buyer__name", "pk"
    )


def agenda_meetings(event: Event, organisation: Organisation) -> QuerySet[Meeting]:
    """One participant's meetings at the event, in slot order; those still
    waiting for a place come last."""
    return (
        _meeting_rows()
        .filter(event=event)
        .filter(Q(exporter=organisation) | Q(buyer=organisation))
        .order_by(F("slot__number").asc(nulls_last=True), "pk")
    )


def meeting_for_event(event: Event, pk: int) -> Meeting | None:
    return _meeting_rows().select_related("event").filter(event=event, pk=pk).first()


@dataclass
class GridRow:
    slot: Slot
    cells: list[Meeting | None] = field(default_factory=list)


def agenda_grid(event: Event) -> tuple[list[EventTable], list[GridRow]]:
    """Slots × tables with the meeting booked in each cell, in three queries."""
    tables = list(event.tables.order_by("position"))
    column = {table.pk: index for index, table in enumerate(tables)}
    rows = {slot.pk: GridRow(slot, [None] * len(tables)) for slot in event.slots.order_by("number")}
    for meeting in _meeting_rows().filter(event=event, state__in=Meeting.BOOKED):
        row = rows.get(meeting.slot_id) if meeting.slot_id is not None else None
        if row is not None and meeting.table_id in column:
            row.cells[column[meeting.table_id]] = meeting
    return tables, list(rows.values())


def table_sheets(event: Event) -> list[tuple[EventTable, list[Meeting]]]:
    """Each table with its meetings in slot order, for the sheets on the tables."""
    booked = _meeting_rows().filter(event=event, state__in=Meeting.BOOKED).order_by("slot__number")
    tables = event.tables.order_by("position").prefetch_related(
        Prefetch("meetings", queryset=booked, to_attr="booked")
    )
    return [(table, table.booked) for table in tables]


def booths_of(event: Event) -> dict[int, list[Organisation]]:
    """The approved exporters at each home table, by table id; a rejected
    company's booth is no longer its own."""
    booths: dict[int, list[Organisation]] = defaultdict(list)
    participations = (
        Participation.objects.filter(
            event=event, status=Participation.Status.APPROVED, home_table__isnull=False
        )
        .select_related("organisation")
        .order_by("organisation__name")
    )
    for participation in participations:
        if participation.home_table_id is not None:  # always, by the filter above
            booths[participation.home_table_id].append(participation.organisation)
    return dict(booths)


# The opportunity list ------------------------------------------------------------


def opportunity_needs(event: Event) -> QuerySet[Need]:
    """The open needs of the event's approved buyers that some lot could
    match (never those their destination's rules rule out), soonest deadline
    first. Nothing of the buyer is loaded: the list is anonymous."""
    return Need.objects.filter(
        status=Need.Status.OPEN,
        blocked_by_rule={},
        buyer__kind=Organisation.Kind.BUYER,
        buyer__participations__event=event,
        buyer__participations__status=Participation.Status.APPROVED,
    ).order_by(F("deadline").asc(nulls_last=True), "pk")


def opportunity_of(event: Event, pk: int) -> Need | None:
    return opportunity_needs(event).filter(pk=pk).first()


def opportunity_countries(event: Event) -> list[str]:
    """The destination countries on the event's list, for its filter."""
    return sorted(
        {
            str(code)
            for code in opportunity_needs(event).order_by().values_list("destination_country", flat=True)
        }
    )


def lots_to_offer(organisation: Organisation) -> QuerySet[Lot]:
    """An exporter's lots that may be offered: available, with vehicles left."""
    return Lot.objects.filter(exporter=organisation, status=Lot.Status.AVAILABLE, quantity__gte=1).order_by(
        "make", "model", "-model_year", "pk"
    )


@dataclass(frozen=True)
class Recipient:
    organisation_id: int
    email: str
    name: str
    language: str


def recipients_of(organisation_ids: Iterable[int]) -> list[Recipient]:
    """Active members of the organisations, each with the language to write to
    them in: the one they last used the site in, else their company's first
    working language the site speaks, else the default."""
    people = []
    memberships = Membership.objects.filter(
        organisation_id__in=list(organisation_ids), user__is_active=True
    ).select_related("user", "organisation")
    for membership in memberships:
        user = membership.user
        language = user.language if user.language in UI_LANGUAGES else ""
        if not language:
            spoken = [code for code in membership.organisation.languages if code in UI_LANGUAGES]
            language = spoken[0] if spoken else settings.LANGUAGE_CODE
        people.append(Recipient(membership.organisation_id, user.email, user.name or user.email, language))
    return people


# What participants have been told of their agenda ----------------------------------


def agenda_entries(event: Event, organisation_ids: Iterable[int] | None = None) -> dict[int, list[list[int]]]:
    """Each participant's booked meetings as [meeting, slot, table], sorted: what
    its agenda email lists. Participants without booked meetings are absent."""
    meetings = Meeting.objects.filter(event=event, state__in=Meeting.BOOKED)
    if organisation_ids is not None:
        ids = list(organisation_ids)
        meetings = meetings.filter(Q(exporter_id__in=ids) | Q(buyer_id__in=ids))
    entries: dict[int, list[list[int]]] = defaultdict(list)
    for pk, exporter_id, buyer_id, slot_id, table_id in meetings.values_list(
        "pk", "exporter_id", "buyer_id", "slot_id", "table_id"
    ):
        entries[exporter_id].append([pk, slot_id, table_id])
        entries[buyer_id].append([pk, slot_id, table_id])
    return {organisation_id: sorted(rows) for organisation_id, rows in entries.items()}


@dataclass(frozen=True)
class AgendaNotice:
    """Who publishing the agenda would email "your agenda is ready": approved
    participants with meetings whose agenda differs from the one they were last
    sent. `token` names exactly this set, for the organiser's confirmation."""

    participations: list[Participation]
    entries: dict[int, list[list[int]]]
    token: str


def agenda_publication_notice(event: Event) -> AgendaNotice:
    entries = agenda_entries(event)
    due = [
        participation
        for participation in Participation.objects.filter(
            event=event, status=Participation.Status.APPROVED, organisation_id__in=list(entries)
        )
        .select_related("organisation")
        .order_by("organisation__name", "pk")
        if participation.agenda_sent != entries[participation.organisation_id]
    ]
    told = sorted((p.pk, entries[p.organisation_id]) for p in due)
    token = hashlib.sha256(json.dumps(told).encode()).hexdigest()[:32]
    return AgendaNotice(due, {p.organisation_id: entries[p.organisation_id] for p in due}, token)


# Scheduling runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedChange:
    meeting: Meeting
    kind: str  # "placed", "moved" or "taken_off"
    slot_from: Slot | None
    table_from: EventTable | None
    slot_to: Slot | None
    table_to: EventTable | None


@dataclass(frozen=True)
class RunChanges:
    """What a scheduling run proposes (or made) to change on a published
    agenda, and the companies told of it by email."""

    changes: list[ProposedChange]
    told: list[Organisation]

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def placed(self) -> int:
        return self.count("placed")

    @property
    def moved(self) -> int:
        return self.count("moved")

    @property
    def taken_off(self) -> int:
        return self.count("taken_off")


def run_changes(run: ScheduleRun) -> RunChanges:
    """The changes recorded in a run's proposal, with the meetings, slots,
    tables and companies they name, in four queries whatever their number."""
    recorded = run.proposal.get("changes") or []
    if not recorded:
        return RunChanges([], [])
    meetings = _meeting_rows().in_bulk([row[0] for row in recorded])
    slots = Slot.objects.filter(event_id=run.event_id).in_bulk()
    tables = EventTable.objects.filter(event_id=run.event_id).in_bulk()
    changes = [
        ProposedChange(
            meetings[meeting_id],
            kind,
            slots.get(slot_from),
            tables.get(table_from),
            slots.get(slot_to),
            tables.get(table_to),
        )
        for meeting_id, kind, slot_from, table_from, slot_to, table_to in recorded
        if meeting_id in meetings
    ]
    order = {"placed": 0, "moved": 1, "taken_off": 2}

    def position(change: ProposedChange) -> tuple[int, bool, int, int]:
        # Slots cut again since the run are gone: such changes come last of their kind.
        slot = change.slot_to or change.slot_from
        return order[change.kind], slot is None, slot.number if slot else 0, change.meeting.pk

    changes.sort(key=position)
    told = {org.pk: org for c in changes for org in (c.meeting.exporter, c.meeting.buyer)}
    return RunChanges(changes, sorted(told.values(), key=lambda org: org.name))


def exporter_meetings_held(exporter: Organisation) -> dict[str, int]:
    """For the exporter's profile on buyers' lot pages (matchmaking.hooks)."""
    return {"meetings_held": Meeting.objects.filter(exporter=exporter, state=Meeting.State.HELD).count()}
