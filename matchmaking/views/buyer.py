"""Pages where buyers keep their purchase needs, with the destination's market
rules shown before saving. Organisers may look at every need but change none;
anything out of reach is 404."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, UpdateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import FormMixin
from django_filters.views import FilterView
from rules.predicates import Predicate

from accounts.mixins import ObjectPermissionRequiredMixin
from accounts.rules import is_organiser
from matchmaking.filters import NeedFilter
from matchmaking.forms.common import StatusForm, apply_service_error
from matchmaking.forms.needs import NeedForm
from matchmaking.models import Need
from matchmaking.refusals import rule_block_message
from matchmaking.rules import has_perm, is_buyer
from matchmaking.selectors import needs as selectors
from matchmaking.selectors.lot_offers import need_proposal
from matchmaking.services import needs as services
from matchmaking.views import MemberRequest, member_organisation

if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run time.
    _NeedFormPage = FormMixin[NeedForm]
    _NeedFormView = FormView[NeedForm]
    _NeedUpdateView = UpdateView[Need, NeedForm]
    _NeedDetailView = DetailView[Need]
    _NeedObjectMixin = SingleObjectMixin[Need]
else:
    _NeedFormPage = object
    _NeedFormView = FormView
    _NeedUpdateView = UpdateView
    _NeedDetailView = DetailView
    _NeedObjectMixin = SingleObjectMixin

can_list_needs: Predicate = is_buyer | is_organiser

_ACTIONS: list[tuple[str, Any]] = [
    (Need.Status.FULFILLED, gettext_lazy("Mark fulfilled")),
    (Need.Status.CLOSED, gettext_lazy("Close")),
    (Need.Status.OPEN, gettext_lazy("Reopen")),
]

_DONE: dict[str, Any] = {
    Need.Status.FULFILLED: gettext_lazy("Need %(ref)s is marked as fulfilled."),
    Need.Status.CLOSED: gettext_lazy("Need %(ref)s is closed: no more lots will be proposed for it."),
    Need.Status.OPEN: gettext_lazy("Need %(ref)s is open again."),
}

MARKET_RULES_TEMPLATE = "matchmaking/needs/_market_rules.html"


def need_actions(need: Need) -> list[dict[str, Any]]:
    """The status buttons a need offers now: only transitions the service allows."""
    allowed = services.NEED_TRANSITIONS[need.status]
    return [{"status": status, "label": label} for status, label in _ACTIONS if status in allowed]


class _NeedFormMixin(_NeedFormPage):
    """What the add and edit pages share: the market-rule panel and saving
    through a service, with its refusals shown on the form."""

    form_class = NeedForm
    template_name: str | None = "matchmaking/needs/form.html"
    request: MemberRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form: NeedForm = context["form"]
        context["panel"] = selectors.market_rule_panel(
            form["destination_country"].value() or "", form["steering"].value() or ""
        )
        return context

    def _save(self, form: NeedForm, save: Callable[..., Need], message: str) -> HttpResponse:
        try:
            need = save(**form.service_fields())
        except ValidationError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        except IntegrityError:
            # Two saves of the same reference at once: the database's unique
            # constraint catches the one the form could not see.
            if not form.owner.needs.filter(ref=form.cleaned_data["ref"]).exists():
                raise
            form.add_error("ref", form.duplicate_ref_message)
            return self.form_invalid(form)
        if need.never_matches:
            # Saved as asked, but the buyer must know nothing will come of it.
            messages.warning(
                self.request,
                _("Need %(ref)s saved, but no lot can ever match it: %(reason)s.")
                % {"ref": need.ref, "reason": rule_block_message(need.blocked_by_rule)},
            )
        else:
            messages.success(self.request, message % {"ref": need.ref})
        return redirect("need_detail", pk=need.pk)


# django-filter ships no types, so its FilterView is Any to the checker.
class NeedListView(ObjectPermissionRequiredMixin, FilterView):  # type: ignore[misc]
    """A buyer's needs; organisers see every buyer's."""

    request: MemberRequest

    filterset_class = NeedFilter
    template_name = "matchmaking/needs/list.html"
    context_object_name = "needs"
    paginate_by = 50

    def get_permission_object(self) -> None:
        return None

    def has_permission(self) -> bool:
        return can_list_needs.test(self.request.user)

    def get_queryset(self) -> QuerySet[Need]:
        return selectors.needs_for(member_organisation(self.request))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["show_company"] = member_organisation(self.request).is_organiser
        # Asked of the rules alone: Django's model backend would spend two
        # queries to say no to organisers.
        context["can_add"] = has_perm("matchmaking.add_need", self.request.user)
        return context


class NeedCreateView(_NeedFormMixin, ObjectPermissionRequiredMixin, _NeedFormView):
    permission_required = "matchmaking.add_need"
    request: MemberRequest

    def get_permission_object(self) -> None:
        return None

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "owner": member_organisation(self.request)}

    def form_valid(self, form: NeedForm) -> HttpResponse:
        buyer = form.owner

        def save(**fields: Any) -> Need:
            return services.need_create(buyer=buyer, **fields)

        return self._save(form, save, _("Need %(ref)s saved. Exporters' lots will be matched against it."))


class NeedUpdateView(_NeedFormMixin, ObjectPermissionRequiredMixin, _NeedUpdateView):
    permission_required = "matchmaking.change_need"
    context_object_name = "need"
    request: MemberRequest

    def get_queryset(self) -> QuerySet[Need]:
        return selectors.needs_with_buyer()

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        # The form writes what was typed into its instance even when invalid;
        # the page's heading should keep showing the need as saved.
        kwargs["instance"] = copy.copy(self.object)
        kwargs["owner"] = self.object.buyer
        return kwargs

    def form_valid(self, form: NeedForm) -> HttpResponse:
        need = self.object

        def save(**fields: Any) -> Need:
            return services.need_update(need=need, **fields)

        return self._save(form, save, _("Need %(ref)s saved."))


class NeedDetailView(ObjectPermissionRequiredMixin, _NeedDetailView):
    """The buyer's (and organisers') page of a need, and for an exporter with
    a lot proposed for it what the need asks for, their own proposals and,
    after mutual interest, the buyer's contacts."""

    permission_required = "matchmaking.view_need_page"
    template_name = "matchmaking/needs/detail.html"
    context_object_name = "need"
    request: MemberRequest

    def get_queryset(self) -> QuerySet[Need]:
        return selectors.needs_with_buyer()

    @cached_property
    def _for_exporter(self) -> bool:
        return not self.request.user.has_perm("matchmaking.view_need", self.object)

    def get_template_names(self) -> list[str]:
        return ["matchmaking/needs/proposal.html"] if self._for_exporter else [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        need: Need = self.object
        if self._for_exporter:
            context["proposal"] = need_proposal(need, member_organisation(self.request))
            return context
        context["can_change"] = can_change = self.request.user.has_perm("matchmaking.change_need", need)
        if can_change:
            context["actions"] = need_actions(need)
        context["panel"] = selectors.market_rule_panel(need.destination_country.code or "", need.steering)
        return context


class NeedStatusView(ObjectPermissionRequiredMixin, _NeedObjectMixin, View):
    """A status button: mark fulfilled, close or reopen."""

    permission_required = "matchmaking.change_need"
    http_method_names = ["post"]

    def get_queryset(self) -> QuerySet[Need]:
        return selectors.needs_with_buyer()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        need: Need = self.get_object()
        form = StatusForm(request.POST, choices=Need.Status.choices)
        if not form.is_valid():
            messages.error(request, _("Choose one of the offered actions."))
            return redirect("need_detail", pk=need.pk)
        status = form.cleaned_data["status"]
        if status == need.status:
            # A second click, or a page left open while a colleague acted.
            messages.info(
                request,
                _("Nothing changed: need %(ref)s is already %(status)s.")
                % {"ref": need.ref, "status": need.get_status_display()},
            )
            return redirect("need_detail", pk=need.pk)
        try:
            services.need_set_status(need=need, status=status)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _DONE[status] % {"ref": need.ref})
        return redirect("need_detail", pk=need.pk)


class NeedMarketRulesView(LoginRequiredMixin, View):
    """The htmx panel beside the need form: the chosen destination's market
    rules in plain words, before the need is saved."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not can_list_needs.test(request.user):
            raise Http404
        panel = selectors.market_rule_panel(
            request.GET.get("destination_country", ""), request.GET.get("steering", "")
        )
        return render(request, MARKET_RULES_TEMPLATE, {"panel": panel})
