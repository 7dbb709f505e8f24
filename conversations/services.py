"""Writes for conversations: opening the thread of a match's two companies,
sending a message (with an optional attachment), marking a thread read,
reporting a message, and the organisers' moderation (hide, resolve, block)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import membership_for
from conversations import phrasebook
from conversations.models import (
    MAX_MESSAGE_CHARS,
    MAX_REPORT_NOTE_CHARS,
    Conversation,
    ConversationRead,
    Message,
    MessageReport,
    MessagingBlock,
)
from conversations.selectors import companies_may_talk
from matchmaking.models import Match

# Rate limits, counted from the database (any database, no cache): per person.
MESSAGES_PER_MINUTE = 20
MESSAGES_PER_DAY = 200
REPORTS_PER_DAY = 10

# A scanned contract or a few phone photos; more belongs elsewhere.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What a file's first bytes say it is → the extension to store it under.
_SIGNATURES = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"%PDF-", "pdf"),
)


def _side_of(user: User, *, exporter_id: int, buyer_id: int) -> Organisation | None:
    membership = membership_for(user)
    if membership is None or membership.organisation_id not in (exporter_id, buyer_id):
        return None
    return membership.organisation


def _check_message_rate(user: User) -> None:
    now = timezone.now()
    sent = Message.objects.filter(sender=user, created_at__gt=now - timedelta(days=1))
    if sent.filter(created_at__gt=now - timedelta(minutes=1)).count() >= MESSAGES_PER_MINUTE:
        raise ValidationError(
            ngettext(
                "You have sent %(count)s message in the last minute; wait a moment.",
                "You have sent %(count)s messages in the last minute; wait a moment.",
                MESSAGES_PER_MINUTE,
            )
            % {"count": MESSAGES_PER_MINUTE},
            code="rate_minute",
        )
    if sent.count() >= MESSAGES_PER_DAY:
        raise ValidationError(
            ngettext(
                "You have sent %(count)s message in the last day; try again tomorrow.",
                "You have sent %(count)s messages in the last day; try again tomorrow.",
                MESSAGES_PER_DAY,
            )
            % {"count": MESSAGES_PER_DAY},
            code="rate_day",
        )


def _no_shared_match() -> ValidationError:
    return ValidationError(
        _(
            "You can write to this company only while a lot of one of you and a need of the other "
            "are proposed to each other."
        ),
        code="no_match",
    )


def conversation_for_match(*, match: Match, user: User) -> Conversation:
    """The conversation between the match's exporter and buyer, started if
    there is none yet. Only a member of either company may open it, and only
    while some match between them still holds."""
    exporter_id, buyer_id = match.lot.exporter_id, match.need.buyer_id
    if _side_of(user, exporter_id=exporter_id, buyer_id=buyer_id) is None:
        raise ValidationError(_("Only the two companies of a match can talk about it."), code="not_a_side")
    existing = Conversation.objects.filter(exporter_id=exporter_id, buyer_id=buyer_id).first()
    if existing is not None:
        return existing
    if not companies_may_talk(exporter_id=exporter_id, buyer_id=buyer_id):
        raise _no_shared_match()
    # get_or_create: two members pressing "Message" at once get the same thread.
    conversation, _created = Conversation.objects.get_or_create(exporter_id=exporter_id, buyer_id=buyer_id)
    return conversation


def _attachment_extension(upload: UploadedFile[bytes]) -> str:
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {
                "attachment": ValidationError(
                    _("The attachment is %(size)s MB; it may be at most %(max)s MB."),
                    params={
                        "size": f"{upload.size / 1024 / 1024:.1f}",
                        "max": f"{MAX_ATTACHMENT_BYTES / 1024 / 1024:g}",
                    },
                    code="too_large",
                )
            }
        )
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    for signature, extension in _SIGNATURES:
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    raise ValidationError(
        {
            "attachment": ValidationError(
                _("Attach a JPEG, PNG or WebP photo or a PDF; this file is none of them."),
                code="invalid_type",
            )
        }
    )


@transaction.atomic
def message_send(
    *,
    conversation: Conversation,
    user: User,
    text: str = "",
    attachment: UploadedFile[bytes] | None = None,
    phrase: str = "",
    phrase_params: Mapping[str, object] | None = None,
) -> Message:
    """Add a message from `user` (a member of either company) to the thread:
    free text (stored with the writer's active language), a phrasebook phrase
    with its parameters, an attachment, or some of these. Refused when it is
    empty or too long, when the phrase or its parameters are not the
    phrasebook's (naming the field), when the attachment is not a photo or
    PDF of at most 10 MB, and once no match between the companies holds."""
    sender_organisation = _side_of(user, exporter_id=conversation.exporter_id, buyer_id=conversation.buyer_id)
    if sender_organisation is None:
        raise ValidationError(
            _("Only the two companies of a conversation can write in it."), code="not_a_side"
        )
    if MessagingBlock.objects.filter(organisation=sender_organisation).exists():
        raise ValidationError(
            _("The organisers have stopped your company from writing messages. Contact them to lift this."),
            code="blocked",
        )
    _check_message_rate(user)
    text = (text or "").strip()
    phrase = (phrase or "").strip()
    if phrase:
        cleaned_params = phrasebook.validate(phrase, phrase_params)
    elif phrase_params:
        raise ValidationError(
            {
                name: ValidationError(
                    _("Choose a phrase to go with this, or leave it empty."), code="no_phrase"
                )
                for name in phrase_params
            }
        )
    else:
        cleaned_params = {}
    if not text and not attachment and not phrase:
        raise ValidationError(
            {"text": ValidationError(_("Write a message, choose a phrase or attach a file."), code="empty")}
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationError(
            {
                "text": ValidationError(
                    _("A message may be at most %(max)s characters; this one has %(length)s."),
                    params={"max": MAX_MESSAGE_CHARS, "length": len(text)},
                    code="too_long",
                )
            }
        )
    extension = _attachment_extension(attachment) if attachment else ""
    if not companies_may_talk(exporter_id=conversation.exporter_id, buyer_id=conversation.buyer_id):
        raise _no_shared_match()
    message = Message(
        conversation=conversation,
        sender=user,
        sender_organisation=sender_organisation,
        text=text,
        phrase=phrase,
        phrase_params=cleaned_params,
        language=(get_language() or "") if text else "",
    )
    if attachment:
        message.attachment_name = (attachment.name or "")[-255:]
        message.attachment.save(f"attachment.{extension}", attachment, save=False)
    message.save()
    now = message.created_at
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    conversation.last_message_at = now
    # The sender's company has read what it just wrote.
    conversation_mark_read(conversation=conversation, organisation=sender_organisation)
    return message


def conversation_mark_read(*, conversation: Conversation, organisation: Organisation) -> None:
    """Record that the company has read the thread up to now."""
    now = timezone.now()
    # One UPDATE on every visit but the company's first (update_or_create
    # would add a SELECT and a savepoint to each poll).
    if not ConversationRead.objects.filter(conversation=conversation, organisation=organisation).update(
        last_read_at=now
    ):
        ConversationRead.objects.update_or_create(
            conversation=conversation, organisation=organisation, defaults={"last_read_at": now}
        )


@transaction.atomic
def message_report(*, message: Message, user: User, reason: str, note: str = "") -> MessageReport:
    """Report to the organisers a message the other company wrote. Only a
    member of the conversation's other company may; once per company (a second
    report by the same company gives back the first)."""
    conversation = message.conversation
    reporter_organisation = _side_of(
        user, exporter_id=conversation.exporter_id, buyer_id=conversation.buyer_id
    )
    if reporter_organisation is None or reporter_organisation.pk == message.sender_organisation_id:
        raise ValidationError(
            _("You can report only a message the other company wrote to you."), code="not_reportable"
        )
    if reason not in MessageReport.Reason.values:
        raise ValidationError({"reason": ValidationError(_("Choose a reason."), code="invalid")})
    note = (note or "").strip()
    if len(note) > MAX_REPORT_NOTE_CHARS:
        raise ValidationError(
            {
                "note": ValidationError(
                    _("A note may be at most %(max)s characters; this one has %(length)s."),
                    params={"max": MAX_REPORT_NOTE_CHARS, "length": len(note)},
                    code="too_long",
                )
            }
        )
    existing = MessageReport.objects.filter(
        message=message, reporter_organisation=reporter_organisation
    ).first()
    if existing is not None:
        return existing
    since = timezone.now() - timedelta(days=1)
    if MessageReport.objects.filter(reporter=user, created_at__gt=since).count() >= REPORTS_PER_DAY:
        raise ValidationError(
            ngettext(
                "You have filed %(count)s report in the last day; try again tomorrow.",
                "You have filed %(count)s reports in the last day; try again tomorrow.",
                REPORTS_PER_DAY,
            )
            % {"count": REPORTS_PER_DAY},
            code="rate_reports",
        )
    report, _created = MessageReport.objects.get_or_create(
        message=message,
        reporter_organisation=reporter_organisation,
        defaults={"reporter": user, "reason": reason, "note": note},
    )
    return report


def message_hide(*, message: Message, organiser: User) -> None:
    """Hide a message from both companies (idempotent: hidden once, first hider kept)."""
    now = timezone.now()
    if Message.objects.filter(pk=message.pk, hidden_at__isnull=True).update(
        hidden_at=now, hidden_by=organiser
    ):
        message.hidden_at, message.hidden_by = now, organiser


def report_resolve(*, report: MessageReport, organiser: User) -> None:
    """Mark a report dealt with (idempotent)."""
    now = timezone.now()
    if MessageReport.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=organiser
    ):
        report.resolved_at, report.resolved_by = now, organiser


def organisation_block_messaging(*, organisation: Organisation, organiser: User) -> MessagingBlock:
    """Stop a company from writing in any conversation (idempotent)."""
    block, _created = MessagingBlock.objects.get_or_create(
        organisation=organisation, defaults={"created_by": organiser}
    )
    return block
