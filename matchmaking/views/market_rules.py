"""Organisers' pages for destination market rules and FX rates (on the generic
pages of `organiser`). Everybody else gets 404, as if the pages did not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formats
from matchmaking.forms.market_rules import FxRateFilter, FxRateForm, MarketRuleFilter, MarketRuleForm
from matchmaking.models import FxRate, MarketRule
from matchmaking.selectors.fx import fx_latest_rates, fx_rate_history
from matchmaking.selectors.market_rules import market_rules_all
from matchmaking.services import fx as fx_services
from matchmaking.services import market_rules as services
from matchmaking.views.organiser import DeleteView, EditView, FilteredListView, ServiceFormView

# Market rules ------------------------------------------------------------------


def _rules_of(rule: MarketRule) -> str:
    return f"{reverse('market_rule_list')}?country={rule.country.code}"


class MarketRuleListView(FilteredListView):
    permission_required = "matchmaking.manage_market_rules"
    filterset_class = MarketRuleFilter
    template_name = "matchmaking/organiser/market_rule_list.html"
    context_object_name = "rules"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[MarketRule]:
        return market_rules_all()


class MarketRuleCreateView(ServiceFormView[MarketRule]):
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


class MarketRuleEditView(EditView[MarketRule]):
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


class MarketRuleDeleteView(DeleteView[MarketRule]):
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


class FxRateListView(FilteredListView):
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


class FxRateCreateView(ServiceFormView[FxRate]):
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


class FxRateEditView(EditView[FxRate]):
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


class FxRateDeleteView(DeleteView[FxRate]):
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
