"""Event pages: public, participants' and organisers'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic.base import ContextMixin

from accounts.models import Organisation, User
from accounts.selectors import organisation_for
from events.models import Event
from events.selectors import event_by_slug


class EventScoped(ContextMixin, View):
    """Loads the event named in the URL and checks `event_permission` against
    it; a user without it gets 404, as if the event did not exist."""

    event_permission: str = "events.view_event"
    event: Event

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        event = event_by_slug(kwargs["slug"])
        if event is None or not request.user.has_perm(self.event_permission, event):
            raise Http404
        self.event = event
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["event"] = self.event
        return context


class OrganiserOfEvent(LoginRequiredMixin, EventScoped):
    event_permission = "events.manage_event"


def service_refused(request: HttpRequest, error: ValidationError, form: BaseForm | None = None) -> None:
    """Show a service's refusal on the form when there is one, else as a message."""
    if form is not None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return
    for text in error.messages:
        messages.error(request, text)


def back_to(request: HttpRequest, fallback: str) -> HttpResponse:
    """Return to the page the form was posted from, when it is one of ours."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def own_organisation(request: HttpRequest) -> Organisation | None:
    user = request.user
    return organisation_for(user if user.is_authenticated else None)


def member_organisation(request: HttpRequest) -> Organisation:
    """The user's organisation on a page whose permission implies one (the
    permission check already answered 404 to anyone without)."""
    organisation = own_organisation(request)
    if organisation is None:
        raise Http404
    return organisation


def signed_in_user(request: HttpRequest) -> User:
    """The user on a page behind LoginRequiredMixin (which sent anyone else to
    sign in)."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    return user
