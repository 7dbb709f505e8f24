"""Conversation pages: who may see each of them, the thread (escaped text,
attachments, polling, read state), the match card's button, and constant
query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, ConversationRead, Message
from conversations.services import message_send
from matchmaking.models import Match
from tests.factories import ConversationFactory, ExporterFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _pages(conversation: Conversation, message: Message) -> list[str]:
    return [
        reverse("conversation_detail", args=[conversation.pk]),
        reverse("conversation_attachment", args=[conversation.pk, message.pk]),
    ]


@pytest.fixture
def message(conversation, exporter_admin) -> Message:
    return message_send(
        conversation=conversation,
        user=exporter_admin,
        text="Photos attached",
        attachment=SimpleUploadedFile("front.png", PNG),
    )


# Permissions -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["exporter_admin", "exporter_member", "buyer_admin"])
def test_members_of_either_company_see_the_thread_and_its_attachment(
    request, login, conversation, message, who
):
    client = login(request.getfixturevalue(who))

    for url in _pages(conversation, message):
        assert client.get(url).status_code == 200
    assert client.get(reverse("conversation_list")).status_code == 200


@pytest.mark.parametrize("who", ["other_exporter_admin", "organiser", "user_without_organisation"])
def test_everyone_else_gets_404(request, login, conversation, message, who):
    client = login(request.getfixturevalue(who))

    for url in _pages(conversation, message):
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("conversation_detail", args=[conversation.pk]), {"text": "hi"}).status_code == 404
    )
    assert not Message.objects.exclude(pk=message.pk).exists()


def test_the_organisers_have_no_conversation_list(login, organiser):
    assert login(organiser).get(reverse("conversation_list")).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, conversation, message, match):
    for url in [reverse("conversation_list"), *_pages(conversation, message)]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert client.post(reverse("conversation_start", args=[match.pk])).status_code == 302
    assert Conversation.objects.count() == 1


def test_another_conversations_message_is_not_served_through_this_one(login, conversation, message, exporter):
    mine = ConversationFactory(exporter=exporter)
    client = login(message.sender)

    response = client.get(reverse("conversation_attachment", args=[mine.pk, message.pk]))

    assert response.status_code == 404


# Starting from a match ---------------------------------------------------------


@pytest.mark.parametrize("who", ["exporter_admin", "buyer_admin"])
def test_the_message_button_opens_the_conversation(request, login, match, who):
    client = login(request.getfixturevalue(who))

    response = client.post(reverse("conversation_start", args=[match.pk]))

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("conversation_detail", args=[conversation.pk])


def test_a_match_card_shows_the_message_button(login, buyer_admin, match):
    response = login(buyer_admin).get(reverse("need_matches", args=[match.need_id]))

    assert reverse("conversation_start", args=[match.pk]) in response.text


def test_no_conversation_starts_from_a_stale_match(login, buyer_admin, match):
    Match.objects.filter(pk=match.pk).update(state=Match.State.STALE)
    client = login(buyer_admin)

    response = client.post(reverse("conversation_start", args=[match.pk]), follow=True)

    assert not Conversation.objects.exists()
    assert "proposed to each other" in response.text


@pytest.mark.parametrize("who", ["other_exporter_admin", "organiser"])
def test_outsiders_cannot_start_a_conversation(request, login, match, who):
    response = login(request.getfixturevalue(who)).post(reverse("conversation_start", args=[match.pk]))

    assert response.status_code == 404
    assert not Conversation.objects.exists()


# The thread --------------------------------------------------------------------


def test_messages_are_shown_escaped_with_their_sender(login, conversation, buyer_admin, exporter_admin):
    client = login(buyer_admin)

    response = client.post(
        reverse("conversation_detail", args=[conversation.pk]), {"text": "<script>alert(1)</script> price?"}
    )
    assert response.status_code == 302
    page = login(exporter_admin).get(reverse("conversation_detail", args=[conversation.pk])).text

    assert "&lt;script&gt;alert(1)&lt;/script&gt; price?" in page
    assert "<script>alert(1)</script>" not in page
    assert 'dir="auto"' in page
    assert buyer_admin.name in page
    assert buyer_admin.membership.organisation.name in page
    # Nobody's email goes into a thread, mutual interest or not.
    assert buyer_admin.email not in page


def test_a_refused_message_says_why_on_its_field(login, conversation, exporter_admin):
    client = login(exporter_admin)

    response = client.post(
        reverse("conversation_detail", args=[conversation.pk]),
        {"text": "See", "attachment": SimpleUploadedFile("a.pdf", b"GIF89a....")},
    )

    assert response.status_code == 422
    assert "JPEG, PNG or WebP photo or a PDF" in response.text
    assert not Message.objects.exists()


def test_an_attachment_is_served_as_what_it_is(login, conversation, message, buyer_admin):
    response = login(buyer_admin).get(reverse("conversation_attachment", args=[conversation.pk, message.pk]))

    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PNG


def test_the_htmx_poll_returns_only_the_message_list(login, conversation, message, buyer_admin):
    response = login(buyer_admin).get(
        reverse("conversation_detail", args=[conversation.pk]), headers={"HX-Request": "true"}
    )

    assert response.text.lstrip().startswith('<div id="thread-messages"')
    assert 'hx-trigger="every 10s"' in response.text
    assert "Photos attached" in response.text
    # No writing form (each message of the other side keeps its small "Report" form).
    assert 'enctype="multipart/form-data"' not in response.text
    assert "<nav" not in response.text


def test_opening_the_thread_marks_it_read_for_the_company(login, conversation, message, buyer, buyer_admin):
    client = login(buyer_admin)
    assert client.get(reverse("conversation_list")).context["conversations"][0].unread is True

    client.get(reverse("conversation_detail", args=[conversation.pk]))

    assert ConversationRead.objects.filter(conversation=conversation, organisation=buyer).exists()
    assert client.get(reverse("conversation_list")).context["conversations"][0].unread is False


def test_a_former_members_messages_remain_in_the_thread(login, conversation, exporter, buyer_admin):
    colleague = MembershipFactory(organisation=exporter).user
    message_send(conversation=conversation, user=colleague, text="Before I go")
    colleague.delete()

    page = login(buyer_admin).get(reverse("conversation_detail", args=[conversation.pk])).text

    assert "Before I go" in page
    assert "A former member" in page


def test_the_empty_list_explains_where_threads_start(login, exporter_admin):
    page = login(exporter_admin).get(reverse("conversation_list")).text

    assert "A conversation starts from a proposed match" in page


# Query counts ------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_list_queries_do_not_grow_with_rows(login, buyer_admin, buyer, rows, django_assert_num_queries):
    start = timezone.now()
    for row in range(rows):
        ConversationFactory(buyer=buyer, last_message_at=start - datetime.timedelta(minutes=row))
    ConversationFactory(exporter=ExporterFactory())  # someone else's
    client = login(buyer_admin)

    # savepoint, session, user, membership, count, conversations with both sides
    # and read state, release
    with django_assert_num_queries(7):
        response = client.get(reverse("conversation_list"))

    assert len(response.context["conversations"]) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_thread_queries_do_not_grow_with_rows(
    login, conversation, exporter_admin, buyer_admin, rows, django_assert_num_queries
):
    for row in range(rows):
        message_send(
            conversation=conversation, user=exporter_admin if row % 2 else buyer_admin, text=f"m{row}"
        )
    client = login(buyer_admin)

    # savepoint, session, user, membership, conversation with both sides, read
    # state, count, matches, messages with senders, release
    with django_assert_num_queries(10):
        response = client.get(reverse("conversation_detail", args=[conversation.pk]))

    assert len(response.context["thread_messages"]) == rows
