"""Pages anyone may read, signed in or not."""

from __future__ import annotations

from django.views.generic import ListView

from matchmaking.selectors.market_rules import market_rules_all


class MarketRulesPublicView(ListView):
    """Every destination's import rules in plain words with their sources, so
    buyers and exporters can see why a lot cannot go somewhere."""

    template_name = "matchmaking/public/market_rules.html"
    context_object_name = "rules"

    def get_queryset(self):
        return market_rules_all()
