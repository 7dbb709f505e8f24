"""Conversation pages: a company's threads, one thread (read, write, poll),
opening the thread from a match card, attachments, reporting a message, and
the organisers' reports and moderation of a reported thread."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin

from accounts.mixins import ObjectPermissionRequiredMixin
from conversations import selectors
from conversations.forms import MessageForm, ReportForm
from conversations.models import Conversation, MessageReport
from conversations.services import (
    conversation_for_match,
    conversation_mark_read,
    message_hide,
    message_report,
    message_send,
    organisation_block_messaging,
    report_resolve,
)
from matchmaking.selectors.matches import matches_with_sides
from matchmaking.views import MemberRequest, member_organisation

if TYPE_CHECKING:
    _ConversationObjectMixin = SingleObjectMixin[Conversation]
    _ConversationListView = ListView[Conversation]
    _ReportListView = ListView[MessageReport]
else:
    _ConversationObjectMixin = SingleObjectMixin
    _ConversationListView = ListView
    _ReportListView = ListView


class ConversationListView(LoginRequiredMixin, _ConversationListView):
    """The company's conversations, newest first, unread ones marked."""

    request: MemberRequest
    template_name = "conversations/list.html"
    context_object_name = "conversations"
    paginate_by = selectors.PAGE_SIZE

    def get_queryset(self) -> QuerySet[Conversation]:
        organisation = member_organisation(self.request)
        # Organisers have no conversations of their own and read nobody's.
        if not (organisation.is_exporter or organisation.is_buyer):
            raise Http404
        self.organisation = organisation
        return selectors.conversations_for(organisation)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organisation = self.organisation
        context["rows"] = [
            (conversation, conversation.other_side(organisation)) for conversation in context["conversations"]
        ]
        return context


class _ConversationMixin(ObjectPermissionRequiredMixin, _ConversationObjectMixin):
    permission_required = "conversations.view_conversation"

    def get_queryset(self) -> QuerySet[Conversation]:
        return selectors.conversation_with_sides()


class ConversationView(_ConversationMixin, View):
    """One thread: its messages (newest first, polled by htmx), what it is
    about, and the form to write. Opening it marks it read for the company."""

    http_method_names = ["get", "post"]
    request: MemberRequest

    def _render(self, form: MessageForm, *, status: int = 200) -> HttpResponse:
        conversation = self.get_object()
        organisation = member_organisation(self.request)
        conversation_mark_read(conversation=conversation, organisation=organisation)
        page = Paginator(selectors.messages_of(conversation), selectors.MESSAGES_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context = {
            "conversation": conversation,
            "other": conversation.other_side(organisation),
            "organisation": organisation,
            "page_obj": page,
            "thread_messages": page.object_list,
            "report_reasons": MessageReport.Reason.choices,
        }
        if self.request.htmx:
            return render(self.request, "conversations/_messages.html", context, status=status)
        context["form"] = form
        context["matches"] = selectors.matches_between(conversation)
        return render(self.request, "conversations/thread.html", context, status=status)

    def get(self, request: MemberRequest, pk: int) -> HttpResponse:
        return self._render(MessageForm())

    def post(self, request: MemberRequest, pk: int) -> HttpResponse:
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message_send(
                    conversation=self.get_object(),
                    user=request.user,
                    text=form.cleaned_data["text"],
                    attachment=form.cleaned_data["attachment"],
                    phrase=form.cleaned_data["phrase"],
                    phrase_params=form.phrase_params(),
                )
            except ValidationError as refusal:
                if hasattr(refusal, "error_dict"):
                    form.add_error(None, refusal)
                else:
                    form.add_error(None, refusal.messages)
            else:
                return redirect("conversation_detail", pk=pk)
        return self._render(form, status=422)


class AttachmentView(_ConversationMixin, View):
    """A message's attachment, to members of the conversation's companies only."""

    request: MemberRequest

    def get(self, request: MemberRequest, pk: int, message_pk: int) -> HttpResponseBase:
        conversation = self.get_object()
        # A message the organisers hid keeps its attachment from both companies too.
        message = get_object_or_404(
            conversation.messages.exclude(attachment="").filter(hidden_at__isnull=True), pk=message_pk
        )
        try:
            handle = message.attachment.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        # The type of what the file really is (its stored extension), never the uploader's.
        content_type = mimetypes.guess_type(message.attachment.name)[0] or "application/octet-stream"
        response = FileResponse(
            handle,
            as_attachment=False,
            filename=message.attachment_name or message.attachment.name.rsplit("/", 1)[-1],
            content_type=content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ConversationStartView(LoginRequiredMixin, View):
    """The "Message" button of a match card: opens (or starts) the thread
    between the match's two companies."""

    http_method_names = ["post"]

    def post(self, request: MemberRequest, pk: int) -> HttpResponse:
        match = get_object_or_404(matches_with_sides(), pk=pk)
        if not request.user.has_perm("matchmaking.express_interest", match):
            raise Http404
        try:
            conversation = conversation_for_match(match=match, user=request.user)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
            organisation = member_organisation(request)
            if organisation.pk == match.need.buyer_id:
                return redirect("need_matches", pk=match.need_id)
            return redirect("lot_matches", pk=match.lot_id)
        return redirect("conversation_detail", pk=conversation.pk)


class MessageReportView(_ConversationMixin, View):
    """A member's "Report" on a message the other company wrote."""

    http_method_names = ["post"]
    permission_required = "conversations.report_message"
    request: MemberRequest

    def post(self, request: MemberRequest, pk: int, message_pk: int) -> HttpResponse:
        conversation = self.get_object()
        message = get_object_or_404(conversation.messages.select_related("conversation"), pk=message_pk)
        form = ReportForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a reason to report this message."))
        else:
            try:
                message_report(
                    message=message,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as refusal:
                messages.error(request, " ".join(refusal.messages))
            else:
                messages.success(request, _("Thank you: the organisers will look at this message."))
        return redirect("conversation_detail", pk=pk)


class _OrganiserMixin(ObjectPermissionRequiredMixin):
    """Organisers only; everyone else gets 404 (before any report is loaded)."""

    permission_required = "conversations.moderate"

    def get_permission_object(self) -> None:
        return None


class ReportListView(_OrganiserMixin, _ReportListView):
    """Open reports, newest first."""

    template_name = "conversations/report_list.html"
    context_object_name = "reports"
    paginate_by = selectors.REPORTS_PAGE_SIZE

    def get_queryset(self) -> QuerySet[MessageReport]:
        return selectors.open_reports()


class ReportModerationView(_OrganiserMixin, View):
    """A reported thread as the organisers read it, with what they can do."""

    def get(self, request: MemberRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(selectors.reports_with_thread(), pk=pk)
        conversation = report.message.conversation
        page = Paginator(selectors.messages_of(conversation), selectors.MESSAGES_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context = {
            "report": report,
            "conversation": conversation,
            "page_obj": page,
            "thread_messages": page.object_list,
            "blocked": selectors.is_blocked(report.message.sender_organisation),
        }
        return render(request, "conversations/report_detail.html", context)


class ReportActionView(_OrganiserMixin, View):
    """Hide the reported message, resolve the report, or block the message's
    company from writing: POST only, each safe to repeat."""

    http_method_names = ["post"]

    def post(self, request: MemberRequest, pk: int, action: str) -> HttpResponse:
        report = get_object_or_404(selectors.reports_with_thread(), pk=pk)
        if action == "hide":
            message_hide(message=report.message, organiser=request.user)
            messages.success(request, _("The message is hidden from both companies."))
        elif action == "resolve":
            report_resolve(report=report, organiser=request.user)
            messages.success(request, _("The report is resolved."))
        elif action == "block":
            organisation_block_messaging(
                organisation=report.message.sender_organisation, organiser=request.user
            )
            messages.success(request, _("This company can no longer write messages."))
        else:
            raise Http404
        return redirect("report_detail", pk=pk)
