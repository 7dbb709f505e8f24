"""The fair itself, by concept: events with their sessions, slots and tables
(events), the organisations taking part (participation), the table meetings
between them (meetings) and scheduling runs (runs)."""

from events.models.events import (
    RESERVED_EVENT_SLUGS,
    Event,
    EventSession,
    EventTable,
    Slot,
    validate_time_zone,
)
from events.models.meetings import Meeting
from events.models.participation import CheckInRecord, Participation, _new_calendar_token
from events.models.runs import ScheduleRun

__all__ = [
    "RESERVED_EVENT_SLUGS",
    "CheckInRecord",
    "Event",
    "EventSession",
    "EventTable",
    "Meeting",
    "Participation",
    "ScheduleRun",
    "Slot",
    "_new_calendar_token",
    "validate_time_zone",
]
