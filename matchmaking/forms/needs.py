"""The need form."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from matchmaking.choices import BodyType, FuelType, ShippingMode
from matchmaking.forms.common import (
    CommaSeparatedField,
    OwnedModelForm,
    blank_label,
    checkboxes,
)
from matchmaking.models import Need
from matchmaking.models.lots import MAX_MODEL_YEAR, MIN_MODEL_YEAR
from matchmaking.validators import deadline_problem, year_range_problem


class NeedForm(OwnedModelForm):
    owner_field = "buyer"
    duplicate_ref_message = _("You already have a need with this reference.")
    number_bounds = {
        "year_min": (MIN_MODEL_YEAR, MAX_MODEL_YEAR),
        "year_max": (MIN_MODEL_YEAR, MAX_MODEL_YEAR),
        "quantity": (1, 100_000),
        "min_battery_soh_pct": (0, 100),
    }

    makes = CommaSeparatedField(
        label=_("Makes"),
        required=False,
        help_text=_("Separate with commas, e.g. BYD, Chery, Geely. Leave empty for any make."),
    )
    model_names = CommaSeparatedField(
        label=_("Models"),
        required=False,
        help_text=_("Separate with commas, e.g. Song Plus, Tiggo 7. Leave empty for any model."),
    )
    body_types = checkboxes(BodyType.choices, _("Body types"), _("None ticked: any body type."))
    fuel_types = checkboxes(FuelType.choices, _("Fuel types"), _("None ticked: any fuel type."))
    shipping_modes = checkboxes(ShippingMode.choices, _("Preferred shipping modes"))

    fieldsets = [
        (_("Request"), ["ref", "title"]),
        (_("Destination"), ["destination_country", "destination_port", "steering"]),
        (
            _("Vehicles wanted"),
            [
                "makes",
                "model_names",
                "body_types",
                "fuel_types",
                "year_min",
                "year_max",
                "max_mileage_km",
                "min_battery_soh_pct",
            ],
        ),
        (
            _("Quantity and budget"),
            ["quantity", "allow_split", "max_unit_price", "currency", "incoterm"],
        ),
        (_("Delivery"), ["shipping_modes", "deadline"]),
    ]

    class Meta:
        model = Need
        fields = [
            "ref",
            "title",
            "destination_country",
            "destination_port",
            "steering",
            "makes",
            "model_names",
            "body_types",
            "fuel_types",
            "year_min",
            "year_max",
            "max_mileage_km",
            "min_battery_soh_pct",
            "quantity",
            "allow_split",
            "max_unit_price",
            "currency",
            "incoterm",
            "shipping_modes",
            "deadline",
        ]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "title": _("What sellers see first, e.g. “Plug-in hybrid SUVs for Almaty dealers”."),
            "max_unit_price": _("Per vehicle. Lots up to 10% above it are still proposed."),
            "deadline": _("When the vehicles must be shipped by."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank_label(self.fields["steering"], _("As the market rule requires"))
        # The destination's market rules appear beside the form as soon as a
        # country (or steering) is picked, before anything is saved.
        panel = {
            "hx-get": reverse_lazy("need_market_rules"),
            "hx-trigger": "change",
            "hx-target": "#market-rules",
            "hx-include": "#id_destination_country, #id_steering",
            "aria-controls": "market-rules",
        }
        self.fields["destination_country"].widget.attrs.update(panel)
        self.fields["steering"].widget.attrs.update(panel)

    def clean_deadline(self) -> datetime.date | None:
        deadline: datetime.date | None = self.cleaned_data["deadline"]
        problem = deadline_problem(deadline, changed="deadline" in self.changed_data)
        if problem:
            raise ValidationError(problem, code="past")
        return deadline

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        problem = year_range_problem(cleaned.get("year_min"), cleaned.get("year_max"))
        if problem:
            self.add_error("year_max", problem)
        return cleaned
