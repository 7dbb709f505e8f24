"""Keeping the top K both ways in a full run: blocks of candidate pairs scored
on two threads, each need's top K by a score histogram, each lot's top K by a
second pass over compact keys, and the union of both lists with their ranks
(the algorithm is described in `scoring`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from matchmaking.engine import arrays, pairs
from matchmaking.engine.diagnostics import Diagnostic, diagnose
from matchmaking.engine.results import MatchResult
from matchmaking.engine.weights import MAX_CENTI

# Score histogram buckets for the top-K cut-offs: 64 and 256 centi-points wide.
_NEED_SHIFT, _LOT_SHIFT = 6, 8
THREADS = 2


# ---------------------------------------------------------------- top K


def _cut_off(group: np.ndarray, bucket: np.ndarray, groups: int, buckets: int, top_k: int) -> np.ndarray:
    """Per group, the lowest score bucket that can still hold one of its top K
    (-1 when the group has fewer than K): everything below is out."""
    hist = np.bincount(group * buckets + bucket, minlength=groups * buckets).reshape(groups, buckets)
    return _cut_off_from(hist, top_k)


def _cut_off_from(hist: np.ndarray, top_k: int) -> np.ndarray:
    # Counts fit in int32 (at most one per lot or need), which halves the memory walked.
    hist = hist.astype(np.int32, copy=False)
    below = np.cumsum(hist, axis=1, dtype=np.int32)
    below -= hist
    # Counted along an axis: one count per group (NumPy's stubs leave the result Any).
    cut: npt.NDArray[np.intp] = (
        np.count_nonzero(below <= (hist.sum(axis=1, dtype=np.int32) - top_k)[:, None], axis=1) - 1
    )
    return cut


def _need_top(
    ctx: arrays.Context, lp: np.ndarray, nl: np.ndarray, score: np.ndarray, top_k: int
) -> np.ndarray:
    """Packed keys (need, 10000 - score, price rank) of each need's top K in a
    block holding all candidates of its needs, sorted."""
    if len(nl) == 0:
        return np.zeros(0, np.int64)
    lots_n = max(ctx.table.n, 1)
    base = int(nl.min())
    if base == int(nl.max()):
        # One need (rescoring): a partial sort beats the histogram.
        key: npt.NDArray[np.int64] = (MAX_CENTI - score).astype(np.int64) * lots_n + ctx.prices.rank.take(lp)
        if len(key) > top_k:
            key = key[np.argpartition(key, top_k - 1)[:top_k]]
        key.sort()
        return key + base * ((MAX_CENTI + 1) * lots_n)
    local = nl - base
    bucket = score >> _NEED_SHIFT
    cut = _cut_off(local, bucket, int(local.max()) + 1, (MAX_CENTI >> _NEED_SHIFT) + 1, top_k)
    keep = bucket >= cut[local]
    key = nl[keep].astype(np.int64) * ((MAX_CENTI + 1) * lots_n)
    key += (MAX_CENTI - score[keep]).astype(np.int64) * lots_n + ctx.prices.rank[lp[keep]]
    key.sort()
    return key[pairs.segment_rank(key // ((MAX_CENTI + 1) * lots_n)) < top_k]


def _union(
    first: tuple[np.ndarray, ...], second: tuple[np.ndarray, ...], lot_key: np.ndarray, needs_n: int
) -> tuple[np.ndarray, ...]:
    """Pairs in the need-side list (lp, nl, score, rank) or the lot-side list
    (lp, nl, score, rank, from the sorted packed keys `lot_key`), each with
    both ranks. A need-side pair is in the lot-side list when its own packed
    key is: one binary search each."""
    lp1, nl1, sc1, rank_n = first
    lp2, nl2, sc2, rank_l = second
    rank_for_need = np.zeros(len(lp2), np.int64)
    found = np.zeros(len(lp1), dtype=bool)
    if len(lp1) and len(lp2):
        key = lp1 * ((MAX_CENTI + 1) * needs_n) + (MAX_CENTI - sc1) * needs_n + nl1
        at = np.minimum(np.searchsorted(lot_key, key), len(lot_key) - 1)
        found = lot_key[at] == key
        rank_for_need[at[found]] = rank_n[found]
    miss = ~found
    return (
        np.concatenate([lp2, lp1[miss]]),
        np.concatenate([nl2, nl1[miss]]),
        np.concatenate([sc2, sc1[miss]]),
        np.concatenate([rank_for_need, rank_n[miss]]),
        np.concatenate([rank_l, np.zeros(int(miss.sum()), np.int64)]),
    )


def match_pairs(ctx: arrays.Context, top_k: int, *, lot_side: bool, diagnose_silent: bool) -> MatchResult:
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    t, n = ctx.table, ctx.needs
    lots_n, needs_n = max(t.n, 1), max(n.n, 1)
    owner, start, length = pairs.ranges(ctx, range(n.n), "full")
    matrix = pairs.rule_matrix(ctx) if len(owner) else None
    lot_buckets = (MAX_CENTI >> _LOT_SHIFT) + 1

    def block(bounds: tuple[int, int]) -> tuple[np.ndarray, ...]:
        begin, stop = bounds
        lp, nl = pairs.expand(ctx, owner[begin:stop], start[begin:stop], length[begin:stop])
        ok = pairs.admissible(ctx, lp, nl, matrix)
        lp, nl = lp[ok], nl[ok]
        cell, price = pairs.priced(ctx, lp, nl)
        # The blocking cut each need's lots at its cap on their stated prices;
        # delivered prices are no lower, so only this pass can remove more.
        within = pairs.within_budget(ctx, nl, price)
        if not within.all():
            lp, nl, cell, price = lp[within], nl[within], cell[within], price[within]
        score = pairs.score(ctx, lp, nl, cell, price)
        found = np.bincount(nl, minlength=n.n)
        need_key = _need_top(ctx, lp, nl, score, top_k)
        if not lot_side:
            return found, need_key
        cell = lp * lot_buckets
        cell += score >> _LOT_SHIFT
        hist = np.bincount(cell, minlength=lots_n * lot_buckets)
        return found, need_key, hist, lp.astype(np.int32), nl.astype(np.int32), score.astype(np.int16)

    # Blocks are independent and NumPy releases the GIL in its loops, so two
    # threads use both cores; results are combined in block order (deterministic).
    counts = np.zeros(n.n, np.int64)
    need_keys, kept = [], []
    lot_hist = np.zeros(lots_n * lot_buckets, np.int64) if lot_side else None
    lot_key: np.ndarray | None = None
    lot_stride = (MAX_CENTI + 1) * needs_n
    work = list(pairs.blocks(owner, length))
    pool = ThreadPoolExecutor(max_workers=THREADS) if len(work) > 1 else None
    run = pool.map if pool else map
    # Needs the blocking left without a single lot have no candidate for sure:
    # they are diagnosed (Python-heavy, one thread) while the pool scores the
    # blocks (NumPy, the GIL released), the rest once the blocks are counted.
    early: list[int] = []
    if diagnose_silent:
        sliced = np.zeros(n.n, dtype=bool)
        sliced[owner] = True
        early = np.flatnonzero(~sliced).tolist()
    diagnostics: dict[int, Diagnostic] = {}
    late_diagnosing = None
    try:
        # Submitted first, the diagnosis takes one worker and the blocks the
        # other until it is done: two busy threads for two cores.
        diagnosing = pool.submit(diagnose, ctx, early) if pool and early else None
        parts = run(block, work)
        if early and diagnosing is None:
            diagnostics = diagnose(ctx, early)
        for part in parts:
            counts += part[0]
            need_keys.append(part[1])
            if lot_hist is not None:
                lot_hist += part[2]
                kept.append(part[3:])
        # The needs whose lots all failed a mask, diagnosed while the lots'
        # top K are worked out.
        done = set(early)
        late = [i for i in np.flatnonzero(counts == 0).tolist() if i not in done] if diagnose_silent else []
        if late and pool:
            late_diagnosing = pool.submit(diagnose, ctx, late)
        elif late:
            diagnostics.update(diagnose(ctx, late))
        if kept and lot_hist is not None:
            cut = _cut_off_from(lot_hist.reshape(lots_n, lot_buckets), top_k)
            # The lowest score each lot's top K can hold, in the kept scores'
            # dtype: one gather and one compare per pair, no widening (-256 for
            # lots with fewer than K keeps them all).
            lowest = (cut << _LOT_SHIFT).astype(np.int16)

            def lot_keys(part: tuple[np.ndarray, ...]) -> np.ndarray:
                """Packed keys (lot, 10000 - score, need) of a block's pairs
                that can still be in their lot's top K."""
                lp, nl, score = part
                keep = score >= lowest.take(lp)
                key = lp[keep].astype(np.int64) * lot_stride
                key += (MAX_CENTI - score[keep]).astype(np.int64) * needs_n + nl[keep]
                return key

            lot_key = np.concatenate(list(run(lot_keys, kept)))
            del kept
        need_key = np.concatenate(need_keys) if need_keys else np.zeros(0, np.int64)
        stride = (MAX_CENTI + 1) * lots_n
        rest = need_key % stride
        need_side = (
            ctx.prices.at_rank[rest % lots_n],
            need_key // stride,
            MAX_CENTI - rest // lots_n,
            pairs.segment_rank(need_key // stride) + 1,
        )
        if lot_key is not None:
            key = lot_key
            key.sort()
            key = key[pairs.segment_rank(key // lot_stride) < top_k]
            lot_lp = key // lot_stride
            lot_side_ = (
                lot_lp,
                key % needs_n,
                MAX_CENTI - (key % lot_stride) // needs_n,
                pairs.segment_rank(lot_lp) + 1,
            )
            lp_, nl_, sc_, rn_, rl_ = _union(need_side, lot_side_, key, needs_n)
        else:
            lp_, nl_, sc_, rn_ = need_side
            rl_ = np.zeros(len(lp_), np.int64)
        if diagnosing is not None:
            diagnostics = diagnosing.result()
        if late_diagnosing is not None:
            diagnostics.update(late_diagnosing.result())
    finally:
        if pool:
            pool.shutdown()
    if late:
        diagnostics = dict(sorted(diagnostics.items()))
    return MatchResult(ctx, lp_, nl_, sc_, rn_, rl_, diagnostics, int(counts.sum()))
