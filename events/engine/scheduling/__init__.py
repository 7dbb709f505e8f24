"""The scheduling engine (DESIGN.md §4): meeting requests in, an agenda of
slots and tables out. No Django import: OR-Tools, NumPy and the standard
library only; the Celery task loads records, calls `solve` and stores the
result.

API
---
    problem = Problem(slots=(Slot("1", "morning"), ...), tables=("T1", ...),
                      meetings=(MeetingRequest("m1", ("exp-7", "buy-3")), ...),
                      unavailable={"exp-7": frozenset({"2"})}, home_tables={"exp-7": "T1"},
                      max_meetings={"buy-3": 6})
    problem = problem_from_json(json.load(handle))      # validates; raises ProblemError
    solution = solve(problem, time_limit=10.0, on_progress=lambda fraction: ...)
    data = solution_to_json(solution)                   # the DESIGN.md solution format

Hard constraints, never broken: a participant has at most one meeting per
slot, a table at most one; unavailable slots are respected; a meeting with a
session stays in it; a fixed meeting keeps its slot (and fixed_table); a
meeting is held at the first participant's home table, else the second's
(fixed_table first); max_meetings caps a participant's meetings.

Objective, lexicographic: most meetings, then the highest sum of priorities,
then fewest idle periods (a maximal run of free slots between two meetings of
one participant, over the whole slot sequence), then fairness: the fewest
idle periods for the worst-off participant (CP-SAT), or the smallest sum of
squares (local search).

Unscheduled meetings carry a code, params (strings) and an English reason:
    no_slot                  the event has no slot (in the meeting's session)      [session]
    no_table                 the event has no tables
    participant_unavailable  a participant has no free slot the meeting could use,
                             or is unavailable in its fixed slot          participant [session, slot]
    no_common_slot           both have free slots, never the same ones    participant, other [session]
    participant_capped       a participant has its max_meetings already   participant, cap
    fixed_slot_conflict      its fixed slot clashes with an earlier fixed meeting of a participant
                             (participant, meeting) or at its table (table, meeting), lies outside
                             its session (session), or every table there is fixed already   slot
    crowded_out              the time went to other meetings (higher priority, or more of them):
                             a participant is booked whenever the meeting could be held
                             (participant), or the two are never free together (participant, other)
    tables_full              both are free at some slot the meeting could use, but every table
                             (or its pinned table: table) is taken then            [session]

Stats: requested, scheduled, schedulable_upper_bound (max-flow: each
participant capped by the slots its meetings can use and its max_meetings, a
slot by the tables; on the bipartite double cover for arbitrary pairs),
slots_used (distinct slots holding meetings), lower_bound_slots (the busiest
participant, or pinned table, vs ⌈meetings / tables⌉, over the meetings that
can be scheduled at all), idle_periods, idle_lower_bound (per-participant
bounds summed: for the scheduled meetings, or for any set of meetings as good
when the most meetings are proved), seconds_to_first, seconds,
proved_optimal (most meetings and priority proved by the flow bound or
CP-SAT, and idle periods at their lower bound or proved by CP-SAT).
`Solution.seconds_to_best` says when the returned schedule was found.
"""

from events.engine.scheduling.model import (
    REASON_CODES,
    Assignment,
    MeetingRequest,
    Problem,
    ProblemError,
    Slot,
    Solution,
    Unscheduled,
    problem_from_json,
    solution_to_json,
    validate_problem,
)
from events.engine.scheduling.solver import solve

__all__ = [
    "REASON_CODES",
    "Assignment",
    "MeetingRequest",
    "Problem",
    "ProblemError",
    "Slot",
    "Solution",
    "Unscheduled",
    "problem_from_json",
    "solution_to_json",
    "solve",
    "validate_problem",
]
