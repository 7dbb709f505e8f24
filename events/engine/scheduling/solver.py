"""solve(): the phases in order, each within the time limit.

1. Bounds: the flow bound on meetings (and, for exporter-buyer fairs, a
   best set of meetings reaching it), the slot and idle-period lower bounds.
2. A first schedule: exact colouring (König, de Werra) when only
   participants and tables constrain a bipartite fair, else greedy + repair.
3. More meetings: CP-SAT, when the first schedule is below the flow bound.
4. Fewer idle periods: CP-SAT with the per-participant lower bounds as hard
   limits (a solution is optimal), else a minimisation; local search on
   what CP-SAT does not prove and on fairs too big to model.
5. Tables: pinned meetings at their table, the others where a participant
   sat the slot before, away from other people's home tables if possible.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from events.engine.scheduling import cpsat
from events.engine.scheduling.bounds import (
    FlowBound,
    bits,
    flow_bound,
    idle_lower_bounds,
    idle_periods,
    least_meetings,
    participant_caps,
    slot_lower_bound,
)
from events.engine.scheduling.colouring import bipartite_colouring
from events.engine.scheduling.construct import greedy, repair
from events.engine.scheduling.instance import NO_CAP, Instance, build_instance
from events.engine.scheduling.local_search import improve_idle
from events.engine.scheduling.model import Assignment, Problem, Solution, Unscheduled, validate_problem
from events.engine.scheduling.reasons import unscheduled
from events.engine.scheduling.state import Schedule

SEED = 20251115
log = logging.getLogger(__name__)
# What is left of the limit after a phase is not worth a CP-SAT run.
MIN_CPSAT_SECONDS = 0.2
# Fairs that CP-SAT proves at all, it proves within a few seconds; longer
# runs pay off less than local search does.
IDLE_SAT_SECONDS = 6.0
# Kept for writing the solution out once the search stops.
FINISH_SECONDS = 0.05
# Building a CP-SAT model in Python costs about this much per slot choice
# (measured: 0.5 s for booth_fair's 16,800), before the solver starts.
BUILD_SECONDS_PER_CHOICE = 40e-6


def _worth_a_model(inst: Instance, meetings: list[int], clock: _Clock) -> bool:
    """A CP-SAT model of these meetings is small enough to help, and there is
    time to build and solve it."""
    size = cpsat.choices(inst, meetings)
    left = clock.left()
    return (
        size <= cpsat.MAX_CHOICES and left > MIN_CPSAT_SECONDS and size * BUILD_SECONDS_PER_CHOICE < left / 3
    )


class _Clock:
    def __init__(self, time_limit: float, on_progress: Callable[[float], None] | None) -> None:
        self.started = time.perf_counter()
        self.limit = max(time_limit, 0.0)
        self.deadline = self.started + self.limit - min(FINISH_SECONDS, self.limit / 4)
        self.on_progress = on_progress
        self.first: float | None = None
        self.best = 0.0
        self._last_report = -1.0

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def report(self, fraction: float | None = None) -> None:
        if self.on_progress is None:
            return
        now = self.elapsed()
        if fraction is None:
            if now - self._last_report < 0.25:
                return
            fraction = min(now / self.limit, 0.99) if self.limit else 0.99
        self._last_report = now
        self.on_progress(fraction)

    def improved(self) -> None:
        self.best = self.elapsed()
        if self.first is None:
            self.first = self.best


def solve(
    problem: Problem, time_limit: float = 10.0, on_progress: Callable[[float], None] | None = None
) -> Solution:
    """Schedule as many meetings as possible (then by priority), then with the
    fewest idle periods, spread fairly; never breaks a hard constraint. Returns
    when proved optimal or after about `time_limit` seconds. Raises
    ProblemError for a problem that makes no sense (unknown ids and the like)."""
    clock = _Clock(time_limit, on_progress)
    validate_problem(problem)
    clock.report(0.0)
    inst = build_instance(problem)
    caps = participant_caps(inst)
    bound = flow_bound(inst, caps)
    sched = Schedule(inst)
    _first_schedule(inst, sched, bound, clock)
    clock.improved()
    clock.report()
    count, priority = sched.value()
    meetings_proved = count == len(inst.active) or bound.reached(count, priority)
    if not meetings_proved:
        proved = _more_meetings(inst, sched, bound, clock)
        greedy(sched, [m for m in inst.active if sched.slot_of[m] < 0])
        meetings_proved = proved or bound.reached(*sched.value())
    chosen = sched.scheduled()
    budget = min(0.5, max(clock.left() / 10, 0.01))
    lower = idle_lower_bounds(inst, chosen, budget=budget)
    target = _IdleTarget(lower, sum(lower), valid=meetings_proved, forced=len(chosen) == len(inst.active))
    if meetings_proved and not target.forced:
        # Other sets of meetings are as good, and may need fewer idle periods:
        # the bound must hold for them too.
        least = least_meetings(inst, caps, len(chosen), bound.reached(*sched.value()), budget)
        target.floor = sum(idle_lower_bounds(inst, inst.active, least, budget=budget))
    log.debug(
        "first: %s idle %d floor %d, %.2f s", sched.value(), sched.idle(), target.floor, clock.elapsed()
    )
    idle_proved = _fewer_idle(inst, sched, target, clock)
    chosen = sched.scheduled()
    idle = sched.idle()
    stats: dict[str, Any] = {
        "requested": len(inst.meeting_ids),
        "scheduled": len(chosen),
        "schedulable_upper_bound": bound.meetings,
        "slots_used": len({sched.slot_of[m] for m in chosen}),
        "lower_bound_slots": slot_lower_bound(inst, inst.active),
        "idle_periods": idle,
        "idle_lower_bound": target.floor,
        "seconds_to_first": round(clock.first or 0.0, 3),
        "seconds": 0.0,
        "proved_optimal": meetings_proved and idle_proved,
    }
    solution = Solution(
        assignments=_tables(inst, sched),
        unscheduled=_reasons(inst, sched),
        stats=stats,
        seconds_to_best=round(clock.best, 3),
    )
    stats["seconds"] = round(clock.elapsed(), 3)
    clock.report(1.0)
    return solution


def _first_schedule(inst: Instance, sched: Schedule, bound: FlowBound, clock: _Clock) -> None:
    """Fill `sched`: exactly colour the flow's best set of meetings when only
    participants and tables constrain, else greedy and repair."""
    chosen = bound.chosen
    for m in inst.active:
        if inst.fixed[m] >= 0:
            sched.place(m, inst.fixed[m])
    full = inst.full
    plain = (
        inst.bipartite
        and chosen
        and inst.n_resources == len(inst.people)
        and all(inst.fixed[m] < 0 and inst.allowed[m] == full for m in inst.active)
    )
    if plain:
        load = [0] * len(inst.people)
        for m in chosen:
            for p in inst.ends[m]:
                load[p] += 1
        colours = max(max(load), -(-len(chosen) // inst.n_tables))
        for m, colour in zip(chosen, bipartite_colouring(inst, chosen, colours), strict=True):
            sched.place(m, colour)
        return
    in_chosen = set(chosen)
    degree = [len(meetings) for meetings in inst.meetings_of]

    def urgency(m: int) -> tuple[int, int, int, int]:
        u, v = inst.ends[m]
        return (m not in in_chosen, -inst.priority[m], inst.allowed[m].bit_count(), -degree[u] - degree[v])

    order = sorted(inst.active, key=urgency)
    greedy(sched, order)
    clock.improved()
    left = [m for m in order if sched.slot_of[m] < 0]
    if left:
        deadline = time.perf_counter() + min(1.0, max(clock.left() / 5, 0.0))
        repair(sched, left, deadline, lambda: bound.reached(*sched.value()))


def _more_meetings(inst: Instance, sched: Schedule, bound: FlowBound, clock: _Clock) -> bool:
    """CP-SAT for the most meetings (then priority); True when proved."""
    if not _worth_a_model(inst, inst.active, clock):
        return False
    model = cpsat.SlotModel(inst, inst.active, must=())
    model.model.maximize(model.total)
    model.hint(sched.slot_of)
    if bound.priority is not None:
        # The flow bound in weights (meetings first, then priority): a schedule
        # reaching it is optimal at once. (Stopping the search from a solution
        # callback instead crashed CP-SAT 9.15 in postsolve now and then.)
        model.model.add(model.total <= bound.meetings * (inst.weight[0] - inst.priority[0]) + bound.priority)
    outcome = model.solve(clock.left() * 0.4)
    log.debug("meetings: %s %s, %.2f s", outcome.status, outcome.bound, clock.elapsed())
    if outcome.status in ("optimal", "feasible"):
        before = sum(inst.weight[m] for m in sched.scheduled())
        after = sum(inst.weight[m] for m in outcome.slot_of)
        if after > before:
            _adopt(sched, outcome.slot_of)
            clock.improved()
    clock.report()
    return outcome.status == "optimal"


@dataclass
class _IdleTarget:
    """Per-participant lower bounds for the scheduled meetings, and `floor`,
    a lower bound on the total for every schedule as good in meetings when
    `valid` (for these meetings only, otherwise); `forced` when every
    meeting that can be scheduled is."""

    lower: list[int]
    floor: int
    valid: bool
    forced: bool

    def reached(self, idle: int) -> bool:
        return idle == 0 or (self.valid and idle <= self.floor)


def _fewer_idle(inst: Instance, sched: Schedule, target: _IdleTarget, clock: _Clock) -> bool:
    """Lower the idle periods of the scheduled meetings; True when proved
    optimal."""
    if target.reached(sched.idle()):
        return True
    chosen = sched.scheduled()
    if _worth_a_model(inst, chosen, clock):
        model = cpsat.SlotModel(inst, chosen, must=chosen)
        model.limit_idle(dict(enumerate(target.lower)))
        model.hint(sched.slot_of)
        outcome = model.solve(min(clock.left() * 0.5, IDLE_SAT_SECONDS), lp=False)
        log.debug("idle limits: %s, %.2f s", outcome.status, clock.elapsed())
        clock.report()
        if outcome.status in ("optimal", "feasible") and _idle_of(inst, outcome.slot_of) < sched.idle():
            _adopt(sched, outcome.slot_of)
            clock.improved()
        if target.reached(sched.idle()):
            return True
        if outcome.status == "infeasible" and target.forced and _minimise_idle(inst, sched, target, clock):
            return True
    rng = random.Random(SEED)  # noqa: S311 - drives a search, guards no secret
    improve_idle(sched, target.lower, clock.deadline, rng, clock.improved, clock.report)
    return target.reached(sched.idle())


def _minimise_idle(inst: Instance, sched: Schedule, target: _IdleTarget, clock: _Clock) -> bool:
    """Idle periods are above the bound (proved): minimise them outright."""
    chosen = sched.scheduled()
    if not _worth_a_model(inst, chosen, clock):
        return False
    model = cpsat.SlotModel(inst, chosen, must=chosen)
    model.minimise_idle(
        [p for p in range(len(inst.people)) if len(inst.meetings_of[p]) > 1], target.floor + 1
    )
    model.hint(sched.slot_of)
    outcome = model.solve(clock.left() * 0.7, lp=False)
    log.debug("idle minimised: %s %s, %.2f s", outcome.status, outcome.bound, clock.elapsed())
    clock.report()
    if outcome.status in ("optimal", "feasible") and _idle_of(inst, outcome.slot_of) <= sched.idle():
        _adopt(sched, outcome.slot_of)
        clock.improved()
    return outcome.status == "optimal"


def _idle_of(inst: Instance, slot_of: dict[int, int]) -> int:
    busy = [0] * len(inst.people)
    for m, s in slot_of.items():
        for p in inst.ends[m]:
            busy[p] |= 1 << s
    return sum(idle_periods(mask) for mask in busy)


def _adopt(sched: Schedule, slot_of: dict[int, int]) -> None:
    sched.restore([slot_of.get(m, -1) for m in range(len(sched.slot_of))])


def _tables(inst: Instance, sched: Schedule) -> list[Assignment]:
    homes = {table for table in inst.pinned if table >= 0}
    sat_at: dict[int, int] = {}  # participant -> table in the slot before
    table_of: dict[int, int] = {}
    by_slot: list[list[int]] = [[] for _ in inst.slot_ids]
    for m in sched.scheduled():
        by_slot[sched.slot_of[m]].append(m)
    for meetings in by_slot:
        taken = {inst.pinned[m] for m in meetings if inst.pinned[m] >= 0}
        for m in meetings:
            if inst.pinned[m] >= 0:
                table_of[m] = inst.pinned[m]
        spare = [t for t in range(inst.n_tables) if t not in taken]
        # Other people's home tables last: their owners may walk back to them.
        spare.sort(key=lambda t: t in homes)
        free = set(spare)
        for m in meetings:
            if m in table_of:
                continue
            stay = [sat_at[p] for p in inst.ends[m] if sat_at.get(p, -1) in free]
            table = stay[0] if stay else next(t for t in spare if t in free)
            free.discard(table)
            table_of[m] = table
        for m in meetings:
            for p in inst.ends[m]:
                sat_at[p] = table_of[m]
    return [
        Assignment(inst.meeting_ids[m], inst.slot_ids[sched.slot_of[m]], inst.tables[table_of[m]])
        for m in sorted(table_of, key=lambda m: (sched.slot_of[m], table_of[m]))
    ]


def _reasons(inst: Instance, sched: Schedule) -> list[Unscheduled]:
    out = []
    for m in range(len(inst.meeting_ids)):
        if m in inst.dropped:
            out.append(inst.dropped[m])
        elif sched.slot_of[m] < 0:
            out.append(_why(inst, sched, m))
    return out


def _why(inst: Instance, sched: Schedule, m: int) -> Unscheduled:
    u, v = inst.ends[m]
    session = inst.session[m]
    for p in (u, v):
        if inst.cap[p] < NO_CAP and sched.load[p] >= inst.cap[p]:
            return unscheduled(inst, m, "participant_capped", participant=p)
    allowed = inst.allowed[m]
    for p in (u, v):
        if not allowed & ~sched.busy[p]:
            return unscheduled(inst, m, "crowded_out", participant=p, session=session)
    both = allowed & ~sched.busy[u] & ~sched.busy[v]
    if not both:
        return unscheduled(inst, m, "crowded_out", participant=u, other=v, session=session)
    pinned = inst.resources[m][2:]
    if pinned and all(sched.at[pinned[0]][s] >= 0 for s in bits(both)):
        return unscheduled(inst, m, "tables_full", table=inst.pinned[m], session=session)
    return unscheduled(inst, m, "tables_full", session=session)
