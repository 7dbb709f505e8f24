"""The scheduling engine's public records, their validation and the JSON
format of DESIGN.md §4 (plus the optional `fixed_table` and `max_meetings`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

# Why a meeting stayed off the agenda. The Django app translates a code with its
# params; `reason` is the same in English for files and logs. Params are strings:
# participant, other (the second participant), session, slot, table, meeting (a
# conflicting fixed meeting), cap.
REASON_CODES = (
    "no_slot",  # the event has no slot (in the meeting's session)
    "no_table",  # the event has no tables
    "tables_full",  # every table (or its pinned table, in params) is taken when both are free
    "participant_unavailable",  # participant unavailable in every slot it could use (or its fixed slot)
    "no_common_slot",  # both are available somewhere, never at the same time
    "participant_capped",  # participant already has max_meetings meetings
    "fixed_slot_conflict",  # fixed slot clashes with an earlier fixed meeting, the tables or the session
    "crowded_out",  # room existed, but other (higher-priority or fixed) meetings took it
)


class ProblemError(ValueError):
    """A problem that cannot be solved as given; the message names the fault."""


@dataclass(frozen=True)
class Slot:
    id: str
    session: str | None = None


@dataclass(frozen=True)
class MeetingRequest:
    id: str
    participants: tuple[str, str]
    session: str | None = None
    fixed_slot: str | None = None
    fixed_table: str | None = None
    priority: int = 1


@dataclass(frozen=True)
class Problem:
    """Slots in time order, table names, meeting requests; `unavailable` maps a
    participant to slot ids, `home_tables` a participant to a table,
    `max_meetings` a participant to a cap on scheduled meetings."""

    slots: tuple[Slot, ...]
    tables: tuple[str, ...]
    meetings: tuple[MeetingRequest, ...]
    unavailable: Mapping[str, frozenset[str]] = field(default_factory=dict)
    home_tables: Mapping[str, str] = field(default_factory=dict)
    max_meetings: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Assignment:
    meeting: str
    slot: str
    table: str


@dataclass
class Unscheduled:
    meeting: str
    code: str
    params: dict[str, str]
    reason: str


@dataclass
class Solution:
    """`stats` has the keys of DESIGN.md §4; `seconds_to_best` says when the
    returned schedule was found (for benchmarks; not written to JSON)."""

    assignments: list[Assignment]
    unscheduled: list[Unscheduled]
    stats: dict[str, Any]
    seconds_to_best: float = 0.0


def validate_problem(problem: Problem) -> None:
    """Raise ProblemError for anything the solver cannot make sense of: duplicate
    ids, unknown slots, tables or sessions, a meeting not between two people."""
    slot_ids = _unique([slot.id for slot in problem.slots], "slot id")
    tables = _unique(list(problem.tables), "table")
    _unique([meeting.id for meeting in problem.meetings], "meeting id")
    sessions = {slot.session for slot in problem.slots if slot.session is not None}
    for slot in problem.slots:
        _text(slot.id, "slot id")
    for table in problem.tables:
        _text(table, "table name")
    for meeting in problem.meetings:
        where = f'meeting "{meeting.id}"'
        _text(meeting.id, "meeting id")
        people = meeting.participants
        if len(people) != 2 or not all(isinstance(p, str) and p for p in people) or people[0] == people[1]:
            raise ProblemError(f"{where}: participants must be two different participant ids, not {people!r}")
        if meeting.session is not None and meeting.session not in sessions:
            raise ProblemError(f'{where}: no slot is in session "{meeting.session}"')
        if meeting.fixed_slot is not None and meeting.fixed_slot not in slot_ids:
            raise ProblemError(f'{where}: fixed_slot "{meeting.fixed_slot}" is not a slot id')
        if meeting.fixed_table is not None and meeting.fixed_table not in tables:
            raise ProblemError(f'{where}: fixed_table "{meeting.fixed_table}" is not a table')
        if (
            isinstance(meeting.priority, bool)
            or not isinstance(meeting.priority, int)
            or meeting.priority < 1
        ):
            raise ProblemError(f"{where}: priority must be a whole number of at least 1")
    for participant, slots in problem.unavailable.items():
        unknown = sorted(set(slots) - slot_ids)
        if unknown:
            raise ProblemError(f'unavailable["{participant}"]: "{unknown[0]}" is not a slot id')
    for participant, table in problem.home_tables.items():
        if table not in tables:
            raise ProblemError(f'home_tables["{participant}"]: "{table}" is not a table')
    for participant, cap in problem.max_meetings.items():
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise ProblemError(f'max_meetings["{participant}"] must be a whole number of at least 0')


def _unique(values: list[str], what: str) -> set[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ProblemError(f'duplicate {what} "{value}"')
        seen.add(value)
    return seen


def _text(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise ProblemError(f"{what} {value!r} must be a non-empty string")


# ------------------------------------------------------------------ JSON

_TOP_KEYS = {"slots", "tables", "meetings", "unavailable", "home_tables", "max_meetings"}
_SLOT_KEYS = {"id", "session"}
_MEETING_KEYS = {"id", "participants", "session", "fixed_slot", "fixed_table", "priority"}


def problem_from_json(data: object) -> Problem:
    """Build a Problem from parsed JSON in the DESIGN.md §4 format, or raise
    ProblemError naming the first fault (with its place in the file)."""
    top = _object(data, "the problem")
    _known_keys(top, _TOP_KEYS, "the problem")
    for key in ("slots", "tables", "meetings"):
        if key not in top:
            raise ProblemError(f'the problem has no "{key}" list')
    slots = []
    for index, item in enumerate(_list(top["slots"], "slots")):
        where = f"slots[{index}]"
        entry = _object(item, where)
        _known_keys(entry, _SLOT_KEYS, where)
        slots.append(Slot(id=_string(entry, "id", where), session=_string(entry, "session", where, True)))
    tables = tuple(
        _item_string(item, f"tables[{i}]") for i, item in enumerate(_list(top["tables"], "tables"))
    )
    meetings = [_meeting(item, index) for index, item in enumerate(_list(top["meetings"], "meetings"))]
    unavailable = {
        person: frozenset(
            _item_string(slot, f'unavailable["{person}"][{i}]')
            for i, slot in enumerate(_list(slots_off, f'unavailable["{person}"]'))
        )
        for person, slots_off in _object(top.get("unavailable", {}), "unavailable").items()
    }
    home_tables = {
        person: _item_string(table, f'home_tables["{person}"]')
        for person, table in _object(top.get("home_tables", {}), "home_tables").items()
    }
    max_meetings = {
        person: _integer(cap, f'max_meetings["{person}"]')
        for person, cap in _object(top.get("max_meetings", {}), "max_meetings").items()
    }
    problem = Problem(
        slots=tuple(slots),
        tables=tables,
        meetings=tuple(meetings),
        unavailable=unavailable,
        home_tables=home_tables,
        max_meetings=max_meetings,
    )
    validate_problem(problem)
    return problem


def _meeting(item: object, index: int) -> MeetingRequest:
    where = f"meetings[{index}]"
    entry = _object(item, where)
    _known_keys(entry, _MEETING_KEYS, where)
    meeting_id = _string(entry, "id", where)
    where = f'{where} (id "{meeting_id}")'
    people = entry.get("participants")
    if (
        not isinstance(people, list)
        or len(people) != 2
        or not all(isinstance(p, str) and p for p in people)
        or people[0] == people[1]
    ):
        raise ProblemError(f"{where}: participants must be a list of two different participant ids")
    priority = entry.get("priority")
    return MeetingRequest(
        id=meeting_id,
        participants=(people[0], people[1]),
        session=_string(entry, "session", where, True),
        fixed_slot=_string(entry, "fixed_slot", where, True),
        fixed_table=_string(entry, "fixed_table", where, True),
        priority=1 if priority is None else _integer(priority, f"{where}: priority", least=1),
    )


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProblemError(f"{where} must be a JSON object")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProblemError(f"{where} must be a JSON list")
    return value


def _known_keys(entry: dict[str, Any], known: set[str], where: str) -> None:
    # A misspelt key ("fixed-slot") would silently drop a constraint, so refuse it.
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ProblemError(f'{where} has an unknown key "{unknown[0]}"')


@overload
def _string(entry: dict[str, Any], key: str, where: str, optional: Literal[False] = False) -> str: ...
@overload
def _string(entry: dict[str, Any], key: str, where: str, optional: bool) -> str | None: ...
def _string(entry: dict[str, Any], key: str, where: str, optional: bool = False) -> str | None:
    value = entry.get(key)
    if value is None and optional:
        return None
    if value is None:
        raise ProblemError(f'{where} has no "{key}"')
    if not isinstance(value, str) or not value:
        raise ProblemError(f'{where}: "{key}" must be a non-empty string, not {json_repr(value)}')
    return value


def _item_string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProblemError(f"{where} must be a non-empty string, not {json_repr(value)}")
    return value


def _integer(value: object, where: str, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ProblemError(f"{where} must be a whole number of at least {least}, not {json_repr(value)}")
    return value


def json_repr(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def solution_to_json(solution: Solution) -> dict[str, Any]:
    """The solution in the DESIGN.md §4 format; unscheduled entries also carry
    their reason code and params."""
    return {
        "assignments": [
            {"meeting": a.meeting, "slot": a.slot, "table": a.table} for a in solution.assignments
        ],
        "unscheduled": [
            {"meeting": u.meeting, "code": u.code, "params": dict(u.params), "reason": u.reason}
            for u in solution.unscheduled
        ],
        "stats": dict(solution.stats),
    }
