"""The app's Celery tasks. Each is defined beside the service it runs (so a
service starts its task without importing this module, and no import goes in
a circle); this module lists them so a worker's autodiscovery registers them
under their `matchmaking.tasks.*` names."""

from matchmaking.services.match_runs import match_run_task
from matchmaking.services.matches import match_mutual_notify_task
from matchmaking.services.rescoring import country_rescore_task, lot_rescore_task, need_rescore_task
from matchmaking.spreadsheets.jobs import import_apply_task, import_jobs_recover_task, import_validate_task

__all__ = [
    "country_rescore_task",
    "import_apply_task",
    "import_jobs_recover_task",
    "import_validate_task",
    "lot_rescore_task",
    "match_mutual_notify_task",
    "match_run_task",
    "need_rescore_task",
]
