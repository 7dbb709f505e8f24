"""The app's Celery tasks. Each is defined beside the service it runs (so a
service starts its task without importing this module, and no import goes in
a circle); this module lists them so a worker's autodiscovery registers them
under their `deals.tasks.*` names."""

from deals.notifications import deal_changed_notify_task

__all__ = ["deal_changed_notify_task"]
