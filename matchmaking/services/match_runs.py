"""Full matching runs: every available lot against every open need, run as a
Celery task with progress, stored on PostgreSQL by COPY or on SQLite by
upserts."""

from __future__ import annotations

import datetime
import logging
import time

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from matchmaking.engine.scoring import (
    run_full,
)
from matchmaking.models import Match, MatchRun, Need
from matchmaking.selectors.engine_inputs import (
    TOP_K,
    World,
    lot_records,
    need_records,
)
from matchmaking.services import background_task
from matchmaking.services.match_storage_postgresql import (
    store_run_postgresql,
)
from matchmaking.services.match_store import (
    existing_answers,
    interests_of,
    needs_flag,
    retire,
    store_diagnoses,
    stored,
    upsert,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def match_run_start(*, started_by: User | None) -> MatchRun:
    """Queue a full run; one at a time, since a second would only redo the first."""
    if MatchRun.active().select_for_update().exists():
        raise ValidationError(_("A matching run is already under way."), code="running")
    run = MatchRun.objects.create(started_by=started_by)
    transaction.on_commit(lambda: match_run_task.delay(run.pk))
    return run


def match_run_execute(*, run_id: int, on: datetime.date | None = None) -> MatchRun | None:
    """Score every available lot against every open need and store the top K
    both ways. Safe to run twice: only a queued run is executed, and the
    upsert keeps every interest already expressed."""
    claimed = MatchRun.start(run_id, started_at=timezone.now(), progress_pct=5)
    run = MatchRun.objects.filter(pk=run_id).first()
    if not claimed or run is None:
        return run
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        world = World.load(on)
        lots, needs = lot_records(), need_records()
        timings["load"] = round(time.perf_counter() - started, 3)
        MatchRun.record(run_id, progress_pct=30, lots_count=len(lots), needs_count=len(needs))

        started = time.perf_counter()
        result = run_full(lots, needs, world.rules, world.fx, world.on, TOP_K, freight=world.freight)
        timings["score"] = round(time.perf_counter() - started, 3)
        MatchRun.record(run_id, progress_pct=60, pairs_considered=result.pairs_considered)

        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                kept = store_run_postgresql(result, world, run)
            else:
                existing = existing_answers(Match.objects.all())
                ranked = (match for match in result.matches() if match.rank_for_need)
                written = upsert((stored(match) for match in ranked), interests_of(existing), run)
                retire(set(existing) - written, existing, world, run)
                kept = len(written)
            store_diagnoses(result.diagnostics, (need.id for need in needs))
            # Rules may have changed behind the run's back, and vehicles age.
            needs_flag(Need.objects.filter(status=Need.Status.OPEN), world.on)
        timings["store"] = round(time.perf_counter() - started, 3)
        MatchRun.finish(run_id, matches_kept=kept, timings=timings)
    except Exception as error:
        # The run is recorded as failed for the organiser to see; the worker
        # (or the request that ran it eagerly) carries on.
        logger.exception("Matching run %s failed", run_id)
        MatchRun.fail(run_id, f"{type(error).__name__}: {error}", timings=timings)
    run.refresh_from_db()
    return run


def on_many_changed() -> None:
    """FX rates or a whole spreadsheet changed: one full run beats many rescores."""
    if not MatchRun.active().exists():
        match_run_start(started_by=None)


# Background tasks (thin: load by primary key, call the service above) -----------


@background_task(
    name="matchmaking.tasks.match_run_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def match_run_task(run_id: int) -> None:
    match_run_execute(run_id=run_id)
