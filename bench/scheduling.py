"""Scheduling engine benchmark (DESIGN.md §7): engine only, no Django.

Runs the engine on the bundled example fairs (events/data/schedule/*.json)
and on generated ones (seeded, so every run sees the same problems):

  fair-40x60      40 exporters x 60 buyers, 600 meetings, no availability
                  limits, as many slots as the slot lower bound;
  fair-400x600    400 exporters x 600 buyers, 8,000 meetings, the same;
  forum-1..8      B2B forums: 70-100 participants (some exporter-exporter
                  meetings), 150-300 meetings, 8-22 slots in a morning and an
                  afternoon session, 12-27 tables, late arrivals, early
                  departures and single forbidden slots, a few meetings
                  restricted to a session.

One row per problem: meetings scheduled / requested and the max-flow bound,
slots used and their lower bound, idle periods and their lower bound, proved
optimal or not, seconds to the first feasible schedule and to the best one.

Targets: every problem schedules the flow bound; the fairs without
availability limits use the slot lower bound with the first schedule in
<= 1 s; on the forums the first schedule comes in <= 1.5 s and most are
proved optimal (idle periods at their lower bound). Exits 1 when one is missed.

    .venv/bin/python bench/scheduling.py [--time-limit 10] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from events.engine.scheduling import (  # noqa: E402
    MeetingRequest,
    Problem,
    Slot,
    problem_from_json,
    solve,
)

EXAMPLES = ROOT / "events" / "data" / "schedule"
TARGET_PLAIN_FIRST = 1.0
TARGET_FORUM_FIRST = 1.5


def _pairs(
    rng: random.Random, left: list[str], right: list[str], count: int, most: dict[str, int]
) -> list[tuple[str, str]]:
    """Distinct pairs, popular participants asked more often (a Pareto
    appetite), nobody beyond their `most`."""
    appetite = {person: rng.paretovariate(2.5) for person in left + right}
    load = dict.fromkeys(left + right, 0)
    pairs: set[tuple[str, str]] = set()
    tries = 0
    while len(pairs) < count and tries < count * 50:
        tries += 1
        a = rng.choices(left, [appetite[p] for p in left])[0]
        b = rng.choices(right, [appetite[p] for p in right])[0]
        if a == b or (a, b) in pairs or (b, a) in pairs or load[a] >= most[a] or load[b] >= most[b]:
            continue
        pairs.add((a, b))
        load[a] += 1
        load[b] += 1
    return sorted(pairs)


def plain_fair(exporters: int, buyers: int, meetings: int, tables: int, seed: int) -> Problem:
    """Exporter-buyer meetings, nothing but participants and tables to respect;
    exactly as many slots as the lower bound, so only an exact colouring
    schedules them all."""
    rng = random.Random(seed)
    left = [f"exp-{i}" for i in range(1, exporters + 1)]
    right = [f"buy-{i}" for i in range(1, buyers + 1)]
    cap = 2 * meetings // min(exporters, buyers)
    pairs = _pairs(rng, left, right, meetings, dict.fromkeys(left + right, cap))
    requests = tuple(
        MeetingRequest(id=f"m{i}", participants=pair, priority=rng.choice([1, 1, 2, 3]))
        for i, pair in enumerate(pairs, 1)
    )
    load: dict[str, int] = {}
    for pair in pairs:
        for person in pair:
            load[person] = load.get(person, 0) + 1
    slots = max(max(load.values()), -(-len(pairs) // tables))
    return Problem(
        slots=tuple(Slot(str(i), "morning" if i <= slots // 2 else "afternoon") for i in range(1, slots + 1)),
        tables=tuple(f"T{i}" for i in range(1, tables + 1)),
        meetings=requests,
    )


def forum(seed: int) -> Problem:
    """A B2B forum as organisers run them: a morning and an afternoon
    session, some people arriving late, leaving early or busy on stage."""
    rng = random.Random(seed)
    people = rng.randint(70, 100)
    slots = rng.randint(8, 22)
    tables = rng.randint(12, 27)
    wanted = min(rng.randint(150, 300), int(slots * tables * 0.75))
    exporters = [f"exp-{i}" for i in range(1, people * 2 // 5 + 1)]
    buyers = [f"buy-{i}" for i in range(1, people - len(exporters) + 1)]
    morning = slots // 2
    unavailable: dict[str, frozenset[str]] = {}
    for person in exporters + buyers:
        roll = rng.random()
        if roll < 0.1:
            late = rng.randint(1, max(1, slots // 4))
            unavailable[person] = frozenset(str(s) for s in range(1, late + 1))
        elif roll < 0.2:
            early = rng.randint(1, max(1, slots // 4))
            unavailable[person] = frozenset(str(s) for s in range(slots - early + 1, slots + 1))
        elif roll < 0.3:
            unavailable[person] = frozenset({str(rng.randint(1, slots))})
    most = {person: slots - len(unavailable.get(person, ())) for person in exporters + buyers}
    pairs = _pairs(rng, exporters, buyers, wanted * 9 // 10, most)
    pairs += _pairs(
        rng, exporters[: len(exporters) // 2], exporters[len(exporters) // 2 :], wanted // 10, most
    )
    requests = []
    for i, pair in enumerate(pairs, 1):
        session = rng.choice(["morning", "afternoon"]) if rng.random() < 0.08 else None
        requests.append(
            MeetingRequest(id=f"m{i}", participants=pair, session=session, priority=rng.choice([1, 1, 2, 3]))
        )
    return Problem(
        slots=tuple(Slot(str(i), "morning" if i <= morning else "afternoon") for i in range(1, slots + 1)),
        tables=tuple(f"T{i}" for i in range(1, tables + 1)),
        meetings=tuple(requests),
        unavailable=unavailable,
    )


def problems(only: str | None) -> list[tuple[str, str, Callable[[], Problem]]]:
    """(name, kind, build) for every benchmark problem, built lazily."""
    out: list[tuple[str, str, Callable[[], Problem]]] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        out.append((path.stem, "example", lambda path=path: problem_from_json(json.loads(path.read_text()))))
    out.append(("fair-40x60", "plain", lambda: plain_fair(40, 60, 600, 40, seed=1)))
    out.append(("fair-400x600", "plain", lambda: plain_fair(400, 600, 8_000, 300, seed=2)))
    for i in range(1, 9):
        out.append((f"forum-{i}", "forum", lambda i=i: forum(seed=100 + i)))
    return [entry for entry in out if only is None or entry[0] == only]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--only", help="run one problem by name")
    args = parser.parse_args()
    header = (
        f"{'problem':<14} {'meetings':>10} {'flow':>5} {'slots':>5} {'LB':>4} {'idle':>5} {'LB':>4} "
        f"{'optimal':>7} {'first s':>7} {'best s':>7} {'total s':>7}  size"
    )
    print(header)
    print("-" * len(header))
    missed: list[str] = []
    forums = proved = 0
    for name, kind, build in problems(args.only):
        problem = build()
        started = time.perf_counter()
        solution = solve(problem, time_limit=args.time_limit)
        wall = time.perf_counter() - started
        st = solution.stats
        size = (
            f"{len({p for m in problem.meetings for p in m.participants})} people, "
            f"{len(problem.slots)} slots, {len(problem.tables)} tables"
        )
        print(
            f"{name:<14} {st['scheduled']:>4}/{st['requested']:<5} {st['schedulable_upper_bound']:>5} "
            f"{st['slots_used']:>5} {st['lower_bound_slots']:>4} {st['idle_periods']:>5} "
            f"{st['idle_lower_bound']:>4} {'yes' if st['proved_optimal'] else 'no':>7} "
            f"{st['seconds_to_first']:>7.2f} {solution.seconds_to_best:>7.2f} {wall:>7.2f}  {size}"
        )
        if st["scheduled"] < st["schedulable_upper_bound"]:
            missed.append(f"{name}: {st['scheduled']} scheduled < flow bound {st['schedulable_upper_bound']}")
        if wall > args.time_limit + 0.5:
            missed.append(f"{name}: {wall:.2f} s over the {args.time_limit} s limit")
        if kind == "plain":
            if st["slots_used"] != st["lower_bound_slots"]:
                missed.append(
                    f"{name}: {st['slots_used']} slots used > lower bound {st['lower_bound_slots']}"
                )
            if st["seconds_to_first"] > TARGET_PLAIN_FIRST:
                missed.append(
                    f"{name}: first schedule {st['seconds_to_first']:.2f} s > {TARGET_PLAIN_FIRST} s"
                )
        if kind == "forum":
            forums += 1
            proved += bool(st["proved_optimal"])
            if st["seconds_to_first"] > TARGET_FORUM_FIRST:
                missed.append(
                    f"{name}: first schedule {st['seconds_to_first']:.2f} s > {TARGET_FORUM_FIRST} s"
                )
    if forums:
        print(f"forums proved optimal: {proved}/{forums}")
        if proved * 2 <= forums:
            missed.append(f"only {proved} of {forums} forums proved optimal")
    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
