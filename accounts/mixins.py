"""View mixins shared by every app, and the request types their views see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django_htmx.middleware import HtmxDetails
from rules.contrib.views import PermissionRequiredMixin

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """Every request: `HtmxMiddleware` says on it whether htmx sent it."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """The request of a view that only signed-in people reach: its `user` is never
    anonymous there. Annotate the view's `request` with it."""

    user: User


class ObjectPermissionRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Check `permission_required` against the view's object and answer 404 when
    it fails, so nobody can learn which ids exist by probing them."""

    request: HttpRequest
    # Whatever the view's get_object gives: a Lot, a Need, an Organisation…
    _permission_object: Any

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        # The permission check and the view both ask for the object: load it once.
        if queryset is None and hasattr(self, "_permission_object"):
            return self._permission_object
        # A mixin for views with SingleObjectMixin, whose get_object follows it in the MRO.
        obj = super().get_object(queryset)  # type: ignore[misc]
        if queryset is None:
            self._permission_object = obj
        return obj

    def has_permission(self) -> bool:
        return bool(super().has_permission())  # type: ignore[no-untyped-call]  # rules 3.5 leaves it unannotated

    def handle_no_permission(self) -> HttpResponseRedirect:
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        raise Http404
