"""Runs of the scheduling engine over an event's meetings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.jobs import Run
from events.models.events import Event


class ScheduleRun(Run):
    """One run of the scheduling engine over an event's meetings."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="schedule_runs", verbose_name=_("event")
    )
    time_limit = models.FloatField(_("time limit (seconds)"), default=10.0)
    # The engine's stats: requested, scheduled, bounds, idle periods, seconds…
    stats = models.JSONField(_("figures"), default=dict, blank=True)
    # After the agenda is published a run only proposes: its result waits in
    # `proposal` until the organiser applies it, as long as the agenda still
    # matches `agenda_fingerprint` (what the run read).
    preview = models.BooleanField(_("preview to apply"), default=False)
    allow_moving_published = models.BooleanField(_("may move published meetings"), default=False)
    proposal = models.JSONField(_("proposed agenda"), default=dict, blank=True)
    agenda_fingerprint = models.CharField(_("agenda read"), max_length=64, blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )

    class Meta:
        verbose_name = _("scheduling run")
        verbose_name_plural = _("scheduling runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="schedule_run_progress_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"Scheduling run {self.pk} ({self.status})"

    @property
    def awaits_applying(self) -> bool:
        return self.preview and self.status == self.Status.FINISHED and self.applied_at is None
