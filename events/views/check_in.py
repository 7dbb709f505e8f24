"""The page an organiser's phone opens from a participant's check-in QR code:
who it is, whether they are in, and one button that checks them in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from events.check_in_codes import CodeExpired, participation_pk_from
from events.forms import CheckInForm
from events.models import Participation
from events.selectors import check_in_days
from events.services import check_in as check_in_services
from events.views import OrganiserOfEvent, service_refused, signed_in_user


class CheckInScanView(OrganiserOfEvent, TemplateView):
    template_name = "events/organiser/check_in_scan.html"

    def _participation(self) -> Participation | None:
        """None when the code has expired; 404 when it is not genuine or not
        of this event (the organisers of another event see nothing)."""
        try:
            pk = participation_pk_from(self.kwargs["token"], self.event)
        except CodeExpired:
            return None
        if pk is None:
            raise Http404
        participation = (
            Participation.objects.select_related("organisation").filter(event=self.event, pk=pk).first()
        )
        if participation is None:
            raise Http404
        return participation

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today_is_event_day, event_days = check_in_days(self.event)
        context.update(
            participation=kwargs.get("participation", self._participation()),
            form=kwargs.get("form") or CheckInForm(),
            today_is_event_day=today_is_event_day,
            event_days=event_days,
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        # 410 Gone: the code was real; a new one is on the agenda page.
        return self.render_to_response(context, status=200 if context["participation"] else 410)

    def post(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        participation = self._participation()
        if participation is None:
            return self.render_to_response(self.get_context_data(participation=None), status=410)
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                check_in_services.participation_check_in(
                    participation=participation,
                    by=signed_in_user(request),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                service_refused(request, error, form)
            else:
                messages.success(
                    request, _("%(name)s checked in.") % {"name": participation.organisation.name}
                )
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(participation=participation, form=form))
