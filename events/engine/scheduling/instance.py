"""A Problem turned into integers: slot bitmasks, resource indices and the
meetings that cannot be scheduled whatever the others do (with their reason).

A *resource* is anything that holds at most one meeting per slot: every
participant, and a table that meetings are pinned to (by fixed_table or a home
table) when those meetings do not all share one participant — if they do, that
participant already keeps them apart and the table needs no constraint of its
own. With pinned tables kept apart this way, "at most one meeting per table"
reduces to "at most `tables` meetings per slot": the unpinned meetings of a
slot take the tables its pinned meetings leave free.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from events.engine.scheduling.model import Problem, Unscheduled
from events.engine.scheduling.reasons import unscheduled

NO_CAP = 1 << 30


@dataclass
class Instance:
    slot_ids: list[str]
    slot_sessions: list[str | None]
    tables: list[str]
    meeting_ids: list[str]
    people: list[str]
    ends: list[tuple[int, int]]  # the two participants of each meeting
    resources: list[tuple[int, ...]]  # its participants and, maybe, its pinned table's resource
    pinned: list[int]  # table index, or -1 for any table
    allowed: list[int]  # bitmask of the slots it may take; 0 when dropped
    fixed: list[int]  # slot index, or -1
    priority: list[int]
    session: list[str | None]
    weight: list[int]  # meetings first, then the sum of priorities
    cap: list[int]  # per participant
    n_resources: int
    active: list[int]  # meetings that may be scheduled
    dropped: dict[int, Unscheduled] = field(default_factory=dict)
    bipartite: bool = True
    meetings_of: list[list[int]] = field(default_factory=list)  # per participant, active only

    @property
    def n_slots(self) -> int:
        return len(self.slot_ids)

    @property
    def n_tables(self) -> int:
        return len(self.tables)

    @property
    def full(self) -> int:
        return (1 << len(self.slot_ids)) - 1


def build_instance(problem: Problem) -> Instance:
    """Index the problem and drop the meetings that no schedule can hold: no
    slot in common, fixed meetings clashing with earlier fixed ones."""
    slot_index = {slot.id: i for i, slot in enumerate(problem.slots)}
    table_index = {table: i for i, table in enumerate(problem.tables)}
    n_slots = len(problem.slots)
    full = (1 << n_slots) - 1
    session_mask: dict[str | None, int] = {None: full}
    for i, slot in enumerate(problem.slots):
        if slot.session is not None:
            session_mask[slot.session] = session_mask.get(slot.session, 0) | 1 << i
    # A participant's id (str) is `person_id`, its index (int) `person`.
    person_index: dict[str, int] = {}
    for meeting in problem.meetings:
        for person_id in meeting.participants:
            person_index.setdefault(person_id, len(person_index))
    people = list(person_index)
    off = [0] * len(people)
    for person_id, slot_ids in problem.unavailable.items():
        if person_id in person_index:
            off[person_index[person_id]] = sum(1 << slot_index[s] for s in slot_ids)
    count = len(problem.meetings)
    inst = Instance(
        slot_ids=[slot.id for slot in problem.slots],
        slot_sessions=[slot.session for slot in problem.slots],
        tables=list(problem.tables),
        meeting_ids=[meeting.id for meeting in problem.meetings],
        people=people,
        ends=[(person_index[m.participants[0]], person_index[m.participants[1]]) for m in problem.meetings],
        resources=[],
        pinned=[-1] * count,
        allowed=[0] * count,
        fixed=[-1] * count,
        priority=[m.priority for m in problem.meetings],
        session=[m.session for m in problem.meetings],
        weight=[],
        cap=[problem.max_meetings.get(person_id, NO_CAP) for person_id in people],
        n_resources=len(people),
        active=[],
    )
    fixed_at: dict[tuple[int, int], int] = {}  # (slot, participant) -> fixed meeting
    table_at: dict[tuple[int, int], int] = {}  # (slot, table) -> fixed meeting
    fixed_in_slot = [0] * n_slots
    fixed_of = [0] * len(people)
    for m, meeting in enumerate(problem.meetings):
        u, v = inst.ends[m]
        first, second = meeting.participants
        if meeting.fixed_table is not None:
            inst.pinned[m] = table_index[meeting.fixed_table]
        elif first in problem.home_tables:
            inst.pinned[m] = table_index[problem.home_tables[first]]
        elif second in problem.home_tables:
            inst.pinned[m] = table_index[problem.home_tables[second]]
        if not inst.tables:
            inst.dropped[m] = unscheduled(inst, m, "no_table")
            continue
        window = session_mask[meeting.session]
        if meeting.fixed_slot is None:
            inst.allowed[m] = window & ~off[u] & ~off[v]
            if not inst.allowed[m]:
                inst.dropped[m] = _no_slot_reason(inst, m, window, off)
            continue
        s = slot_index[meeting.fixed_slot]
        reason = None
        if not window >> s & 1:
            reason = unscheduled(inst, m, "fixed_slot_conflict", slot=s, session=meeting.session)
        elif off[u] >> s & 1 or off[v] >> s & 1:
            person = u if off[u] >> s & 1 else v
            reason = unscheduled(inst, m, "participant_unavailable", participant=person, slot=s)
        elif (s, u) in fixed_at or (s, v) in fixed_at:
            person = u if (s, u) in fixed_at else v
            other = fixed_at[(s, person)]
            reason = unscheduled(inst, m, "fixed_slot_conflict", slot=s, participant=person, meeting=other)
        elif inst.pinned[m] >= 0 and (s, inst.pinned[m]) in table_at:
            other = table_at[(s, inst.pinned[m])]
            reason = unscheduled(inst, m, "fixed_slot_conflict", slot=s, table=inst.pinned[m], meeting=other)
        elif fixed_in_slot[s] >= len(inst.tables):
            reason = unscheduled(inst, m, "fixed_slot_conflict", slot=s)
        elif fixed_of[u] >= inst.cap[u] or fixed_of[v] >= inst.cap[v]:
            person = u if fixed_of[u] >= inst.cap[u] else v
            reason = unscheduled(inst, m, "participant_capped", participant=person)
        if reason is not None:
            inst.dropped[m] = reason
            continue
        inst.fixed[m] = s
        inst.allowed[m] = 1 << s
        fixed_at[(s, u)] = fixed_at[(s, v)] = m
        if inst.pinned[m] >= 0:
            table_at[(s, inst.pinned[m])] = m
        fixed_in_slot[s] += 1
        fixed_of[u] += 1
        fixed_of[v] += 1
    inst.active = [m for m in range(count) if m not in inst.dropped]
    _add_table_resources(inst)
    total = sum(inst.priority[m] for m in inst.active) + 1
    inst.weight = [total + p for p in inst.priority]
    inst.meetings_of = [[] for _ in people]
    for m in inst.active:
        for person in inst.ends[m]:
            inst.meetings_of[person].append(m)
    inst.bipartite = _is_bipartite(inst)
    return inst


def _no_slot_reason(inst: Instance, m: int, window: int, off: list[int]) -> Unscheduled:
    u, v = inst.ends[m]
    session = inst.session[m]
    if not window:
        return unscheduled(inst, m, "no_slot", session=session)
    for person in (u, v):
        if not window & ~off[person]:
            return unscheduled(inst, m, "participant_unavailable", participant=person, session=session)
    return unscheduled(inst, m, "no_common_slot", session=session)


def _add_table_resources(inst: Instance) -> None:
    groups: dict[int, list[int]] = {}
    for m in inst.active:
        if inst.pinned[m] >= 0:
            groups.setdefault(inst.pinned[m], []).append(m)
    resource_of: dict[int, int] = {}
    for table, group in groups.items():
        shared = set(inst.ends[group[0]])
        for m in group[1:]:
            shared &= set(inst.ends[m])
        if not shared:
            resource_of[table] = inst.n_resources
            inst.n_resources += 1
    for m in range(len(inst.meeting_ids)):
        table = resource_of.get(inst.pinned[m], -1)
        inst.resources.append((*inst.ends[m], table) if table >= 0 else inst.ends[m])


def _is_bipartite(inst: Instance) -> bool:
    # Exporter-buyer fairs are bipartite; exporter-exporter meetings may break
    # it, and then the bipartite colouring (König) and flow no longer apply.
    side = sides(inst)
    return all(side[inst.ends[m][0]] != side[inst.ends[m][1]] for m in inst.active)


def sides(inst: Instance) -> list[int]:
    """0/1 per participant, by breadth-first search: in a bipartite instance
    every meeting joins a 0 and a 1."""
    side = [-1] * len(inst.people)
    for start in range(len(inst.people)):
        if side[start] >= 0:
            continue
        side[start] = 0
        queue = deque([start])
        while queue:
            person = queue.popleft()
            for m in inst.meetings_of[person]:
                u, v = inst.ends[m]
                other = v if u == person else u
                if side[other] < 0:
                    side[other] = 1 - side[person]
                    queue.append(other)
    return side
