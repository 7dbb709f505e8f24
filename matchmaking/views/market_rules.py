"""Organisers' pages for destination market rules and FX rates. Everybody else
gets 404, as if the pages did not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django.views.generic.base import TemplateResponseMixin
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from accounts.mixins import ObjectPermissionRequiredMixin
from core import formats
from matchmaking.forms.common import apply_service_error
from matchmaking.forms.market_rules import (
    FxRateFilter,
    FxRateForm,
    MarketRuleFilter,
    MarketRuleForm,
    initial_from,
)
from matchmaking.models import FxRate, MarketRule
from matchmaking.selectors.fx import fx_latest_rates, fx_rate_history
from matchmaking.selectors.market_rules import market_rules_all
from matchmaking.services import fx as fx_services
from matchmaking.services import market_rules as services

_ModelT = TypeVar("_ModelT", bound=models.Model)

if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run
    # time; the edit and delete views below give their model as `object`.
    _FormView = FormView[Form]
    _ObjectMixin = SingleObjectMixin[Any]
else:
    _FormView = FormView
    _ObjectMixin = SingleObjectMixin


class _OrganisersOnly(ObjectPermissionRequiredMixin):
    # Both permissions are about the user alone, so nobody else's request ever
    # loads an object (and unknown ids cannot be told from forbidden ones).
    def get_permission_object(self) -> None:
        return None


class _ServiceFormView(_OrganisersOnly, _FormView, Generic[_ModelT]):
    """A form whose valid data goes to one service call; the service's refusals
    are shown on the form."""

    def perform(self, data: dict[str, Any]) -> _ModelT:
        raise NotImplementedError

    def success_message(self, obj: _ModelT) -> str:
        raise NotImplementedError

    def form_valid(self, form: Form) -> HttpResponse:
        try:
            obj = self.perform(form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(obj))
        return redirect(self.get_success_url())


class _EditView(_ObjectMixin, _ServiceFormView[_ModelT]):
    fields: tuple[str, ...]
    object: _ModelT

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A typed name for django-rules' unannotated check.
        has_permission: Callable[[], bool] = self.has_permission
        if request.user.is_authenticated and has_permission():
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return initial_from(self.object, self.fields)


class _DeleteView(_OrganisersOnly, _ObjectMixin, TemplateResponseMixin, View, Generic[_ModelT]):
    """GET asks for confirmation, POST deletes through the service."""

    list_url_name: str
    http_method_names = ["get", "post"]
    object: _ModelT

    def perform_delete(self, obj: _ModelT) -> None:
        raise NotImplementedError

    def success_message(self, obj: _ModelT) -> str:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = self.get_object()
        message = self.success_message(self.object)
        self.perform_delete(self.object)
        messages.success(request, message)
        return redirect(self.list_url_name)


# django-filter ships no types, so its FilterView is Any to the checker.
class _FilteredListView(_OrganisersOnly, FilterView):  # type: ignore[misc]
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        # An empty list says something different when filters hid the rows.
        context["filtered"] = any(self.request.GET.get(name) for name in self.filterset.filters)
        return context


# Market rules ------------------------------------------------------------------


def _rules_of(rule: MarketRule) -> str:
    return f"{reverse('market_rule_list')}?country={rule.country.code}"


class MarketRuleListView(_FilteredListView):
    permission_required = "matchmaking.manage_market_rules"
    filterset_class = MarketRuleFilter
    template_name = "matchmaking/organiser/market_rule_list.html"
    context_object_name = "rules"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[MarketRule]:
        return market_rules_all()


class MarketRuleCreateView(_ServiceFormView[MarketRule]):
    permission_required = "matchmaking.manage_market_rules"
    form_class = MarketRuleForm
    template_name = "matchmaking/organiser/market_rule_form.html"

    def get_initial(self) -> dict[str, Any]:
        # "Add a rule for this country" links from the list pass the country.
        return {"country": self.request.GET.get("country", "").upper()}

    def perform(self, data: dict[str, Any]) -> MarketRule:
        self.object = services.market_rule_create(**data)
        return self.object

    def success_message(self, obj: MarketRule) -> str:
        return _("Rule added for %(country)s.") % {"country": obj.country.name}

    def get_success_url(self) -> str:
        return _rules_of(self.object)


class MarketRuleEditView(_EditView[MarketRule]):
    permission_required = "matchmaking.manage_market_rules"
    model = MarketRule
    form_class = MarketRuleForm
    fields = services.EDITABLE_FIELDS
    template_name = "matchmaking/organiser/market_rule_form.html"
    context_object_name = "rule"

    def perform(self, data: dict[str, Any]) -> MarketRule:
        return services.market_rule_update(rule=self.object, **data)

    def success_message(self, obj: MarketRule) -> str:
        return _("Rule for %(country)s saved.") % {"country": obj.country.name}

    def get_success_url(self) -> str:
        return _rules_of(self.object)


class MarketRuleDeleteView(_DeleteView[MarketRule]):
    permission_required = "matchmaking.manage_market_rules"
    model = MarketRule
    template_name = "matchmaking/organiser/market_rule_confirm_delete.html"
    context_object_name = "rule"
    list_url_name = "market_rule_list"

    def perform_delete(self, obj: MarketRule) -> None:
        services.market_rule_delete(rule=obj)

    def success_message(self, obj: MarketRule) -> str:
        return _("Rule for %(country)s deleted.") % {"country": obj.country.name}


# FX rates ----------------------------------------------------------------------


def _fx_rate_saved(fx_rate: FxRate) -> str:
    return _("Rate saved: 1 %(currency)s = %(rate)s CNY on %(date)s.") % {
        "currency": fx_rate.currency,
        "rate": formats.rate(fx_rate.rate_to_cny),
        "date": fx_rate.date.isoformat(),
    }


class FxRateListView(_FilteredListView):
    """The newest rate of each currency on top, every stored rate below."""

    permission_required = "matchmaking.manage_fx_rates"
    filterset_class = FxRateFilter
    template_name = "matchmaking/organiser/fx_rate_list.html"
    context_object_name = "fx_rates"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[FxRate]:
        return fx_rate_history()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["latest"] = fx_latest_rates()
        return context


class FxRateCreateView(_ServiceFormView[FxRate]):
    permission_required = "matchmaking.manage_fx_rates"
    form_class = FxRateForm
    template_name = "matchmaking/organiser/fx_rate_form.html"

    def get_initial(self) -> dict[str, Any]:
        return {"currency": self.request.GET.get("currency", "").upper(), "date": timezone.localdate()}

    def perform(self, data: dict[str, Any]) -> FxRate:
        return fx_services.fx_rate_create(**data)

    def success_message(self, obj: FxRate) -> str:
        return _fx_rate_saved(obj)

    def get_success_url(self) -> str:
        return reverse("fx_rate_list")


class FxRateEditView(_EditView[FxRate]):
    permission_required = "matchmaking.manage_fx_rates"
    model = FxRate
    form_class = FxRateForm
    fields = fx_services.FX_RATE_FIELDS
    template_name = "matchmaking/organiser/fx_rate_form.html"
    context_object_name = "fx_rate"

    def perform(self, data: dict[str, Any]) -> FxRate:
        return fx_services.fx_rate_update(fx_rate=self.object, **data)

    def success_message(self, obj: FxRate) -> str:
        return _fx_rate_saved(obj)

    def get_success_url(self) -> str:
        return reverse("fx_rate_list")


class FxRateDeleteView(_DeleteView[FxRate]):
    permission_required = "matchmaking.manage_fx_rates"
    model = FxRate
    template_name = "matchmaking/organiser/fx_rate_confirm_delete.html"
    context_object_name = "fx_rate"
    list_url_name = "fx_rate_list"

    def perform_delete(self, obj: FxRate) -> None:
        fx_services.fx_rate_delete(fx_rate=obj)

    def success_message(self, obj: FxRate) -> str:
        return _("The %(currency)s rate of %(date)s was deleted.") % {
            "currency": obj.currency,
            "date": formats.day(obj.date),
        }
