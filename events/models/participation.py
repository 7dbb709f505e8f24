"""The organisations taking part in an event, and their check-ins."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from events.models.events import Event, EventTable, Slot


def _new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Participation(models.Model):
    """An organisation's place at an event: applied, approved or rejected, the
    slots it cannot attend, its booth and when it checked in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="participations", verbose_name=_("event")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="participations", verbose_name=_("organisation")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(_("note to the organisers"), blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    unavailable_slots = models.ManyToManyField(
        Slot, blank=True, related_name="+", verbose_name=_("slots not available")
    )
    home_table = models.ForeignKey(
        EventTable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home table (booth)"),
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    # The participant's agenda as it was last told by email: [meeting, slot,
    # table] of each booked meeting. Publishing again emails only those whose
    # agenda differs; each meeting's own email updates its entry.
    agenda_sent = models.JSONField(_("agenda last emailed"), default=list, blank=True)
    # When the applicant was told of the latest decision; a decision is told once.
    decision_notified_at = models.DateTimeField(_("decision emailed"), null=True, blank=True)
    # Calendar apps cannot sign in; the agenda feed's address is its key.
    calendar_token = models.CharField(max_length=64, unique=True, default=_new_calendar_token, editable=False)
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["event", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"],
                name="participation_once_per_event",
                violation_error_message=_("This company has already applied to this event."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.event}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class CheckInRecord(models.Model):
    """One check-in or its undoing, with who did it and, for a check-in
    outside the event's days, the organiser's reason."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("participation")
    )
    checked_in = models.BooleanField(_("checked in"), help_text=_("False when a check-in was undone."))
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    outside_event_days = models.BooleanField(_("outside the event's days"), default=False)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("check-in record")
        verbose_name_plural = _("check-in records")
        ordering = ["participation", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outside_event_days=False) | ~Q(reason=""),
                name="check_in_outside_event_days_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participation} {'in' if self.checked_in else 'undone'} {self.at:%Y-%m-%d %H:%M}"
