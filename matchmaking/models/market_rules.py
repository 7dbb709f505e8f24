"""What each destination lets in (market rules); organisers keep them current."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.translations import in_reader_language, validate_translations
from matchmaking.choices import AgeCountedFrom, EmissionStandard, Steering
from matchmaking.validators import validate_fuel_types

_LAST_CHECKED = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


def validate_last_checked(value: str) -> None:
    if value and not _LAST_CHECKED.match(value):
        raise ValidationError(_("Write the year, or the year and month: 2025 or 2025-10."))


class MarketRule(models.Model):
    """One import rule of a destination country. A country may have several,
    each optionally scoped to some fuel types; every rule that applies to a lot
    must hold for it to match."""

    country = CountryField(_("country"))
    applies_to_fuels = models.JSONField(
        _("applies to fuel types"),
        default=list,
        blank=True,
        validators=[validate_fuel_types],
        help_text=_("Empty means every fuel type."),
    )
    used_imports_banned = models.BooleanField(_("used imports banned"), default=False)
    steering_required = models.CharField(
        _("steering required"), max_length=3, choices=Steering.choices, blank=True
    )
    max_age_years = models.PositiveSmallIntegerField(
        _("maximum age (years)"), null=True, blank=True, validators=[MaxValueValidator(50)]
    )
    age_counted_from = models.CharField(
        _("age counted from"), max_length=24, choices=AgeCountedFrom.choices, blank=True
    )
    min_emission_standard = models.CharField(
        _("minimum emission standard"), max_length=8, choices=EmissionStandard.choices, blank=True
    )
    banned_fuels = models.JSONField(
        _("banned fuel types"), default=list, blank=True, validators=[validate_fuel_types]
    )
    max_engine_cc = models.PositiveIntegerField(_("maximum engine (cc)"), null=True, blank=True)
    max_mileage_km = models.PositiveIntegerField(_("maximum mileage (km)"), null=True, blank=True)
    uncertain = models.BooleanField(
        _("uncertain"), default=False, help_text=_("Sources conflict or the rule is not confirmed.")
    )
    last_checked = models.CharField(
        _("last checked"),
        max_length=7,
        blank=True,
        validators=[validate_last_checked],
        help_text=_("Year, or year and month (2025-10)."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The notes in other languages, {"ru": "…"}; readers get theirs, else `notes`.
    notes_translations = models.JSONField(
        _("notes in other languages"), default=dict, blank=True, validators=[validate_translations]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("market rule")
        verbose_name_plural = _("market rules")
        ordering = ["country", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_age_years__isnull=True) | ~Q(age_counted_from=""),
                name="market_rule_age_says_from_when",
                violation_error_message=_("Say from which date a maximum age is counted."),
            ),
        ]

    def __str__(self) -> str:
        scope = ", ".join(self.applies_to_fuels) if self.applies_to_fuels else str(_("all fuels"))
        return f"{self.country.code} ({scope})"

    @property
    def display_notes(self) -> str:
        return in_reader_language(self.notes_translations) or self.notes

    def applies_to(self, fuel_type: str) -> bool:
        return not self.applies_to_fuels or fuel_type in self.applies_to_fuels
