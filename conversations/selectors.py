"""Reads for conversations: a company's threads with their unread flag, a
thread's messages, and the matches a thread is about."""

from __future__ import annotations

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.fields import BooleanField

from accounts.models import Organisation
from conversations.models import Conversation, ConversationRead, Message, MessageReport, MessagingBlock
from matchmaking.models import Match

PAGE_SIZE = 20
MESSAGES_PAGE_SIZE = 30
REPORTS_PAGE_SIZE = 20


def shared_matches(*, exporter_id: int, buyer_id: int) -> QuerySet[Match]:
    """The matches between an exporter's lots and a buyer's needs that still
    hold: both companies see them proposed, so they may talk about them."""
    return Match.objects.filter(lot__exporter_id=exporter_id, need__buyer_id=buyer_id).exclude(
        state=Match.State.STALE
    )


def companies_may_talk(*, exporter_id: int, buyer_id: int) -> bool:
    return shared_matches(exporter_id=exporter_id, buyer_id=buyer_id).exists()


def matches_between(conversation: Conversation) -> QuerySet[Match]:
    """What a conversation is about: the live matches of its two companies,
    best first, with their lots and needs."""
    return (
        shared_matches(exporter_id=conversation.exporter_id, buyer_id=conversation.buyer_id)
        .select_related("lot", "need")
        .order_by("-score", "pk")
    )


def conversations_for(organisation: Organisation) -> QuerySet[Conversation]:
    """A company's conversations, newest message first, each with both
    companies and `unread` (a message came after the company last read it)."""
    read_at = ConversationRead.objects.filter(conversation=OuterRef("pk"), organisation=organisation).values(
        "last_read_at"
    )[:1]
    return (
        Conversation.objects.filter(Q(exporter=organisation) | Q(buyer=organisation))
        .select_related("exporter", "buyer")
        .annotate(read_at=Subquery(read_at))
        .annotate(
            unread=Case(
                When(last_message_at__isnull=True, then=Value(False)),
                When(read_at__isnull=True, then=Value(True)),
                When(last_message_at__gt=F("read_at"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-created_at", "-pk")
    )


def conversation_with_sides() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("exporter", "buyer")


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    """A thread's messages, newest first, with who sent them."""
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("sender", "sender_organisation")
        .order_by("-created_at", "-pk")
    )


def open_reports() -> QuerySet[MessageReport]:
    """Reports the organisers have not resolved yet, newest first, with the
    message, its thread's two companies and who reported it."""
    return (
        MessageReport.objects.filter(resolved_at__isnull=True)
        .select_related(
            "message__sender_organisation",
            "message__conversation__exporter",
            "message__conversation__buyer",
            "reporter",
            "reporter_organisation",
        )
        .order_by("-created_at", "-pk")
    )


def reports_with_thread() -> QuerySet[MessageReport]:
    """Every report (open or resolved), with its message and thread: the only
    way an organiser reads a thread."""
    return MessageReport.objects.select_related(
        "message__sender_organisation",
        "message__conversation__exporter",
        "message__conversation__buyer",
        "reporter",
        "reporter_organisation",
        "resolved_by",
    )


def is_blocked(organisation: Organisation) -> bool:
    """Whether the organisers stopped the company from writing."""
    return MessagingBlock.objects.filter(organisation=organisation).exists()
