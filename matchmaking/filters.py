"""Filters and sorting for the lot and need lists (django-filter)."""

from __future__ import annotations

from typing import Any, TypeVar

import django_filters
from django import forms
from django.db.models import F, Model, OrderBy, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.filters import SEARCH_MAX_LENGTH
from accounts.models import User
from accounts.selectors import organisation_for
from matchmaking.choices import BodyType, FuelType, Steering
from matchmaking.models import Lot, Match, Need

_ModelT = TypeVar("_ModelT", bound=Model)

# Every ordering ends with the primary key so pages never repeat or skip a row.
LOT_SORTS: dict[str, tuple[str, Any, list[str | OrderBy]]] = {
    "newest": ("newest", _("Newest first"), ["-created_at", "-pk"]),
    "price": ("price", _("Price, lowest first"), ["unit_price", "-pk"]),
    "-price": ("-price", _("Price, highest first"), ["-unit_price", "-pk"]),
    "-year": ("-year", _("Model year, newest first"), ["-model_year", "-pk"]),
    "year": ("year", _("Model year, oldest first"), ["model_year", "-pk"]),
    "mileage": ("mileage", _("Mileage, lowest first"), ["mileage_km", "-pk"]),
}

NEED_SORTS: dict[str, tuple[str, Any, list[str | OrderBy]]] = {
    "newest": ("newest", _("Newest first"), ["-created_at", "-pk"]),
    "deadline": ("deadline", _("Deadline, soonest first"), [F("deadline").asc(nulls_last=True), "-pk"]),
    "-budget": ("-budget", _("Budget, highest first"), ["-max_unit_price", "-pk"]),
    "budget": ("budget", _("Budget, lowest first"), ["max_unit_price", "-pk"]),
    "-quantity": ("-quantity", _("Quantity, largest first"), ["-quantity", "-pk"]),
}


def _sort_choices(sorts: dict[str, tuple[str, Any, list[str | OrderBy]]]) -> list[tuple[str, Any]]:
    return [(key, label) for key, label, _order in sorts.values()]


def _number(placeholder: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"placeholder": placeholder, "min": 0})


# django-filter ships no types, so its FilterSet is Any to the checker.
class _OwnListFilter(django_filters.FilterSet):  # type: ignore[misc]
    """Organisers see every company's rows and may filter by company; everybody
    else sees only their own, so the company filter is dropped for them."""

    company_field: str

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = request.user if request else None
        # Anonymous visitors have no organisation.
        organisation = organisation_for(user) if isinstance(user, User) else None
        if organisation is None or not organisation.is_organiser:
            del self.filters["company"]

    def filter_company(self, queryset: QuerySet[_ModelT], name: str, value: str) -> QuerySet[_ModelT]:
        return queryset.filter(**{f"{self.company_field}__name__icontains": value.strip()})

    @property
    def is_filtering(self) -> bool:
        """Whether the person narrowed the list (so an empty list means "no
        match", not "nothing yet")."""
        data = self.data or {}
        return any(data.get(name) for name in self.filters if name != "sort")


class LotFilter(_OwnListFilter):
    company_field = "exporter"

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": _("Reference, make, model or VIN"), "type": "search"}),
    )
    company = django_filters.CharFilter(
        label=_("Exporter"), method="filter_company", max_length=SEARCH_MAX_LENGTH
    )
    make = django_filters.CharFilter(
        label=_("Make"), field_name="make", lookup_expr="iexact", max_length=SEARCH_MAX_LENGTH
    )
    body_type = django_filters.ChoiceFilter(
        label=_("Body type"), choices=BodyType.choices, empty_label=_("Any")
    )
    fuel_type = django_filters.ChoiceFilter(
        label=_("Fuel type"), choices=FuelType.choices, empty_label=_("Any")
    )
    steering = django_filters.ChoiceFilter(
        label=_("Steering"), choices=Steering.choices, empty_label=_("Any")
    )
    year_min = django_filters.NumberFilter(
        label=_("Model year from"), field_name="model_year", lookup_expr="gte", widget=_number("2018")
    )
    year_max = django_filters.NumberFilter(
        label=_("Model year to"), field_name="model_year", lookup_expr="lte", widget=_number("2025")
    )
    price_min = django_filters.NumberFilter(
        label=_("Unit price from"), field_name="unit_price", lookup_expr="gte", widget=_number("0")
    )
    price_max = django_filters.NumberFilter(
        label=_("Unit price to"), field_name="unit_price", lookup_expr="lte", widget=_number("30000")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Lot.Status.choices, empty_label=_("Any"))
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=_sort_choices(LOT_SORTS),
        empty_label=_("Recently changed"),
        method="sort_by",
    )

    class Meta:
        model = Lot
        fields: list[str] = []

    def search(self, queryset: QuerySet[Lot], name: str, value: str) -> QuerySet[Lot]:
        value = value.strip()
        return queryset.filter(
            Q(ref__icontains=value)
            | Q(make__icontains=value)
            | Q(model__icontains=value)
            | Q(vin__icontains=value)
        )

    def sort_by(self, queryset: QuerySet[Lot], name: str, value: str) -> QuerySet[Lot]:
        return queryset.order_by(*LOT_SORTS[value][2])


class NeedFilter(_OwnListFilter):
    company_field = "buyer"

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": _("Reference or title"), "type": "search"}),
    )
    company = django_filters.CharFilter(
        label=_("Buyer"), method="filter_company", max_length=SEARCH_MAX_LENGTH
    )
    destination_country = django_filters.ChoiceFilter(
        label=_("Destination"), choices=countries, empty_label=_("Any")
    )
    fuel_type = django_filters.ChoiceFilter(
        label=_("Fuel type"), choices=FuelType.choices, empty_label=_("Any"), method="filter_fuel"
    )
    body_type = django_filters.ChoiceFilter(
        label=_("Body type"), choices=BodyType.choices, empty_label=_("Any"), method="filter_body"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Need.Status.choices, empty_label=_("Any"))
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=_sort_choices(NEED_SORTS),
        empty_label=_("Recently changed"),
        method="sort_by",
    )

    class Meta:
        model = Need
        fields: list[str] = []

    def search(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        value = value.strip()
        return queryset.filter(Q(ref__icontains=value) | Q(title__icontains=value))

    # The sets are JSON lists of codes. Matching the quoted code in the JSON text
    # works on SQLite and PostgreSQL alike (SQLite has no JSON containment), and
    # no code is part of another once quoted.
    def filter_fuel(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        return queryset.filter(fuel_types__icontains=f'"{value}"')

    def filter_body(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        return queryset.filter(body_types__icontains=f'"{value}"')

    def sort_by(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        return queryset.order_by(*NEED_SORTS[value][2])


# django-filter ships no types, so its FilterSet is Any to the checker.
class MatchFilter(django_filters.FilterSet):  # type: ignore[misc]
    """The state and minimum score filters above a need's lots or a lot's needs."""

    state = django_filters.ChoiceFilter(label=_("State"), choices=Match.State.choices, empty_label=_("Any"))
    min_score = django_filters.NumberFilter(
        label=_("Minimum score"),
        field_name="score",
        lookup_expr="gte",
        # A number as placeholder read as a filter in force ("Minimum score 60"
        # above matches scoring 49): the empty field says what it does.
        widget=forms.NumberInput(attrs={"placeholder": _("any"), "min": 0, "max": 100}),
    )

    class Meta:
        model = Match
        fields: list[str] = []

    @property
    def is_filtering(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.filters)
