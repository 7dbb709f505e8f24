"""Reading proposals: a lot's best needs ranked live when its exporter looks
(the same engine call as rescoring the lot, so always current and never
stored), and the reasons of stored matches worked out for the rows a page
shows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from matchmaking.engine.scoring import Match as EngineMatch
from matchmaking.engine.scoring import (
    explain_pairs,
    rescore_lot,
)
from matchmaking.models import Lot, Match, Need
from matchmaking.selectors.candidates import needs_for_lot
from matchmaking.selectors.engine_inputs import (
    TOP_K,
    World,
    lot_record,
    need_record,
    need_records,
    stored_explanation,
)
from matchmaking.selectors.matches import HIDDEN_STALE


def explain_matches(
    matches: Iterable[Match], on: datetime.date | None = None, *, world: World | None = None
) -> None:
    """Set each match's `explanation` (factors with points and reason codes,
    as matchmaking.explanations reads them), worked out now from its lot and
    need. Stale matches get none: their stale_reason says why. Load the
    matches with lot, lot__exporter and need (five queries follow: the rules,
    the FX rates and the three freight tables)."""
    matches = list(matches)
    shown = [match for match in matches if match.state != Match.State.STALE]
    for match in matches:
        match.explanation = []
    if not shown:
        return
    world = world or World.load(on)
    factors = explain_pairs(
        [lot_record(match.lot) for match in shown],
        [need_record(match.need) for match in shown],
        [(match.lot_id, match.need_id) for match in shown],
        world.rules,
        world.fx,
        world.on,
        freight=world.freight,
    )
    for match in shown:
        match.explanation = stored_explanation(factors.get((match.lot_id, match.need_id), ()))


# The lot side, live -------------------------------------------------------------
# A lot's best needs are ranked when its exporter looks (see Match): the same
# engine call as rescoring the lot, so always current and never stored.


def live_ranking(lot: Lot, world: World, top_k: int) -> list[EngineMatch]:
    if lot.status != Lot.Status.AVAILABLE or lot.quantity < 1:
        return []
    record = lot_record(lot)
    needs = need_records(needs_for_lot(record, world.fx))
    return (
        rescore_lot(record, needs, world.rules, world.fx, world.on, top_k, freight=world.freight)
        if needs
        else []
    )


def lot_proposals(lot: Lot, on: datetime.date | None = None) -> list[Match]:
    """The lot's best open needs now, best first, explained, with
    `rank_for_lot` 1..K: each the stored match when there is one (so its
    answers show) or an unsaved one. Then the lot's other stored matches (in a
    need's top K only, or answered and since outranked or stale), unranked.
    Pass the lot with its exporter."""
    world = World.load(on)
    stored = {
        match.need_id: match
        for match in Match.objects.filter(lot=lot).exclude(HIDDEN_STALE).select_related("need__buyer")
    }
    ranking = live_ranking(lot, world, TOP_K)
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
    ranking = live_ranking(lot, World.load(on), TOP_K)
    return next((rank for rank, item in enumerate(ranking, start=1) if item.need_id == need_id), None)
