"""The table meetings between an exporter and a buyer at an event."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from events.models.events import Event, EventTable, Slot


class Meeting(models.Model):
    """A table meeting between an exporter and a buyer at an event."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SCHEDULED = "scheduled", _("Scheduled")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        # Translators: a meeting's state: it took place (not 'held back' or 'reserved').
        HELD = "held", _("Held")
        NO_SHOW = "no_show", _("No-show")

    # States that hold a slot and a table; the database refuses double booking
    # among them. Declined and cancelled meetings keep their slot as history.
    BOOKED = (State.SCHEDULED, State.CONFIRMED, State.HELD, State.NO_SHOW)
    # States that still need a place on the agenda or are on it.
    LIVE = (State.REQUESTED, State.SCHEDULED, State.CONFIRMED)

    class Outcome(models.TextChoices):
        DEAL_SIGNED = "deal_signed", _("Deal signed")
        FOLLOW_UP = "follow_up", _("Follow-up agreed")
        NO_INTEREST = "no_interest", _("No interest")

    class Origin(models.TextChoices):
        MATCH = "match", _("Mutual interest")
        ORGANISER = "organiser", _("Added by the organisers")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("event")
    )
    exporter = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("exporter")
    )
    buyer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("buyer")
    )
    match = models.ForeignKey(
        "matchmaking.Match",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("match"),
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.MATCH)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=1, help_text=_("Higher numbers are scheduled first when slots run short.")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REQUESTED)
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings", verbose_name=_("slot")
    )
    table = models.ForeignKey(
        EventTable,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("table"),
    )
    # Confirmed meetings stay put when the agenda is recomputed; the organiser
    # may pin any meeting, or release a confirmed one.
    fixed = models.BooleanField(_("fixed in place"), default=False)
    exporter_confirmed_at = models.DateTimeField(_("confirmed by the exporter"), null=True, blank=True)
    buyer_confirmed_at = models.DateTimeField(_("confirmed by the buyer"), null=True, blank=True)
    # Why the engine could not place it: {"code": …, "params": {…}}.
    unscheduled_reason = models.JSONField(_("why it is not scheduled"), default=dict, blank=True)
    reason = models.TextField(_("reason given"), blank=True)
    # Each side's own account of how the meeting went, after it took place.
    exporter_outcome = models.CharField(
        _("exporter's outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    exporter_outcome_note = models.TextField(_("exporter's note on the outcome"), blank=True)
    buyer_outcome = models.CharField(_("buyer's outcome"), max_length=16, choices=Outcome.choices, blank=True)
    buyer_outcome_note = models.TextField(_("buyer's note on the outcome"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Not stored: the pages that show meetings set these on the ones they list,
    # for their templates (the agenda from one side's view; the organisers'
    # lists the other company and why the engine left a meeting off).
    side: str
    counterpart: Organisation
    own_confirmed: bool
    takes_outcome: bool
    own_outcome: str
    own_outcome_label: str
    own_outcome_note: str
    other_outcome_label: str
    other_outcome_note: str
    reason_text: str

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["event", "slot__number", "table__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "table"],
                condition=Q(state__in=["scheduled", "confirmed", "held", "no_show"]),
                name="meeting_one_per_table_and_slot",
                violation_error_message=_("That table is already taken in that slot."),
            ),
            models.UniqueConstraint(
                fields=["slot", "exporter"],
                condition=Q(state__in=["scheduled", "confirmed", "held", "no_show"]),
                name="meeting_exporter_once_per_slot",
                violation_error_message=_("The exporter already has a meeting in that slot."),
            ),
            models.UniqueConstraint(
                fields=["slot", "buyer"],
                condition=Q(state__in=["scheduled", "confirmed", "held", "no_show"]),
                name="meeting_buyer_once_per_slot",
                violation_error_message=_("The buyer already has a meeting in that slot."),
            ),
            models.UniqueConstraint(
                fields=["event", "exporter", "buyer"],
                condition=Q(state__in=["requested", "scheduled", "confirmed"]),
                name="meeting_one_live_per_pair",
                violation_error_message=_("These two companies already have a meeting at this event."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["scheduled", "confirmed", "held", "no_show"])
                | (Q(slot__isnull=False) & Q(table__isnull=False)),
                name="meeting_booked_has_slot_and_table",
            ),
            models.CheckConstraint(condition=~Q(exporter=F("buyer")), name="meeting_between_two_companies"),
        ]
        indexes = [models.Index(fields=["event", "state"], name="meeting_event_state_idx")]

    def __str__(self) -> str:
        return f"{self.exporter} – {self.buyer}"

    @property
    def is_booked(self) -> bool:
        return self.state in self.BOOKED

    def confirmed_by(self, side: str) -> bool:
        return getattr(self, f"{side}_confirmed_at") is not None
