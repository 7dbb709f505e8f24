"""The generic organisers' pages (a filtered list, a form handed to one
service call, edit, delete) that the market rule, FX rate and freight pages
build on. Everybody but organisers gets 404, as if the pages did not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView
from django.views.generic.base import TemplateResponseMixin
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from accounts.mixins import ObjectPermissionRequiredMixin
from matchmaking.forms.common import apply_service_error, initial_from

_ModelT = TypeVar("_ModelT", bound=models.Model)

if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run
    # time; the edit and delete views below give their model as `object`.
    _FormView = FormView[Form]
    _ObjectMixin = SingleObjectMixin[Any]
else:
    _FormView = FormView
    _ObjectMixin = SingleObjectMixin


class OrganisersOnly(ObjectPermissionRequiredMixin):
    # The permissions are about the user alone, so nobody else's request ever
    # loads an object (and unknown ids cannot be told from forbidden ones).
    def get_permission_object(self) -> None:
        return None


class ServiceFormView(OrganisersOnly, _FormView, Generic[_ModelT]):
    """A form whose valid data goes to one service call; the service's refusals
    are shown on the form."""

    def perform(self, data: dict[str, Any]) -> _ModelT:
        raise NotImplementedError

    def success_message(self, obj: _ModelT) -> str:
        raise NotImplementedError

    def form_valid(self, form: Form) -> HttpResponse:
        try:
            obj = self.perform(form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(obj))
        return redirect(self.get_success_url())


class EditView(_ObjectMixin, ServiceFormView[_ModelT]):
    fields: tuple[str, ...]
    object: _ModelT

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A typed name for django-rules' unannotated check.
        has_permission: Callable[[], bool] = self.has_permission
        if request.user.is_authenticated and has_permission():
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return initial_from(self.object, self.fields)


class DeleteView(OrganisersOnly, _ObjectMixin, TemplateResponseMixin, View, Generic[_ModelT]):
    """GET asks for confirmation, POST deletes through the service."""

    list_url_name: str
    http_method_names = ["get", "post"]
    object: _ModelT

    def perform_delete(self, obj: _ModelT) -> None:
        raise NotImplementedError

    def success_message(self, obj: _ModelT) -> str:
        raise NotImplementedError

    def get_success_url(self) -> str:
        return self.list_url_name

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = self.get_object()
        message = self.success_message(self.object)
        self.perform_delete(self.object)
        messages.success(request, message)
        return redirect(self.get_success_url())


# django-filter ships no types, so its FilterView is Any to the checker.
class FilteredListView(OrganisersOnly, FilterView):  # type: ignore[misc]
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        # An empty list says something different when filters hid the rows.
        context["filtered"] = any(self.request.GET.get(name) for name in self.filterset.filters)
        return context
