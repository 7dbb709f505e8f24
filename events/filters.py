"""The filters above the public opportunity list (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from matchmaking.choices import BodyType, FuelType
from matchmaking.models import Need


class OpportunityFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no types
    destination_country = django_filters.ChoiceFilter(
        label=_("Destination"), choices=[], empty_label=_("Any")
    )
    body_type = django_filters.ChoiceFilter(
        label=_("Body type"), choices=BodyType.choices, empty_label=_("Any"), method="filter_body"
    )
    fuel_type = django_filters.ChoiceFilter(
        label=_("Fuel type"), choices=FuelType.choices, empty_label=_("Any"), method="filter_fuel"
    )

    class Meta:
        model = Need
        fields: list[str] = []

    def __init__(self, *args: Any, country_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(countries)
        choices = sorted(((code, names.get(code, code)) for code in country_codes), key=lambda item: item[1])
        self.filters["destination_country"].extra["choices"] = choices

    @property
    def is_filtering(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.filters)

    # The sets are JSON lists of codes; the quoted code in the JSON text
    # matches on SQLite and PostgreSQL alike, as in matchmaking.filters.
    def filter_body(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        return queryset.filter(body_types__icontains=f'"{value}"')

    def filter_fuel(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        return queryset.filter(fuel_types__icontains=f'"{value}"')
