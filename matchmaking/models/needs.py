"""A buyer's purchase request: what, how many, for how much, to where."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Organisation
from matchmaking.choices import CURRENCY_CHOICES, Incoterm, Steering
from matchmaking.models.lots import MAX_MODEL_YEAR, MIN_MODEL_YEAR
from matchmaking.validators import (
    validate_body_types,
    validate_fuel_types,
    validate_shipping_modes,
    validate_text_list,
)


class Need(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FULFILLED = "fulfilled", _("Fulfilled")
        CLOSED = "closed", _("Closed")

    buyer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="needs",
        limit_choices_to={"kind": Organisation.Kind.BUYER},
        verbose_name=_("buyer"),
    )
    ref = models.CharField(_("reference"), max_length=64, help_text=_("Your own request number."))
    title = models.CharField(_("title"), max_length=200)
    # django-countries types blank_label as str; it must stay lazy, translated per request.
    destination_country = CountryField(  # type: ignore[call-overload]
        _("destination country"), blank_label=_("Choose a country")
    )
    destination_port = models.CharField(_("destination port or station"), max_length=100, blank=True)
    makes = models.JSONField(_("makes"), default=list, blank=True, validators=[validate_text_list])
    model_names = models.JSONField(_("models"), default=list, blank=True, validators=[validate_text_list])
    body_types = models.JSONField(_("body types"), default=list, blank=True, validators=[validate_body_types])
    fuel_types = models.JSONField(_("fuel types"), default=list, blank=True, validators=[validate_fuel_types])
    year_min = models.PositiveSmallIntegerField(
        _("model year from"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_MODEL_YEAR), MaxValueValidator(MAX_MODEL_YEAR)],
    )
    year_max = models.PositiveSmallIntegerField(
        _("model year to"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_MODEL_YEAR), MaxValueValidator(MAX_MODEL_YEAR)],
    )
    max_mileage_km = models.PositiveIntegerField(_("maximum mileage (km)"), null=True, blank=True)
    min_battery_soh_pct = models.PositiveSmallIntegerField(
        _("minimum battery state of health (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    steering = models.CharField(
        _("steering"),
        max_length=3,
        choices=Steering.choices,
        blank=True,
        help_text=_("Left empty, the destination's market rule decides."),
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    allow_split = models.BooleanField(_("may be split across lots"), default=True)
    max_unit_price = models.DecimalField(
        _("maximum unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(1)]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD")
    incoterm = models.CharField(_("incoterm"), max_length=3, choices=Incoterm.choices, default=Incoterm.CIF)
    shipping_modes = models.JSONField(
        _("preferred shipping modes"), default=list, blank=True, validators=[validate_shipping_modes]
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    # Set by matching when no lot qualifies: the most decisive reason,
    # {"reason": code, "params": {…}}; empty when the need has matches.
    match_diagnosis = models.JSONField(_("why nothing matched"), default=dict, blank=True, editable=False)
    # Set when the destination's market rules rule out every lot this need
    # could accept, whatever the stock: {"reason": code, "params": {…}} as a
    # diagnosis is stored; empty when some lot could match it.
    blocked_by_rule = models.JSONField(_("ruled out by"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # Translators: a buyer's purchase request (what vehicles, how many, budget, destination).
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "ref"],
                name="need_ref_unique_per_buyer",
                violation_error_message=_("You already have a need with this reference."),
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="need_quantity_at_least_one"),
            models.CheckConstraint(condition=Q(max_unit_price__gt=0), name="need_max_price_positive"),
            models.CheckConstraint(
                condition=Q(year_min__isnull=True)
                | Q(year_max__isnull=True)
                | Q(year_min__lte=F("year_max")),
                name="need_year_range_ordered",
                violation_error_message=_("The first model year must not be after the last."),
            ),
            models.CheckConstraint(
                condition=Q(min_battery_soh_pct__isnull=True) | Q(min_battery_soh_pct__lte=100),
                name="need_battery_soh_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "fulfilled", "closed"]), name="need_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "status"]),
            models.Index(fields=["status", "destination_country"]),
            # The list pages' default order, for a buyer and for organisers.
            models.Index(fields=["buyer", "-updated_at", "-id"], name="need_buyer_recent_idx"),
            models.Index(fields=["-updated_at", "-id"], name="need_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.title}"

    @property
    def never_matches(self) -> bool:
        return bool(self.blocked_by_rule)
