"""Deals signed between an exporter and a buyer: recorded by one side,
confirmed by the other, and only then counted in the fair's totals."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from matchmaking.choices import CURRENCY_CHOICES, Incoterm


class Deal(models.Model):
    class State(models.TextChoices):
        RECORDED = "recorded", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed by both sides")
        DISPUTED = "disputed", _("Disputed")
        CANCELLED = "cancelled", _("Cancelled")

    # States in which the terms may still change; a confirmed deal is only
    # ever cancelled, so the totals it fed stay explainable from the history.
    OPEN = (State.RECORDED, State.DISPUTED)

    event = models.ForeignKey(
        "events.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("event"),
    )
    meeting = models.ForeignKey(
        "events.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("meeting"),
    )
    exporter = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="deals_as_exporter", verbose_name=_("exporter")
    )
    buyer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="deals_as_buyer", verbose_name=_("buyer")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD")
    incoterm = models.CharField(_("incoterm"), max_length=3, choices=Incoterm.choices, default=Incoterm.FOB)
    signed_on = models.DateField(_("signed on"))
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECORDED)
    # The side that last set the terms; the other side is the one to confirm.
    recorded_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    reason = models.TextField(_("reason for the dispute or cancellation"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Not stored: the company's home page sets these on the deals it lists, for
    # its template (the other side, vehicles, whether it waits for us, its page).
    counterpart: Organisation
    vehicle_count: int
    awaits_us: bool
    url: str

    class Meta:
        # Translators: a sale both the exporter and the buyer confirmed (a contract), not a discount.
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(exporter=F("buyer")), name="deal_between_two_companies"),
            models.CheckConstraint(
                condition=Q(recorded_by=F("exporter")) | Q(recorded_by=F("buyer")),
                name="deal_recorded_by_a_side",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["recorded", "confirmed", "disputed", "cancelled"]),
                name="deal_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
                name="deal_confirmed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "state"], name="deal_event_state_idx"),
            models.Index(fields=["exporter", "-signed_on"], name="deal_exporter_recent_idx"),
            models.Index(fields=["buyer", "-signed_on"], name="deal_buyer_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"Deal {self.pk}: {self.exporter} → {self.buyer}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    def side_of(self, organisation: Organisation) -> str | None:
        if organisation.pk == self.exporter_id:
            return "exporter"
        if organisation.pk == self.buyer_id:
            return "buyer"
        return None

    @property
    def vehicles(self) -> int:
        """Vehicles on the deal's lines; prefetch `lines` when listing deals."""
        return sum(line.quantity for line in self.lines.all())

    @property
    def value(self) -> Decimal:
        """The deal's value in its own currency; prefetch `lines` when listing."""
        return sum((line.amount for line in self.lines.all()), Decimal(0))

    @property
    def awaiting(self) -> Organisation:
        """The side whose confirmation the deal waits for."""
        return self.buyer if self.recorded_by_id == self.exporter_id else self.exporter


class DealLine(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("deal"))
    lot = models.ForeignKey(
        "matchmaking.Lot", on_delete=models.PROTECT, related_name="deal_lines", verbose_name=_("lot")
    )
    quantity = models.PositiveIntegerField(
        _("vehicles"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        ordering = ["deal", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "lot"],
                name="deal_line_one_per_lot",
                violation_error_message=_("Each lot appears once in a deal; add up the vehicles instead."),
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="deal_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="deal_line_unit_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × lot {self.lot_id}"

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


class DealChange(models.Model):
    """One step in a deal's history, with the terms as they stood after it."""

    class Action(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        AMENDED = "amended", _("Amended")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")
        CANCELLED = "cancelled", _("Cancelled")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="changes", verbose_name=_("deal"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    note = models.TextField(_("note"), blank=True)
    # Currency, incoterm, date and lines after the change, so a later
    # amendment cannot rewrite what the other side saw.
    terms = models.JSONField(_("terms"), default=dict)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("deal change")
        verbose_name_plural = _("deal history")
        ordering = ["deal", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"
