"""`solve_schedule PROBLEM.json SOLUTION.json`: a solution file for a good
problem, one clear error line and exit status 2 for a bad one. No database."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

EXAMPLES = Path(__file__).resolve().parents[2] / "events" / "data" / "schedule"


def run(problem: Path, solution: Path, *options: str) -> str:
    out = StringIO()
    call_command("solve_schedule", str(problem), str(solution), *options, stdout=out)
    return out.getvalue()


def test_solve_schedule_writes_the_solution_of_the_small_fair(tmp_path):
    target = tmp_path / "solution.json"
    printed = run(EXAMPLES / "small_fair.json", target, "--time-limit", "2")

    solution = json.loads(target.read_text(encoding="utf-8"))
    problem = json.loads((EXAMPLES / "small_fair.json").read_text())
    assert set(solution) == {"assignments", "unscheduled", "stats"}
    assert sorted(a["meeting"] for a in solution["assignments"]) == sorted(
        m["id"] for m in problem["meetings"]
    )
    assert solution["unscheduled"] == []
    people = {m["id"]: m["participants"] for m in problem["meetings"]}
    seen = set()
    for a in solution["assignments"]:
        for key in [(a["slot"], a["table"])] + [(a["slot"], p) for p in people[a["meeting"]]]:
            assert key not in seen
            seen.add(key)
    stats = solution["stats"]
    assert stats["requested"] == stats["scheduled"] == stats["schedulable_upper_bound"] == 20
    assert stats["slots_used"] == stats["lower_bound_slots"] == 6
    assert printed.count("\n") == 1
    assert "20 of 20 meetings scheduled" in printed
    assert "6 slots used" in printed


def test_solve_schedule_reports_unscheduled_meetings_with_code_and_reason(tmp_path):
    problem = tmp_path / "problem.json"
    problem.write_text(
        json.dumps(
            {
                "slots": [{"id": "1", "session": "morning"}, {"id": "2", "session": "afternoon"}],
                "tables": ["T1"],
                "meetings": [
                    {"id": "m1", "participants": ["exp-7", "buy-3"], "session": "morning"},
                    {"id": "m2", "participants": ["exp-1", "buy-3"], "fixed_slot": "2", "priority": 2},
                ],
                "unavailable": {"exp-7": ["1"]},
                "home_tables": {"exp-1": "T1"},
            }
        )
    )
    target = tmp_path / "solution.json"
    run(problem, target, "--time-limit", "1")
    solution = json.loads(target.read_text())
    assert solution["assignments"] == [{"meeting": "m2", "slot": "2", "table": "T1"}]
    assert solution["unscheduled"] == [
        {
            "meeting": "m1",
            "code": "participant_unavailable",
            "params": {"participant": "exp-7", "session": "morning"},
            "reason": "exp-7 has no free slot in the morning",
        }
    ]


VALID = {
    "slots": [{"id": "1", "session": "morning"}, {"id": "2"}],
    "tables": ["T1", "T2"],
    "meetings": [{"id": "m1", "participants": ["exp-1", "buy-1"]}],
}


def changed(**changes: object) -> str:
    return json.dumps({**VALID, **changes})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not valid JSON"),
        ("[]", "the problem must be a JSON object"),
        (json.dumps({"slots": [], "tables": []}), 'the problem has no "meetings" list'),
        (changed(slots={"1": "morning"}), "slots must be a JSON list"),
        (changed(slots=[{"id": 1}]), 'slots[0]: "id" must be a non-empty string, not 1'),
        (changed(slots=[{"session": "morning"}]), 'slots[0] has no "id"'),
        (changed(slots=[{"id": "1"}, {"id": "1"}]), 'duplicate slot id "1"'),
        (changed(tables=["T1", 2]), "tables[1] must be a non-empty string, not 2"),
        (changed(tables=["T1", "T1"]), 'duplicate table "T1"'),
        (
            changed(meetings=[{"id": "m1", "participants": ["a"]}]),
            "participants must be a list of two different",
        ),
        (changed(meetings=[{"id": "m1", "participants": ["a", "a"]}]), "two different participant ids"),
        (changed(meetings=[{"id": "m1", "participants": ["a", "b", "c"]}]), "two different participant ids"),
        (changed(meetings=[{"participants": ["a", "b"]}]), 'meetings[0] has no "id"'),
        (
            changed(
                meetings=[{"id": "m1", "participants": ["a", "b"]}, {"id": "m1", "participants": ["a", "c"]}]
            ),
            'duplicate meeting id "m1"',
        ),
        (
            changed(meetings=[{"id": "m1", "participants": ["a", "b"], "fixed_slot": "9"}]),
            'meeting "m1": fixed_slot "9" is not a slot id',
        ),
        (
            changed(meetings=[{"id": "m1", "participants": ["a", "b"], "fixed_table": "T9"}]),
            'meeting "m1": fixed_table "T9" is not a table',
        ),
        (
            changed(meetings=[{"id": "m1", "participants": ["a", "b"], "session": "evening"}]),
            'no slot is in session "evening"',
        ),
        (
            changed(meetings=[{"id": "m1", "participants": ["a", "b"], "priority": "high"}]),
            'meetings[0] (id "m1"): priority must be a whole number of at least 1, not "high"',
        ),
        (
            changed(meetings=[{"id": "m1", "participants": ["a", "b"], "fixed-slot": "1"}]),
            'meetings[0] has an unknown key "fixed-slot"',
        ),
        (changed(unavailable={"exp-1": ["7"]}), 'unavailable["exp-1"]: "7" is not a slot id'),
        (changed(unavailable={"exp-1": "1"}), 'unavailable["exp-1"] must be a JSON list'),
        (changed(home_tables={"exp-1": "T9"}), 'home_tables["exp-1"]: "T9" is not a table'),
        (changed(max_meetings={"exp-1": -1}), 'max_meetings["exp-1"] must be a whole number of at least 0'),
    ],
)
def test_solve_schedule_refuses_a_malformed_problem_naming_the_fault(tmp_path, content, message):
    problem = tmp_path / "problem.json"
    problem.write_text(content, encoding="utf-8")
    target = tmp_path / "solution.json"

    with pytest.raises(CommandError) as caught:
        run(problem, target)

    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not target.exists()


def test_solve_schedule_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.json") as caught:
        run(tmp_path / "missing.json", tmp_path / "solution.json")
    assert caught.value.returncode == 2


def test_solve_schedule_refuses_a_file_that_is_not_utf8(tmp_path):
    problem = tmp_path / "problem.json"
    problem.write_bytes(b'{"slots": ["\xff"]}')
    with pytest.raises(CommandError, match="is not UTF-8") as caught:
        run(problem, tmp_path / "solution.json")
    assert caught.value.returncode == 2


def test_solve_schedule_refuses_a_time_limit_that_is_not_positive(tmp_path):
    with pytest.raises(CommandError, match="--time-limit") as caught:
        run(EXAMPLES / "small_fair.json", tmp_path / "solution.json", "--time-limit", "0")
    assert caught.value.returncode == 2
