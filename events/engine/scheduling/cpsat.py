"""CP-SAT models over "meeting m takes slot s" booleans: the most meetings
(by priority) when the heuristics fall short of the flow bound, and idle
periods — first as a satisfiability problem with each participant's lower
bound as a hard limit (it proves most realistic fairs optimal in about a
second), then, if that is infeasible, as a minimisation."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ortools.sat.python import cp_model

from events.engine.scheduling.bounds import bits
from events.engine.scheduling.instance import Instance

SEED = 20251115
# Above this many slot choices, building and solving a model costs more than
# the heuristics gain in the time a fair allows.
MAX_CHOICES = 40_000
# Up to this many slot choices, one worker solves a model about as fast as two.
SMALL_MODEL = 2_000


@dataclass
class Outcome:
    status: str  # "optimal", "feasible", "infeasible", "unknown"
    slot_of: dict[int, int]  # meeting -> slot, for the meetings scheduled
    bound: float | None = None  # the objective bound CP-SAT proved


def choices(inst: Instance, meetings: list[int]) -> int:
    return sum(inst.allowed[m].bit_count() for m in meetings)


class SlotModel:
    """Every hard constraint of the problem over these meetings; those in
    `must` (and fixed ones) are scheduled, the others may be."""

    def __init__(self, inst: Instance, meetings: list[int], must: Collection[int]) -> None:
        self.inst = inst
        self.meetings = meetings
        # Participants all of whose meetings are scheduled: their meeting count is known.
        self.length: dict[int, int] = {}
        optional: set[int] = set()
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.at: dict[tuple[int, int], list[cp_model.IntVar]] = {}  # (participant, slot)
        by_resource: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        by_slot: list[list[cp_model.IntVar]] = [[] for _ in range(inst.n_slots)]
        by_person: dict[int, list[cp_model.IntVar]] = {}
        model = self.model
        for m in meetings:
            own = []
            for s in bits(inst.allowed[m]):
                var = model.new_bool_var(f"x{m}_{s}")
                self.x[(m, s)] = var
                own.append(var)
                by_slot[s].append(var)
                for r in inst.resources[m]:
                    by_resource.setdefault((r, s), []).append(var)
                for p in inst.ends[m]:
                    self.at.setdefault((p, s), []).append(var)
                    by_person.setdefault(p, []).append(var)
            if m in must or inst.fixed[m] >= 0:
                model.add_exactly_one(own)
            else:
                model.add_at_most_one(own)
                optional.update(inst.ends[m])
            for p in inst.ends[m]:
                self.length[p] = self.length.get(p, 0) + 1
        for group in by_resource.values():
            if len(group) > 1:
                model.add_at_most_one(group)
        for group in by_slot:
            if len(group) > inst.n_tables:
                model.add(sum(group) <= inst.n_tables)
        for p in optional:
            del self.length[p]
            if len(by_person[p]) > inst.cap[p]:
                model.add(sum(by_person[p]) <= inst.cap[p])
        self.total = sum(inst.weight[m] * self.x[(m, s)] for m in meetings for s in bits(inst.allowed[m]))

    def hint(self, slot_of: list[int]) -> None:
        for (m, s), var in self.x.items():
            self.model.add_hint(var, slot_of[m] == s)

    def solve(self, seconds: float, *, lp: bool = True) -> Outcome:
        solver = cp_model.CpSolver()
        # One worker is deterministic (the same problem, the same schedule) and
        # loses nothing on a small model; bigger ones get both cores. Not
        # interleave_search (deterministic parallel search): in OR-Tools 9.15
        # it aborts the process ("heuristics.fixed_search != nullptr") on some
        # models that presolve proves infeasible.
        parallel = len(self.x) > SMALL_MODEL
        solver.parameters.num_workers = 2 if parallel else 1
        solver.parameters.random_seed = SEED
        solver.parameters.max_time_in_seconds = max(seconds, 0.01)
        if not lp:
            # The idle model is a feasibility puzzle: the LP relaxation only
            # slows each node down.
            solver.parameters.linearization_level = 0
            if parallel:
                # The default portfolio on two workers would spend one on an LP
                # search and one on feasibility jumps; two LP-free tree searches
                # with different seeds find solutions several times faster
                # (measured on bench/scheduling.py's forums).
                solver.parameters.subsolvers.extend(["no_lp", "no_lp"])
                solver.parameters.num_full_subsolvers = 2
        code = solver.solve(self.model)
        status = {
            cp_model.OPTIMAL: "optimal",
            cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible",
        }.get(code, "unknown")
        slot_of: dict[int, int] = {}
        if status in ("optimal", "feasible"):
            for (m, s), var in self.x.items():
                if solver.boolean_value(var):
                    slot_of[m] = s
        bound = solver.best_objective_bound if self.model.has_objective() else None
        return Outcome(status, slot_of, bound)

    # ---------------------------------------------------------------- idle periods

    def limit_idle(self, limits: dict[int, int]) -> None:
        """At most limits[p] idle periods for participant p: its meetings lie
        in at most limits[p] + 1 runs, each run the slots between two steps of
        monotone "has started by slot t" flags. With every meeting scheduled
        and no idle period allowed, the run has a known length, and one series
        of flags describes it. Equalities between flags and meetings propagate
        far better than counting the starts of runs."""
        model = self.model
        for p, limit in limits.items():
            slots = [s for s in range(self.inst.n_slots) if (p, s) in self.at]
            if len(slots) < 2:
                continue
            lo, hi = slots[0], slots[-1]
            span = range(lo, hi + 1)
            busy = {t: sum(self.at.get((p, t), [])) for t in span}
            if limit == 0 and p in self.length:
                # One run of exactly `d` slots: it has ended by t exactly when it
                # had started by t - d.
                d = self.length[p]
                started = {t: model.new_bool_var(f"a{p}_{t}") for t in span}
                for t in span:
                    if t > lo:
                        model.add_implication(started[t - 1], started[t])
                    model.add(busy[t] == started[t] - (started[t - d] if t - d >= lo else 0))
                continue
            steps = [{t: model.new_bool_var(f"f{p}_{j}_{t}") for t in span} for j in range(2 * limit + 2)]
            for j, flags in enumerate(steps):
                for t in span:
                    if t > lo:
                        model.add_implication(flags[t - 1], flags[t])
                    if j + 1 < len(steps):
                        model.add_implication(steps[j + 1][t], flags[t])
            for t in span:
                model.add(busy[t] == sum(steps[2 * i][t] - steps[2 * i + 1][t] for i in range(limit + 1)))

    def minimise_idle(self, people: list[int], at_least: int) -> None:
        """Fewest idle periods in total (at least `at_least`, a bound already
        proved), then the fewest for the worst-off participant."""
        counts = [c for c in (self._idle_count(p) for p in people) if c is not None]
        if not counts:
            return
        worst = self.model.new_int_var(0, self.inst.n_slots, "worst")
        for count in counts:
            self.model.add(worst >= count)
        total = sum(counts)
        self.model.add(total >= at_least)
        self.model.minimize(total * (self.inst.n_slots + 1) + worst)

    def _idle_count(self, p: int) -> cp_model.LinearExpr | int | None:
        # An idle period begins after slot t when p meets at t, not at t + 1,
        # and again later; "still meets at or after t" flags, pushed up by the
        # meetings, say "again later". Minimising keeps the flags honest.
        model = self.model
        slots = [s for s in range(self.inst.n_slots) if (p, s) in self.at]
        if len(slots) < 2:
            return None
        lo, hi = slots[0], slots[-1]
        busy = {t: sum(self.at.get((p, t), [])) for t in range(lo, hi + 1)}
        later = {t: model.new_bool_var(f"r{p}_{t}") for t in range(lo, hi + 1)}
        for t in range(lo, hi + 1):
            model.add(later[t] >= busy[t])
            if t < hi:
                model.add_implication(later[t + 1], later[t])
        ends = []
        for t in range(lo, hi):
            end = model.new_bool_var(f"e{p}_{t}")
            model.add(end >= busy[t] - busy[t + 1] + later[t + 1] - 1)
            ends.append(end)
        return sum(ends)
