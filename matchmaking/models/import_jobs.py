"""A spreadsheet of lots or needs on its way in: validated first (a dry run that
reports every bad row), then applied as a whole or not at all."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.jobs import Job
from matchmaking.storage import private_storage


def _import_path(job: ImportJob, filename: str) -> str:
    return f"imports/{job.organisation_id}/{filename}"


class ImportJob(Job):
    class Kind(models.TextChoices):
        LOTS = "lots", _("Lots")
        NEEDS = "needs", _("Needs")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked")
        INVALID = "invalid", _("Has errors")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("organisation")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # A buyer's budgets, an exporter's prices: readable only through a view
    # that checks the organisation, never at a /media/ address.
    file = models.FileField(_("file"), upload_to=_import_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    # Counts, warnings, every bad row (row, column, reason) and a preview.
    report = models.JSONField(_("report"), default=dict, blank=True)
    # When the running step (waiting, checking or importing) began: a step
    # still running long after its task's time limit lost its worker.
    started_at = models.DateTimeField(_("step started"), default=timezone.now)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.original_name} ({self.status})"

    @property
    def progress_pct(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    ACTIVE = (Status.PENDING, Status.VALIDATING, Status.APPLYING)
