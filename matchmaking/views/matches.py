"""Match pages: a buyer's ranked lots for a need, an exporter's ranked needs for
a lot, each side's interest, and the organisers' matching overview. Contact
details appear only once both sides said yes; anything out of reach is 404."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView
from django_htmx.http import HttpResponseClientRefresh

from accounts.mixins import ObjectPermissionRequiredMixin
from accounts.models import Organisation
from matchmaking.filters import MatchFilter
from matchmaking.models import Lot, Match, MatchRun, Need
from matchmaking.selectors import lots as lot_selectors
from matchmaking.selectors import matches as selectors
from matchmaking.selectors import needs as need_selectors
from matchmaking.selectors.proposals import explain_matches, lot_proposals, lot_rank
from matchmaking.services.match_runs import match_run_start
from matchmaking.services.matches import match_express_interest, match_for_pair, match_side
from matchmaking.views import MemberRequest, member_organisation

if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run time.
    _MatchObjectMixin = SingleObjectMixin[Match]
else:
    _MatchObjectMixin = SingleObjectMixin

NEED_ROW_TEMPLATE = "matchmaking/matches/_need_match_row.html"
LOT_ROW_TEMPLATE = "matchmaking/matches/_lot_match_row.html"
RUN_PROGRESS_TEMPLATE = "matchmaking/matches/_run_progress.html"

_ANSWERED: dict[str, Any] = {
    Match.Interest.YES: gettext_lazy(
        "Noted: you are interested. When the other side says yes too, you both get each other's "
        "contact details."
    ),
    Match.Interest.NO: gettext_lazy("Noted: not interested. This proposal is set aside."),
    Match.Interest.NONE: gettext_lazy("Your answer was taken back."),
}
_MUTUAL = gettext_lazy(
    "Mutual interest: you both want to meet. Their contact details are shown with the match, "
    "and both companies were sent an email."
)


def _row_template(side: str | None) -> str:
    return LOT_ROW_TEMPLATE if side == "exporter" else NEED_ROW_TEMPLATE


def _row_context(match: Match, viewer: Organisation, **extra: Any) -> dict[str, Any]:
    side = match_side(match, viewer)
    explain_matches([match])
    if side == "exporter":
        match.rank_for_lot = lot_rank(match.lot, match.need_id)
    match.contacts = selectors.match_contacts(match, viewer) if side else None
    return {"match": match, "side": side, **extra}


# django-filter ships no types, so its FilterView is Any to the checker.
class NeedMatchesView(ObjectPermissionRequiredMixin, FilterView):  # type: ignore[misc]
    """A buyer's ranked lots for one need, filtered by state and minimum
    score; organisers may look too."""

    request: MemberRequest

    permission_required = "matchmaking.view_need"
    template_name = "matchmaking/matches/need_matches.html"
    filterset_class = MatchFilter
    context_object_name = "matches"
    paginate_by = 20

    def get_permission_object(self) -> Need:
        if not hasattr(self, "need"):
            self.need = get_object_or_404(need_selectors.needs_with_buyer(), pk=self.kwargs["pk"])
        return self.need

    def get_queryset(self) -> QuerySet[Match]:
        return selectors.matches_for_need(self.need)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        organisation = member_organisation(self.request)
        side = "buyer" if organisation.pk == self.need.buyer_id else None
        matches = list(context["object_list"])
        contacts = selectors.contacts_for_matches(matches, organisation) if side else {}
        for match in matches:
            match.contacts = contacts.get(match.pk)
        explain_matches(matches)
        context.update(
            {"need": self.need, "matches": matches, "side": side, "filtering": self.filterset.is_filtering}
        )
        return context


class LotMatchesView(ObjectPermissionRequiredMixin, TemplateView):
    """An exporter's best buyer needs for one lot, ranked live (see
    selectors.proposals.lot_proposals), filtered by state and minimum score;
    organisers may look too."""

    permission_required = "matchmaking.view_lot"
    template_name = "matchmaking/matches/lot_matches.html"
    paginate_by = 20
    request: MemberRequest

    def get_permission_object(self) -> Lot:
        if not hasattr(self, "lot"):
            self.lot = get_object_or_404(lot_selectors.lots_with_exporter(), pk=self.kwargs["pk"])
        return self.lot

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organisation = member_organisation(self.request)
        side = "exporter" if organisation.pk == self.lot.exporter_id else None
        filterset = MatchFilter(self.request.GET, queryset=Match.objects.none())
        proposals = lot_proposals(self.lot)
        if filterset.is_filtering and filterset.is_valid():
            wanted = filterset.form.cleaned_data
            proposals = [
                match
                for match in proposals
                if (not wanted.get("state") or match.state == wanted["state"])
                and (wanted.get("min_score") is None or match.score >= wanted["min_score"])
            ]
        page = Paginator(proposals, self.paginate_by).get_page(self.request.GET.get("page"))
        matches = list(page.object_list)
        stored = [match for match in matches if match.pk]
        contacts = selectors.contacts_for_matches(stored, organisation) if side else {}
        for match in matches:
            match.contacts = contacts.get(match.pk) if match.pk else None
        context.update(
            {
                "lot": self.lot,
                "matches": matches,
                "page_obj": page,
                "paginator": page.paginator,
                "is_paginated": page.has_other_pages(),
                "filter": filterset,
                "side": side,
                "filtering": filterset.is_filtering,
            }
        )
        return context


WITHDRAW_TEMPLATE = "matchmaking/matches/withdraw_confirm.html"


def _withdraws_from_mutual(match: Match, side: str | None, interest: str | None) -> bool:
    """Whether this answer takes back a "yes" that made the match mutual."""
    return (
        side is not None
        and match.state == Match.State.MUTUAL
        and getattr(match, f"{side}_interest") == Match.Interest.YES
        and interest in (Match.Interest.NO, Match.Interest.NONE)
    )


def _answer(request: MemberRequest, match: Match) -> HttpResponse:
    """Record the viewer's answer to a stored match; htmx gets the updated
    row, without JavaScript the list page is shown again."""
    organisation = member_organisation(request)
    side = match_side(match, organisation)
    interest = request.POST.get("interest")
    error = notice = ""
    if _withdraws_from_mutual(match, side, interest) and request.POST.get("confirmed") != "1":
        # Contacts both sides already see would vanish at one click: ask first.
        row = selectors.match_for_row(match.pk)
        context = _row_context(row, organisation, withdrawing=True, confirm_withdraw=interest)
        if request.htmx:
            return render(request, _row_template(side), context)
        context["answer_url"] = reverse("match_interest", args=[match.pk])
        return render(request, WITHDRAW_TEMPLATE, context)
    if interest not in Match.Interest.values:
        error = _("Choose one of the offered answers.")
    else:
        try:
            updated = match_express_interest(match=match, organisation=organisation, interest=interest)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            notice = str(_MUTUAL if updated.state == Match.State.MUTUAL else _ANSWERED[interest])
    if request.htmx:
        row = selectors.match_for_row(match.pk)
        return render(
            request, _row_template(side), _row_context(row, organisation, error=error, notice=notice)
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    if side == "exporter":
        return redirect("lot_matches", pk=match.lot_id)
    return redirect("need_matches", pk=match.need_id)


class MatchInterestView(ObjectPermissionRequiredMixin, _MatchObjectMixin, View):
    """One side's answer to a stored proposal: yes, no, or "" to take it back."""

    permission_required = "matchmaking.express_interest"
    http_method_names = ["post"]

    def get_queryset(self) -> QuerySet[Match]:
        return selectors.matches_with_sides()

    def post(self, request: MemberRequest, pk: int) -> HttpResponse:
        return _answer(request, self.get_object())


class LotNeedInterestView(ObjectPermissionRequiredMixin, View):
    """An exporter's answer to a live proposal of one of their lots, which
    becomes a stored match on this first answer."""

    permission_required = "matchmaking.change_lot"
    http_method_names = ["post"]

    def get_permission_object(self) -> Lot:
        return get_object_or_404(lot_selectors.lots_with_exporter(), pk=self.kwargs["lot_pk"])

    def post(self, request: MemberRequest, lot_pk: int, need_pk: int) -> HttpResponse:
        lot = self.get_permission_object()
        need = get_object_or_404(Need.objects.filter(status=Need.Status.OPEN), pk=need_pk)
        try:
            match = match_for_pair(lot=lot, need=need)
        except ValidationError as refusal:
            if request.htmx:
                return HttpResponseClientRefresh()
            messages.error(request, " ".join(refusal.messages))
            return redirect("lot_matches", pk=lot.pk)
        return _answer(request, match)


# Organisers --------------------------------------------------------------------


class _RunMatchingPermission(ObjectPermissionRequiredMixin):
    permission_required = "matchmaking.run_matching"

    # The permission is about the user alone, so no object is loaded before it
    # is granted (and unknown run ids cannot be told from forbidden ones).
    def get_permission_object(self) -> None:
        return None


class MatchingOverviewView(_RunMatchingPermission, TemplateView):
    """Start a full run, watch it, and see how well needs are covered."""

    template_name = "matchmaking/matches/overview.html"
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        runs = selectors.latest_runs()
        context.update(
            {
                "runs": runs,
                "run": runs[0] if runs else None,
                "coverage": selectors.matching_coverage(),
                "reasons": selectors.no_match_reasons(),
            }
        )
        return context

    def post(self, request: MemberRequest) -> HttpResponse:
        try:
            match_run_start(started_by=request.user)
        except ValidationError as refusal:
            for message in refusal.messages:
                messages.warning(request, message)
        else:
            messages.success(request, _("Matching started. The progress is shown below."))
        return redirect("matching_overview")


class MatchRunProgressView(_RunMatchingPermission, View):
    """The run's progress bar, polled by htmx while the run goes on; once it
    ends the page reloads to show the new totals."""

    http_method_names = ["get"]

    def get(self, request: MemberRequest, pk: int) -> HttpResponse:
        run: MatchRun | None = selectors.match_run(pk)
        if run is None:
            raise Http404
        if request.htmx and not run.is_running:
            return HttpResponseClientRefresh()
        return render(request, RUN_PROGRESS_TEMPLATE, {"run": run})
