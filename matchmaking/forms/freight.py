"""Forms and the filter of the organisers' freight, inland haulage and
insurance pages. The forms only turn posted text into values; the services
(`services.freight`) decide what is allowed, and their refusals are shown on
the field they name."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from matchmaking.choices import ShippingMode
from matchmaking.forms.common import model_field
from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate
from matchmaking.selectors.freight import freight_rate_countries
from matchmaking.services.freight import FREIGHT_RATE_FIELDS, INLAND_HAULAGE_FIELDS, INSURANCE_RATE_FIELDS
from matchmaking.spreadsheets.freight import TABLE_CHOICES


def _day(model: type[models.Model]) -> forms.Field:
    return model_field(model, "valid_from", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _amount(model: type[models.Model], name: str) -> forms.Field:
    return model_field(model, name, widget=forms.NumberInput(attrs={"step": "any", "min": 0}))


class FreightRateForm(forms.Form):
    mode = model_field(FreightRate, "mode")
    origin = model_field(FreightRate, "origin")
    destination_country = model_field(FreightRate, "destination_country")
    destination_port = model_field(FreightRate, "destination_port")
    vehicle_class = model_field(FreightRate, "vehicle_class")
    price = _amount(FreightRate, "price")
    currency = model_field(FreightRate, "currency")
    valid_from = _day(FreightRate)
    indicative = model_field(FreightRate, "indicative")
    source = model_field(FreightRate, "source")

    field_order = list(FREIGHT_RATE_FIELDS)


class InlandHaulageForm(forms.Form):
    origin = model_field(InlandHaulage, "origin")
    vehicle_class = model_field(InlandHaulage, "vehicle_class")
    price = _amount(InlandHaulage, "price")
    currency = model_field(InlandHaulage, "currency")
    valid_from = _day(InlandHaulage)
    indicative = model_field(InlandHaulage, "indicative")
    source = model_field(InlandHaulage, "source")

    field_order = list(INLAND_HAULAGE_FIELDS)


class InsuranceRateForm(forms.Form):
    destination_country = model_field(InsuranceRate, "destination_country")
    rate_pct = model_field(
        InsuranceRate, "rate_pct", widget=forms.NumberInput(attrs={"step": "any", "min": 0, "max": 20})
    )
    valid_from = _day(InsuranceRate)
    indicative = model_field(InsuranceRate, "indicative")
    source = model_field(InsuranceRate, "source")

    field_order = list(INSURANCE_RATE_FIELDS)


class FreightImportForm(forms.Form):
    table = forms.ChoiceField(label=_("Table"), choices=TABLE_CHOICES, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=_("CSV (UTF-8) or Excel .xlsx; the first sheet is read."),
    )


# django-filter ships no types, so its FilterSet is Any to the checker.
class FreightRateFilter(django_filters.FilterSet):  # type: ignore[misc]
    destination_country = django_filters.ChoiceFilter(label=_("Destination country"), empty_label=_("Any"))
    mode = django_filters.ChoiceFilter(
        label=_("Shipping mode"), choices=ShippingMode.choices, empty_label=_("Any")
    )

    class Meta:
        model = FreightRate
        fields = ["destination_country", "mode"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only destinations that have rates, as on the market rules page.
        country = FreightRate._meta.get_field("destination_country")
        labels = dict(country.flatchoices) if isinstance(country, models.Field) else {}
        self.filters["destination_country"].extra["choices"] = [
            (code, labels.get(code, code)) for code in freight_rate_countries()
        ]
