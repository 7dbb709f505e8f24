"""What it costs to bring a lot to the buyer: indicative freight rates, inland
haulage to the loading point and cargo insurance, kept by organisers. The
matching engine reads the rates in force (the newest `valid_from` on or before
the day, per route) to compare a lot's price on the need's incoterm
(`matchmaking.engine.delivery`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from matchmaking.choices import CURRENCY_CHOICES, ShippingMode, VehicleClass

ORIGIN_HELP = _(
    "A loading port or rail station, or several separated by ';' for a region "
    "(“Shanghai; Tianjin; Guangzhou”). It covers every loading point whose name contains it."
)


class _Rate(models.Model):
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where the figure comes from: a forwarder's quote, a tariff, an estimate."),
    )
    indicative = models.BooleanField(
        _("indicative"), default=True, help_text=_("An estimate, not a quote: pages say so beside the price.")
    )

    class Meta:
        abstract = True

    @classmethod
    def key_fields(cls) -> tuple[str, ...]:
        """The fields that name a rate, its day included: those of the
        model's one-per-route-and-day constraint."""
        for constraint in cls._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                return tuple(constraint.fields)
        raise TypeError(f"{cls.__name__} has no unique constraint")

    def key(self, *, with_day: bool = True) -> tuple[Any, ...]:
        """The rate's key as comparable values (countries as their codes);
        without its day, the route a newer rate replaces it on."""
        names = [name for name in self.key_fields() if with_day or name != "valid_from"]
        return tuple(getattr(getattr(self, name), "code", getattr(self, name)) for name in names)

    @property
    def origin_list(self) -> list[str]:
        origin = getattr(self, "origin", "")
        return [part.strip() for part in origin.split(";") if part.strip()]


class _PerVehicle(_Rate):
    vehicle_class = models.CharField(_("vehicle class"), max_length=16, choices=VehicleClass.choices)
    price = models.DecimalField(
        _("price per vehicle"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD")

    class Meta:
        abstract = True


class FreightRate(_PerVehicle):
    """Freight per vehicle from a loading point (or region) to a destination."""

    mode = models.CharField(_("shipping mode"), max_length=16, choices=ShippingMode.choices)
    origin = models.CharField(_("origin"), max_length=200, help_text=ORIGIN_HELP)
    destination_country = CountryField(_("destination country"))
    destination_port = models.CharField(
        _("destination port or station"),
        max_length=100,
        blank=True,
        help_text=_("Leave empty for the whole country."),
    )

    class Meta:
        verbose_name = _("freight rate")
        verbose_name_plural = _("freight rates")
        ordering = [
            "destination_country",
            "destination_port",
            "mode",
            "origin",
            "vehicle_class",
            "-valid_from",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "mode",
                    "origin",
                    "destination_country",
                    "destination_port",
                    "vehicle_class",
                    "valid_from",
                ],
                name="freight_rate_one_per_route_class_and_day",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="freight_rate_price_not_negative"),
        ]

    def __str__(self) -> str:
        port = f" ({self.destination_port})" if self.destination_port else ""
        return f"{self.mode} {self.origin} → {self.destination_country}{port}, {self.vehicle_class}"


class InlandHaulage(_PerVehicle):
    """Trucking a vehicle from an inland yard to a loading point (EXW → FOB)."""

    origin = models.CharField(_("to the loading point"), max_length=200, help_text=ORIGIN_HELP)

    class Meta:
        verbose_name = _("inland haulage rate")
        verbose_name_plural = _("inland haulage rates")
        ordering = ["origin", "vehicle_class", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "vehicle_class", "valid_from"], name="haulage_one_per_point_class_and_day"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="haulage_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.origin}, {self.vehicle_class}"


class InsuranceRate(_Rate):
    """Cargo insurance for CIF, as a percentage of the CFR value."""

    destination_country = CountryField(
        _("destination country"),
        blank=True,
        help_text=_("Leave empty for every destination without a rate of its own."),
    )
    rate_pct = models.DecimalField(
        _("rate (percent of the CFR value)"),
        max_digits=5,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(20))],
    )

    class Meta:
        verbose_name = _("insurance rate")
        verbose_name_plural = _("insurance rates")
        ordering = ["destination_country", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination_country", "valid_from"], name="insurance_one_per_country_and_day"
            ),
            models.CheckConstraint(
                condition=Q(rate_pct__gte=0) & Q(rate_pct__lte=20), name="insurance_rate_between_0_and_20"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.destination_country or '*'}: {self.rate_pct} %"
