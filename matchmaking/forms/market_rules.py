"""Forms and filters of the organisers' market rule and FX rate pages.

The forms only turn posted text into values; the services decide what is
allowed, and their refusals are shown on the field they name. Kept apart from
the lot and need forms, which change for other reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.translations import add_translation_fields, language_fields, original_fields, translations_from
from matchmaking.choices import CURRENCY_CHOICES, AgeCountedFrom, EmissionStandard, FuelType, Steering
from matchmaking.forms.common import apply_service_error
from matchmaking.forms.common import model_field as _field
from matchmaking.models import FxRate, MarketRule
from matchmaking.selectors.market_rules import market_rule_countries
from matchmaking.services.fx import FX_RATE_FIELDS
from matchmaking.services.market_rules import MARKET_RULE_FIELDS, check_age_counted_from

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _fuel_checkboxes(label: StrOrPromise, help_text: StrOrPromise) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=FuelType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-columns"}),
        help_text=help_text,
    )


class MarketRuleForm(forms.Form):
    country = _field(MarketRule, "country", label=_("Destination country"))
    applies_to_fuels = _fuel_checkboxes(
        _("Applies to fuel types"), _("Tick none for a rule that applies to every vehicle.")
    )
    used_imports_banned = _field(MarketRule, "used_imports_banned")
    steering_required = forms.ChoiceField(
        label=_("Steering required"),
        choices=[("", _("No requirement")), *Steering.choices],
        required=False,
    )
    max_age_years = _field(MarketRule, "max_age_years")
    age_counted_from = forms.ChoiceField(
        label=_("Age counted from"),
        choices=[("", _("— (no age limit)")), *AgeCountedFrom.choices],
        required=False,
        help_text=_("Needed when a maximum age is given."),
    )
    min_emission_standard = forms.ChoiceField(
        label=_("Minimum emission standard"),
        choices=[("", _("No minimum")), *EmissionStandard.choices],
        required=False,
        help_text=_("China N counts as Euro N."),
    )
    banned_fuels = _fuel_checkboxes(_("Banned fuel types"), "")
    max_engine_cc = _field(MarketRule, "max_engine_cc")
    max_mileage_km = _field(MarketRule, "max_mileage_km")
    uncertain = _field(MarketRule, "uncertain")
    last_checked = _field(MarketRule, "last_checked")
    source = _field(MarketRule, "source", help_text=_("Where the rule comes from: sites, laws, decrees."))
    notes = _field(MarketRule, "notes", widget=forms.Textarea(attrs={"rows": 3}))

    field_order = list(MARKET_RULE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_translation_fields(
            self,
            "notes",
            self.fields["notes"],
            _("Notes in %(language)s"),
            self.initial.get("notes_translations") or {},
        )

    def main_fields(self) -> list[forms.BoundField]:
        return original_fields(self, ("notes",))

    def translation_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        return language_fields(self, ("notes",))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["notes_translations"] = translations_from(cleaned, "notes")
        # Said here as well as in the service, so it shows up together with the
        # form's own errors rather than only once those are fixed.
        if "max_age_years" in cleaned:
            try:
                check_age_counted_from(cleaned["max_age_years"], cleaned.get("age_counted_from", ""))
            except ValidationError as error:
                apply_service_error(self, error)
        return cleaned


class FxRateForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    date = _field(FxRate, "date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    rate_to_cny = _field(FxRate, "rate_to_cny", widget=forms.NumberInput(attrs={"step": "any"}))

    field_order = list(FX_RATE_FIELDS)


def _yes_no_any(yes: StrOrPromise, no: StrOrPromise) -> forms.Select:
    return forms.Select(choices=[("", _("Any")), ("true", yes), ("false", no)])


# django-filter ships no types, so its FilterSet is Any to the checker.
class MarketRuleFilter(django_filters.FilterSet):  # type: ignore[misc]
    country = django_filters.ChoiceFilter(label=_("Country"), empty_label=_("Any"))
    uncertain = django_filters.BooleanFilter(
        label=_("Certainty"), widget=_yes_no_any(_("Uncertain"), _("Confirmed"))
    )
    used_imports_banned = django_filters.BooleanFilter(
        label=_("Used imports"), widget=_yes_no_any(_("Banned"), _("Allowed"))
    )

    class Meta:
        model = MarketRule
        fields = ["country", "uncertain", "used_imports_banned"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only destinations that have rules: a list of every country in the
        # world would bury the dozen that matter.
        country = MarketRule._meta.get_field("country")
        labels = dict(country.flatchoices) if isinstance(country, models.Field) else {}
        self.filters["country"].extra["choices"] = [
            (code, labels.get(code, code)) for code in market_rule_countries()
        ]


# django-filter ships no types, so its FilterSet is Any to the checker.
class FxRateFilter(django_filters.FilterSet):  # type: ignore[misc]
    currency = django_filters.ChoiceFilter(
        label=_("Currency"), choices=CURRENCY_CHOICES, empty_label=_("Any")
    )

    class Meta:
        model = FxRate
        fields = ["currency"]
