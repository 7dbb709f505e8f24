"""Running the matching engine against the database: full runs, and rescoring
one lot or need when it changes. Only this module and the tasks know both the
engine and the ORM."""

from __future__ import annotations

import datetime
import logging
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import BooleanField, CharField, Func, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from matchmaking.engine.market_rules import RuleConflict, need_conflicts
from matchmaking.engine.scoring import (
    Diagnostic,
    MatchResult,
    diagnose_need,
    explain_pairs,
    lot_failures,
    rescore_lot,
    rescore_need,
    run_full,
)
from matchmaking.engine.scoring import Match as EngineMatch
from matchmaking.engine.tables import LotRecord, LotTable, NeedRecord, RuleRecord
from matchmaking.engine.vocabulary import MAKE_ALIASES, MAKE_GROUPS, canonical_make, normalise, wanted_makes
from matchmaking.fx import convert
from matchmaking.models import Lot, MarketRule, Match, MatchRun, Need
from matchmaking.selectors.fx import fx_table_on
from matchmaking.selectors.matches import HIDDEN_STALE

logger = logging.getLogger(__name__)


@transaction.atomic
def match_run_start(*, started_by: User | None) -> MatchRun:
    """Queue a full run; one at a time, since a second would only redo the first."""
    from matchmaking.tasks import match_run_task

    if (
        MatchRun.objects.select_for_update()
        .filter(status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING])
        .exists()
    ):
        raise ValidationError(_("A matching run is already under way."), code="running")
    run = MatchRun.objects.create(started_by=started_by)
    transaction.on_commit(lambda: match_run_task.delay(run.pk))
    return run


# Loading the engine's records ---------------------------------------------------
# values_list keeps loading 100,000 lots to one query and plain tuples.

_LOT_FIELDS = (
    "id",
    "exporter_id",
    "make",
    "model",
    "body_type",
    "fuel_type",
    "model_year",
    "first_registration",
    "mileage_km",
    "steering",
    "engine_cc",
    "battery_soh_pct",
    "emission_standard",
    "quantity",
    "unit_price",
    "currency",
    "shipping_modes",
    "loading_point",
    "exporter__verified",
)
_NEED_FIELDS = (
    "id",
    "buyer_id",
    "destination_country",
    "destination_port",
    "makes",
    "model_names",
    "body_types",
    "fuel_types",
    "year_min",
    "year_max",
    "max_mileage_km",
    "min_battery_soh_pct",
    "steering",
    "quantity",
    "allow_split",
    "max_unit_price",
    "currency",
    "shipping_modes",
)


def _lot_record(row: tuple) -> LotRecord:
    (
        pk,
        exporter_id,
        make,
        model,
        body,
        fuel,
        year,
        registered,
        mileage,
        steering,
        cc,
        soh,
        emission,
        quantity,
        price,
        currency,
        modes,
        loading_point,
        verified,
    ) = row
    return LotRecord(
        id=pk,
        exporter_id=exporter_id,
        make=make,
        model=model,
        body_type=body,
        fuel_type=fuel,
        model_year=year,
        first_registration=registered,
        mileage_km=mileage,
        steering=steering,
        engine_cc=cc,
        battery_soh_pct=soh,
        emission_standard=emission,
        quantity=quantity,
        unit_price=float(price),
        currency=currency,
        shipping_modes=tuple(modes or ()),
        loading_point=loading_point,
        exporter_verified=verified,
        exporter_deals=0,
        available=True,
    )


def _need_record(row: tuple) -> NeedRecord:
    (
        pk,
        buyer_id,
        country,
        port,
        makes,
        models,
        bodies,
        fuels,
        year_min,
        year_max,
        max_mileage,
        min_soh,
        steering,
        quantity,
        allow_split,
        max_price,
        currency,
        modes,
    ) = row
    return NeedRecord(
        id=pk,
        buyer_id=buyer_id,
        destination_country=str(country),
        destination_port=port,
        makes=tuple(makes or ()),
        models=tuple(models or ()),
        body_types=tuple(bodies or ()),
        fuel_types=tuple(fuels or ()),
        year_min=year_min,
        year_max=year_max,
        max_mileage_km=max_mileage,
        min_battery_soh_pct=min_soh,
        steering=steering,
        quantity=quantity,
        allow_split=allow_split,
        max_unit_price=float(max_price),
        currency=currency,
        shipping_modes=tuple(modes or ()),
        open=True,
    )


def lot_records(lots: QuerySet[Lot] | None = None) -> list[LotRecord]:
    """Available lots as the engine sees them."""
    lots = Lot.objects.all() if lots is None else lots
    rows = lots.filter(status=Lot.Status.AVAILABLE, quantity__gte=1).order_by("pk")
    return [_lot_record(row) for row in rows.values_list(*_LOT_FIELDS)]


def need_records(needs: QuerySet[Need] | None = None) -> list[NeedRecord]:
    """Open needs as the engine sees them."""
    needs = Need.objects.all() if needs is None else needs
    rows = needs.filter(status=Need.Status.OPEN).order_by("pk")
    return [_need_record(row) for row in rows.values_list(*_NEED_FIELDS)]


def _instance_row(instance: models.Model, fields: Iterable[str]) -> tuple:
    """The values_list row of an instance already loaded (foreign keys followed
    through attributes, so select_related rows cost no query)."""
    row = []
    for path in fields:
        value: Any = instance
        for name in path.split("__"):
            value = getattr(value, name)
        row.append(value)
    return tuple(row)


def lot_record(lot: Lot) -> LotRecord:
    """A lot as the engine sees it, whatever its status (for explaining stored
    matches); load it with its exporter."""
    return _lot_record(_instance_row(lot, _LOT_FIELDS))


def need_record(need: Need) -> NeedRecord:
    return _need_record(_instance_row(need, _NEED_FIELDS))


def rule_records(country: str | None = None) -> list[RuleRecord]:
    """Market rules as the engine sees them: every country's, or one's."""
    rules = MarketRule.objects.order_by("pk")
    if country is not None:
        rules = rules.filter(country=country.strip().upper())
    return [
        RuleRecord(
            country=str(rule.country),
            applies_to_fuels=tuple(rule.applies_to_fuels),
            used_imports_banned=rule.used_imports_banned,
            steering_required=rule.steering_required,
            max_age_years=rule.max_age_years,
            age_counted_from=rule.age_counted_from,
            min_emission_standard=rule.min_emission_standard,
            banned_fuels=tuple(rule.banned_fuels),
            max_engine_cc=rule.max_engine_cc,
            max_mileage_km=rule.max_mileage_km,
            uncertain=rule.uncertain,
            source=rule.source,
        )
        for rule in rules
    ]


def fx_floats(on: datetime.date) -> dict[str, float]:
    return {currency: float(rate) for currency, rate in fx_table_on(on).items()}


# A need against its destination's rules ----------------------------------------


def need_rule_conflicts(
    need: Need, rules: list[RuleRecord] | None = None, on: datetime.date | None = None
) -> list[RuleConflict]:
    """What in a need (saved or not) its destination's market rules
    contradict. Pass `rules` (all, or its country's) to spare the query."""
    country = str(need.destination_country or "")
    if not country:
        return []
    if rules is None:
        rules = rule_records(country)
    return need_conflicts(need_record(need), rules, on or timezone.localdate())


def rule_block(conflicts: Iterable[RuleConflict]) -> dict[str, Any]:
    """The first reason a need can never match, as Need.blocked_by_rule holds it."""
    for conflict in conflicts:
        if conflict.never_matches:
            return {"reason": conflict.reason, "params": _plain(conflict.params), "field": conflict.field}
    return {}


def needs_flag(needs: QuerySet[Need], on: datetime.date | None = None) -> int:
    """Recompute which of `needs` can never match under today's rules (after
    a rule changed, and on every full run: ages grow). Returns how many changed."""
    rules = rule_records()
    on = on or timezone.localdate()
    changed: list[Need] = []
    for need in needs.only(*_NEED_ONLY):
        block = rule_block(need_rule_conflicts(need, rules, on))
        if block != need.blocked_by_rule:
            need.blocked_by_rule = block
            changed.append(need)
    Need.objects.bulk_update(changed, ["blocked_by_rule"], batch_size=UPSERT_BATCH)
    return len(changed)


# What need_record reads, and the flag: loaded without the rest.
_NEED_ONLY = ("blocked_by_rule", "buyer", *(name for name in _NEED_FIELDS if name not in ("id", "buyer_id")))


# Storing results ----------------------------------------------------------------


@dataclass(frozen=True)
class StoredProposal:
    """One kept pair, in the shape the database wants it."""

    lot_id: int
    need_id: int
    score: float
    rank_for_need: int | None


def interest_state(exporter_interest: str, buyer_interest: str) -> str:
    if Match.Interest.NO in (exporter_interest, buyer_interest):
        return Match.State.DISMISSED
    if exporter_interest == buyer_interest == Match.Interest.YES:
        return Match.State.MUTUAL
    return Match.State.PROPOSED


_UPSERT_FIELDS = [
    "score",
    "rank_for_need",
    "state",
    "stale_reason",
    "run",
    "updated_at",
]


def _upsert(
    proposals: Iterable[StoredProposal],
    existing: dict[tuple[int, int], tuple[str, str]],
    run: MatchRun | None,
) -> set[tuple[int, int]]:
    """Insert or update the kept pairs by (lot, need), keeping each side's
    interest; returns the keys written."""
    written: set[tuple[int, int]] = set()
    batch: list[Match] = []
    for proposal in proposals:
        key = (proposal.lot_id, proposal.need_id)
        written.add(key)
        exporter_interest, buyer_interest = existing.get(key, ("", ""))
        batch.append(
            Match(
                lot_id=proposal.lot_id,
                need_id=proposal.need_id,
                score=round(min(100.0, max(0.0, proposal.score)), 2),
                rank_for_need=proposal.rank_for_need,
                exporter_interest=exporter_interest,
                buyer_interest=buyer_interest,
                state=interest_state(exporter_interest, buyer_interest),
                stale_reason={},
                run=run,
            )
        )
        if len(batch) >= UPSERT_BATCH:
            _write(batch)
            batch = []
    _write(batch)
    return written


def _write(batch: list[Match]) -> None:
    if batch:
        Match.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["lot", "need"], update_fields=_UPSERT_FIELDS
        )


UPSERT_BATCH = 2_000


TOP_K = 20


def _plain(value: Any) -> Any:
    """JSON-ready copies of the engine's values (NumPy scalars included)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def _explanation(factors: Iterable[tuple[str, float, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {"factor": factor, "points": float(points), "reason": reason, "params": _plain(params)}
        for factor, points, reason, params in factors
    ]


def _stored(match: EngineMatch) -> StoredProposal:
    return StoredProposal(
        lot_id=int(match.lot_id),
        need_id=int(match.need_id),
        score=float(match.score),
        rank_for_need=match.rank_for_need,
    )


def explain_matches(
    matches: Iterable[Match], on: datetime.date | None = None, *, world: _World | None = None
) -> None:
    """Set each match's `explanation` (factors with points and reason codes,
    as matchmaking.explanations reads them), worked out now from its lot and
    need. Stale matches get none: their stale_reason says why. Load the
    matches with lot, lot__exporter and need (two queries follow: the rules
    and the FX rates)."""
    matches = list(matches)
    shown = [match for match in matches if match.state != Match.State.STALE]
    for match in matches:
        match.explanation = []
    if not shown:
        return
    world = world or _World.load(on)
    factors = explain_pairs(
        [lot_record(match.lot) for match in shown],
        [need_record(match.need) for match in shown],
        [(match.lot_id, match.need_id) for match in shown],
        world.rules,
        world.fx,
        world.on,
    )
    for match in shown:
        match.explanation = _explanation(factors.get((match.lot_id, match.need_id), ()))


def _diagnosis(diagnostic: Diagnostic | None) -> dict[str, Any]:
    """A diagnostic as stored: {"reason", "params", "funnel": [[step, lots, params], ...]}."""
    if diagnostic is None:
        return {}
    return {
        "reason": diagnostic.reason,
        "params": _plain(diagnostic.params),
        "funnel": [[step, int(count), _plain(params)] for step, count, params in diagnostic.funnel],
    }


@dataclass
class _World:
    """What one scoring pass needs besides the items being scored."""

    rules: list[RuleRecord]
    fx: dict[str, float]
    on: datetime.date

    @classmethod
    def load(cls, on: datetime.date | None = None) -> _World:
        on = on or timezone.localdate()
        return cls(rule_records(), fx_floats(on), on)


def _retire(
    keys: Iterable[tuple[int, int]],
    existing: dict[tuple[int, int], tuple[int, str, str]],
    world: _World,
    run: MatchRun | None,
) -> None:
    """Pairs the latest scoring no longer proposes. Nobody cared: delete them.
    Someone expressed interest: keep them, as outranked (still valid, no rank)
    or stale with the reason it no longer holds."""
    forget: list[int] = []
    cared: list[tuple[int, int]] = []
    for key in keys:
        pk, exporter_interest, buyer_interest = existing[key]
        if exporter_interest or buyer_interest:
            cared.append(key)
        else:
            forget.append(pk)
    if forget:
        Match.objects.filter(pk__in=forget).delete()
    if not cared:
        return
    lots = {record.id: record for record in lot_records(Lot.objects.filter(pk__in={lot for lot, _ in cared}))}
    needs = {
        record.id: record for record in need_records(Need.objects.filter(pk__in={need for _, need in cared}))
    }
    for lot_id, need_id in cared:
        pk = existing[(lot_id, need_id)][0]
        lot, need = lots.get(lot_id), needs.get(need_id)
        if lot is None:
            reason: dict[str, Any] = {"reason": "lot_unavailable", "params": {}}
        elif need is None:
            reason = {"reason": "need_closed", "params": {}}
        else:
            still = rescore_lot(lot, [need], world.rules, world.fx, world.on, top_k=1)
            if still:
                proposal = _stored(still[0])
                Match.objects.filter(pk=pk).update(
                    score=proposal.score,
                    rank_for_need=None,
                    stale_reason={},
                    run=run,
                    updated_at=timezone.now(),
                )
                continue
            failures = lot_failures(lot, need, world.rules, world.fx, world.on)
            first, params = failures[0] if failures else ("no_candidate", {})
            reason = {
                "reason": first,
                "params": _plain(params),
                "failures": [[code, _plain(values)] for code, values in failures],
            }
        Match.objects.filter(pk=pk).update(
            state=Match.State.STALE,
            stale_reason=reason,
            rank_for_need=None,
            updated_at=timezone.now(),
        )


def _store_diagnoses(diagnostics: dict[int, Diagnostic], need_ids: Iterable[int]) -> None:
    changed: list[Need] = []
    for need_id, current in Need.objects.filter(pk__in=list(need_ids)).values_list("pk", "match_diagnosis"):
        wanted = _diagnosis(diagnostics.get(need_id))
        if wanted != current:
            changed.append(Need(pk=need_id, match_diagnosis=wanted))
    Need.objects.bulk_update(changed, ["match_diagnosis"], batch_size=UPSERT_BATCH)


def _existing(matches: QuerySet[Match]) -> dict[tuple[int, int], tuple[int, str, str]]:
    return {
        (lot_id, need_id): (pk, exporter_interest, buyer_interest)
        for pk, lot_id, need_id, exporter_interest, buyer_interest in matches.values_list(
            "pk", "lot_id", "need_id", "exporter_interest", "buyer_interest"
        )
    }


def _interests(
    existing: dict[tuple[int, int], tuple[int, str, str]],
) -> dict[tuple[int, int], tuple[str, str]]:
    return {key: (exporter, buyer) for key, (_, exporter, buyer) in existing.items()}


# Storing a full run on PostgreSQL ----------------------------------------------
# A run keeps over a million pairs. Their columns go to a temporary table in
# one binary COPY built straight from the engine's arrays (no Python object
# per pair), then one INSERT … ON CONFLICT upserts them, touching only rows
# whose score or ranks moved, and two anti-joins find the pairs dropped.

_TMP_TABLE = "tmp_match_run"
# PostgreSQL's binary COPY format: a signature, flags and header extension
# length, then per row the field count and each field's length and value, all
# big-endian; -1 ends the data.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], ">i4").tobytes()
_COPY_END = np.array([-1], ">i2").tobytes()
_COPY_ROW = np.dtype(
    [("fields", ">i2")]
    + [
        (f"{name}{part}", dtype)
        for name, size in (
            ("lot_id", 8),
            ("need_id", 8),
            ("score_centi", 4),
            ("rank_for_need", 4),
        )
        for part, dtype in (("_length", ">i4"), ("", f">i{size}"))
    ]
)
_COPY_CHUNK = 200_000


def _binary_copy_chunks(result: MatchResult) -> Iterator[bytes]:
    """Each need's top K in (lot, need) order (so the upsert walks the unique
    index in order), as binary COPY data."""
    ranked = result.rank_for_need > 0
    columns = {
        "lot_id": result.lot_ids[ranked],
        "need_id": result.need_ids[ranked],
        "score_centi": result.score_centi[ranked],
        "rank_for_need": result.rank_for_need[ranked],
    }
    order = np.lexsort((columns["need_id"], columns["lot_id"]))
    yield _COPY_SIGNATURE
    for begin in range(0, len(order), _COPY_CHUNK):
        rows = order[begin : begin + _COPY_CHUNK]
        chunk = np.empty(len(rows), _COPY_ROW)
        chunk["fields"] = len(columns)
        for name, values in columns.items():
            chunk[f"{name}_length"] = chunk.dtype[name].itemsize
            chunk[name] = values[rows]
        yield chunk.tobytes()
    yield _COPY_END


def _column(name: str) -> str:
    return connection.ops.quote_name(Match._meta.get_field(name).column)


def _store_run_postgresql(result: MatchResult, world: _World, run: MatchRun) -> int:
    """Upsert each need's top K and retire the pairs that left, in the
    caller's transaction; returns how many pairs were kept."""
    # Identifiers come from the model's _meta, quoted; values go as parameters.
    table = connection.ops.quote_name(Match._meta.db_table)
    names = (
        "id",
        "lot",
        "need",
        "score",
        "rank_for_need",
        "exporter_interest",
        "buyer_interest",
        "state",
        "stale_reason",
        "run",
        "created_at",
        "updated_at",
    )
    pk, lot, need, score, by_need, exporter, buyer, state, stale, run_col, created, updated = (
        _column(name) for name in names
    )
    no, yes = Match.Interest.NO.value, Match.Interest.YES.value
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {_TMP_TABLE} (lot_id bigint NOT NULL, need_id bigint NOT NULL, "
            "score_centi integer NOT NULL, rank_for_need integer NOT NULL, "
            # The key makes the anti-joins below index lookups whatever the
            # planner believes about a table it has not seen filled yet.
            "PRIMARY KEY (lot_id, need_id)) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY {_TMP_TABLE} FROM STDIN (FORMAT binary)") as copy:
            for data in _binary_copy_chunks(result):
                copy.write(data)
        cursor.execute(f"ANALYZE {_TMP_TABLE}")
        # The interests are the existing row's: a pair someone answered keeps
        # its answer, and the state it implies, whatever the new score. Rows
        # that did not move are left alone (no dead tuples, no index churn);
        # the WHERE after DO UPDATE covers a rescore racing this run.
        cursor.execute(
            f"INSERT INTO {table} AS m ({lot}, {need}, {score}, {by_need}, "  # noqa: S608
            f"{exporter}, {buyer}, {state}, {stale}, {run_col}, {created}, {updated}) "
            "SELECT t.lot_id, t.need_id, t.score_centi / 100.0::float8, t.rank_for_need, "
            f"'', '', %s, '{{}}'::jsonb, %s, now(), now() FROM {_TMP_TABLE} t "
            # Only new and moved pairs reach ON CONFLICT, which would lock
            # (and so write) every row it is shown, changed or not.
            f"LEFT JOIN {table} o ON o.{lot} = t.lot_id AND o.{need} = t.need_id "
            f"WHERE o.{pk} IS NULL OR o.{score} <> t.score_centi / 100.0::float8 "
            f"OR o.{by_need} IS DISTINCT FROM t.rank_for_need OR o.{state} = %s "
            f"ORDER BY t.lot_id, t.need_id "
            f"ON CONFLICT ({lot}, {need}) DO UPDATE SET {score} = EXCLUDED.{score}, "
            f"{by_need} = EXCLUDED.{by_need}, {state} = CASE "
            f"WHEN m.{exporter} = %s OR m.{buyer} = %s THEN %s "
            f"WHEN m.{exporter} = %s AND m.{buyer} = %s THEN %s ELSE %s END, "
            f"{stale} = '{{}}'::jsonb, {run_col} = EXCLUDED.{run_col}, {updated} = EXCLUDED.{updated} "
            f"WHERE m.{score} IS DISTINCT FROM EXCLUDED.{score} "
            f"OR m.{by_need} IS DISTINCT FROM EXCLUDED.{by_need} OR m.{state} = %s",
            [
                Match.State.PROPOSED.value,
                run.pk,
                Match.State.STALE.value,
                no,
                no,
                Match.State.DISMISSED.value,
                yes,
                yes,
                Match.State.MUTUAL.value,
                Match.State.PROPOSED.value,
                Match.State.STALE.value,
            ],
        )
        dropped = (
            f"NOT EXISTS (SELECT 1 FROM {_TMP_TABLE} t "  # noqa: S608
            f"WHERE t.lot_id = m.{lot} AND t.need_id = m.{need})"
        )
        unanswered = f"m.{exporter} = '' AND m.{buyer} = ''"
        cursor.execute(f"DELETE FROM {table} m WHERE {unanswered} AND {dropped}")  # noqa: S608
        cursor.execute(
            f"SELECT m.{pk}, m.{lot}, m.{need}, m.{exporter}, m.{buyer} FROM {table} m "  # noqa: S608
            f"WHERE NOT ({unanswered}) AND {dropped}"
        )
        cared = {(row[1], row[2]): (row[0], row[3], row[4]) for row in cursor.fetchall()}
        # ON COMMIT DROP only fires at the outermost commit; a second run in
        # the same transaction (tests, a caller's atomic) needs the name free.
        cursor.execute(f"DROP TABLE {_TMP_TABLE}")
    _retire(cared, cared, world, run)
    return int(np.count_nonzero(result.rank_for_need))


def match_run_execute(*, run_id: int, on: datetime.date | None = None) -> MatchRun | None:
    """Score every available lot against every open need and store the top K
    both ways. Safe to run twice: only a queued run is executed, and the
    upsert keeps every interest already expressed."""
    claimed = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.QUEUED).update(
        status=MatchRun.Status.RUNNING, started_at=timezone.now(), progress_pct=5
    )
    run = MatchRun.objects.filter(pk=run_id).first()
    if not claimed or run is None:
        return run
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        world = _World.load(on)
        lots, needs = lot_records(), need_records()
        timings["load"] = round(time.perf_counter() - started, 3)
        MatchRun.objects.filter(pk=run_id).update(
            progress_pct=30, lots_count=len(lots), needs_count=len(needs)
        )

        started = time.perf_counter()
        result = run_full(lots, needs, world.rules, world.fx, world.on, TOP_K)
        timings["score"] = round(time.perf_counter() - started, 3)
        MatchRun.objects.filter(pk=run_id).update(progress_pct=60, pairs_considered=result.pairs_considered)

        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                kept = _store_run_postgresql(result, world, run)
            else:
                existing = _existing(Match.objects.all())
                ranked = (match for match in result.matches() if match.rank_for_need)
                written = _upsert((_stored(match) for match in ranked), _interests(existing), run)
                _retire(set(existing) - written, existing, world, run)
                kept = len(written)
            _store_diagnoses(result.diagnostics, (need.id for need in needs))
            # Rules may have changed behind the run's back, and vehicles age.
            needs_flag(Need.objects.filter(status=Need.Status.OPEN), world.on)
        timings["store"] = round(time.perf_counter() - started, 3)
        MatchRun.objects.filter(pk=run_id).update(
            status=MatchRun.Status.FINISHED,
            progress_pct=100,
            matches_kept=kept,
            timings=timings,
            finished_at=timezone.now(),
        )
    except Exception as error:
        # The run is recorded as failed for the organiser to see; the worker
        # (or the request that ran it eagerly) carries on.
        logger.exception("Matching run %s failed", run_id)
        MatchRun.objects.filter(pk=run_id).update(
            status=MatchRun.Status.FAILED,
            error=f"{type(error).__name__}: {error}",
            timings=timings,
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


# Incremental rescoring ----------------------------------------------------------


def _rerank(need_ids: Iterable[int]) -> None:
    """Renumber the live matches of some needs by score after a rescore and
    keep only each need's top K, unless someone expressed interest."""
    ids = list(need_ids)
    if not ids:
        return
    rows = (
        Match.objects.filter(need_id__in=ids)
        .exclude(state=Match.State.STALE)
        .order_by("need_id", "-score", "lot__unit_price", "pk")
        .values_list("pk", "need_id", "rank_for_need")
    )
    position: dict[int, int] = {}
    changed: list[Match] = []
    for pk, need_id, old_rank in rows:
        position[need_id] = position.get(need_id, 0) + 1
        new_rank = position[need_id] if position[need_id] <= TOP_K else None
        if new_rank != old_rank:
            changed.append(Match(pk=pk, rank_for_need=new_rank))
    Match.objects.bulk_update(changed, ["rank_for_need"], batch_size=UPSERT_BATCH)
    Match.objects.filter(
        need_id__in=ids, rank_for_need__isnull=True, exporter_interest="", buyer_interest=""
    ).delete()


def _need_cutoffs(need_ids: Iterable[int]) -> dict[int, float]:
    """The score a lot must reach to enter each need's top K: its K-th live
    match's. Needs with fewer than K are absent (any candidate enters)."""
    return dict(
        Match.objects.filter(need_id__in=list(need_ids), rank_for_need=TOP_K)
        .exclude(state=Match.State.STALE)
        .values_list("need_id", "score")
    )


# Prefilters for rescoring one item. The engine still applies every rule, so
# these only spare loading and indexing items it would refuse anyway: each
# condition is one the engine enforces exactly as written here. Makes and
# models are left to the engine, which reads them through aliases.


def _kind_filter(field: str, wanted: Iterable[str]) -> Q:
    """The engine compares kinds normalised; codes hold no separators, so
    lower case and trimming are all normalising does to them."""
    keys = {normalise(value) for value in wanted}
    if not keys or any(" " in key for key in keys):
        return Q()
    return Q(**{f"{field}_key__in": keys})


# Prices compare in CNY (engine: unit price x rate <= max unit price x 1.10 x
# rate). Bounds are widened by this factor so float rounding never drops an
# item the engine would keep.
_PRICE_SLACK = 1e-9


def _within_cap(field: str, currency_field: str, bounds: dict[str, float], upper: bool) -> Q:
    """`field` below (upper) or above each currency's bound, for the currencies
    that have one; nothing when none has."""
    allowed = Q(pk__in=[])
    for currency, bound in bounds.items():
        widened = bound * (1 + _PRICE_SLACK) if upper else bound * (1 - _PRICE_SLACK)
        limit = {f"{field}__lte" if upper else f"{field}__gte": Decimal(repr(widened))}
        allowed |= Q(**{currency_field: currency}, **limit)
    return allowed


def _rates(fx: dict[str, float]) -> dict[str, float]:
    return {currency: rate for currency, rate in fx.items() if rate > 0 and math.isfinite(rate)}


def _squashed(text: str) -> str:
    """Letters and digits only, lower case: equal for all spellings the engine
    normalises alike (normalising only changes case and separators), so
    comparing these keeps every lot the engine could accept."""
    return _NOT_ALNUM.sub("", text.lower())


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


class _Squash(Func):
    """_squashed() in PostgreSQL (SQLite has no regexp_replace; it skips this
    prefilter, being for events too small to need it)."""

    template = "regexp_replace(lower(%(expressions)s), '[^0-9a-z]+', '', 'g')"
    output_field = CharField()


def _brand_filter(need: NeedRecord) -> Q:
    """Makes (every alias of every brand the need accepts) and models."""
    if connection.vendor != "postgresql":
        return Q()
    allowed = Q()
    if need.makes:
        brands = wanted_makes(tuple(need.makes))
        spellings = brands | {alias for alias, brand in MAKE_ALIASES.items() if brand in brands}
        allowed &= Q(make_key__in={_squashed(spelling) for spelling in spellings})
    if need.models:
        allowed &= Q(model_key__in={_squashed(model) for model in need.models})
    return allowed


def _lots_of_kind(need: NeedRecord) -> QuerySet[Lot]:
    """Lots of the makes, models, bodies and fuels the need asks for (a superset)."""
    lots = Lot.objects.annotate(
        fuel_type_key=Lower(Trim("fuel_type")), body_type_key=Lower(Trim("body_type"))
    ).filter(_kind_filter("fuel_type", need.fuel_types), _kind_filter("body_type", need.body_types))
    if connection.vendor == "postgresql":
        lots = lots.annotate(make_key=_Squash("make"), model_key=_Squash("model"))
    return lots.filter(_brand_filter(need))


def _lots_for_need(need: NeedRecord, fx: dict[str, float]) -> QuerySet[Lot]:
    lots = _lots_of_kind(need)
    if need.year_min is not None:
        lots = lots.filter(model_year__gte=need.year_min)
    if need.year_max is not None:
        lots = lots.filter(model_year__lte=need.year_max)
    if need.max_mileage_km is not None:
        lots = lots.filter(mileage_km__lte=need.max_mileage_km)
    rates = _rates(fx)
    cap_cny = convert(need.max_unit_price * 1.10, rates.get(need.currency.strip().upper(), math.nan))
    bounds = {currency: convert(cap_cny, 1.0, rate) for currency, rate in rates.items()}
    return lots.filter(_within_cap("unit_price", "currency", bounds if cap_cny >= 0 else {}, upper=True))


def _kinds_accepting(lot: LotRecord) -> Q:
    """Needs that leave fuel and body open or name the lot's (needs hold the
    validated codes, which normalising leaves as they are), and leave makes
    open or name one accepting the lot's brand (`names_make`, annotated by
    _naming_make). PostgreSQL only: jsonb."""
    return (
        (Q(fuel_types=[]) | Q(fuel_types__contains=[normalise(lot.fuel_type)]))
        & (Q(body_types=[]) | Q(body_types__contains=[normalise(lot.body_type)]))
        & (Q(makes=[]) | Q(names_make=True))
    )


def _naming_make(lot: LotRecord) -> RawSQL:
    """Whether a need's makes name, in any spelling (compared squashed, see
    _squashed), the lot's brand or a group holding it."""
    brand = canonical_make(lot.make)
    accepting = {name for name, group in MAKE_GROUPS.items() if brand in group} | {brand}
    spellings = accepting | {alias for alias, name in MAKE_ALIASES.items() if name in accepting}
    quote = connection.ops.quote_name
    makes = f"{quote(Need._meta.db_table)}.{quote(Need._meta.get_field('makes').column)}"
    # Identifiers come from the model's _meta, quoted; the spellings are bound.
    return RawSQL(  # noqa: S611
        # A value that is not a list (never written by the app) is kept: the
        # engine decides, and the query does not fail on it.
        f"(jsonb_typeof({makes}) <> 'array' OR EXISTS (SELECT 1 FROM "  # noqa: S608
        f"jsonb_array_elements_text({makes}) AS named(make) "
        "WHERE regexp_replace(lower(named.make), '[^0-9a-z]+', '', 'g') = ANY(%s)))",
        (sorted({_squashed(spelling) for spelling in spellings}),),
        output_field=BooleanField(),
    )


def _needs_for_lot(lot: LotRecord, fx: dict[str, float]) -> QuerySet[Need]:
    rates = _rates(fx)
    price_cny = convert(lot.unit_price, rates.get(lot.currency.strip().upper(), math.nan))
    bounds = {currency: convert(price_cny, 1.0, 1.10 * rate) for currency, rate in rates.items()}
    needs = Need.objects.all()
    if connection.vendor == "postgresql":
        needs = needs.annotate(names_make=_naming_make(lot)).filter(_kinds_accepting(lot))
    return needs.filter(
        Q(year_min__isnull=True) | Q(year_min__lte=lot.model_year),
        Q(year_max__isnull=True) | Q(year_max__gte=lot.model_year),
        Q(max_mileage_km__isnull=True) | Q(max_mileage_km__gte=lot.mileage_km),
        _within_cap("max_unit_price", "currency", bounds if price_cny >= 0 else {}, upper=False),
    )


@transaction.atomic
def lot_rescore(*, lot_id: int, on: datetime.date | None = None) -> list[Match]:
    """Rescore one lot after it changed: it joins the top K of every need it
    now reaches, leaves those it no longer holds, and every expressed interest
    stays. Returns the lot's stored matches."""
    world = _World.load(on)
    existing = _existing(Match.objects.filter(lot_id=lot_id))
    records = lot_records(Lot.objects.filter(pk=lot_id))
    proposals: list[StoredProposal] = []
    if records:
        needs = need_records(_needs_for_lot(records[0], world.fx))
        scored = rescore_lot(records[0], needs, world.rules, world.fx, world.on, max(len(needs), 1))
        cutoffs = _need_cutoffs(match.need_id for match in scored)
        proposals = [
            _stored(match)
            for match in scored
            if (lot_id, match.need_id) in existing or match.score >= cutoffs.get(match.need_id, 0.0)
        ]
    written = _upsert(proposals, _interests(existing), None)
    _retire(set(existing) - written, existing, world, None)
    _rerank({need for _, need in written | set(existing)})
    Need.objects.filter(pk__in={need for _, need in written}).exclude(match_diagnosis={}).update(
        match_diagnosis={}
    )
    return list(Match.objects.filter(lot_id=lot_id).order_by("need_id"))


@transaction.atomic
def need_rescore(*, need_id: int, on: datetime.date | None = None) -> list[Match]:
    """Rescore one need against every available lot after it changed."""
    world = _World.load(on)
    existing = _existing(Match.objects.filter(need_id=need_id))
    records = need_records(Need.objects.filter(pk=need_id))
    proposals: list[StoredProposal] = []
    diagnosis: dict[str, Any] = {}
    if records:
        need = records[0]
        candidates = lot_records(_lots_for_need(need, world.fx))
        if candidates:
            proposals = [
                _stored(match)
                for match in rescore_need(
                    need, LotTable.build(candidates), world.rules, world.fx, world.on, TOP_K
                )
            ]
        if not proposals:
            # The diagnosis counts down from every available lot ("312
            # available lots → 6 right-hand drive → 0 …"), so it needs them all.
            table = LotTable.build(lot_records())
            diagnosis = _diagnosis(diagnose_need(need, table, world.rules, world.fx, world.on))
    written = _upsert(proposals, _interests(existing), None)
    _retire(set(existing) - written, existing, world, None)
    _rerank([need_id])
    Need.objects.filter(pk=need_id).update(match_diagnosis=diagnosis)
    return list(Match.objects.filter(need_id=need_id).order_by("rank_for_need"))


def needs_rescore_for_country(*, country: str) -> int:
    """A market rule changed: rescore every open need bound for that country."""
    need_ids = list(
        Need.objects.filter(destination_country=country, status=Need.Status.OPEN).values_list("pk", flat=True)
    )
    for need_id in need_ids:
        need_rescore(need_id=need_id)
    return len(need_ids)


# Keeping matches current as data changes ---------------------------------------
# Each is called inside the changing service's transaction and acts once it
# commits, so a rolled-back change rescores nothing.


def on_lot_changed(lot_id: int) -> None:
    from matchmaking.tasks import lot_rescore_task

    transaction.on_commit(lambda: lot_rescore_task.delay(lot_id))


def on_need_changed(need_id: int) -> None:
    from matchmaking.tasks import need_rescore_task

    transaction.on_commit(lambda: need_rescore_task.delay(need_id))


def on_market_rules_changed(country: str) -> None:
    """Which of the country's needs can match at all is known at once; their
    proposals are rescored once the change commits."""
    from matchmaking.tasks import country_rescore_task

    needs_flag(Need.objects.filter(destination_country=str(country)))
    transaction.on_commit(lambda: country_rescore_task.delay(str(country)))


def on_many_changed() -> None:
    """FX rates or a whole spreadsheet changed: one full run beats many rescores."""
    if not MatchRun.objects.filter(status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING]).exists():
        match_run_start(started_by=None)


# The lot side, live -------------------------------------------------------------
# A lot's best needs are ranked when its exporter looks (see Match): the same
# engine call as rescoring the lot, so always current and never stored.


def _live_ranking(lot: Lot, world: _World, top_k: int) -> list[EngineMatch]:
    if lot.status != Lot.Status.AVAILABLE or lot.quantity < 1:
        return []
    record = lot_record(lot)
    needs = need_records(_needs_for_lot(record, world.fx))
    return rescore_lot(record, needs, world.rules, world.fx, world.on, top_k) if needs else []


def lot_proposals(lot: Lot, on: datetime.date | None = None) -> list[Match]:
    """The lot's best open needs now, best first, explained, with
    `rank_for_lot` 1..K: each the stored match when there is one (so its
    answers show) or an unsaved one. Then the lot's other stored matches (in a
    need's top K only, or answered and since outranked or stale), unranked.
    Pass the lot with its exporter."""
    world = _World.load(on)
    stored = {
        match.need_id: match
        for match in Match.objects.filter(lot=lot).exclude(HIDDEN_STALE).select_related("need__buyer")
    }
    ranking = _live_ranking(lot, world, TOP_K)
    fresh = Need.objects.select_related("buyer").in_bulk(
        [proposal.need_id for proposal in ranking if proposal.need_id not in stored]
    )
    proposals: list[Match] = []
    for rank, proposal in enumerate(ranking, start=1):
        match = stored.pop(proposal.need_id, None) or Match(lot=lot, need=fresh[proposal.need_id])
        match.lot = lot
        match.score = round(proposal.score, 2)
        match.rank_for_lot = rank
        proposals.append(match)
    rest = sorted(stored.values(), key=lambda match: (-match.score, match.need_id))
    for match in rest:
        match.lot = lot
        match.rank_for_lot = None
    explain_matches(proposals + rest, world=world)
    return proposals + rest


def lot_rank(lot: Lot, need_id: int, on: datetime.date | None = None) -> int | None:
    """Where a need stands among the lot's top K now (None outside it), for a
    row redrawn on its own. Pass the lot with its exporter."""
    ranking = _live_ranking(lot, _World.load(on), TOP_K)
    return next((rank for rank, item in enumerate(ranking, start=1) if item.need_id == need_id), None)


@transaction.atomic
def match_for_pair(*, lot: Lot, need: Need, on: datetime.date | None = None) -> Match:
    """The stored match of a lot and a need, created when a side first answers
    a live proposal: only for a need among the lot's top K now, so answering
    cannot reach needs the exporter was never shown."""
    match = Match.objects.filter(lot=lot, need=need).first()
    if match is not None:
        return match
    ranking = _live_ranking(lot, _World.load(on), TOP_K)
    proposal = next((item for item in ranking if item.need_id == need.pk), None)
    if proposal is None:
        raise ValidationError(
            _("This proposal no longer holds: the lot or the need changed. Reload the page."), code="gone"
        )
    match, _created = Match.objects.get_or_create(
        lot=lot, need=need, defaults={"score": round(min(100.0, max(0.0, proposal.score)), 2)}
    )
    return match


@transaction.atomic
def match_for_offer(*, lot: Lot, need: Need, on: datetime.date | None = None) -> Match:
    """The stored match of a lot its exporter offers for a need directly (from
    an event's opportunity list, so not necessarily among the lot's top K):
    made, or brought back from stale, when the pair passes every hard
    constraint now; refused with the engine's reason otherwise."""
    from matchmaking.diagnoses import lot_refusal

    world = _World.load(on)
    lots = lot_records(Lot.objects.filter(pk=lot.pk))
    needs = need_records(Need.objects.filter(pk=need.pk))
    if not lots:
        raise ValidationError(
            _("This lot is not available, so it cannot be offered."), code="lot_unavailable"
        )
    if not needs:
        raise ValidationError(_("This need is no longer open."), code="need_closed")
    scored = rescore_lot(lots[0], needs, world.rules, world.fx, world.on, top_k=1)
    if not scored:
        failures = lot_failures(lots[0], needs[0], world.rules, world.fx, world.on)
        raise ValidationError(
            _("This lot does not qualify for this need: %(reason)s."),
            params={"reason": lot_refusal(failures) or _("it does not meet the need's requirements")},
            code="not_qualified",
        )
    score = round(min(100.0, max(0.0, float(scored[0].score))), 2)
    match, created = Match.objects.select_for_update(of=("self",)).get_or_create(
        lot=lot, need=need, defaults={"score": score}
    )
    if not created and match.state == Match.State.STALE:
        match.score = score
        match.stale_reason = {}
        match.state = interest_state(match.exporter_interest, match.buyer_interest)
        match.save(update_fields=["score", "stale_reason", "state", "updated_at"])
    return match
