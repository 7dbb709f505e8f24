"""The demo fair's event: a one-day conference in Chengdu with every demo
company approved, mutual interest on each need's best matches, and the
meetings already scheduled, so the agenda pages have something to show."""

from __future__ import annotations

import datetime
import random

from django.db.models import Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import Organisation
from events.models import Event, Meeting, Participation, ScheduleRun
from events.selectors import agenda_publication_notice
from events.services.events import SessionSpec, event_save
from events.services.meetings import meeting_confirm, meetings_request_from_matches
from events.services.notifications import agenda_sent_record
from events.services.scheduling import schedule_run_execute
from matchmaking.models import Match

DEMO_EVENT_SLUG = "chengdu-2026"
DEMO_EVENT_DAY = datetime.date(2026, 12, 10)
# Each open need's best matches that both sides "liked" in the demo.
MUTUAL_PER_NEED = 2


def seed_demo_event(
    organiser: Organisation, participants: list[Organisation], seed: int = 2025
) -> Event | None:
    """Create the demo event once; returns None when it already exists."""
    if Event.objects.filter(slug=DEMO_EVENT_SLUG).exists():
        return None
    event = event_save(
        organiser=organiser,
        data={
            "name": "Sichuan Used Car Export Supply-Demand Matchmaking Conference 2026",
            "slug": DEMO_EVENT_SLUG,
            "city": "Chengdu",
            "venue": "Western China International Expo City, Hall 5",
            "description": (
                "Exporter groups from Sichuan and Henan meet overseas buyers at scheduled tables. "
                "Interpreters for Russian, Persian, Vietnamese and English are on site."
            ),
            "time_zone": "Asia/Shanghai",
            "slot_minutes": 30,
            "max_meetings_per_participant": 10,
            "status": Event.Status.OPEN,
        },
        sessions=[
            SessionSpec(DEMO_EVENT_DAY, "Morning", datetime.time(9, 0), datetime.time(12, 0)),
            SessionSpec(DEMO_EVENT_DAY, "Afternoon", datetime.time(14, 0), datetime.time(17, 30)),
        ],
        table_names=[f"T{number}" for number in range(1, 13)],
    )
    Participation.objects.bulk_create(
        Participation(
            event=event,
            organisation=organisation,
            status=Participation.Status.APPROVED,
            decided_at=timezone.now(),
        )
        for organisation in participants
    )
    _mutual_interest(participants)
    meetings_request_from_matches(event=event)
    run = ScheduleRun.objects.create(event=event, time_limit=3.0)
    schedule_run_execute(run_id=run.pk)
    _some_confirmations(event, random.Random(seed))  # noqa: S311 - demo data, not secrets
    # Published as if its emails had gone out, so the demo sends none.
    agenda_sent_record(notice=agenda_publication_notice(event))
    event.status = Event.Status.SCHEDULED
    event.agenda_published_at = timezone.now()
    event.save(update_fields=["status", "agenda_published_at"])
    return event


def _mutual_interest(participants: list[Organisation]) -> None:
    ids = [organisation.pk for organisation in participants]
    best = (
        Match.objects.filter(lot__exporter_id__in=ids, need__buyer_id__in=ids, rank_for_need__isnull=False)
        .exclude(state=Match.State.STALE)
        .annotate(place=Window(RowNumber(), partition_by="need_id", order_by="rank_for_need"))
        .values_list("pk", "place")
    )
    chosen = [pk for pk, place in best if place <= MUTUAL_PER_NEED]
    Match.objects.filter(pk__in=chosen).update(
        exporter_interest=Match.Interest.YES,
        buyer_interest=Match.Interest.YES,
        state=Match.State.MUTUAL,
        mutual_at=timezone.now(),
    )


def _some_confirmations(event: Event, rng: random.Random) -> None:
    """About half the sides have confirmed already, as a week before a fair."""
    for meeting in Meeting.objects.filter(event=event, state=Meeting.State.SCHEDULED).select_related(
        "exporter", "buyer"
    ):
        for organisation in (meeting.exporter, meeting.buyer):
            if rng.random() < 0.5:
                meeting = meeting_confirm(meeting=meeting, organisation=organisation)
