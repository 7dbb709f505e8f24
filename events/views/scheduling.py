"""The organisers' pages on the agenda as a whole: scheduling runs with their
progress, previews and applying them, the slots × tables grid, table signs and
sheets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRefresh
from django_htmx.middleware import HtmxDetails

from events.forms import (
    ScheduleForm,
)
from events.models import ScheduleRun
from events.selectors import (
    agenda_grid,
    booths_of,
    meeting_counts,
    run_changes,
    table_sheets,
)
from events.services import scheduling as scheduling_services
from events.views import (
    OrganiserOfEvent,
    service_refused,
    signed_in_user,
)

# Scheduling ---------------------------------------------------------------------


class ScheduleView(OrganiserOfEvent, TemplateView):
    template_name = "events/organiser/schedule.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = scheduling_services.latest_schedule_run(self.event)
        context.update(
            run=run,
            changes=run_changes(run) if run and run.preview else None,
            counts=meeting_counts(self.event),
            form=kwargs.get("form") or ScheduleForm(published=self.event.agenda_is_published),
        )
        return context

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = ScheduleForm(request.POST, published=self.event.agenda_is_published)
        if form.is_valid():
            try:
                run = scheduling_services.schedule_run_start(
                    event=self.event,
                    user=signed_in_user(request),
                    time_limit=float(form.cleaned_data["time_limit"]),
                    allow_moving_published=form.cleaned_data.get("allow_moving_published", False),
                )
            except ValidationError as error:
                service_refused(request, error, form)
            else:
                messages.success(
                    request,
                    _("Working out the changes. Nothing changes and nobody is emailed until you apply them.")
                    if run.preview
                    else _("Scheduling started."),
                )
                return redirect("event_schedule", slug=self.event.slug)
        return self.render_to_response(self.get_context_data(form=form))


class _RunOfEvent(OrganiserOfEvent, View):
    def run(self, pk: int) -> ScheduleRun:
        run = ScheduleRun.objects.filter(event=self.event, pk=pk).first()
        if run is None:
            raise Http404
        return run


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (its typing recipe)."""

    htmx: HtmxDetails


class ScheduleRunProgressView(_RunOfEvent):
    http_method_names = ["get"]

    def get(self, request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
        run = self.run(pk)
        if request.htmx and not run.is_running:
            return HttpResponseClientRefresh()
        return render(request, "events/organiser/_schedule_progress.html", {"run": run, "event": self.event})


class ScheduleApplyView(_RunOfEvent):
    """Apply the changes a run proposed for a published agenda, as shown."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        try:
            scheduling_services.schedule_run_apply(run=self.run(pk), by=signed_in_user(request))
        except ValidationError as error:
            service_refused(request, error)
        else:
            messages.success(
                request, _("The changes are applied; both sides of each changed meeting are told.")
            )
        return redirect("event_schedule", slug=self.event.slug)


class AgendaGridView(OrganiserOfEvent, TemplateView):
    """Slots down, tables across; each booked cell links to its meeting."""

    template_name = "events/organiser/grid.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        tables, rows = agenda_grid(self.event)
        context.update(tables=tables, rows=rows, counts=meeting_counts(self.event), now=timezone.now())
        return context


class TableSignsView(OrganiserOfEvent, TemplateView):
    template_name = "events/organiser/table_signs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        booths = booths_of(self.event)
        context["tables"] = [
            (table, meetings, booths.get(table.pk, [])) for table, meetings in table_sheets(self.event)
        ]
        return context


class TableSheetsView(TableSignsView):
    template_name = "events/organiser/table_sheets.html"
