"""Moderation: rate limits, reports by the other company, the organisers'
report list and moderation view, hiding, resolving, blocking."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Message, MessageReport, MessagingBlock
from conversations.services import (
    MESSAGES_PER_DAY,
    MESSAGES_PER_MINUTE,
    REPORTS_PER_DAY,
    message_hide,
    message_report,
    message_send,
    organisation_block_messaging,
    report_resolve,
)
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _flood(conversation: Conversation, user, count: int, *, ago: datetime.timedelta) -> None:
    for n in range(count):
        message_send(conversation=conversation, user=user, text=f"Hello {n}")
    Message.objects.filter(sender=user).update(created_at=timezone.now() - ago)


@pytest.fixture
def exporter_message(conversation, exporter_admin) -> Message:
    return message_send(conversation=conversation, user=exporter_admin, text="Buy my cars now!!!")


@pytest.fixture
def report(exporter_message, buyer_admin) -> MessageReport:
    return message_report(message=exporter_message, user=buyer_admin, reason="spam", note="Again")


# Rate limits ---------------------------------------------------------------------


def test_twentieth_message_in_a_minute_is_allowed_the_twenty_first_refused(conversation, exporter_admin):
    for n in range(MESSAGES_PER_MINUTE):
        message_send(conversation=conversation, user=exporter_admin, text=f"Hello {n}")

    with pytest.raises(ValidationError) as refusal:
        message_send(conversation=conversation, user=exporter_admin, text="One more")

    assert refusal.value.messages == ["You have sent 20 messages in the last minute; wait a moment."]
    assert Message.objects.filter(sender=exporter_admin).count() == MESSAGES_PER_MINUTE


def test_the_minute_limit_counts_only_the_last_minute(conversation, exporter_admin):
    _flood(conversation, exporter_admin, MESSAGES_PER_MINUTE, ago=datetime.timedelta(minutes=2))

    message_send(conversation=conversation, user=exporter_admin, text="Later")


def test_the_daily_limit(conversation, exporter_admin):
    Message.objects.bulk_create(
        [
            Message(
                conversation=conversation,
                sender=exporter_admin,
                sender_organisation=conversation.exporter,
                text=f"Hello {n}",
            )
            for n in range(MESSAGES_PER_DAY - 1)
        ]
    )
    Message.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
    message_send(conversation=conversation, user=exporter_admin, text="The 200th")

    with pytest.raises(ValidationError, match="200 messages in the last day"):
        message_send(conversation=conversation, user=exporter_admin, text="The 201st")

    Message.objects.update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    message_send(conversation=conversation, user=exporter_admin, text="Next day")


def test_the_daily_report_limit(conversation, exporter_admin, buyer_admin):
    messages = MessageFactory.create_batch(
        REPORTS_PER_DAY + 1,
        conversation=conversation,
        sender=exporter_admin,
        sender_organisation=conversation.exporter,
    )
    for message in messages[:REPORTS_PER_DAY]:
        message_report(message=message, user=buyer_admin, reason="spam")

    with pytest.raises(ValidationError, match="10 reports in the last day"):
        message_report(message=messages[-1], user=buyer_admin, reason="spam")


# Reports -------------------------------------------------------------------------


def test_a_member_reports_the_other_companys_message_once_per_company(exporter_message, buyer_admin, buyer):
    first = message_report(
        message=exporter_message, user=buyer_admin, reason="fraud", note="Asks for a deposit"
    )
    again = message_report(message=exporter_message, user=buyer_admin, reason="spam")

    assert first == again
    assert first.reporter_organisation == buyer
    assert MessageReport.objects.count() == 1


@pytest.mark.parametrize("who", ["exporter_admin", "exporter_member", "other_exporter_admin", "organiser"])
def test_nobody_else_reports(request, exporter_message, who):
    with pytest.raises(ValidationError):
        message_report(message=exporter_message, user=request.getfixturevalue(who), reason="spam")


def test_an_unknown_reason_or_long_note_is_refused(exporter_message, buyer_admin):
    with pytest.raises(ValidationError):
        message_report(message=exporter_message, user=buyer_admin, reason="boring")
    with pytest.raises(ValidationError):
        message_report(message=exporter_message, user=buyer_admin, reason="other", note="x" * 501)


def test_the_report_control_shows_on_the_other_sides_messages_and_posts(login, exporter_message, buyer_admin):
    client = login(buyer_admin)
    url = reverse("conversation_detail", args=[exporter_message.conversation_id])
    report_url = reverse(
        "conversation_message_report", args=[exporter_message.conversation_id, exporter_message.pk]
    )

    assert report_url in client.get(url).content.decode()
    response = client.post(report_url, {"reason": "abusive", "note": "Rude"})

    assert response.status_code == 302
    assert MessageReport.objects.get().reason == "abusive"


def test_no_report_control_on_ones_own_messages(login, exporter_message, exporter_admin):
    client = login(exporter_admin)
    page = client.get(
        reverse("conversation_detail", args=[exporter_message.conversation_id])
    ).content.decode()

    assert "/report/" not in page
    client.post(
        reverse("conversation_message_report", args=[exporter_message.conversation_id, exporter_message.pk]),
        {"reason": "spam"},
    )
    assert not MessageReport.objects.exists()


def test_outsiders_cannot_post_a_report(login, exporter_message, other_exporter_admin):
    response = login(other_exporter_admin).post(
        reverse("conversation_message_report", args=[exporter_message.conversation_id, exporter_message.pk]),
        {"reason": "spam"},
    )

    assert response.status_code == 404


# Organisers ----------------------------------------------------------------------


def test_organisers_see_the_report_list_and_the_reported_thread(login, organiser, report):
    client = login(organiser)

    listing = client.get(reverse("report_list"))
    assert listing.status_code == 200
    assert reverse("report_detail", args=[report.pk]) in listing.content.decode()
    detail = client.get(reverse("report_detail", args=[report.pk]))
    assert detail.status_code == 200
    assert "Buy my cars now!!!" in detail.content.decode()


def test_organisers_still_get_404_on_threads_themselves(login, organiser, report):
    client = login(organiser)

    assert (
        client.get(reverse("conversation_detail", args=[report.message.conversation_id])).status_code == 404
    )
    other = ConversationFactory()
    assert client.get(reverse("conversation_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("report_detail", args=[report.pk + 1000])).status_code == 404


@pytest.mark.parametrize("who", ["exporter_admin", "buyer_admin", "user_without_organisation"])
def test_non_organisers_get_404_on_organiser_pages(request, login, report, who):
    client = login(request.getfixturevalue(who))

    assert client.get(reverse("report_list")).status_code == 404
    assert client.get(reverse("report_detail", args=[report.pk])).status_code == 404
    for action in ("hide", "resolve", "block"):
        assert client.post(reverse("report_action", args=[report.pk, action])).status_code == 404
    assert not Message.objects.filter(hidden_at__isnull=False).exists()
    assert not MessagingBlock.objects.exists()


def test_actions_are_post_only(login, organiser, report):
    client = login(organiser)

    assert client.get(reverse("report_action", args=[report.pk, "hide"])).status_code == 405
    assert client.post(reverse("report_action", args=[report.pk, "delete"])).status_code == 404


def test_hide_resolve_and_block_through_the_pages_twice(login, organiser, report, exporter):
    client = login(organiser)

    for _ in range(2):
        for action in ("hide", "resolve", "block"):
            response = client.post(reverse("report_action", args=[report.pk, action]))
            assert response.status_code == 302
    report.refresh_from_db()
    report.message.refresh_from_db()

    assert report.message.hidden_by == organiser
    assert report.resolved_by == organiser
    assert MessagingBlock.objects.get().organisation == exporter
    assert (
        reverse("report_detail", args=[report.pk]) not in client.get(reverse("report_list")).content.decode()
    )


def test_services_are_idempotent(organiser, report, exporter):
    message_hide(message=report.message, organiser=organiser)
    first_hidden_at = Message.objects.get(pk=report.message_id).hidden_at
    message_hide(message=report.message, organiser=organiser)
    report_resolve(report=report, organiser=organiser)
    report_resolve(report=report, organiser=organiser)
    organisation_block_messaging(organisation=exporter, organiser=organiser)
    organisation_block_messaging(organisation=exporter, organiser=organiser)

    assert Message.objects.get(pk=report.message_id).hidden_at == first_hidden_at
    assert MessageReport.objects.filter(resolved_at__isnull=False).count() == 1
    assert MessagingBlock.objects.count() == 1


def test_a_resolved_report_leaves_the_list_but_still_opens_the_thread(login, organiser, report):
    report_resolve(report=report, organiser=organiser)
    client = login(organiser)

    assert (
        reverse("report_detail", args=[report.pk]) not in client.get(reverse("report_list")).content.decode()
    )
    assert client.get(reverse("report_detail", args=[report.pk])).status_code == 200


def test_a_blocked_company_cannot_send(conversation, organiser, exporter, exporter_member, buyer_admin):
    organisation_block_messaging(organisation=exporter, organiser=organiser)

    with pytest.raises(ValidationError, match="stopped your company from writing"):
        message_send(conversation=conversation, user=exporter_member, text="Hello")
    message_send(conversation=conversation, user=buyer_admin, text="The buyer still writes")


@pytest.mark.parametrize("who", ["exporter_admin", "buyer_admin"])
def test_hidden_messages_show_the_notice_to_both_companies(request, login, organiser, report, who):
    message_hide(message=report.message, organiser=organiser)

    page = login(request.getfixturevalue(who)).get(
        reverse("conversation_detail", args=[report.message.conversation_id])
    )

    content = page.content.decode()
    assert "This message was hidden by the organisers." in content
    assert "Buy my cars now!!!" not in content


# Query counts --------------------------------------------------------------------


def _reports(count: int, buyer_admin) -> list[MessageReport]:
    reports = []
    for _ in range(count):
        conversation = ConversationFactory(buyer=buyer_admin.membership.organisation)
        message = MessageFactory(conversation=conversation)
        reports.append(
            MessageReport.objects.create(
                message=message,
                reporter=buyer_admin,
                reporter_organisation=conversation.buyer,
                reason="spam",
            )
        )
    return reports


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_report_list_queries_do_not_grow(login, organiser, buyer_admin):
    client = login(organiser)
    _reports(1, buyer_admin)
    one = _count_queries(client, reverse("report_list"))
    _reports(2, buyer_admin)
    three = _count_queries(client, reverse("report_list"))

    assert one == three


def test_moderation_view_queries_do_not_grow(login, organiser, report, exporter_admin, buyer_admin):
    client = login(organiser)
    url = reverse("report_detail", args=[report.pk])
    one = _count_queries(client, url)
    conversation = report.message.conversation
    message_send(conversation=conversation, user=buyer_admin, text="Please stop")
    message_send(conversation=conversation, user=exporter_admin, text="No")
    three = _count_queries(client, url)

    assert Message.objects.filter(conversation=conversation).count() == 3
    assert one == three
