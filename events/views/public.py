"""Pages anyone may read, and the participants' own pages: applying,
availability, the agenda and its calendar feed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from core.translations import LANGUAGE_CODES
from events.calendars import agenda_calendar
from events.check_in_codes import check_in_token, expiry_day, qr_svg
from events.forms import ApplyForm, AvailabilityForm, MeetingAnswerForm, MeetingOutcomeForm
from events.models import Event, Meeting, Participation
from events.selectors import (
    agenda_meetings,
    event_days,
    events_of_organiser,
    events_public,
    participation_counts,
    participation_of,
)
from events.services import events as event_services
from events.services import meetings as meeting_services
from events.views import EventScoped, back_to, member_organisation, own_organisation, service_refused

if TYPE_CHECKING:
    # django-stubs makes ListView generic; Django's own takes no type argument.
    _EventListBase = ListView[Event]
else:
    _EventListBase = ListView


class EventListView(_EventListBase):
    """Published events for everyone; an organiser also sees its own drafts."""

    template_name = "events/event_list.html"
    context_object_name = "events"
    paginate_by = 20

    def get_queryset(self) -> QuerySet[Event]:
        return events_public()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organisation = own_organisation(self.request)
        if organisation is not None and organisation.is_organiser:
            context["own_events"] = list(events_of_organiser(organisation))
        return context


class EventDetailView(EventScoped, TemplateView):
    template_name = "events/event_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organisation = own_organisation(self.request)
        context.update(
            days=event_days(self.event),
            counts=participation_counts(self.event),
            participation=participation_of(self.event, organisation),
            organisation=organisation,
            registration_open=event_services.registration_is_open(self.event),
            runs_event=self.request.user.has_perm("events.manage_event", self.event),
            table_count=self.event.tables.count(),
            slot_count=self.event.slots.count(),
        )
        return context


class EventApplyView(LoginRequiredMixin, EventScoped, View):
    event_permission = "events.apply_to_event"
    http_method_names = ["get", "post"]

    def _render(self, request: HttpRequest, form: ApplyForm) -> HttpResponse:
        return render(request, "events/apply.html", {"event": self.event, "form": form})

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self._render(request, ApplyForm())

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = ApplyForm(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        try:
            event_services.participation_apply(
                event=self.event, organisation=member_organisation(request), note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            service_refused(request, error, form)
            return self._render(request, form)
        messages.success(request, _("Your application is in. The organisers will let you know."))
        return redirect("event_detail", slug=self.event.slug)


class _ApprovedParticipant(LoginRequiredMixin, EventScoped):
    """Pages for an approved participant of the event, about itself only."""

    participation: Participation

    def check_participation(self) -> None:
        participation = participation_of(self.event, own_organisation(self.request))
        if participation is None or not participation.is_approved:
            raise Http404
        self.participation = participation


class AvailabilityView(_ApprovedParticipant, View):
    http_method_names = ["get", "post"]

    def _render(self, request: HttpRequest, form: AvailabilityForm) -> HttpResponse:
        return render(
            request,
            "events/availability.html",
            {"event": self.event, "form": form, "participation": self.participation},
        )

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        self.check_participation()
        form = AvailabilityForm(
            event=self.event, initial={"unavailable": list(self.participation.unavailable_slots.all())}
        )
        return self._render(request, form)

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        self.check_participation()
        form = AvailabilityForm(request.POST, event=self.event)
        if not form.is_valid():
            return self._render(request, form)
        try:
            event_services.participation_set_unavailable(
                participation=self.participation,
                slot_ids=[slot.pk for slot in form.cleaned_data["unavailable"]],
            )
        except ValidationError as error:
            service_refused(request, error, form)
            return self._render(request, form)
        messages.success(request, _("Your availability is saved."))
        return redirect("event_agenda", slug=self.event.slug)


class AgendaView(_ApprovedParticipant, TemplateView):
    template_name = "events/agenda.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_participation()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organisation = self.participation.organisation
        meetings = list(agenda_meetings(self.event, organisation))
        now = timezone.now()
        for meeting in meetings:
            meeting.side = "exporter" if meeting.exporter_id == organisation.pk else "buyer"
            other = "buyer" if meeting.side == "exporter" else "exporter"
            meeting.counterpart = meeting.buyer if meeting.side == "exporter" else meeting.exporter
            meeting.own_confirmed = meeting.confirmed_by(meeting.side)
            meeting.takes_outcome = meeting_services.meeting_takes_outcome(meeting, now)
            meeting.own_outcome = getattr(meeting, f"{meeting.side}_outcome")
            meeting.own_outcome_label = getattr(meeting, f"get_{meeting.side}_outcome_display")()
            meeting.own_outcome_note = getattr(meeting, f"{meeting.side}_outcome_note")
            meeting.other_outcome_label = getattr(meeting, f"get_{other}_outcome_display")()
            meeting.other_outcome_note = getattr(meeting, f"{other}_outcome_note")
        context.update(
            participation=self.participation,
            organisation=organisation,
            booked=[m for m in meetings if m.is_booked],
            waiting=[m for m in meetings if m.state == Meeting.State.REQUESTED],
            closed=[m for m in meetings if m.state in (Meeting.State.DECLINED, Meeting.State.CANCELLED)],
            feed_url=self.request.build_absolute_uri(
                reverse("event_calendar_feed", args=[self.event.slug, self.participation.calendar_token])
                + "?"
                + urlencode({"lang": translation.get_language()})
            ),
            answer_form=MeetingAnswerForm(),
            outcome_choices=Meeting.Outcome.choices,
            **self._check_in_code(),
        )
        return context

    def _check_in_code(self) -> dict[str, Any]:
        expires = expiry_day(self.event)
        token = check_in_token(self.participation, expires)
        url = self.request.build_absolute_uri(reverse("event_check_in_scan", args=[self.event.slug, token]))
        title = _("Check-in code of %(name)s") % {"name": self.participation.organisation.name}
        # segno writes the title as given: escaped here, so the SVG is safe to embed.
        return {"check_in_qr": mark_safe(qr_svg(url, title=escape(title))), "check_in_expires": expires}  # noqa: S308


def _ics_response(event: Event, participation: Participation, download: bool) -> HttpResponse:
    body = agenda_calendar(
        event, participation.organisation, agenda_meetings(event, participation.organisation)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    if download:
        response["Content-Disposition"] = f'attachment; filename="{event.slug}-agenda.ics"'
    return response


class AgendaIcsView(_ApprovedParticipant, View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        self.check_participation()
        return _ics_response(self.event, self.participation, download=True)


class AgendaFeedView(View):
    """The calendar subscription: calendar apps cannot sign in, so the secret
    in the address is the key. A wrong key is 404, and so is a draft's feed,
    like every other page of a draft outside its organisers."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        participation = (
            Participation.objects.select_related("event", "organisation")
            .filter(event__slug=slug, calendar_token=token, status=Participation.Status.APPROVED)
            .exclude(event__status=Event.Status.DRAFT)
            .first()
        )
        if participation is None:
            raise Http404
        # The calendar app sends no language of its own choosing: the address
        # carries the language of the person who copied it from their agenda.
        language = request.GET.get("lang", "")
        if language not in LANGUAGE_CODES:
            return _ics_response(participation.event, participation, download=False)
        with translation.override(language):
            return _ics_response(participation.event, participation, download=False)


class MeetingAnswerView(LoginRequiredMixin, EventScoped, View):
    """A side confirms or declines one of its meetings."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        meeting = Meeting.objects.filter(event=self.event, pk=pk).first()
        if meeting is None or not request.user.has_perm("events.answer_meeting", meeting):
            raise Http404
        form = MeetingAnswerForm(request.POST)
        fallback = reverse("event_agenda", args=[self.event.slug])
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, str(text))
            return back_to(request, fallback)
        organisation = member_organisation(request)
        try:
            if form.cleaned_data["answer"] == "confirm":
                meeting_services.meeting_confirm(meeting=meeting, organisation=organisation)
                messages.success(request, _("Meeting confirmed."))
            else:
                meeting_services.meeting_decline(
                    meeting=meeting, organisation=organisation, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Meeting declined; the other side has been told."))
        except ValidationError as error:
            service_refused(request, error)
        return back_to(request, fallback)


class MeetingOutcomeView(LoginRequiredMixin, EventScoped, View):
    """A side records how one of its meetings went."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        meeting = Meeting.objects.filter(event=self.event, pk=pk).first()
        if meeting is None or not request.user.has_perm("events.record_outcome", meeting):
            raise Http404
        form = MeetingOutcomeForm(request.POST)
        fallback = reverse("event_agenda", args=[self.event.slug]) + f"#meeting-{meeting.pk}"
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, str(text))
            return back_to(request, fallback)
        try:
            meeting_services.meeting_record_outcome(
                meeting=meeting,
                organisation=member_organisation(request),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            service_refused(request, error)
        else:
            messages.success(request, _("The outcome of the meeting is recorded."))
        return back_to(request, fallback)
