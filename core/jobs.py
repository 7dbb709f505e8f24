"""What every background job shares: a matching run, a scheduling run and a
spreadsheet import are each a row a Celery task claims, reports progress on and
finishes or fails, while a page polls it.

`Job` holds the columns all three have (error, created, finished) and the
transitions, written as single UPDATEs filtered on the current status, so a
task run twice, or a page and a task acting at once, cannot both win. `Run` adds
the queued → running → finished | failed life and a percentage. The models
keep their own tables: these are abstract.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Errors are shown on pages and kept for organisers; a traceback-sized message
# is cut rather than refused.
ERROR_LENGTH = 2000


class Job(models.Model):
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    # Statuses in which the job is still to run or running; set by each model.
    ACTIVE: ClassVar[tuple[str, ...]] = ()
    FAILED: ClassVar[str] = "failed"

    status: Any  # each model declares its own choices

    class Meta:
        abstract = True

    @property
    def is_running(self) -> bool:
        return self.status in self.ACTIVE

    @classmethod
    def claim(cls, pk: int, *, from_status: str | list[str], to_status: str, **fields: Any) -> bool:
        """Move the job from `from_status` to `to_status` (with `fields`) if it
        is still there; whether this call did."""
        statuses = [from_status] if isinstance(from_status, str) else from_status
        return bool(
            # `status` is each model's own field, which django-stubs cannot see from this abstract base.
            cls._default_manager.filter(pk=pk, status__in=statuses).update(status=to_status, **fields)  # type: ignore[misc]
        )

    @classmethod
    def record(cls, pk: int, **fields: Any) -> None:
        """Save progress figures of a running job (counts, percentages)."""
        cls._default_manager.filter(pk=pk).update(**fields)

    @classmethod
    def fail(cls, pk: int, error: object, **fields: Any) -> None:
        """Mark the job failed with a message people can read."""
        # `status` is each model's own field, which django-stubs cannot see from this abstract base.
        cls._default_manager.filter(pk=pk).update(  # type: ignore[misc]
            status=cls.FAILED, error=str(error)[:ERROR_LENGTH], finished_at=timezone.now(), **fields
        )


class Run(Job):
    """A job with the queued → running → finished | failed life and a progress percentage."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_pct = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        abstract = True

    @classmethod
    def start(cls, pk: int, **fields: Any) -> bool:
        """Claim a queued run for the task that runs it."""
        return cls.claim(pk, from_status=cls.Status.QUEUED, to_status=cls.Status.RUNNING, **fields)

    @classmethod
    def finish(cls, pk: int, **fields: Any) -> None:
        cls._default_manager.filter(pk=pk).update(
            status=cls.Status.FINISHED, progress_pct=100, finished_at=timezone.now(), **fields
        )

    @classmethod
    def active(cls) -> models.QuerySet[Self]:
        return cls._default_manager.filter(status__in=cls.ACTIVE)
