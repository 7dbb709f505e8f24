"""Deal pages: the list, recording and changing a deal, and the other side's
answer."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import AuthenticatedHttpRequest
from accounts.models import Organisation
from accounts.selectors import organisation_for
from deals import selectors
from deals.forms import BaseLineFormSet, DealForm, LineFormSet, ReasonForm, initial_for, terms_from
from deals.models import Deal
from deals.services import deal_amend, deal_cancel, deal_confirm, deal_dispute, deal_record
from events.models import Meeting
from events.views import service_refused
from matchmaking.fx import convert
from matchmaking.selectors.fx import fx_rate_on

PAGE_SIZE = 25
_ID = re.compile(r"[0-9]{1,18}")


def _id_from(value: str) -> int:
    """A primary key from the query string; anything but plain ASCII digits
    (str.isdigit also passes "²", which int() refuses) is not found."""
    if not _ID.fullmatch(value):
        raise Http404
    return int(value)


def _organisation(request: HttpRequest) -> Organisation:
    organisation = organisation_for(request.user)
    if organisation is None:
        raise Http404
    return organisation


class DealListView(LoginRequiredMixin, TemplateView):
    template_name = "deals/deal_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organisation = _organisation(self.request)
        state = self.request.GET.get("state", "")
        if state not in Deal.State.values:
            state = ""
        event_slug = self.request.GET.get("event", "")
        page = Paginator(
            selectors.deal_list(organisation, state=state, event_slug=event_slug), PAGE_SIZE
        ).get_page(self.request.GET.get("page"))
        context.update(
            organisation=organisation,
            page_obj=page,
            deals=page.object_list,
            state=state,
            event_slug=event_slug,
            states=Deal.State.choices,
            awaiting_count=selectors.deals_awaiting(organisation).count()
            if not organisation.is_organiser
            else 0,
            may_record=self.request.user.has_perm("deals.add_deal"),
        )
        return context


class DealRecordView(LoginRequiredMixin, View):
    """Record a deal with a company this one has met or matched with; from a
    meeting, the counterpart and the event are the meeting's."""

    template_name = "deals/deal_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm("deals.add_deal"):
            raise Http404
        self.organisation = _organisation(request)
        self.meeting: Meeting | None = None
        counterpart: Organisation | None
        if meeting_id := request.GET.get("meeting"):
            self.meeting = selectors.meeting_for_deal(self.organisation, _id_from(meeting_id))
            if self.meeting is None:
                raise Http404
            counterpart = self.meeting.buyer if self.organisation.is_exporter else self.meeting.exporter
        elif counterpart_id := request.GET.get("with"):
            counterpart = (
                selectors.deal_counterparts(self.organisation).filter(pk=_id_from(counterpart_id)).first()
            )
            if counterpart is None:
                raise Http404
        else:
            counterpart = None
        self.counterpart = counterpart
        return super().dispatch(request, *args, **kwargs)

    def _sides(self) -> tuple[Organisation, Organisation]:
        if self.counterpart is None:
            raise Http404
        if self.organisation.is_exporter:
            return self.organisation, self.counterpart
        return self.counterpart, self.organisation

    def _forms(self, data: Any = None) -> tuple[DealForm, BaseLineFormSet]:
        exporter, buyer = self._sides()
        events = None if self.meeting else selectors.deal_events(exporter, buyer)
        initial: dict[str, Any] = {}
        if self.meeting is None and events is not None:
            initial["event"] = events.first()
        form = DealForm(data, events=events, initial=initial)
        lines = LineFormSet(data, prefix="lines", lots=selectors.deal_lots(exporter))
        return form, lines

    def _render(
        self, request: HttpRequest, form: DealForm | None, lines: BaseLineFormSet | None
    ) -> HttpResponse:
        context: dict[str, Any] = {
            "organisation": self.organisation,
            "counterpart": self.counterpart,
            "meeting": self.meeting,
            "form": form,
            "lines": lines,
        }
        if self.counterpart is None:
            context["counterparts"] = selectors.deal_counterparts(self.organisation)
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.counterpart is None:
            return self._render(request, None, None)
        return self._render(request, *self._forms())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if self.counterpart is None:
            raise Http404
        form, lines = self._forms(request.POST)
        if not (form.is_valid() and lines.is_valid()):
            return self._render(request, form, lines)
        exporter, buyer = self._sides()
        try:
            deal = deal_record(
                exporter=exporter,
                buyer=buyer,
                by=self.organisation,
                user=request.user,
                terms=terms_from(form, lines),
                event=form.cleaned_data.get("event"),
                meeting=self.meeting,
            )
        except ValidationError as error:
            service_refused(request, error, form)
            return self._render(request, form, lines)
        messages.success(
            request,
            _("Deal recorded. It counts once %(other)s confirms it.") % {"other": self.counterpart.name},
        )
        return redirect("deal_detail", deal.pk)


class _DealView(LoginRequiredMixin, View):
    permission = "deals.view_deal"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organisation = _organisation(request)
        deal = selectors.deal_detail(self.organisation, kwargs["pk"])
        if deal is None or not request.user.has_perm(self.permission, deal):
            raise Http404
        self.deal = deal
        return super().dispatch(request, *args, **kwargs)


class DealDetailView(_DealView):
    template_name = "deals/deal_detail.html"
    actions = {"confirm": "deals.answer_deal", "dispute": "deals.answer_deal", "cancel": "deals.cancel_deal"}

    def _render(
        self, request: HttpRequest, reason_form: ReasonForm | None = None, status: int = 200
    ) -> HttpResponse:
        deal = self.deal
        side = deal.side_of(self.organisation)
        awaiting_us = (
            deal.state == Deal.State.RECORDED
            and side is not None
            and deal.recorded_by_id != self.organisation.pk
        )
        total = deal.value
        rate = fx_rate_on(deal.currency, deal.signed_on)
        usd_rate = fx_rate_on("USD", deal.signed_on)
        context = {
            "deal": deal,
            "lines": deal.lines.all(),
            "total": total,
            "rate": rate,
            "total_cny": convert(total, rate),
            "total_usd": convert(total, rate, usd_rate) if usd_rate else None,
            "vehicles": deal.vehicles,
            "side": side,
            "awaiting_us": awaiting_us,
            "may_amend": side is not None and deal.is_open,
            "may_cancel": deal.state != Deal.State.CANCELLED
            and request.user.has_perm("deals.cancel_deal", deal),
            "reason_form": reason_form or ReasonForm(),
            "changes": list(deal.changes.all()),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        action = request.POST.get("action", "")
        if action not in self.actions or not request.user.has_perm(self.actions[action], self.deal):
            raise Http404
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        reason = form.cleaned_data["reason"]
        try:
            if action == "confirm":
                deal_confirm(deal=self.deal, by=self.organisation, user=request.user)
                messages.success(request, _("Deal confirmed. It now counts in the totals."))
            elif action == "dispute":
                deal_dispute(deal=self.deal, by=self.organisation, user=request.user, reason=reason)
                messages.success(request, _("Deal disputed. The other side can correct or cancel it."))
            else:
                deal_cancel(deal=self.deal, by=self.organisation, user=request.user, reason=reason)
                messages.success(request, _("Deal cancelled."))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                service_refused(request, error, form)
                return self._render(request, form)
            service_refused(request, error)
        return redirect("deal_detail", self.deal.pk)


class DealAmendView(_DealView):
    """Change a deal's terms while the other side has not confirmed them."""

    permission = "deals.answer_deal"
    template_name = "deals/deal_form.html"

    def _forms(self, data: Any = None) -> tuple[DealForm, BaseLineFormSet]:
        terms, lines = initial_for(self.deal)
        form = DealForm(data, initial=terms)
        formset = LineFormSet(
            data,
            prefix="lines",
            initial=lines,
            lots=selectors.deal_lots(self.deal.exporter, deal=self.deal),
        )
        return form, formset

    def _render(self, request: HttpRequest, form: DealForm, lines: BaseLineFormSet) -> HttpResponse:
        counterpart = (
            self.deal.buyer if self.deal.side_of(self.organisation) == "exporter" else self.deal.exporter
        )
        context = {
            "organisation": self.organisation,
            "counterpart": counterpart,
            "deal": self.deal,
            "meeting": self.deal.meeting,
            "form": form,
            "lines": lines,
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.deal.is_open:
            messages.error(request, _("Only a deal awaiting confirmation or disputed can be changed."))
            return redirect("deal_detail", self.deal.pk)
        return self._render(request, *self._forms())

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        form, lines = self._forms(request.POST)
        if not (form.is_valid() and lines.is_valid()):
            return self._render(request, form, lines)
        try:
            deal_amend(deal=self.deal, by=self.organisation, user=request.user, terms=terms_from(form, lines))
        except ValidationError as error:
            service_refused(request, error, form)
            return self._render(request, form, lines)
        messages.success(request, _("Deal changed. The other side is asked to confirm the new terms."))
        return redirect("deal_detail", self.deal.pk)
