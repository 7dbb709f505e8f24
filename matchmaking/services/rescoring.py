"""Keeping matches current as data changes: rescoring one lot or need (with
SQL prefilters that only spare loading items the engine would refuse), a
country's needs when its market rules change, and the hooks services call."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import OperationalError, transaction

from matchmaking.engine.scoring import (
    diagnose_need,
    rescore_lot,
    rescore_need,
)
from matchmaking.engine.tables import LotTable
from matchmaking.models import Lot, Match, Need
from matchmaking.selectors.candidates import lots_for_need, needs_for_lot
from matchmaking.selectors.engine_inputs import (
    TOP_K,
    World,
    lot_records,
    need_records,
    stored_diagnosis,
)
from matchmaking.services import background_task
from matchmaking.services.match_store import (
    UPSERT_BATCH,
    StoredProposal,
    existing_answers,
    interests_of,
    needs_flag,
    retire,
    stored,
    upsert,
)

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


@transaction.atomic
def lot_rescore(*, lot_id: int, on: datetime.date | None = None) -> list[Match]:
    """Rescore one lot after it changed: it joins the top K of every need it
    now reaches, leaves those it no longer holds, and every expressed interest
    stays. Returns the lot's stored matches."""
    world = World.load(on)
    existing = existing_answers(Match.objects.filter(lot_id=lot_id))
    records = lot_records(Lot.objects.filter(pk=lot_id))
    proposals: list[StoredProposal] = []
    if records:
        needs = need_records(needs_for_lot(records[0], world.fx))
        scored = rescore_lot(
            records[0], needs, world.rules, world.fx, world.on, max(len(needs), 1), freight=world.freight
        )
        cutoffs = _need_cutoffs(match.need_id for match in scored)
        proposals = [
            stored(match)
            for match in scored
            if (lot_id, match.need_id) in existing or match.score >= cutoffs.get(match.need_id, 0.0)
        ]
    written = upsert(proposals, interests_of(existing), None)
    retire(set(existing) - written, existing, world, None)
    _rerank({need for _, need in written | set(existing)})
    Need.objects.filter(pk__in={need for _, need in written}).exclude(match_diagnosis={}).update(
        match_diagnosis={}
    )
    return list(Match.objects.filter(lot_id=lot_id).order_by("need_id"))


@transaction.atomic
def need_rescore(*, need_id: int, on: datetime.date | None = None) -> list[Match]:
    """Rescore one need against every available lot after it changed."""
    world = World.load(on)
    existing = existing_answers(Match.objects.filter(need_id=need_id))
    records = need_records(Need.objects.filter(pk=need_id))
    proposals: list[StoredProposal] = []
    diagnosis: dict[str, Any] = {}
    if records:
        need = records[0]
        candidates = lot_records(lots_for_need(need, world.fx))
        if candidates:
            proposals = [
                stored(match)
                for match in rescore_need(
                    need,
                    LotTable.build(candidates),
                    world.rules,
                    world.fx,
                    world.on,
                    TOP_K,
                    freight=world.freight,
                )
            ]
        if not proposals:
            # The diagnosis counts down from every available lot ("312
            # available lots → 6 right-hand drive → 0 …"), so it needs them all.
            table = LotTable.build(lot_records())
            diagnosis = stored_diagnosis(
                diagnose_need(need, table, world.rules, world.fx, world.on, freight=world.freight)
            )
    written = upsert(proposals, interests_of(existing), None)
    retire(set(existing) - written, existing, world, None)
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
    transaction.on_commit(lambda: lot_rescore_task.delay(lot_id))


def on_need_changed(need_id: int) -> None:
    transaction.on_commit(lambda: need_rescore_task.delay(need_id))


def on_market_rules_changed(country: str) -> None:
    """Which of the country's needs can match at all is known at once; their
    proposals are rescored once the change commits."""
    needs_flag(Need.objects.filter(destination_country=str(country)))
    transaction.on_commit(lambda: country_rescore_task.delay(str(country)))


# Background tasks (thin: load by primary key, call the service above) -----------


@background_task(
    name="matchmaking.tasks.lot_rescore_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def lot_rescore_task(lot_id: int) -> None:
    lot_rescore(lot_id=lot_id)


@background_task(
    name="matchmaking.tasks.need_rescore_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def need_rescore_task(need_id: int) -> None:
    need_rescore(need_id=need_id)


@background_task(
    name="matchmaking.tasks.country_rescore_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def country_rescore_task(country: str) -> None:
    needs_rescore_for_country(country=country)
