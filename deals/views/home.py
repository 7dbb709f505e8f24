"""The home page of a signed-in company: its convention, lots or needs, next
meetings, deals waiting for it and proposals waiting for an answer. It reads
every app, so it lives in the top one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.views.generic import TemplateView

from accounts import selectors
from accounts.models import Organisation
from deals.selectors import deals_awaiting, match_summary_of, recent_deals, upcoming_meetings_of
from matchmaking.selectors.lots import lot_counts
from matchmaking.selectors.needs import need_counts


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/dashboard.html"
    upcoming_meetings = 5
    latest_deals = 5
    top_proposals = 3

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        membership = selectors.membership_for(self.request.user)
        if membership is None:
            return context
        organisation = membership.organisation
        context["member_count"] = organisation.memberships.count()
        if organisation.is_exporter:
            convention = selectors.current_convention()
            context["convention"] = convention
            context["convention_signature"] = selectors.convention_signature_for(organisation, convention)
            context["previous_signature"] = (
                None if context["convention_signature"] else selectors.latest_signature_of(organisation)
            )
        if organisation.is_organiser:
            context["organisation_counts"] = selectors.organisation_counts()
            context["contact_point_count"] = selectors.contact_point_count_of(organisation)
        elif organisation.is_exporter:
            context["lot_counts"] = lot_counts(organisation)
        elif organisation.is_buyer:
            context["need_counts"] = need_counts(organisation)
            context["contact_points"] = selectors.contact_points_for(organisation)
        if organisation.is_exporter or organisation.is_buyer:
            context.update(self._trading_context(organisation))
        return context

    def _trading_context(self, organisation: Organisation) -> dict[str, Any]:
        """Meetings, deals and open matches at a glance, in a fixed number of queries."""
        deals = recent_deals(organisation, self.latest_deals)
        for deal in deals:
            deal.counterpart = deal.buyer if deal.exporter_id == organisation.pk else deal.exporter
            deal.vehicle_count = sum(line.quantity for line in deal.lines.all())
            deal.awaits_us = deal.state == deal.State.RECORDED and deal.recorded_by_id != organisation.pk
            deal.url = reverse("deal_detail", args=[deal.pk])
        return {
            "upcoming_meetings": upcoming_meetings_of(organisation, self.upcoming_meetings),
            "deals_awaiting_count": deals_awaiting(organisation).count(),
            "recent_deals": deals,
            "deal_list_url": reverse("deal_list"),
            "matches": match_summary_of(organisation, self.top_proposals),
        }
