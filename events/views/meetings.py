"""The organisers' pages on meetings: the list, and one meeting's page to
book, move, cancel, pin or release it and to mark it held or missed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from events.forms import (
    MEETING_STATE_CHOICES,
    MeetingAddForm,
    MeetingMoveForm,
    ReasonForm,
)
from events.models import Meeting
from events.selectors import (
    meeting_counts,
    meeting_for_event,
    meetings_of_event,
)
from events.services import meetings as meeting_services
from events.services import scheduling as scheduling_services
from events.views import (
    OrganiserOfEvent,
    back_to,
    service_refused,
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
