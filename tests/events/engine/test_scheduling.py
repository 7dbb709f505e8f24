"""The scheduling engine (DESIGN.md §4) against an independent reading of its
hard constraints and objective: properties on random fairs, a brute force on
tiny ones, examples of the edge cases and the bundled example files."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.engine.scheduling import (
    REASON_CODES,
    MeetingRequest,
    Problem,
    ProblemError,
    Slot,
    Solution,
    problem_from_json,
    solution_to_json,
    solve,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "events" / "data" / "schedule"
STATS = {
    "requested",
    "scheduled",
    "schedulable_upper_bound",
    "slots_used",
    "lower_bound_slots",
    "idle_periods",
    "idle_lower_bound",
    "seconds_to_first",
    "seconds",
    "proved_optimal",
}

# ------------------------------------------------------------------ reference


def idle_periods(slots: set[int]) -> int:
    """Maximal runs of free slots between two meetings: gaps in sorted order."""
    ordered = sorted(slots)
    return sum(1 for a, b in itertools.pairwise(ordered) if b > a + 1)


def home_table(problem: Problem, meeting: MeetingRequest) -> str | None:
    if meeting.fixed_table is not None:
        return meeting.fixed_table
    for person in meeting.participants:
        if person in problem.home_tables:
            return problem.home_tables[person]
    return None


def check(problem: Problem, solution: Solution) -> dict[str, set[int]]:
    """Every hard constraint and every stat, read from the problem; returns
    each participant's slot indices."""
    index = {slot.id: i for i, slot in enumerate(problem.slots)}
    meetings = {m.id: m for m in problem.meetings}
    assigned = [a.meeting for a in solution.assignments]
    left = [u.meeting for u in solution.unscheduled]
    assert sorted(assigned + left) == sorted(meetings), "each meeting exactly once"
    busy: dict[str, set[int]] = {}
    tables_in_slot: set[tuple[str, str]] = set()
    people_in_slot: set[tuple[str, str]] = set()
    count: Counter[str] = Counter()
    for a in solution.assignments:
        meeting = meetings[a.meeting]
        slot = problem.slots[index[a.slot]]
        assert a.table in problem.tables
        assert (a.slot, a.table) not in tables_in_slot, f"table {a.table} double-booked in {a.slot}"
        tables_in_slot.add((a.slot, a.table))
        for person in meeting.participants:
            assert (a.slot, person) not in people_in_slot, f"{person} double-booked in {a.slot}"
            people_in_slot.add((a.slot, person))
            assert a.slot not in problem.unavailable.get(person, frozenset()), f"{person} unavailable"
            busy.setdefault(person, set()).add(index[a.slot])
            count[person] += 1
        if meeting.session is not None:
            assert slot.session == meeting.session
        if meeting.fixed_slot is not None:
            assert a.slot == meeting.fixed_slot
        pinned = home_table(problem, meeting)
        if pinned is not None:
            assert a.table == pinned
    for person, cap in problem.max_meetings.items():
        assert count[person] <= cap
    for u in solution.unscheduled:
        assert u.code in REASON_CODES
        assert u.reason
        assert all(isinstance(value, str) for value in u.params.values())
    stats = solution.stats
    assert set(stats) == STATS
    assert stats["requested"] == len(problem.meetings)
    assert stats["scheduled"] == len(solution.assignments)
    assert stats["scheduled"] <= stats["schedulable_upper_bound"] <= stats["requested"]
    assert stats["slots_used"] == len({a.slot for a in solution.assignments})
    assert stats["idle_periods"] == sum(idle_periods(slots) for slots in busy.values())
    assert stats["idle_periods"] >= stats["idle_lower_bound"] >= 0
    if stats["scheduled"] == stats["requested"]:
        assert stats["slots_used"] >= stats["lower_bound_slots"]
    # Whether proved_optimal is ever claimed wrongly: see the brute force below.
    assert 0 <= stats["seconds_to_first"] <= stats["seconds"] + 0.001
    assert json.loads(json.dumps(solution_to_json(solution)))["stats"] == stats
    return busy


# ------------------------------------------------------------------ strategies


@st.composite
def fairs(
    draw: st.DrawFn, *, mixed: bool = False, constrained: bool = True, most: int = 18, slots_most: int = 8
) -> Problem:
    """Small fairs: exporters and buyers (and, when `mixed`, exporter-exporter
    meetings), with sessions, unavailability, fixed meetings, home tables,
    caps and priorities when `constrained`."""
    n_slots = draw(st.integers(1, slots_most))
    slots = tuple(
        Slot(str(i + 1), "morning" if i < (n_slots + 1) // 2 else "afternoon") for i in range(n_slots)
    )
    tables = tuple(f"T{i}" for i in range(1, draw(st.integers(1, 4)) + 1))
    exporters = [f"exp-{i}" for i in range(1, draw(st.integers(1, 5)) + 1)]
    buyers = [f"buy-{i}" for i in range(1, draw(st.integers(1, 5)) + 1)]
    pairs = draw(st.lists(st.tuples(st.sampled_from(exporters), st.sampled_from(buyers)), max_size=most))
    if mixed and len(exporters) > 1:
        pairs += draw(
            st.lists(
                st.lists(st.sampled_from(exporters), min_size=2, max_size=2, unique=True),
                max_size=most // 3 + 1,
            )
        )
    slot_ids = [slot.id for slot in slots]
    meetings = []
    for i, pair in enumerate(pairs, 1):
        session = fixed_slot = fixed_table = None
        if constrained:
            session = draw(st.sampled_from([None, None, None, "morning", "afternoon"]))
            if session == "afternoon" and n_slots < 2:
                session = None
            if draw(st.integers(0, 9)) == 0:
                fixed_slot = draw(st.sampled_from(slot_ids))
                session = None
                fixed_table = draw(st.sampled_from([None, *tables]))
        meetings.append(
            MeetingRequest(
                id=f"m{i}",
                participants=(pair[0], pair[1]),
                session=session,
                fixed_slot=fixed_slot,
                fixed_table=fixed_table,
                priority=draw(st.integers(1, 3)) if constrained else 1,
            )
        )
    people = exporters + buyers
    unavailable: dict[str, frozenset[str]] = {}
    home_tables: dict[str, str] = {}
    max_meetings: dict[str, int] = {}
    if constrained:
        for person in draw(st.lists(st.sampled_from(people), max_size=3, unique=True)):
            unavailable[person] = frozenset(draw(st.lists(st.sampled_from(slot_ids), min_size=1, max_size=3)))
        for person in draw(st.lists(st.sampled_from(exporters), max_size=2, unique=True)):
            home_tables[person] = draw(st.sampled_from(tables))
        for person in draw(st.lists(st.sampled_from(people), max_size=1)):
            max_meetings[person] = draw(st.integers(0, 3))
    return Problem(slots, tables, tuple(meetings), unavailable, home_tables, max_meetings)


def slot_lower_bound(meetings: list[tuple[str, str]], tables: int) -> int:
    load = Counter(person for pair in meetings for person in pair)
    return max(max(load.values(), default=0), -(-len(meetings) // tables))


@st.composite
def plain_fairs(draw: st.DrawFn) -> Problem:
    """Exporter-buyer meetings and nothing else, with at least as many slots
    as the slot lower bound."""
    exporters = [f"exp-{i}" for i in range(1, draw(st.integers(1, 6)) + 1)]
    buyers = [f"buy-{i}" for i in range(1, draw(st.integers(1, 6)) + 1)]
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(exporters), st.sampled_from(buyers)), min_size=1, max_size=30)
    )
    tables = draw(st.integers(1, 6))
    n_slots = slot_lower_bound(pairs, tables) + draw(st.integers(0, 2))
    return Problem(
        slots=tuple(Slot(str(i)) for i in range(1, n_slots + 1)),
        tables=tuple(f"T{i}" for i in range(1, tables + 1)),
        meetings=tuple(MeetingRequest(f"m{i}", pair) for i, pair in enumerate(pairs, 1)),
    )


quick = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------ properties


@quick
@given(fairs())
def test_a_schedule_never_breaks_a_hard_constraint(problem):
    check(problem, solve(problem, time_limit=0.5))


@quick
@given(fairs(mixed=True))
def test_exporter_exporter_meetings_are_scheduled_within_the_constraints(problem):
    check(problem, solve(problem, time_limit=0.5))


@quick
@given(plain_fairs())
def test_without_other_constraints_the_slot_lower_bound_suffices(problem):
    solution = solve(problem, time_limit=0.5)
    check(problem, solution)
    stats = solution.stats
    assert stats["scheduled"] == stats["requested"] == stats["schedulable_upper_bound"]
    # König and de Werra: the exact colouring uses exactly the lower bound.
    needed = slot_lower_bound([m.participants for m in problem.meetings], len(problem.tables))
    assert stats["lower_bound_slots"] == needed
    assert stats["idle_lower_bound"] == 0


def fixed_first_come(problem: Problem) -> set[str]:
    """Fixed meetings that clash with an earlier fixed one (a participant, a
    pinned table, the table count, a cap) are dropped, as documented."""
    kept: list[MeetingRequest] = []
    dropped = set()
    for m in problem.meetings:
        if m.fixed_slot is None:
            continue
        session = next(slot.session for slot in problem.slots if slot.id == m.fixed_slot)
        if (m.session is not None and m.session != session) or any(
            m.fixed_slot in problem.unavailable.get(p, frozenset()) for p in m.participants
        ):
            dropped.add(m.id)
            continue
        same = [k for k in kept if k.fixed_slot == m.fixed_slot]
        table = home_table(problem, m)
        clash = (
            any(set(k.participants) & set(m.participants) for k in same)
            or (table is not None and any(home_table(problem, k) == table for k in same))
            or len(same) >= len(problem.tables)
            or any(
                sum(p in k.participants for k in kept) >= problem.max_meetings.get(p, 99)
                for p in m.participants
            )
        )
        if clash:
            dropped.add(m.id)
        else:
            kept.append(m)
    return dropped


def brute_force(problem: Problem) -> tuple[int, int, int]:
    """The best (meetings, priority sum, -idle periods) over every assignment
    of meetings to slots (or none) that keeps the hard constraints; a slot's
    tables fit when its pinned tables differ and it holds at most `tables`."""
    index = {slot.id: i for i, slot in enumerate(problem.slots)}
    dropped = fixed_first_come(problem)
    options = []
    for m in problem.meetings:
        slots = [None]
        if m.id in dropped:
            options.append(slots)
            continue
        for slot in problem.slots:
            if m.session is not None and slot.session != m.session:
                continue
            if m.fixed_slot is not None and slot.id != m.fixed_slot:
                continue
            if any(slot.id in problem.unavailable.get(p, frozenset()) for p in m.participants):
                continue
            slots.append(index[slot.id])
        # A fixed meeting that can be held must be: it is a hard constraint.
        options.append(slots[1:] if m.fixed_slot is not None and len(slots) > 1 else slots)
    best = (0, 0, 0)
    for choice in itertools.product(*options):
        used: set[tuple[int, str]] = set()
        per_slot: Counter[int] = Counter()
        count: Counter[str] = Counter()
        busy: dict[str, set[int]] = {}
        ok = True
        for m, s in zip(problem.meetings, choice, strict=True):
            if s is None:
                continue
            table = home_table(problem, m)
            keys = [(s, p) for p in m.participants] + ([(s, "table:" + table)] if table else [])
            if any(key in used for key in keys):
                ok = False
                break
            used.update(keys)
            per_slot[s] += 1
            for p in m.participants:
                count[p] += 1
                busy.setdefault(p, set()).add(s)
        if not ok or any(n > len(problem.tables) for n in per_slot.values()):
            continue
        if any(count[p] > cap for p, cap in problem.max_meetings.items()):
            continue
        chosen = [m for m, s in zip(problem.meetings, choice, strict=True) if s is not None]
        value = (len(chosen), sum(m.priority for m in chosen), -sum(idle_periods(v) for v in busy.values()))
        best = max(best, value)
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fairs(mixed=True, most=5, slots_most=4))
def test_tiny_fairs_get_the_best_schedule_and_optimality_claims_hold(problem):
    solution = solve(problem, time_limit=1.0)
    check(problem, solution)
    best = brute_force(problem)
    chosen = [m for m in problem.meetings if m.id in {a.meeting for a in solution.assignments}]
    value = (len(chosen), sum(m.priority for m in chosen), -solution.stats["idle_periods"])
    assert value[:2] == best[:2], "the most meetings, then the highest priority"
    assert solution.stats["schedulable_upper_bound"] >= best[0]
    if solution.stats["proved_optimal"]:
        assert value == best
    assert solution.stats["idle_periods"] >= solution.stats["idle_lower_bound"]


@pytest.mark.parametrize("name", ["small_fair", "booth_fair", "chengdu_fair"])
def test_example_fairs_schedule_every_meeting_the_flow_bound_allows(name):
    problem = problem_from_json(json.loads((EXAMPLES / f"{name}.json").read_text()))
    solution = solve(problem, time_limit=1.0)
    check(problem, solution)
    assert solution.stats["scheduled"] == solution.stats["schedulable_upper_bound"]


# ------------------------------------------------------------------ examples


def meetings(*pairs: tuple[str, str], **extra: object) -> tuple[MeetingRequest, ...]:
    return tuple(MeetingRequest(f"m{i}", pair, **extra) for i, pair in enumerate(pairs, 1))


def slots(count: int, session: str | None = None) -> tuple[Slot, ...]:
    return tuple(Slot(str(i), session) for i in range(1, count + 1))


def test_an_empty_problem_has_an_empty_optimal_schedule():
    solution = solve(Problem(slots=(), tables=(), meetings=()), time_limit=1)
    assert solution.assignments == []
    assert solution.unscheduled == []
    assert solution.stats["requested"] == solution.stats["scheduled"] == 0
    assert solution.stats["proved_optimal"] is True


def test_without_tables_every_meeting_is_unscheduled_for_that_reason():
    problem = Problem(slots=slots(3), tables=(), meetings=meetings(("exp-1", "buy-1"), ("exp-2", "buy-1")))
    solution = solve(problem, time_limit=1)
    check(problem, solution)
    assert [u.code for u in solution.unscheduled] == ["no_table", "no_table"]
    assert solution.stats["schedulable_upper_bound"] == 0


def test_without_slots_every_meeting_is_unscheduled_for_that_reason():
    problem = Problem(slots=(), tables=("T1",), meetings=meetings(("exp-1", "buy-1")))
    solution = solve(problem, time_limit=1)
    assert [u.code for u in solution.unscheduled] == ["no_slot"]


def test_a_participant_unavailable_everywhere_is_named_in_the_reason():
    problem = Problem(
        slots=slots(3),
        tables=("T1", "T2"),
        meetings=meetings(("exp-7", "buy-3"), ("exp-1", "buy-3")),
        unavailable={"exp-7": frozenset({"1", "2", "3"})},
    )
    solution = solve(problem, time_limit=1)
    check(problem, solution)
    (left,) = solution.unscheduled
    assert (left.meeting, left.code, left.params) == (
        "m1",
        "participant_unavailable",
        {"participant": "exp-7"},
    )
    assert "exp-7" in left.reason
    assert [a.meeting for a in solution.assignments] == ["m2"]


def test_a_session_without_free_slots_is_named_in_the_reason():
    problem = Problem(
        slots=(Slot("1", "morning"), Slot("2", "morning"), Slot("3", "afternoon")),
        tables=("T1",),
        meetings=(MeetingRequest("m1", ("exp-7", "buy-3"), session="morning"),),
        unavailable={"exp-7": frozenset({"1", "2"})},
    )
    (left,) = solve(problem, time_limit=1).unscheduled
    assert left.code == "participant_unavailable"
    assert left.reason == "exp-7 has no free slot in the morning"


def test_participants_free_at_different_times_have_no_common_slot():
    problem = Problem(
        slots=slots(2),
        tables=("T1",),
        meetings=meetings(("exp-1", "buy-1")),
        unavailable={"exp-1": frozenset({"1"}), "buy-1": frozenset({"2"})},
    )
    (left,) = solve(problem, time_limit=1).unscheduled
    assert (left.code, left.params) == ("no_common_slot", {"participant": "exp-1", "other": "buy-1"})


def test_when_not_all_fit_the_higher_priority_meeting_wins():
    problem = Problem(
        slots=slots(1),
        tables=("T1", "T2"),
        meetings=(
            MeetingRequest("low", ("exp-1", "buy-1"), priority=1),
            MeetingRequest("high", ("exp-1", "buy-2"), priority=3),
        ),
    )
    solution = solve(problem, time_limit=1)
    check(problem, solution)
    assert [a.meeting for a in solution.assignments] == ["high"]
    (left,) = solution.unscheduled
    assert (left.meeting, left.code, left.params) == ("low", "crowded_out", {"participant": "exp-1"})
    assert solution.stats["proved_optimal"] is True


def test_more_meetings_come_before_priority():
    # One priority-3 meeting with exp-1 would block two priority-1 meetings.
    problem = Problem(
        slots=slots(1),
        tables=("T1", "T2"),
        meetings=(
            MeetingRequest("vip", ("exp-1", "buy-1"), priority=3),
            MeetingRequest("a", ("exp-1", "buy-9"), priority=1),
            MeetingRequest("b", ("exp-2", "buy-1"), priority=1),
        ),
    )
    solution = solve(problem, time_limit=1)
    assert sorted(a.meeting for a in solution.assignments) == ["a", "b"]


def test_a_fixed_meeting_keeps_its_slot_and_table_and_a_clashing_one_is_reported():
    problem = Problem(
        slots=slots(3),
        tables=("T1", "T2"),
        meetings=(
            MeetingRequest("m1", ("exp-1", "buy-1"), fixed_slot="2", fixed_table="T2"),
            MeetingRequest("m2", ("exp-1", "buy-2"), fixed_slot="2"),
            MeetingRequest("m3", ("exp-2", "buy-1")),
        ),
    )
    solution = solve(problem, time_limit=1)
    check(problem, solution)
    placed = {a.meeting: (a.slot, a.table) for a in solution.assignments}
    assert placed["m1"] == ("2", "T2")
    assert placed["m3"][0] != "2"
    (left,) = solution.unscheduled
    assert left.meeting == "m2"
    assert left.code == "fixed_slot_conflict"
    assert left.params == {"participant": "exp-1", "slot": "2", "meeting": "m1"}


def test_the_first_participants_home_table_is_used():
    problem = Problem(
        slots=slots(2),
        tables=("T1", "T2", "T3"),
        meetings=meetings(("exp-1", "buy-1"), ("buy-2", "exp-1"), ("exp-2", "buy-2")),
        home_tables={"exp-1": "T3", "buy-2": "T1"},
    )
    solution = solve(problem, time_limit=1)
    check(problem, solution)
    tables = {a.meeting: a.table for a in solution.assignments}
    assert tables == {"m1": "T3", "m2": "T1", "m3": "T1"}


def test_a_shared_home_table_keeps_its_meetings_apart():
    # Two exporters share a booth: their meetings cannot run at once.
    problem = Problem(
        slots=slots(2),
        tables=("T1", "T2"),
        meetings=meetings(("exp-1", "buy-1"), ("exp-2", "buy-2")),
        home_tables={"exp-1": "T1", "exp-2": "T1"},
    )
    solution = solve(problem, time_limit=1)
    check(problem, solution)
    assert sorted(a.slot for a in solution.assignments) == ["1", "2"]


def test_a_capped_participant_gets_no_more_meetings_and_the_reason_says_so():
    problem = Problem(
        slots=slots(4),
        tables=("T1", "T2"),
        meetings=meetings(("exp-1", "buy-1"), ("exp-1", "buy-2"), ("exp-1", "buy-3")),
        max_meetings={"exp-1": 2},
    )
    solution = solve(problem, time_limit=1)
    check(problem, solution)
    assert solution.stats["scheduled"] == solution.stats["schedulable_upper_bound"] == 2
    (left,) = solution.unscheduled
    assert (left.code, left.params) == ("participant_capped", {"participant": "exp-1", "cap": "2"})


def test_an_odd_cycle_of_meetings_needs_a_slot_more_than_its_busiest_participant():
    triangle = meetings(("exp-1", "exp-2"), ("exp-2", "exp-3"), ("exp-3", "exp-1"))
    two = solve(Problem(slots=slots(2), tables=("T1", "T2"), meetings=triangle), time_limit=1)
    three = solve(Problem(slots=slots(3), tables=("T1", "T2"), meetings=triangle), time_limit=1)
    assert (two.stats["scheduled"], two.stats["proved_optimal"]) == (2, True)
    assert three.stats["scheduled"] == 3


def test_a_lunch_break_between_meetings_counts_as_an_idle_period():
    # Morning meetings can only be at 1 and afternoon ones at 4: one idle period
    # each for exp-1, however the lunch gap falls.
    problem = Problem(
        slots=(Slot("1", "morning"), Slot("2", "morning"), Slot("3", "afternoon"), Slot("4", "afternoon")),
        tables=("T1",),
        meetings=(
            MeetingRequest("m1", ("exp-1", "buy-1"), session="morning"),
            MeetingRequest("m2", ("exp-1", "buy-2"), session="afternoon"),
        ),
        unavailable={"exp-1": frozenset({"2", "3"})},
    )
    solution = solve(problem, time_limit=1)
    assert solution.stats["idle_periods"] == solution.stats["idle_lower_bound"] == 1
    assert solution.stats["proved_optimal"] is True


def test_idle_periods_are_closed_when_possible():
    # exp-1 meets three buyers; any order in consecutive slots has no idle period.
    problem = Problem(
        slots=slots(6), tables=("T1",), meetings=meetings(*[("exp-1", f"buy-{i}") for i in range(3)])
    )
    solution = solve(problem, time_limit=1)
    assert solution.stats["idle_periods"] == 0
    assert solution.stats["slots_used"] == 3


def test_progress_is_reported_from_zero_to_one():
    seen: list[float] = []
    problem = problem_from_json(json.loads((EXAMPLES / "small_fair.json").read_text()))
    solve(problem, time_limit=1, on_progress=seen.append)
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)


def test_the_same_problem_gets_the_same_schedule():
    problem = problem_from_json(json.loads((EXAMPLES / "small_fair.json").read_text()))
    first, second = solve(problem, time_limit=1), solve(problem, time_limit=1)
    assert solution_to_json(first)["assignments"] == solution_to_json(second)["assignments"]


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (Problem(slots=(Slot("1"), Slot("1")), tables=(), meetings=()), 'duplicate slot id "1"'),
        (Problem(slots=(), tables=("T1", "T1"), meetings=()), 'duplicate table "T1"'),
        (Problem(slots=slots(1), tables=(), meetings=meetings(("a", "a"))), "two different participant"),
        (
            Problem(slots=slots(1), tables=(), meetings=(MeetingRequest("m1", ("a", "b"), fixed_slot="9"),)),
            'fixed_slot "9" is not a slot id',
        ),
        (
            Problem(
                slots=slots(1), tables=(), meetings=(MeetingRequest("m1", ("a", "b"), session="evening"),)
            ),
            'no slot is in session "evening"',
        ),
        (
            Problem(slots=slots(1), tables=("T1",), meetings=(), home_tables={"a": "T9"}),
            '"T9" is not a table',
        ),
        (
            Problem(slots=slots(1), tables=(), meetings=(), unavailable={"a": frozenset({"7"})}),
            '"7" is not a slot id',
        ),
    ],
)
def test_a_problem_that_makes_no_sense_is_refused_with_its_fault_named(problem, message):
    with pytest.raises(ProblemError, match=message):
        solve(problem)
