"""A first schedule at once: greedy placement, then repair by Kempe swaps and
by moving blockers elsewhere, for any mix of sessions, unavailability, fixed
meetings, pinned tables and non-bipartite pairs."""

from __future__ import annotations

import time
from collections.abc import Callable

from events.engine.scheduling.bounds import bits, idle_periods
from events.engine.scheduling.state import Schedule


def greedy(sched: Schedule, order: list[int]) -> None:
    """Place each meeting, in order, where it adds the fewest idle periods."""
    for m in order:
        if sched.slot_of[m] < 0:
            s = best_slot(sched, m)
            if s >= 0:
                sched.place(m, s)


def best_slot(sched: Schedule, m: int, avoid: int = -1) -> int:
    inst = sched.inst
    u, v = inst.ends[m]
    busy_u, busy_v = sched.busy[u], sched.busy[v]
    if sched.load[u] >= inst.cap[u] or sched.load[v] >= inst.cap[v]:
        return -1
    free = inst.allowed[m] & ~busy_u & ~busy_v
    if avoid >= 0:
        free &= ~(1 << avoid)
    idle_u, idle_v = idle_periods(busy_u), idle_periods(busy_v)
    best, best_key = -1, (1 << 30, 0, 0)
    tables = inst.n_tables
    pinned = inst.resources[m][2:]
    for s in bits(free):
        if sched.count[s] >= tables or (pinned and sched.at[pinned[0]][s] >= 0):
            continue
        bit = 1 << s
        added = idle_periods(busy_u | bit) - idle_u + idle_periods(busy_v | bit) - idle_v
        # Emptier slots first: keeps tables free for meetings with fewer choices.
        key = (added, sched.count[s], s)
        if key < best_key:
            best, best_key = s, key
    return best


def repair(sched: Schedule, targets: list[int], deadline: float, done: Callable[[], bool]) -> None:
    """Fit unscheduled meetings (in the order given) by rearranging others:
    Kempe swaps that free a slot for both participants, or moving the
    meetings in the way to other slots. A meeting that can only get in by
    pushing out lower-priority ones does so when that raises the value.
    Stops at the deadline or when `done()` (the value meets its bound)."""
    sched.journal = True
    try:
        for m in targets:
            if time.perf_counter() > deadline or done():
                return
            if sched.slot_of[m] >= 0:
                continue
            mark = len(sched.log)
            if not (insert(sched, m) or _insert_by_eviction(sched, m)):
                sched.undo(mark)
            sched.log.clear()
    finally:
        sched.journal = False
        sched.log.clear()


def insert(sched: Schedule, m: int, avoid: int = -1) -> bool:
    """Place m directly or after Kempe swaps; on failure the schedule may have
    changed (the caller undoes)."""
    s = best_slot(sched, m, avoid)
    if s >= 0:
        sched.place(m, s)
        return True
    inst = sched.inst
    u, v = inst.ends[m]
    if sched.load[u] >= inst.cap[u] or sched.load[v] >= inst.cap[v]:
        return False
    for a in bits(inst.allowed[m]):
        if a == avoid:
            continue
        mark = len(sched.log)
        if _clear_slot(sched, m, a) and sched.fits(m, a):
            sched.place(m, a)
            return True
        sched.undo(mark)
    return False


def _clear_slot(sched: Schedule, m: int, a: int) -> bool:
    """Swap the meetings in m's way at slot a out with another slot's (Kempe
    chains), one resource at a time, never bringing a new blocker in."""
    inst = sched.inst
    mine = inst.resources[m]
    for r in mine:
        e = sched.at[r][a]
        if e < 0:
            continue
        if inst.fixed[e] >= 0:
            return False
        cleared = False
        for b in bits(inst.allowed[e] & ~(1 << a)):
            group = sched.component(e, a, b)
            if not sched.can_swap(group, a, b):
                continue
            # The swap brings b's meetings of the group into a: none may be m's.
            if any(sched.slot_of[x] == b and set(inst.resources[x]) & set(mine) for x in group):
                continue
            sched.swap(group, a, b)
            cleared = True
            break
        if not cleared:
            return False
    if sched.count[a] < inst.n_tables:
        return True
    # Full tables: move one meeting of slot a to a slot with a free table.
    for e in list(sched.members[a]):
        if inst.fixed[e] >= 0:
            continue
        for b in bits(inst.allowed[e] & ~(1 << a)):
            if sched.count[b] >= inst.n_tables:
                continue
            group = sched.component(e, a, b)
            moving_out = sum(sched.slot_of[x] == a for x in group)
            if moving_out * 2 <= len(group) or not sched.can_swap(group, a, b):
                continue
            if any(sched.slot_of[x] == b and set(inst.resources[x]) & set(mine) for x in group):
                continue
            sched.swap(group, a, b)
            return True
    return False


def _insert_by_eviction(sched: Schedule, m: int) -> bool:
    """Put m in a slot, evicting what is in its way (the meetings of its
    participants and pinned table there, the cheapest meeting of a full slot,
    the cheapest meeting of a participant at its cap), and find the evicted
    meetings new places; keep the result when it holds more value."""
    inst = sched.inst
    for a in bits(inst.allowed[m]):
        evicted = {sched.at[r][a] for r in inst.resources[m]} - {-1}
        for p in inst.ends[m]:
            if sched.load[p] >= inst.cap[p] and not any(p in inst.ends[e] for e in evicted):
                evicted.add(_cheapest(sched, [e for e in inst.meetings_of[p] if sched.slot_of[e] >= 0]))
        if sched.count[a] - sum(sched.slot_of[e] == a for e in evicted) >= inst.n_tables:
            evicted.add(_cheapest(sched, [e for e in sched.members[a] if e not in evicted]))
        if -1 in evicted or any(inst.fixed[e] >= 0 for e in evicted):
            continue
        mark = len(sched.log)
        for e in evicted:
            sched.remove(e)
        if not sched.fits(m, a):
            sched.undo(mark)
            continue
        sched.place(m, a)
        lost = [e for e in sorted(evicted, key=lambda e: -inst.priority[e]) if not insert(sched, e, avoid=a)]
        if not lost or inst.weight[m] > sum(inst.weight[e] for e in lost):
            return True
        sched.undo(mark)
    return False


def _cheapest(sched: Schedule, meetings: list[int]) -> int:
    """The movable meeting of least value among these, or -1."""
    movable = [e for e in meetings if sched.inst.fixed[e] < 0]
    return min(movable, key=lambda e: (sched.inst.weight[e], e)) if movable else -1
