"""Reason records for meetings left off the agenda: a code and params for the
Django app to translate, and the same sentence in English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.engine.scheduling.model import Unscheduled

if TYPE_CHECKING:
    from events.engine.scheduling.instance import Instance


def unscheduled(
    inst: Instance,
    m: int,
    code: str,
    *,
    participant: int | None = None,
    other: int | None = None,
    slot: int | None = None,
    table: int | None = None,
    meeting: int | None = None,
    session: str | None = None,
) -> Unscheduled:
    """The record for meeting `m`; indices are turned into ids here."""
    params: dict[str, str] = {}
    u, v = inst.ends[m]
    if code == "no_common_slot" and participant is None:
        participant, other = u, v
    if participant is not None:
        params["participant"] = inst.people[participant]
    if other is not None:
        params["other"] = inst.people[other]
    if slot is not None:
        params["slot"] = inst.slot_ids[slot]
    if table is not None:
        params["table"] = inst.tables[table]
    if meeting is not None:
        params["meeting"] = inst.meeting_ids[meeting]
    if session is not None:
        params["session"] = session
    if code == "participant_capped" and participant is not None:
        params["cap"] = str(inst.cap[participant])
    return Unscheduled(meeting=inst.meeting_ids[m], code=code, params=params, reason=_sentence(code, params))


def _sentence(code: str, p: dict[str, str]) -> str:
    within = f" in the {p['session']}" if "session" in p else ""
    if code == "no_slot":
        return f"the event has no slot{within}"
    if code == "no_table":
        return "the event has no tables"
    if code == "tables_full":
        if "table" in p:
            return f"table {p['table']} is taken whenever both participants are free{within}"
        return f"every table is taken whenever both participants are free{within}"
    if code == "participant_unavailable":
        if "slot" in p:
            return f"{p['participant']} is unavailable in slot {p['slot']}"
        return f"{p['participant']} has no free slot{within}"
    if code == "no_common_slot":
        return f"{p['participant']} and {p['other']} have no free slot in common{within}"
    if code == "participant_capped":
        return f"{p['participant']} already has the maximum of {p['cap']} meetings"
    if code == "fixed_slot_conflict":
        where = f"fixed in slot {p['slot']}, where"
        if "participant" in p:
            return f"{where} {p['participant']} already has fixed meeting {p['meeting']}"
        if "table" in p:
            return f"{where} table {p['table']} already holds fixed meeting {p['meeting']}"
        if "session" in p:
            return f"fixed in slot {p['slot']}, which is not in the {p['session']}"
        return f"fixed in slot {p['slot']}, which already has a fixed meeting at every table"
    if code == "crowded_out":
        if "other" in p:
            return f"{p['participant']} and {p['other']} are never free at the same time{within}"
        return f"{p['participant']} is booked in every slot this meeting could use{within}"
    raise ValueError(f"unknown reason code {code}")
