"""An exporter's inventory: lots of identical vehicles offered for export."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from matchmaking.choices import (
    CURRENCY_CHOICES,
    BodyType,
    Drive,
    EmissionStandard,
    FuelType,
    Incoterm,
    Steering,
    Transmission,
)
from matchmaking.storage import private_storage
from matchmaking.validators import validate_shipping_modes, validate_vin

MIN_MODEL_YEAR = 1990
MAX_MODEL_YEAR = 2100


def _inspection_report_path(lot: Lot, filename: str) -> str:
    return f"inspection-reports/{lot.exporter_id}/{lot.pk}/report.pdf"


class Lot(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AVAILABLE = "available", _("Available")
        RESERVED = "reserved", _("Reserved")
        SOLD = "sold", _("Sold")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    exporter = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="lots",
        limit_choices_to={"kind": Organisation.Kind.EXPORTER},
        verbose_name=_("exporter"),
    )
    ref = models.CharField(_("reference"), max_length=64, help_text=_("Your own stock number."))
    make = models.CharField(_("make"), max_length=64)
    model = models.CharField(_("model"), max_length=64)
    trim = models.CharField(_("trim"), max_length=100, blank=True)
    body_type = models.CharField(_("body type"), max_length=16, choices=BodyType.choices)
    fuel_type = models.CharField(_("fuel type"), max_length=16, choices=FuelType.choices)
    model_year = models.PositiveSmallIntegerField(
        _("model year"),
        validators=[MinValueValidator(MIN_MODEL_YEAR), MaxValueValidator(MAX_MODEL_YEAR)],
    )
    first_registration = models.DateField(
        _("first registration"), null=True, blank=True, help_text=_("Year and month (YYYY-MM).")
    )
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), validators=[MaxValueValidator(2_000_000)])
    steering = models.CharField(_("steering"), max_length=3, choices=Steering.choices, default=Steering.LHD)
    transmission = models.CharField(
        _("transmission"), max_length=16, choices=Transmission.choices, blank=True
    )
    drive = models.CharField(_("drive"), max_length=8, choices=Drive.choices, blank=True)
    engine_cc = models.PositiveIntegerField(
        _("engine (cc)"), null=True, blank=True, validators=[MaxValueValidator(20_000)]
    )
    power_kw = models.PositiveIntegerField(
        _("power (kW)"), null=True, blank=True, validators=[MaxValueValidator(2_000)]
    )
    battery_kwh = models.DecimalField(
        _("battery (kWh)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1_000)],
    )
    battery_soh_pct = models.PositiveSmallIntegerField(
        _("battery state of health (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    emission_standard = models.CharField(
        _("emission standard"), max_length=8, choices=EmissionStandard.choices, blank=True
    )
    colour = models.CharField(_("colour"), max_length=32, blank=True)
    seats = models.PositiveSmallIntegerField(
        _("seats"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(80)]
    )
    condition_grade = models.CharField(_("condition grade"), max_length=16, blank=True)
    quantity = models.PositiveIntegerField(
        _("quantity available"), default=1, validators=[MinValueValidator(0), MaxValueValidator(100_000)]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(1)]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD")
    incoterm = models.CharField(_("incoterm"), max_length=3, choices=Incoterm.choices, default=Incoterm.FOB)
    location = models.CharField(_("vehicle location"), max_length=100, blank=True)
    loading_point = models.CharField(_("port or rail station of loading"), max_length=100, blank=True)
    shipping_modes = models.JSONField(
        _("shipping modes offered"), default=list, blank=True, validators=[validate_shipping_modes]
    )
    vin = models.CharField(_("VIN"), max_length=17, blank=True, validators=[validate_vin])
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # An inspection report (PDF) the exporter may add: kept private and served
    # only to those who may read the lot (views/files.py).
    inspection_report = models.FileField(
        _("inspection report"), upload_to=_inspection_report_path, storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # Translators: a batch of identical used vehicles one exporter offers for export (not an auction lot).
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["exporter", "ref"],
                name="lot_ref_unique_per_exporter",
                violation_error_message=_("You already have a lot with this reference."),
            ),
            # Deals take vehicles off a lot; one sold out keeps its row at zero.
            models.CheckConstraint(
                condition=Q(quantity__gte=1) | (Q(quantity=0) & Q(status="sold")),
                name="lot_quantity_at_least_one_unless_sold",
                violation_error_message=_("A lot on offer has at least one vehicle."),
            ),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="lot_unit_price_positive"),
            models.CheckConstraint(
                condition=Q(model_year__gte=MIN_MODEL_YEAR) & Q(model_year__lte=MAX_MODEL_YEAR),
                name="lot_model_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(battery_soh_pct__isnull=True) | Q(battery_soh_pct__lte=100),
                name="lot_battery_soh_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "available", "reserved", "sold", "withdrawn"]),
                name="lot_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["exporter", "status"]),
            models.Index(fields=["status", "fuel_type", "body_type", "make"]),
            # The list pages' default order, for an exporter and for organisers.
            models.Index(fields=["exporter", "-updated_at", "-id"], name="lot_exporter_recent_idx"),
            models.Index(fields=["-updated_at", "-id"], name="lot_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.model_year} {self.make} {self.model}"

    def clean(self) -> None:
        super().clean()
        # Only deals empty a lot: one left at zero is sold out, not on offer.
        if self.quantity == 0 and self.status != self.Status.SOLD:
            raise ValidationError({"quantity": _("A lot on offer has at least one vehicle.")})

    @property
    def title(self) -> str:
        return " ".join(part for part in (str(self.model_year), self.make, self.model, self.trim) if part)


def _lot_photo_path(photo: LotPhoto, filename: str) -> str:
    return f"lots/{photo.lot.exporter_id}/{photo.lot_id}/{filename}"


class LotPhoto(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="photos", verbose_name=_("lot"))
    image = models.ImageField(_("photo"), upload_to=_lot_photo_path)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("lot photo")
        verbose_name_plural = _("lot photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.lot.ref} photo {self.pk}"
