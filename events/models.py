"""The fair itself: events with their sessions, slots and tables, the
organisations taking part, and the table meetings scheduled between them."""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.jobs import Run


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


# Words that follow /events/ in the site's own addresses (events/urls.py): an
# event with one of them as its short name could never be reached.
RESERVED_EVENT_SLUGS = frozenset({"new"})


class Event(models.Model):
    """A matchmaking conference run by one organiser: days of sessions cut into
    slots, a number of tables, and the companies approved to meet there."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for registration")
        SCHEDULED = "scheduled", _("Agenda published")
        LIVE = "live", _("Under way")
        CLOSED = "closed", _("Closed")

    organiser = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="events", verbose_name=_("organiser")
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("short name in links"),
        max_length=80,
        unique=True,
        help_text=_("Letters, digits and hyphens, e.g. chengdu-2026."),
        error_messages={"unique": _("Another event already uses this short name.")},
    )
    city = models.CharField(_("city"), max_length=100)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        help_text=_("Every meeting lasts one slot, including the change-over."),
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    max_meetings_per_participant = models.PositiveSmallIntegerField(
        _("meetings per participant at most"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit beyond the number of slots."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Set once the day-before reminder went out, so a repeated command sends none.
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    # The anonymised list of open buyer needs is public only once organisers
    # publish it; unpublishing hides it again.
    opportunities_published_at = models.DateTimeField(_("opportunity list published"), null=True, blank=True)
    # Set when the agenda is first published. From then on participants know
    # their times: scheduling runs keep every booked meeting where it is unless
    # the organiser allows moving them, and show what would change first.
    agenda_published_at = models.DateTimeField(_("agenda first published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5) & Q(slot_minutes__lte=240), name="event_slot_length_sane"
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="event_registration_window_ordered",
                violation_error_message=_("Registration must close after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug in RESERVED_EVENT_SLUGS:
            raise ValidationError(
                {
                    "slug": _("“%(slug)s” is part of the site’s own addresses; choose another short name.")
                    % {"slug": self.slug}
                }
            )

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def agenda_is_published(self) -> bool:
        return self.agenda_published_at is not None


class EventSession(models.Model):
    """A block of meeting time on one day, e.g. 09:00–12:00, cut into slots."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event")
    )
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=60, help_text=_("E.g. Morning, Afternoon."))
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")),
                name="event_session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.date:%Y-%m-%d} {self.starts:%H:%M}–{self.ends:%H:%M}"


class Slot(models.Model):
    """One meeting period. Slots are cut from the sessions whenever the
    organiser changes them, and numbered in time order across the event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots", verbose_name=_("event"))
    session = models.ForeignKey(
        EventSession, on_delete=models.CASCADE, related_name="slots", verbose_name=_("session")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="slot_number_unique_per_event"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.starts_at:%Y-%m-%d %H:%M}"


class EventTable(models.Model):
    """A meeting table (or an exporter's booth) at the venue."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tables", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("table")
        verbose_name_plural = _("tables")
        ordering = ["event", "position"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="table_name_unique_per_event"),
        ]

    def __str__(self) -> str:
        return self.name


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


class Meeting(models.Model):
    """A table meeting between an exporter and a buyer at an event."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SCHEDULED = "scheduled", _("Scheduled")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
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
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
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
