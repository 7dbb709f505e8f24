"""The app's Celery tasks. Each is defined beside the service it runs (so a
service starts its task without importing this module, and no import goes in
a circle); this module lists them so a worker's autodiscovery registers them
under their `events.tasks.*` names."""

from events.services.notifications import (
    agenda_published_notify_task,
    meeting_changed_notify_task,
    participation_decision_notify_task,
    reminders_send_task,
)
from events.services.scheduling import schedule_run_task

__all__ = [
    "agenda_published_notify_task",
    "meeting_changed_notify_task",
    "participation_decision_notify_task",
    "reminders_send_task",
    "schedule_run_task",
]
