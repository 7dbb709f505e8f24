"""The organisers' overseas contact points: the list every organiser reads,
and adding, changing and deleting one's own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django.views.generic.base import TemplateResponseMixin
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from accounts import selectors
from accounts.filters import ContactPointFilter
from accounts.forms import ContactPointForm
from accounts.mixins import ObjectPermissionRequiredMixin
from accounts.models import ContactPoint
from accounts.services import contact_points as services


def _contact_points_in(contact_point: ContactPoint) -> str:
    return f"{reverse('contact_point_list')}?country={contact_point.country.code}"


class ContactPointListView(ObjectPermissionRequiredMixin, FilterView):  # type: ignore[misc]  # django-filter has no types
    """Every organiser's contact centres abroad; each organiser edits its own."""

    permission_required = "accounts.view_contact_points"
    filterset_class = ContactPointFilter
    template_name = "accounts/contact_point_list.html"
    context_object_name = "contact_points"
    paginate_by = 25

    def get_permission_object(self) -> None:
        return None

    def get_queryset(self) -> QuerySet[ContactPoint]:
        return selectors.contact_points_all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        # An empty list says something different when filters hid the rows.
        context["filtered"] = any(self.request.GET.get(name) for name in self.filterset.filters)
        country = self.filterset.form.cleaned_data.get("country") if self.filterset.is_valid() else ""
        context["create_url"] = reverse("contact_point_create") + (f"?country={country}" if country else "")
        return context


class ContactPointCreateView(ObjectPermissionRequiredMixin, FormView[ContactPointForm]):
    permission_required = "accounts.add_contact_point"
    form_class = ContactPointForm
    template_name = "accounts/contact_point_form.html"

    def get_permission_object(self) -> None:
        return None

    def get_initial(self) -> dict[str, Any]:
        # "Add one for this country" links from the filtered list pass the country.
        return {"country": self.request.GET.get("country", "").upper()}

    def form_valid(self, form: ContactPointForm) -> HttpResponse:
        organiser = selectors.organisation_for(self.request.user)
        if organiser is None:  # the permission lets only organisers' people in
            raise Http404
        try:
            contact_point = services.contact_point_create(organiser=organiser, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Contact point %(name)s added for %(country)s.")
            % {"name": contact_point.name, "country": contact_point.country.name},
        )
        return redirect(_contact_points_in(contact_point))


class _OwnContactPointMixin(ObjectPermissionRequiredMixin, SingleObjectMixin[ContactPoint]):
    """One contact point of the user's organiser; anybody else's is not found."""

    permission_required = "accounts.change_contact_point"
    context_object_name = "contact_point"

    def get_queryset(self) -> QuerySet[ContactPoint]:
        return selectors.contact_points_all()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and self.has_permission():
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)


class ContactPointUpdateView(_OwnContactPointMixin, FormView[ContactPointForm]):
    form_class = ContactPointForm
    template_name = "accounts/contact_point_form.html"

    def get_initial(self) -> dict[str, Any]:
        return ContactPointForm.initial_for(self.object)

    def form_valid(self, form: ContactPointForm) -> HttpResponse:
        try:
            contact_point = services.contact_point_update(contact_point=self.object, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(self.request, _("Contact point %(name)s saved.") % {"name": contact_point.name})
        return redirect(_contact_points_in(contact_point))


class ContactPointDeleteView(_OwnContactPointMixin, TemplateResponseMixin, View):
    """GET asks for confirmation, POST deletes."""

    template_name = "accounts/contact_point_confirm_delete.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact_point = self.object
        url = _contact_points_in(contact_point)
        services.contact_point_delete(contact_point=contact_point)
        messages.success(request, _("Contact point %(name)s deleted.") % {"name": contact_point.name})
        return redirect(url)
