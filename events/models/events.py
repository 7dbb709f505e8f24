"""Events with their sessions, slots and tables."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.translations import in_reader_language, validate_translations


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
    # The name and description in other languages, {"ru": "…", "fa": "…"}:
    # each reader gets theirs, else the organiser's own (name, description).
    name_translations = models.JSONField(
        _("name in other languages"), default=dict, blank=True, validators=[validate_translations]
    )
    description_translations = models.JSONField(
        _("description in other languages"), default=dict, blank=True, validators=[validate_translations]
    )
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
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language, falling back to the organiser's."""
        return in_reader_language(self.name_translations) or self.name

    @property
    def display_description(self) -> str:
        return in_reader_language(self.description_translations) or self.description

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
        # Translators: a time slot of the fair's agenda (e.g. 09:30–10:00).
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
        # Translators: a numbered meeting table in the fair's hall (furniture), not a data table.
        verbose_name = _("table")
        verbose_name_plural = _("tables")
        ordering = ["event", "position"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="table_name_unique_per_event"),
        ]

    def __str__(self) -> str:
        return self.name
