"""The opportunity list: the organisers publish it, anyone reads and downloads
it once published, and exporters offer their lots through it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from events.filters import OpportunityFilter
from events.forms import OfferLotForm
from events.models import Event
from events.opportunities import opportunity_code, opportunity_file, opportunity_from, opportunity_rows
from events.selectors import opportunity_countries, opportunity_needs, opportunity_of
from events.services import opportunities as opportunity_services
from events.views import EventScoped, OrganiserOfEvent, back_to, member_organisation, service_refused
from matchmaking.models import Need
from matchmaking.selectors.fx import fx_table_on
from matchmaking.spreadsheets.exports import FORMATS

PAGE_SIZE = 25


def _filter(request: HttpRequest, event: Event) -> OpportunityFilter:
    return OpportunityFilter(
        request.GET or None, queryset=opportunity_needs(event), country_codes=opportunity_countries(event)
    )


class OpportunityListView(EventScoped, TemplateView):
    """The event's open buyer needs, anonymised; its organisers preview it
    before it is published."""

    template_name = "events/opportunities.html"
    event_permission = "events.view_opportunities"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        needs = _filter(self.request, self.event)
        page = Paginator(needs.qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        today = timezone.localdate()
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=needs,
            page_obj=page,
            opportunities=opportunity_rows(page.object_list, today),
            today=today,
            published=self.event.opportunities_published_at is not None and self.event.is_public,
            runs_event=self.request.user.has_perm("events.manage_event", self.event),
            can_offer=self.request.user.has_perm("events.offer_lot", self.event),
            query=query.urlencode(),
            formats=FORMATS,
        )
        return context


class OpportunityDownloadView(EventScoped, View):
    """The same rows as the page (with its filters, every page) as CSV or XLSX."""

    http_method_names = ["get"]
    event_permission = "events.view_opportunities"

    def get(self, request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        today = timezone.localdate()
        rows = opportunity_rows(_filter(request, self.event).qs, today)
        export = opportunity_file(self.event, rows, fmt, today)
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response


class OpportunityPublishView(OrganiserOfEvent, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        publish = request.POST.get("publish") == "1"
        event = opportunity_services.opportunities_publish(event=self.event, publish=publish)
        if not publish:
            messages.success(request, _("The opportunity list is no longer public."))
        elif event.is_public:
            messages.success(request, _("The opportunity list is published."))
        else:
            messages.success(
                request, _("The opportunity list is published; it becomes public with the event.")
            )
        return back_to(request, reverse("event_opportunities", args=[event.slug]))


class OpportunityOfferView(LoginRequiredMixin, EventScoped, View):
    """An exporter picks one of its available lots for an opportunity; the
    buyer hears of it only through the match, never by name here."""

    http_method_names = ["get", "post"]
    event_permission = "events.offer_lot"

    def _need(self, pk: int) -> Need:
        need = opportunity_of(self.event, pk)
        if need is None:
            raise Http404
        return need

    def _render(self, request: HttpRequest, need: Need, form: OfferLotForm) -> HttpResponse:
        today = timezone.localdate()
        return render(
            request,
            "events/opportunity_offer.html",
            {
                "event": self.event,
                "opportunity": opportunity_from(need, fx_table_on(today), today),
                "form": form,
                "lots": list(form.lots),
            },
        )

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        need = self._need(pk)
        return self._render(request, need, OfferLotForm(organisation=member_organisation(request)))

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        need = self._need(pk)
        organisation = member_organisation(request)
        form = OfferLotForm(request.POST, organisation=organisation)
        if not form.is_valid():
            return self._render(request, need, form)
        lot = form.cleaned_data["lot"]
        try:
            opportunity_services.opportunity_offer_lot(
                event=self.event, need=need, lot=lot, organisation=organisation
            )
        except ValidationError as error:
            service_refused(request, error, form)
            return self._render(request, need, form)
        messages.success(
            request,
            _(
                "Lot %(lot)s is offered for %(code)s. The buyer sees your interest with the need's matches; "
                "if they are interested too, you both get each other's contact details."
            )
            % {"lot": lot.ref, "code": opportunity_code(need.pk)},
        )
        return redirect("event_opportunities", slug=self.event.slug)
