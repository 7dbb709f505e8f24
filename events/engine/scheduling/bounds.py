"""Bounds that say how good a schedule can be: the most meetings that fit
(a max-flow), the fewest slots, the fewest idle periods per participant."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

from events.engine.scheduling.instance import Instance, sides


def idle_periods(mask: int) -> int:
    """Maximal runs of free slots between two meetings of a busy-slot bitmask:
    one fewer than its runs of meetings."""
    return (mask & ~(mask << 1)).bit_count() - 1 if mask else 0


def bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def match_count(masks: list[int]) -> int:
    """How many of these meetings (each a bitmask of its slots) can take
    distinct slots (Kuhn's augmenting paths; a participant has a few dozen)."""
    if not masks:
        return 0
    first = masks[0]
    if all(mask == first for mask in masks):
        return min(len(masks), first.bit_count())
    holder: dict[int, int] = {}

    def augment(i: int, seen: list[int]) -> bool:
        free = masks[i] & ~seen[0]
        for s in bits(free):
            seen[0] |= 1 << s
            if s not in holder or augment(holder[s], seen):
                holder[s] = i
                return True
        return False

    return sum(augment(i, [0]) for i in range(len(masks)))


@dataclass
class FlowBound:
    meetings: int  # no schedule holds more meetings
    priority: int | None  # with that many, no more priority in total (bipartite only)
    chosen: list[int]  # a set of meetings reaching both (bipartite only)

    def reached(self, count: int, priority: int) -> bool:
        """True when a schedule's value meets the bound, so it is the best."""
        return count == self.meetings and self.priority is not None and priority >= self.priority


def flow_bound(inst: Instance, caps: list[int]) -> FlowBound:
    """Max-flow relaxation: each participant holds at most `caps` meetings (as
    many as it has slots for them, and its max_meetings), a slot at most one
    per table. Exact for the count when only these limits bind; a min-cost
    max-flow also bounds the priority sum. For arbitrary pairs, half the flow
    on the bipartite double cover (a fractional b-matching) bounds the count."""
    if not inst.active:
        return FlowBound(0, 0, [])
    top = max(inst.priority[m] for m in inst.active)
    # Costs are shifted to stay positive; a max flow sends a fixed number of
    # units, so the shift changes nothing.
    flow, arcs, source, sink = _network(inst, caps, lambda m: top - inst.priority[m])
    total = sum(caps) * 2 + 1
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max-flow bound failed: status {status}")
    sent = flow.maximum_flow()
    best = top * sent - flow.optimal_cost()
    if not inst.bipartite:
        # Each meeting counts twice on the double cover; an odd flow bounds
        # the count only, not the priority of a schedule one unit short.
        return FlowBound(sent // 2, best // 2 if sent % 2 == 0 else None, [])
    chosen = [m for m, a in arcs if flow.flow(a)]
    return FlowBound(sent, best, chosen)


def least_meetings(
    inst: Instance, caps: list[int], count: int, by_priority: bool, budget: float
) -> list[int]:
    """Per participant, a lower bound on its meetings in any schedule of
    `count` meetings, the proved maximum: the fewest that a flow of that value
    can route through it. `by_priority`: the schedules also reach the flow's
    priority bound, so only flows that do count. 0 where the budget ran out."""
    deadline = time.perf_counter() + budget
    least = [0] * len(inst.people)
    units = count if inst.bipartite else 2 * count
    top = max((inst.priority[m] for m in inst.active), default=1) if by_priority else 0
    # Priority first, then the participant's arcs: `spread` exceeds the arcs it has.
    spread = 2 * max((len(meetings) for meetings in inst.meetings_of), default=0) + 1
    for p in range(len(inst.people)):
        if time.perf_counter() > deadline:
            break
        if not inst.meetings_of[p]:
            continue

        def cost(m: int, p: int = p) -> int:
            return (top - inst.priority[m] if by_priority else 0) * spread + (p in inst.ends[m])

        flow, _, source, sink = _network(inst, caps, cost)
        flow.set_node_supply(source, units)
        flow.set_node_supply(sink, -units)
        if flow.solve() == flow.OPTIMAL:
            through = flow.optimal_cost() % spread
            least[p] = through if inst.bipartite else -(-through // 2)
    return least


def _network(
    inst: Instance, caps: list[int], cost: Callable[[int], int]
) -> tuple[min_cost_flow.SimpleMinCostFlow, list[tuple[int, int]], int, int]:
    people = len(inst.people)
    used = 0
    for m in inst.active:
        used |= inst.allowed[m]
    room = used.bit_count() * inst.n_tables
    flow = min_cost_flow.SimpleMinCostFlow()
    source, gate, sink, left, right = 0, 1, 2, 3, 3 + people

    def arc(tail: int, head: int, capacity: int, unit_cost: int = 0) -> int:
        # The arc's index (OR-Tools' graph module has no type information).
        index: int = flow.add_arc_with_capacity_and_unit_cost(tail, head, capacity, unit_cost)
        return index

    arc(source, gate, room if inst.bipartite else 2 * room)
    side = sides(inst) if inst.bipartite else [2] * people
    for p in range(people):
        if caps[p] and side[p] != 1:
            arc(gate, left + p, caps[p])
        if caps[p] and side[p] != 0:
            arc(right + p, sink, caps[p])
    arcs: list[tuple[int, int]] = []
    for m in inst.active:
        u, v = inst.ends[m]
        if side[u] == 1:
            u, v = v, u
        arcs.append((m, arc(left + u, right + v, 1, cost(m))))
        if not inst.bipartite:
            arcs.append((m, arc(left + v, right + u, 1, cost(m))))
    return flow, arcs, source, sink


def participant_caps(inst: Instance) -> list[int]:
    """Per participant: its max_meetings, and no more meetings than can take
    distinct slots among those each of them may use."""
    return [
        min(inst.cap[p], match_count([inst.allowed[m] for m in inst.meetings_of[p]]))
        for p in range(len(inst.people))
    ]


def slot_lower_bound(inst: Instance, meetings: list[int]) -> int:
    """No schedule of these meetings uses fewer slots: the busiest participant
    (or pinned table) meets in a slot each, and a slot holds `tables` meetings."""
    if not meetings or not inst.n_tables:
        return 0
    load = [0] * inst.n_resources
    for m in meetings:
        for r in inst.resources[m]:
            load[r] += 1
    return max(max(load), -(-len(meetings) // inst.n_tables))


def idle_lower_bounds(
    inst: Instance, meetings: list[int], least: list[int] | None = None, budget: float = 0.5
) -> list[int]:
    """Per participant, the fewest idle periods it can have holding these
    meetings — or, given `least`, any `least[p]` of them — considering its own
    slots only (exact up to 1; 2 means "at least 2"). Their sum bounds the
    whole schedule."""
    per: list[list[int]] = [[] for _ in inst.people]
    for m in meetings:
        for p in inst.ends[m]:
            per[p].append(inst.allowed[m])
    deadline = time.perf_counter() + budget
    return [
        _idle_bound(masks, len(masks) if least is None else least[p], inst.n_slots, deadline)
        for p, masks in enumerate(per)
    ]


def _idle_bound(masks: list[int], count: int, n_slots: int, deadline: float) -> int:
    # With fewer meetings than `masks`, the bound can only fall: dropping the
    # meeting at either end of a run keeps the others where they are.
    if count <= 1:
        return 0
    union = 0
    for mask in masks:
        union |= mask
    run = (1 << count) - 1
    for start in range(n_slots - count + 1):
        if _fills(masks, run << start, union, count):
            return 0
    # One idle period: two runs of meetings whose lengths add up to the count.
    for first in range(1, count):
        head = (1 << first) - 1
        tail = (1 << (count - first)) - 1
        for a in range(n_slots - count):
            if time.perf_counter() > deadline:
                return 1
            for c in range(a + first + 1, n_slots - (count - first) + 1):
                if _fills(masks, head << a | tail << c, union, count):
                    return 1
    return 2


def _fills(masks: list[int], chosen: int, union: int, count: int) -> bool:
    # Every chosen slot taken by a different meeting, so no slot in the runs is free.
    if chosen & ~union:
        return False
    if sum(mask & chosen == chosen for mask in masks) >= count:
        return True
    return match_count([mask & chosen for mask in masks if mask & chosen]) >= count
