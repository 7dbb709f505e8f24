"""The organisers' pages: setting up the event, deciding on participants,
scheduling meetings, editing the agenda and running the day."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRefresh
from django_htmx.middleware import HtmxDetails
from rules.contrib.views import PermissionRequiredMixin

from events.forms import (
    MEETING_STATE_CHOICES,
    TIME_ZONES,
    AddParticipantForm,
    CheckInForm,
    DecisionForm,
    EventForm,
    EventStatusForm,
    HomeTableForm,
    MeetingAddForm,
    MeetingMoveForm,
    ReasonForm,
    ScheduleForm,
    SessionFormSet,
    session_initial,
)
from events.models import Event, Meeting, Participation, ScheduleRun
from events.selectors import (
    agenda_grid,
    agenda_meetings,
    agenda_publication_notice,
    booths_of,
    check_in_days,
    check_in_history,
    meeting_counts,
    meeting_for_event,
    meetings_of_event,
    participation_counts,
    participations_of,
    run_changes,
    table_sheets,
)
from events.services import check_in as check_in_services
from events.services import events as event_services
from events.services import meetings as meeting_services
from events.services import scheduling as scheduling_services
from events.views import (
    OrganiserOfEvent,
    back_to,
    member_organisation,
    service_refused,
    signed_in_user,
)

# Setting up ---------------------------------------------------------------------


class _EventFormView(View):
    http_method_names = ["get", "post"]
    template_name = "events/organiser/event_form.html"
    event: Event | None = None

    def _render(self, request: HttpRequest, form: EventForm, sessions: Any) -> HttpResponse:
        return render(request, self.template_name, {"event": self.event, "form": form, "sessions": sessions})

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The registration window is typed and shown in the event's own time
        # zone (the one being chosen, on a submission), not the server's.
        chosen = request.POST.get("time_zone", "") if request.method == "POST" else ""
        zone = chosen if chosen in TIME_ZONES else self.event and self.event.time_zone
        with timezone.override(zone or settings.TIME_ZONE):
            return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = EventForm(instance=self.event)
        sessions = SessionFormSet(
            prefix="sessions", initial=session_initial(self.event) if self.event else None
        )
        return self._render(request, form, sessions)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # The service saves; the form only reads the fields, so an invalid
        # submission leaves the stored event untouched.
        form = EventForm(
            request.POST, instance=Event() if self.event is None else Event.objects.get(pk=self.event.pk)
        )
        sessions = SessionFormSet(request.POST, prefix="sessions")
        if not (form.is_valid() and sessions.is_valid()):
            return self._render(request, form, sessions)
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            event = event_services.event_save(
                organiser=member_organisation(request),
                event=self.event,
                data=data,
                sessions=sessions.specs(),
                table_names=form.cleaned_data["tables"],
            )
        except ValidationError as error:
            service_refused(request, error, form)
            return self._render(request, form, sessions)
        messages.success(request, _("The event is saved."))
        return redirect("event_detail", slug=event.slug)


class EventCreateView(LoginRequiredMixin, PermissionRequiredMixin, _EventFormView):
    permission_required = "events.add_event"

    def handle_no_permission(self) -> HttpResponseRedirect:
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        raise Http404


class EventUpdateView(OrganiserOfEvent, _EventFormView):
    # The event the URL names, which EventScoped loads before the form runs.
    event: Event


class EventStatusView(OrganiserOfEvent, View):
    """Change the event's status. A change that would email participants
    their agenda first shows who, and changes only once that is confirmed."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = EventStatusForm(request.POST)
        if not form.is_valid():
            return redirect("event_detail", slug=self.event.slug)
        status = form.cleaned_data["status"]
        confirm = request.POST.get("confirm", "")
        emailed = len(agenda_publication_notice(self.event).participations) if confirm else 0
        try:
            event = event_services.event_set_status(event=self.event, status=status, confirm=confirm)
        except ValidationError as error:
            if error.code != "confirm":
                service_refused(request, error)
                return redirect("event_detail", slug=self.event.slug)
            context = {
                "event": self.event,
                "status": status,
                "status_label": Event.Status(status).label,
                "notice": agenda_publication_notice(self.event),
                "changed": bool(confirm),
            }
            return render(request, "events/organiser/status_confirm.html", context)
        text = _("The event is now: %(status)s.") % {"status": event.get_status_display()}
        if emailed:
            text += " " + ngettext(
                "%(count)s participant is being emailed their agenda.",
                "%(count)s participants are being emailed their agenda.",
                emailed,
            ) % {"count": emailed}
        messages.success(request, text)
        return redirect("event_detail", slug=event.slug)


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


# Meetings -----------------------------------------------------------------------


class MeetingListView(OrganiserOfEvent, TemplateView):
    template_name = "events/organiser/meetings.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        meetings = meetings_of_event(self.event, [state] if state in Meeting.State.values else None)
        page = Paginator(meetings, 50).get_page(self.request.GET.get("page"))
        for meeting in page.object_list:
            if meeting.unscheduled_reason:
                meeting.reason_text = scheduling_services.unscheduled_reason_text(meeting.unscheduled_reason)
        context.update(
            page_obj=page,
            meetings=page.object_list,
            state=state,
            states=MEETING_STATE_CHOICES,
            counts=meeting_counts(self.event),
            add_form=kwargs.get("add_form") or MeetingAddForm(event=self.event),
        )
        return context

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        if request.POST.get("action") == "from_matches":
            created = meeting_services.meetings_request_from_matches(event=self.event)
            messages.success(
                request,
                ngettext(
                    "%(count)s meeting requested from mutual interest.",
                    "%(count)s meetings requested from mutual interest.",
                    created,
                )
                % {"count": created}
                if created
                else _("No new mutual interest between approved participants."),
            )
            return redirect("event_meetings", slug=self.event.slug)
        form = MeetingAddForm(request.POST, event=self.event)
        if form.is_valid():
            try:
                meeting_services.meeting_add(event=self.event, **form.cleaned_data)
            except ValidationError as error:
                service_refused(request, error, form)
            else:
                messages.success(request, _("Meeting requested; schedule it on the agenda."))
                return redirect("event_meetings", slug=self.event.slug)
        return self.render_to_response(self.get_context_data(add_form=form))


class MeetingManageView(OrganiserOfEvent, TemplateView):
    """One meeting with every control the organisers have over it."""

    template_name = "events/organiser/meeting_manage.html"
    actions = ("move", "unschedule", "cancel", "pin", "release", "held", "no_show")

    def _meeting(self) -> Meeting:
        meeting = meeting_for_event(self.event, self.kwargs["pk"])
        if meeting is None:
            raise Http404
        return meeting

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        meeting = kwargs.get("meeting") or self._meeting()
        initial = {"slot": meeting.slot, "table": meeting.table}
        context.update(
            meeting=meeting,
            started=meeting_services.meeting_has_started(meeting),
            reason_text=scheduling_services.unscheduled_reason_text(meeting.unscheduled_reason)
            if meeting.unscheduled_reason
            else "",
            move_form=kwargs.get("move_form") or MeetingMoveForm(event=self.event, initial=initial),
            cancel_form=kwargs.get("cancel_form") or ReasonForm(),
        )
        return context

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        meeting = self._meeting()
        action = request.POST.get("action")
        if action not in self.actions:
            raise Http404
        forms: dict[str, Any] = {}
        try:
            if action == "move":
                move_form = forms["move_form"] = MeetingMoveForm(request.POST, event=self.event)
                if not move_form.is_valid():
                    return self._again(meeting, forms)
                meeting_services.meeting_move(meeting=meeting, **move_form.cleaned_data)
                messages.success(request, _("Meeting booked."))
            elif action == "cancel":
                cancel_form = forms["cancel_form"] = ReasonForm(request.POST)
                if not cancel_form.is_valid():
                    return self._again(meeting, forms)
                meeting_services.meeting_cancel(meeting=meeting, reason=cancel_form.cleaned_data["reason"])
                messages.success(request, _("Meeting cancelled; both sides are told."))
            elif action == "unschedule":
                meeting_services.meeting_unschedule(meeting=meeting)
                messages.success(request, _("Meeting taken off the agenda."))
            elif action in ("pin", "release"):
                meeting_services.meeting_set_fixed(meeting=meeting, fixed=action == "pin")
                messages.success(
                    request,
                    _("Meeting pinned: scheduling runs leave it in place.")
                    if action == "pin"
                    else _("Meeting released: the next scheduling run may move it."),
                )
            else:
                meeting_services.meeting_record_attendance(meeting=meeting, held=action == "held")
                messages.success(request, _("Attendance recorded."))
        except ValidationError as error:
            target = forms.get("move_form") or forms.get("cancel_form")
            service_refused(request, error, target)
            if target is not None:
                return self._again(meeting, forms, status=409)
        return back_to(request, reverse("event_meeting", args=[self.event.slug, meeting.pk]))

    def _again(self, meeting: Meeting, forms: dict[str, Any], status: int = 200) -> HttpResponse:
        response = self.render_to_response(self.get_context_data(meeting=meeting, **forms))
        response.status_code = status
        return response


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
