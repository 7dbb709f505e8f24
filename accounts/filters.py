from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import ContactPoint, Organisation

# Longer text is no search anyone types, and SQLite refuses a LIKE pattern
# over 50,000 bytes with an error.
SEARCH_MAX_LENGTH = 200


class OrganisationFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter has no types
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=SEARCH_MAX_LENGTH)
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Organisation.Kind.choices, empty_label=_("Any")
    )
    country = django_filters.ChoiceFilter(label=_("Country"), choices=countries, empty_label=_("Any"))
    verified = django_filters.BooleanFilter(
        label=_("Verified"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Verified")), ("false", _("Not verified"))]),
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "country", "verified"]

    def search(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        return queryset.filter(
            Q(name__icontains=value) | Q(city__icontains=value) | Q(province__icontains=value)
        )


class ContactPointFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter has no types
    country = django_filters.ChoiceFilter(label=_("Country"), choices=countries, empty_label=_("Any"))
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=ContactPoint.Channel.choices, empty_label=_("Any")
    )

    class Meta:
        model = ContactPoint
        fields = ["country", "channel"]
