"""Writes for conversations: opening the thread of a match's two companies,
sending a message (with an optional attachment), and marking a thread read."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import membership_for
from conversations import phrasebook
from conversations.models import MAX_MESSAGE_CHARS, Conversation, ConversationRead, Message
from conversations.selectors import companies_may_talk
from matchmaking.models import Match

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
