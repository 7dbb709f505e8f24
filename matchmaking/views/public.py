"""Pages anyone may read, signed in or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.views.generic import ListView

from matchmaking.models import MarketRule
from matchmaking.selectors.market_rules import market_rules_all

if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run time.
    _MarketRuleListView = ListView[MarketRule]
else:
    _MarketRuleListView = ListView


class MarketRulesPublicView(_MarketRuleListView):
    """Every destination's import rules in plain words with their sources, so
    buyers and exporters can see why a lot cannot go somewhere."""

    template_name = "matchmaking/public/market_rules.html"
    context_object_name = "rules"

    def get_queryset(self) -> QuerySet[MarketRule]:
        return market_rules_all()
