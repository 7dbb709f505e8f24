"""The organisers' pages for setting up an event: create, edit, change status
(asking first when the change would email participants)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from rules.contrib.views import PermissionRequiredMixin

from events.forms import (
    TIME_ZONES,
    EventForm,
    EventStatusForm,
    SessionFormSet,
    session_initial,
)
from events.models import Event
from events.selectors import (
    agenda_publication_notice,
)
from events.services import events as event_services
from events.views import (
    OrganiserOfEvent,
    member_organisation,
    service_refused,
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
        data = form.event_data()
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
