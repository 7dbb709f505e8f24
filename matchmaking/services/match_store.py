"""Storing what scoring kept: upserting each need's top K by (lot, need) while
keeping every answer people gave, retiring pairs that no longer hold (stale
with the reason, or deleted when nobody answered), and the needs' diagnoses
and rule flags."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from matchmaking.engine.scoring import (
    Diagnostic,
    lot_failures,
    rescore_lot,
)
from matchmaking.engine.scoring import Match as EngineMatch
from matchmaking.models import Lot, Match, MatchRun, Need
from matchmaking.selectors.engine_inputs import (
    NEED_FIELDS,
    World,
    lot_records,
    need_records,
    need_rule_conflicts,
    plain,
    rule_block,
    rule_records,
    stored_diagnosis,
)


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
_NEED_ONLY = ("blocked_by_rule", "buyer", *(name for name in NEED_FIELDS if name not in ("id", "buyer_id")))


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


def upsert(
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


def stored(match: EngineMatch) -> StoredProposal:
    return StoredProposal(
        lot_id=int(match.lot_id),
        need_id=int(match.need_id),
        score=float(match.score),
        rank_for_need=match.rank_for_need,
    )


def retire(
    keys: Iterable[tuple[int, int]],
    existing: dict[tuple[int, int], tuple[int, str, str]],
    world: World,
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
            still = rescore_lot(lot, [need], world.rules, world.fx, world.on, top_k=1, freight=world.freight)
            if still:
                proposal = stored(still[0])
                Match.objects.filter(pk=pk).update(
                    score=proposal.score,
                    rank_for_need=None,
                    stale_reason={},
                    run=run,
                    updated_at=timezone.now(),
                )
                continue
            failures = lot_failures(lot, need, world.rules, world.fx, world.on, freight=world.freight)
            first, params = failures[0] if failures else ("no_candidate", {})
            reason = {
                "reason": first,
                "params": plain(params),
                "failures": [[code, plain(values)] for code, values in failures],
            }
        Match.objects.filter(pk=pk).update(
            state=Match.State.STALE,
            stale_reason=reason,
            rank_for_need=None,
            updated_at=timezone.now(),
        )


def store_diagnoses(diagnostics: dict[int, Diagnostic], need_ids: Iterable[int]) -> None:
    changed: list[Need] = []
    for need_id, current in Need.objects.filter(pk__in=list(need_ids)).values_list("pk", "match_diagnosis"):
        wanted = stored_diagnosis(diagnostics.get(need_id))
        if wanted != current:
            changed.append(Need(pk=need_id, match_diagnosis=wanted))
    Need.objects.bulk_update(changed, ["match_diagnosis"], batch_size=UPSERT_BATCH)


def existing_answers(matches: QuerySet[Match]) -> dict[tuple[int, int], tuple[int, str, str]]:
    return {
        (lot_id, need_id): (pk, exporter_interest, buyer_interest)
        for pk, lot_id, need_id, exporter_interest, buyer_interest in matches.values_list(
            "pk", "lot_id", "need_id", "exporter_interest", "buyer_interest"
        )
    }


def interests_of(
    existing: dict[tuple[int, int], tuple[int, str, str]],
) -> dict[tuple[int, int], tuple[str, str]]:
    return {key: (exporter, buyer) for key, (_, exporter, buyer) in existing.items()}
