"""The organiser's live dashboard of an event."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import HtmxHttpRequest
from deals.dashboard import CHART_BARS, event_dashboard
from deals.reports import REPORTS, report_file
from events.views import OrganiserOfEvent
from matchmaking.spreadsheets.exports import FORMATS

# The big screen refreshes itself this often (seconds).
REFRESH_SECONDS = 30


class EventDashboardView(OrganiserOfEvent, TemplateView):
    """Deal value, meetings and matching coverage, live during the event.
    `?screen=1` lays it out for a projector; htmx refreshes the figures."""

    template_name = "deals/dashboard.html"
    request: HtmxHttpRequest

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return ["deals/_dashboard_figures.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            dashboard=event_dashboard(self.event),
            updated_at=timezone.localtime(timezone.now(), self.event.zone),
            screen=self.request.GET.get("screen") == "1",
            chart_bars=CHART_BARS,
            refresh_seconds=REFRESH_SECONDS,
            report_kinds=[
                ("deals", _("Deals")),
                ("meetings", _("Meetings")),
                ("participants", _("Participants")),
            ],
        )
        return context


class EventReportView(OrganiserOfEvent, View):
    """An event's deals, meetings or participants as a CSV or XLSX file."""

    def get(self, request: HttpRequest, slug: str, kind: str, fmt: str) -> HttpResponse:
        if kind not in REPORTS or fmt not in FORMATS:
            raise Http404
        export = report_file(REPORTS[kind](self.event), fmt)
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = content_disposition_header(True, export.filename)
        return response
