"""Conversation services: who may start and write, what a message may hold,
read state, and messages that outlive their sender's membership."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership
from accounts.services import member_remove
from conversations.models import Conversation, Message
from conversations.selectors import conversations_for
from conversations.services import (
    MAX_ATTACHMENT_BYTES,
    conversation_for_match,
    conversation_mark_read,
    message_send,
)
from matchmaking.models import Match
from tests.factories import LotFactory, MatchFactory, MembershipFactory, NeedFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PDF = b"%PDF-1.7\n" + b"\0" * 32
WEBP = b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 32


def test_either_side_opens_the_same_conversation(match, exporter_admin, buyer_admin):
    first = conversation_for_match(match=match, user=exporter_admin)
    second = conversation_for_match(match=match, user=buyer_admin)

    assert first == second
    assert (first.exporter, first.buyer) == (match.lot.exporter, match.need.buyer)
    assert Conversation.objects.count() == 1


def test_no_conversation_starts_without_a_live_match(match, exporter_admin):
    Match.objects.filter(pk=match.pk).update(state=Match.State.STALE)
    match.refresh_from_db()

    with pytest.raises(ValidationError, match="proposed to each other"):
        conversation_for_match(match=match, user=exporter_admin)
    assert not Conversation.objects.exists()


def test_an_outsider_cannot_open_a_matchs_conversation(match, other_exporter_admin, organiser):
    for user in (other_exporter_admin, organiser):
        with pytest.raises(ValidationError):
            conversation_for_match(match=match, user=user)
    assert not Conversation.objects.exists()


def test_a_message_is_saved_and_moves_the_conversation_up(conversation, buyer_admin):
    message = message_send(conversation=conversation, user=buyer_admin, text="  Is the battery original?  ")

    conversation.refresh_from_db()
    assert message.text == "Is the battery original?"
    assert message.sender_organisation == buyer_admin.membership.organisation
    assert conversation.last_message_at == message.created_at


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [("   ", "text", "Write a message"), ("x" * 4001, "text", "at most 4000 characters")],
)
def test_empty_or_too_long_messages_are_refused(conversation, exporter_admin, text, field, words):
    with pytest.raises(ValidationError) as refusal:
        message_send(conversation=conversation, user=exporter_admin, text=text)

    assert field in refusal.value.message_dict
    assert words in refusal.value.message_dict[field][0]
    assert not Message.objects.exists()


def test_a_message_of_4000_characters_is_accepted(conversation, exporter_admin):
    assert len(message_send(conversation=conversation, user=exporter_admin, text="x" * 4000).text) == 4000


@pytest.mark.parametrize(
    ("content", "extension"),
    [(PNG, "png"), (PDF, "pdf"), (WEBP, "webp"), (b"\xff\xd8\xff\xe0" + b"\0" * 20, "jpg")],
)
def test_attachments_are_stored_as_what_their_bytes_say(conversation, exporter_admin, content, extension):
    upload = SimpleUploadedFile("scan.txt", content)

    message = message_send(conversation=conversation, user=exporter_admin, text="", attachment=upload)

    assert message.attachment.name.endswith(f".{extension}")
    assert message.attachment_name == "scan.txt"
    assert message.attachment.read() == content


def test_an_attachment_of_another_type_is_refused(conversation, exporter_admin):
    upload = SimpleUploadedFile("photo.jpg", b"GIF89a" + b"\0" * 20)

    with pytest.raises(ValidationError) as refusal:
        message_send(conversation=conversation, user=exporter_admin, text="See", attachment=upload)

    assert "JPEG, PNG or WebP photo or a PDF" in refusal.value.message_dict["attachment"][0]
    assert not Message.objects.exists()


def test_an_attachment_over_10_mb_is_refused(conversation, exporter_admin):
    upload = SimpleUploadedFile("big.pdf", PDF + b"\0" * MAX_ATTACHMENT_BYTES)

    with pytest.raises(ValidationError) as refusal:
        message_send(conversation=conversation, user=exporter_admin, text="See", attachment=upload)

    assert "at most 10 MB" in refusal.value.message_dict["attachment"][0]


def test_no_message_once_every_match_went_stale(conversation, match, exporter_admin):
    Match.objects.filter(pk=match.pk).update(state=Match.State.STALE)

    with pytest.raises(ValidationError, match="proposed to each other"):
        message_send(conversation=conversation, user=exporter_admin, text="Still there?")


def test_any_other_live_match_between_the_companies_is_enough(
    conversation, match, exporter, buyer, exporter_admin
):
    Match.objects.filter(pk=match.pk).update(state=Match.State.STALE)
    MatchFactory(
        lot=LotFactory(exporter=exporter), need=NeedFactory(buyer=buyer), state=Match.State.DISMISSED
    )

    assert message_send(conversation=conversation, user=exporter_admin, text="About the other lot").pk


def test_outsiders_cannot_write(conversation, other_exporter_admin, organiser):
    for user in (other_exporter_admin, organiser):
        with pytest.raises(ValidationError):
            message_send(conversation=conversation, user=user, text="Hello")
    assert not Message.objects.exists()


def test_a_conversation_is_unread_for_the_other_side_until_it_reads_it(conversation, exporter_admin, buyer):
    message_send(conversation=conversation, user=exporter_admin, text="Hello")
    exporter = exporter_admin.membership.organisation

    assert conversations_for(buyer).get().unread is True
    assert conversations_for(exporter).get().unread is False

    conversation_mark_read(conversation=conversation, organisation=buyer)

    assert conversations_for(buyer).get().unread is False


def test_messages_stay_when_their_sender_leaves_the_company(conversation, exporter_admin, exporter):
    colleague = MembershipFactory(organisation=exporter, role=Membership.Role.MEMBER).user
    message = message_send(conversation=conversation, user=colleague, text="I am leaving soon")

    member_remove(membership=colleague.membership)
    colleague.delete()

    message.refresh_from_db()
    assert message.sender is None
    assert message.sender_organisation == exporter
    assert message.text == "I am leaving soon"


def test_a_buyer_talks_to_each_exporter_in_its_own_conversation(match, buyer_admin, exporter_admin):
    other = MatchFactory(need=match.need, lot=LotFactory())

    assert conversation_for_match(match=match, user=buyer_admin) != conversation_for_match(
        match=other, user=buyer_admin
    )
