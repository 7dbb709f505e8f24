"""The organisers' pages on who takes part: the list with counts and filters,
deciding on applications, checking in (only on the event's days unless an
reason is given) and one participant's page with its history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from events.forms import (
    AddParticipantForm,
    CheckInForm,
    DecisionForm,
    HomeTableForm,
)
from events.models import Participation
from events.selectors import (
    agenda_meetings,
    check_in_days,
    check_in_history,
    participation_counts,
    participations_of,
)
from events.services import check_in as check_in_services
from events.services import events as event_services
from events.views import (
    OrganiserOfEvent,
    back_to,
    service_refused,
    signed_in_user,
)

# Participants -------------------------------------------------------------------


class ParticipantListView(OrganiserOfEvent, TemplateView):
    template_name = "events/organiser/participants.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        participations = participations_of(self.event)
        if status in Participation.Status.values:
            participations = participations.filter(status=status)
        page = Paginator(participations, 50).get_page(self.request.GET.get("page"))
        today_is_event_day, event_days = check_in_days(self.event)
        context.update(
            page_obj=page,
            participations=page.object_list,
            today_is_event_day=today_is_event_day,
            event_days=event_days,
            status=status,
            statuses=Participation.Status.choices,
            counts=participation_counts(self.event),
            add_form=kwargs.get("add_form") or AddParticipantForm(event=self.event),
            decision_form=DecisionForm(),
        )
        return context

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = AddParticipantForm(request.POST, event=self.event)
        if form.is_valid():
            try:
                event_services.participation_add(
                    event=self.event,
                    organisation=form.cleaned_data["organisation"],
                    by=signed_in_user(request),
                )
            except ValidationError as error:
                service_refused(request, error, form)
            else:
                messages.success(
                    request, _("%(name)s takes part.") % {"name": form.cleaned_data["organisation"].name}
                )
                return redirect("event_participants", slug=self.event.slug)
        return self.render_to_response(self.get_context_data(add_form=form))


class _ParticipationAction(OrganiserOfEvent, View):
    http_method_names = ["post"]

    def participation(self, pk: int) -> Participation:
        participation = (
            Participation.objects.select_related("organisation", "event")
            .filter(event=self.event, pk=pk)
            .first()
        )
        if participation is None:
            raise Http404
        return participation

    def done(self, request: HttpRequest) -> HttpResponse:
        return back_to(request, reverse("event_participants", args=[self.event.slug]))


class ParticipantDecideView(_ParticipationAction):
    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        participation = self.participation(pk)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, str(text))
            return self.done(request)
        try:
            event_services.participation_decide(
                participation=participation,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                by=signed_in_user(request),
            )
        except ValidationError as error:
            service_refused(request, error)
        else:
            messages.success(
                request, _("Decision saved for %(name)s.") % {"name": participation.organisation.name}
            )
        return self.done(request)


class ParticipantCheckInView(_ParticipationAction):
    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        participation = self.participation(pk)
        form = CheckInForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, str(text))
            return self.done(request)
        checked_in = form.cleaned_data["checked_in"]
        try:
            check_in_services.participation_check_in(
                participation=participation,
                checked_in=checked_in,
                by=signed_in_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            service_refused(request, error)
        else:
            text = _("%(name)s checked in.") if checked_in else _("%(name)s's check-in undone.")
            messages.success(request, text % {"name": participation.organisation.name})
        return self.done(request)


class ParticipantDetailView(OrganiserOfEvent, TemplateView):
    """One participant as the organisers see it: booth, availability, agenda."""

    template_name = "events/organiser/participant_detail.html"

    def _participation(self) -> Participation:
        participation = (
            Participation.objects.select_related("organisation", "home_table")
            .filter(event=self.event, pk=self.kwargs["pk"])
            .first()
        )
        if participation is None:
            raise Http404
        return participation

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        participation = kwargs.get("participation") or self._participation()
        meetings = list(agenda_meetings(self.event, participation.organisation))
        today_is_event_day, event_days = check_in_days(self.event)
        for meeting in meetings:
            meeting.counterpart = (
                meeting.buyer if meeting.exporter_id == participation.organisation_id else meeting.exporter
            )
        context.update(
            participation=participation,
            meetings=meetings,
            today_is_event_day=today_is_event_day,
            event_days=event_days,
            check_ins=list(check_in_history(participation)),
            unavailable=list(participation.unavailable_slots.order_by("number")),
            home_table_form=kwargs.get("home_table_form")
            or HomeTableForm(event=self.event, initial={"home_table": participation.home_table}),
        )
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        participation = self._participation()
        form = HomeTableForm(request.POST, event=self.event)
        if form.is_valid():
            try:
                event_services.participation_set_home_table(
                    participation=participation, table=form.cleaned_data["home_table"]
                )
            except ValidationError as error:
                service_refused(request, error, form)
            else:
                messages.success(request, _("Home table saved."))
                return redirect("event_participant", slug=self.event.slug, pk=participation.pk)
        return self.render_to_response(
            self.get_context_data(participation=participation, home_table_form=form)
        )
