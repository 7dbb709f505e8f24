"""Pages where exporters keep their lots: list, add, edit, photos and status.
Organisers may look at every lot but change none; anything out of reach is 404."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, UpdateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import FormMixin
from django_filters.views import FilterView
from rules.predicates import Predicate

from accounts.mixins import ObjectPermissionRequiredMixin
from accounts.rules import is_organiser
from accounts.selectors import convention_is_signed
from matchmaking import hooks
from matchmaking.filters import LotFilter
from matchmaking.forms.common import StatusForm, apply_service_error
from matchmaking.forms.lots import InspectionReportForm, LotForm, LotPhotoForm
from matchmaking.models import Lot
from matchmaking.rules import has_perm, is_exporter
from matchmaking.selectors import lots as selectors
from matchmaking.selectors.lot_offers import lot_offer
from matchmaking.services import lots as services
from matchmaking.views import MemberRequest, member_organisation

if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run time.
    _LotFormPage = FormMixin[LotForm]
    _LotFormView = FormView[LotForm]
    _LotUpdateView = UpdateView[Lot, LotForm]
    _LotDetailView = DetailView[Lot]
    _LotObjectMixin = SingleObjectMixin[Lot]
else:
    _LotFormPage = object
    _LotFormView = FormView
    _LotUpdateView = UpdateView
    _LotDetailView = DetailView
    _LotObjectMixin = SingleObjectMixin

can_list_lots: Predicate = is_exporter | is_organiser

# The order buttons appear in, and what each says when it moves a lot there.
_ACTIONS: list[tuple[str, Any, Any]] = [
    (Lot.Status.AVAILABLE, gettext_lazy("Publish"), ""),
    (Lot.Status.RESERVED, gettext_lazy("Reserve"), ""),
    (
        Lot.Status.SOLD,
        gettext_lazy("Mark sold"),
        gettext_lazy("A sold lot cannot change status again. Mark it as sold?"),
    ),
    (Lot.Status.DRAFT, gettext_lazy("Back to draft"), ""),
    (Lot.Status.WITHDRAWN, pgettext_lazy("lot status action", "Withdraw"), ""),
]

_DONE: dict[str, Any] = {
    Lot.Status.AVAILABLE: gettext_lazy("Lot %(ref)s is published: buyers can now see it."),
    Lot.Status.RESERVED: gettext_lazy("Lot %(ref)s is reserved."),
    Lot.Status.SOLD: gettext_lazy("Lot %(ref)s is marked as sold."),
    Lot.Status.WITHDRAWN: gettext_lazy("Lot %(ref)s is withdrawn: buyers no longer see it."),
    Lot.Status.DRAFT: gettext_lazy("Lot %(ref)s is back to draft: buyers no longer see it."),
}

# Statuses from which the form's "Save and publish" makes sense.
_PUBLISHABLE_FROM = {Lot.Status.DRAFT, Lot.Status.WITHDRAWN}


def lot_actions(lot: Lot) -> list[dict[str, Any]]:
    """The status buttons a lot offers now: only transitions the service allows."""
    allowed = services.LOT_TRANSITIONS[lot.status]
    actions = []
    for status, label, confirm in _ACTIONS:
        if status not in allowed:
            continue
        if status == Lot.Status.AVAILABLE and lot.status == Lot.Status.RESERVED:
            label = gettext_lazy("Release reservation")
        actions.append({"status": status, "label": label, "confirm": confirm})
    return actions


def _publish(request: HttpRequest, lot: Lot) -> None:
    """Publish a lot just saved from the form; when the convention gate refuses,
    it stays a draft and the exporter learns why."""
    try:
        services.lot_set_status(lot=lot, status=Lot.Status.AVAILABLE)
    except ValidationError as error:
        messages.warning(
            request,
            _("Lot %(ref)s was saved as a draft, not published: %(reason)s")
            % {"ref": lot.ref, "reason": " ".join(error.messages)},
        )
    else:
        messages.success(request, _DONE[Lot.Status.AVAILABLE] % {"ref": lot.ref})


class _LotFormMixin(_LotFormPage):
    """What the add and edit pages share: the publish option and saving
    through a service, with its refusals shown on the form."""

    form_class = LotForm
    template_name: str | None = "matchmaking/lots/form.html"
    request: MemberRequest

    def _may_offer_publish(self) -> bool:
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["offer_publish"] = self._may_offer_publish()
        if context["offer_publish"]:
            context["convention_signed"] = convention_is_signed(member_organisation(self.request))
        return context

    def _save(self, form: LotForm, save: Callable[..., Lot]) -> HttpResponse:
        try:
            lot = save(**form.service_fields())
        except ValidationError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        except IntegrityError:
            # Two saves of the same reference at once: the database's unique
            # constraint catches the one the form could not see.
            if not form.owner.lots.filter(ref=form.cleaned_data["ref"]).exists():
                raise
            form.add_error("ref", form.duplicate_ref_message)
            return self.form_invalid(form)
        if "publish" in self.request.POST and self._may_offer_publish():
            _publish(self.request, lot)
        else:
            messages.success(self.request, self.saved_message(lot))
        return redirect("lot_detail", pk=lot.pk)

    def saved_message(self, lot: Lot) -> str:
        raise NotImplementedError


# django-filter ships no types, so its FilterView is Any to the checker.
class LotListView(ObjectPermissionRequiredMixin, FilterView):  # type: ignore[misc]
    """An exporter's lots; organisers see every exporter's."""

    request: MemberRequest

    filterset_class = LotFilter
    template_name = "matchmaking/lots/list.html"
    context_object_name = "lots"
    paginate_by = 50

    def get_permission_object(self) -> None:
        return None

    def has_permission(self) -> bool:
        return can_list_lots.test(self.request.user)

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.lots_for(member_organisation(self.request))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["show_company"] = member_organisation(self.request).is_organiser
        # Asked of the rules alone: Django's model backend would spend two
        # queries to say no to organisers.
        context["can_add"] = has_perm("matchmaking.add_lot", self.request.user)
        return context


class LotCreateView(_LotFormMixin, ObjectPermissionRequiredMixin, _LotFormView):
    permission_required = "matchmaking.add_lot"
    request: MemberRequest

    def get_permission_object(self) -> None:
        return None

    def _may_offer_publish(self) -> bool:
        return True

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "owner": member_organisation(self.request)}

    def form_valid(self, form: LotForm) -> HttpResponse:
        exporter = form.owner

        def save(**fields: Any) -> Lot:
            return services.lot_create(exporter=exporter, **fields)

        return self._save(form, save)

    def saved_message(self, lot: Lot) -> str:
        return _("Lot %(ref)s saved as a draft. Publish it when buyers may see it.") % {"ref": lot.ref}


class LotUpdateView(_LotFormMixin, ObjectPermissionRequiredMixin, _LotUpdateView):
    permission_required = "matchmaking.change_lot"
    context_object_name = "lot"
    request: MemberRequest

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.lots_with_exporter()

    def _may_offer_publish(self) -> bool:
        return self.object.status in _PUBLISHABLE_FROM

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        # The form writes what was typed into its instance even when invalid;
        # the page's heading should keep showing the lot as saved.
        kwargs["instance"] = copy.copy(self.object)
        kwargs["owner"] = self.object.exporter
        return kwargs

    def form_valid(self, form: LotForm) -> HttpResponse:
        lot = self.object

        def save(**fields: Any) -> Lot:
            return services.lot_update(lot=lot, **fields)

        return self._save(form, save)

    def saved_message(self, lot: Lot) -> str:
        return _("Lot %(ref)s saved.") % {"ref": lot.ref}


class LotDetailView(ObjectPermissionRequiredMixin, _LotDetailView):
    """The exporter's (and organisers') page of a lot, and for buyers the
    published lot with their proposals, the exporter's record and, after
    mutual interest, the VIN and contacts."""

    permission_required = "matchmaking.view_lot_page"
    template_name = "matchmaking/lots/detail.html"
    context_object_name = "lot"
    request: MemberRequest

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.lot_with_photos()

    @cached_property
    def _for_buyer(self) -> bool:
        return not self.request.user.has_perm("matchmaking.view_lot", self.object)

    def get_template_names(self) -> list[str]:
        return ["matchmaking/lots/offer.html"] if self._for_buyer else [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        lot: Lot = self.object
        if self._for_buyer:
            context["photos"] = list(lot.photos.all())
            context["offer"] = offer = lot_offer(lot, member_organisation(self.request))
            context["vin_masked"] = bool(lot.vin) and not offer.mutual
            return context
        can_change = self.request.user.has_perm("matchmaking.change_lot", lot)
        context["can_change"] = can_change
        context["photos"] = photos = list(lot.photos.all())
        if can_change:
            context["actions"] = actions = lot_actions(lot)
            context.setdefault("photo_form", LotPhotoForm(existing=len(photos)))
            context.setdefault("report_form", InspectionReportForm())
            context["photo_room"] = services.MAX_PHOTOS_PER_LOT - len(photos)
            for extra in hooks.lot_page_context:
                context.update(extra(lot))
            if any(action["status"] == Lot.Status.AVAILABLE for action in actions):
                context["convention_signed"] = convention_is_signed(lot.exporter)
        return context


class LotStatusView(ObjectPermissionRequiredMixin, _LotObjectMixin, View):
    """A status button: publish, reserve, mark sold, withdraw or back to draft."""

    permission_required = "matchmaking.change_lot"
    http_method_names = ["post"]

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.lots_with_exporter()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        lot: Lot = self.get_object()
        form = StatusForm(request.POST, choices=Lot.Status.choices)
        if not form.is_valid():
            messages.error(request, _("Choose one of the offered actions."))
            return redirect("lot_detail", pk=lot.pk)
        status = form.cleaned_data["status"]
        if status == lot.status:
            # A second click, or a page left open while a colleague acted.
            messages.info(
                request,
                _("Nothing changed: lot %(ref)s is already %(status)s.")
                % {"ref": lot.ref, "status": lot.get_status_display()},
            )
            return redirect("lot_detail", pk=lot.pk)
        try:
            services.lot_set_status(lot=lot, status=status)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _DONE[status] % {"ref": lot.ref})
        return redirect("lot_detail", pk=lot.pk)


class LotPhotoAddView(LotDetailView):
    """Upload photos from the lot page; refusals show on the page itself."""

    permission_required = "matchmaking.change_lot"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = lot = self.get_object()
        form = LotPhotoForm(request.POST, request.FILES, existing=len(lot.photos.all()))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(photo_form=form), status=400)
        added = 0
        for image in form.cleaned_data["images"]:
            try:
                services.lot_photo_add(lot=lot, image=image)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                break
            added += 1
        if added:
            messages.success(
                request,
                ngettext("%(count)s photo added.", "%(count)s photos added.", added) % {"count": added},
            )
        return redirect("lot_detail", pk=lot.pk)


class LotInspectionReportView(LotDetailView):
    """Add, replace or remove the lot's inspection report from its page."""

    permission_required = "matchmaking.change_lot"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = lot = self.get_object()
        if request.POST.get("remove"):
            services.lot_inspection_report_remove(lot=lot)
            messages.success(request, _("Inspection report removed."))
            return redirect("lot_detail", pk=lot.pk)
        form = InspectionReportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(report_form=form), status=400)
        services.lot_inspection_report_set(lot=lot, report=form.cleaned_data["report"])
        messages.success(request, _("Inspection report added."))
        return redirect("lot_detail", pk=lot.pk)


class LotPhotoDeleteView(ObjectPermissionRequiredMixin, _LotObjectMixin, View):
    permission_required = "matchmaking.change_lot"
    http_method_names = ["post"]

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.lots_with_exporter()

    def post(self, request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
        lot: Lot = self.get_object()
        photo = selectors.lot_photo_of(lot, photo_pk)
        if photo is None:
            raise Http404
        services.lot_photo_remove(photo=photo)
        messages.success(request, _("Photo removed."))
        return redirect("lot_detail", pk=lot.pk)
