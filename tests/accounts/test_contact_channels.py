"""Phone, WhatsApp, WeChat and Telegram on companies and people: checked and
stored in one form, edited only by the person or the company's
administrators, and shown to the other side of a match only once interest
is mutual."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.contact_channels import Channels, channels_clean
from accounts.models import Membership, Organisation, User
from events.models import Participation
from events.services.opportunities import opportunities_publish
from matchmaking.models import Lot, Match, Need
from matchmaking.services.matches import match_mutual_notify
from tests.events.conftest import make_fair
from tests.factories import (
    LotFactory,
    MatchFactory,
    MeetingFactory,
    MembershipFactory,
    NeedFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db

NUMBER_HINT = "Write the number with its country code, e.g. +86 138 0013 8000"

# What each side's channels look like on a page: none of it may show before
# both sides want to meet.
EXPORTER_CHANNELS = {
    "phone": "+86 28 8765 4321",
    "whatsapp": "+86 138-0013-8000",
    "wechat_id": "chengdu_cars",
    "telegram": "@chengdu_export",
}
EXPORTER_MARKS = (
    "tel:+862887654321",
    "https://wa.me/8613800138000",
    "chengdu_cars",
    "https://t.me/chengdu_export",
)
SALES_CHANNELS = {"whatsapp": "+86 139 0000 1234", "telegram": "li_sales"}
SALES_MARKS = ("https://wa.me/8613900001234", "https://t.me/li_sales")
BUYER_CHANNELS = {
    "phone": "+7 701 234 5678",
    "whatsapp": "+7 701 234 5679",
    "wechat_id": "almaty-imports",
    "telegram": "almaty_imports",
}
BUYER_MARKS = (
    "tel:+77012345678",
    "https://wa.me/77012345679",
    "almaty-imports",
    "https://t.me/almaty_imports",
)


def _set(holder: Organisation | User, channels: dict[str, str]) -> None:
    if isinstance(holder, Organisation):
        services.organisation_update(organisation=holder, **channels)
    else:
        services.user_update(user=holder, **channels)


def _absent(text: str, marks: tuple[str, ...]) -> None:
    for mark in marks:
        assert mark not in text, mark


def _present(text: str, marks: tuple[str, ...]) -> None:
    for mark in marks:
        assert mark in text, mark


# Validation --------------------------------------------------------------------


def test_numbers_are_stored_in_e164_and_the_telegram_at_is_dropped(exporter_admin):
    organisation = exporter_admin.membership.organisation

    services.organisation_update(organisation=organisation, **EXPORTER_CHANNELS)

    organisation.refresh_from_db()
    assert Channels.of(organisation) == Channels(
        phone="+862887654321", whatsapp="+8613800138000", wechat_id="chengdu_cars", telegram="chengdu_export"
    )


def test_a_person_s_channels_are_cleaned_the_same_way(buyer_admin):
    services.user_update(user=buyer_admin, whatsapp=" +86 138-0013-8000 ", telegram="@li_sales_1")

    buyer_admin.refresh_from_db()
    assert (str(buyer_admin.whatsapp), buyer_admin.telegram) == ("+8613800138000", "li_sales_1")


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("phone", "138 0013 8000", "Phone"),  # no country code
        ("phone", "+86 12", "Phone"),
        ("whatsapp", "call me", "WhatsApp"),
        ("whatsapp", "+1 555 0100 000 000", "WhatsApp"),
        ("wechat_id", "1abcdef", "WeChat ID"),  # starts with a digit
        ("wechat_id", "abc", "WeChat ID"),  # too short
        ("wechat_id", "a" * 21, "WeChat ID"),
        ("wechat_id", "li.wei.cars", "WeChat ID"),
        ("telegram", "@abcd", "Telegram"),  # too short
        ("telegram", "li-sales", "Telegram"),
        ("telegram", "@@li_sales", "Telegram"),
        ("telegram", "x" * 33, "Telegram"),
    ],
)
def test_bad_channels_are_refused_with_a_message_naming_the_field(field, value, named):
    with pytest.raises(ValidationError) as refused:
        channels_clean({field: value})

    [message] = refused.value.message_dict[field]
    assert message.startswith(f"{named}:")
    if field in ("phone", "whatsapp"):
        assert NUMBER_HINT.lower() in message.lower()


def test_the_service_refuses_and_stores_nothing(exporter_admin):
    organisation = exporter_admin.membership.organisation

    with pytest.raises(ValidationError) as refused:
        services.organisation_update(organisation=organisation, phone="+86 28 8765 4321", whatsapp="12")

    assert set(refused.value.message_dict) == {"whatsapp"}
    organisation.refresh_from_db()
    assert not Channels.of(organisation)


def test_every_channel_may_be_left_empty(exporter_admin):
    organisation = exporter_admin.membership.organisation
    services.organisation_update(organisation=organisation, **EXPORTER_CHANNELS)

    services.organisation_update(organisation=organisation, phone="", whatsapp="", wechat_id="", telegram="")

    organisation.refresh_from_db()
    assert Channels.of(organisation) == Channels()


# Editing -----------------------------------------------------------------------


def _company_form(organisation: Organisation, **channels: str) -> dict[str, object]:
    return {
        "name": organisation.name,
        "country": organisation.country.code,
        "export_qualification_no": organisation.export_qualification_no,
        "languages": ["en"],
        **channels,
    }


def test_a_company_admin_edits_the_company_s_channels(login, exporter_admin):
    organisation = exporter_admin.membership.organisation
    client = login(exporter_admin)
    url = reverse("organisation_edit", args=[organisation.pk])

    assert "Write the number with its country code" in client.get(url).text
    response = client.post(url, _company_form(organisation, **EXPORTER_CHANNELS))

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (str(organisation.whatsapp), organisation.telegram) == ("+8613800138000", "chengdu_export")
    detail = client.get(reverse("organisation_detail", args=[organisation.pk])).text
    _present(detail, EXPORTER_MARKS)


def test_the_company_form_shows_each_refusal_on_its_field(login, exporter_admin):
    organisation = exporter_admin.membership.organisation
    url = reverse("organisation_edit", args=[organisation.pk])

    response = login(exporter_admin).post(
        url, _company_form(organisation, phone="0138", whatsapp="+86 138", wechat_id="9x", telegram="a b")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"phone", "whatsapp", "wechat_id", "telegram"}
    assert errors["whatsapp"][0].startswith("WhatsApp: ")
    organisation.refresh_from_db()
    assert not Channels.of(organisation)


def test_a_plain_member_cannot_edit_the_company_s_channels(login, exporter_admin):
    organisation = exporter_admin.membership.organisation
    member = MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER).user
    url = reverse("organisation_edit", args=[organisation.pk])

    client = login(member)
    assert client.get(url).status_code == 404
    assert client.post(url, _company_form(organisation, **EXPORTER_CHANNELS)).status_code == 404

    organisation.refresh_from_db()
    assert not Channels.of(organisation)


def test_another_company_s_admin_cannot_edit_its_channels(login, exporter_admin, other_exporter_admin):
    organisation = exporter_admin.membership.organisation
    url = reverse("organisation_edit", args=[organisation.pk])

    response = login(other_exporter_admin).post(url, _company_form(organisation, **EXPORTER_CHANNELS))

    assert response.status_code == 404
    organisation.refresh_from_db()
    assert not Channels.of(organisation)


def test_a_person_edits_their_own_channels(login, buyer_admin, django_assert_num_queries):
    client = login(buyer_admin)
    url = reverse("profile_edit")

    # savepoint, session, user, membership (the menu), release
    with django_assert_num_queries(5):
        page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"name": "Aigerim N.", **BUYER_CHANNELS})

    assert response.status_code == 302
    buyer_admin.refresh_from_db()
    assert buyer_admin.name == "Aigerim N."
    assert Channels.of(buyer_admin) == Channels(
        phone="+77012345678", whatsapp="+77012345679", wechat_id="almaty-imports", telegram="almaty_imports"
    )


def test_the_profile_form_shows_each_refusal_on_its_field(login, buyer_admin):
    response = login(buyer_admin).post(reverse("profile_edit"), {"name": "A", "phone": "12345"})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"][0].startswith("Phone: ")
    buyer_admin.refresh_from_db()
    assert not buyer_admin.phone


def test_the_profile_page_only_ever_changes_the_signed_in_person(client, login, buyer_admin, exporter_admin):
    assert (
        client.post(reverse("profile_edit"), {"name": "X", **BUYER_CHANNELS}).status_code == 302
    )  # to sign in
    login(exporter_admin).post(
        reverse("profile_edit"), {"name": "Li", "pk": buyer_admin.pk, **SALES_CHANNELS}
    )

    buyer_admin.refresh_from_db()
    exporter_admin.refresh_from_db()
    assert not Channels.of(buyer_admin)
    assert str(exporter_admin.whatsapp) == "+8613900001234"


# Revealing ---------------------------------------------------------------------


@pytest.fixture
def sides(exporter_admin, buyer_admin) -> tuple[Lot, Need, Match]:
    exporter, buyer = exporter_admin.membership.organisation, buyer_admin.membership.organisation
    _set(exporter, EXPORTER_CHANNELS)
    _set(exporter_admin, SALES_CHANNELS)
    _set(buyer, BUYER_CHANNELS)
    lot = LotFactory(exporter=exporter, ref="SC-1")
    need = NeedFactory(buyer=buyer, ref="KZ-7")
    return lot, need, MatchFactory(lot=lot, need=need, score=80)


def _make_mutual(match: Match) -> None:
    Match.objects.filter(pk=match.pk).update(
        state=Match.State.MUTUAL, exporter_interest=Match.Interest.YES, buyer_interest=Match.Interest.YES
    )


def _pages(login, exporter_admin, buyer_admin, lot, need) -> tuple[str, str]:
    """What the buyer and the exporter read of each other: the match lists,
    the buyer's lot page and the exporter's need page."""
    buyer_client, exporter_client = login(buyer_admin), login(exporter_admin)
    buyer_pages = [
        buyer_client.get(reverse("need_matches", args=[need.pk])),
        buyer_client.get(reverse("lot_detail", args=[lot.pk])),
    ]
    exporter_pages = [
        exporter_client.get(reverse("lot_matches", args=[lot.pk])),
        exporter_client.get(reverse("need_detail", args=[need.pk])),
    ]
    assert [page.status_code for page in buyer_pages + exporter_pages] == [200] * 4
    return "".join(page.text for page in buyer_pages), "".join(page.text for page in exporter_pages)


@pytest.mark.parametrize("answered", ["nobody", "buyer", "exporter"])
def test_no_channel_shows_before_mutual_interest(login, exporter_admin, buyer_admin, sides, answered):
    lot, need, match = sides
    if answered != "nobody":
        Match.objects.filter(pk=match.pk).update(**{f"{answered}_interest": Match.Interest.YES})

    buyer_reads, exporter_reads = _pages(login, exporter_admin, buyer_admin, lot, need)

    _absent(buyer_reads, EXPORTER_MARKS + SALES_MARKS + ("+8613800138000", "chengdu_export"))
    _absent(exporter_reads, (*BUYER_MARKS, "+77012345679", "almaty_imports"))


def test_after_mutual_interest_both_sides_see_the_company_s_and_people_s_channels(
    login, exporter_admin, buyer_admin, sides
):
    lot, need, match = sides
    _make_mutual(match)

    buyer_reads, exporter_reads = _pages(login, exporter_admin, buyer_admin, lot, need)

    _present(buyer_reads, EXPORTER_MARKS + SALES_MARKS)
    link = '<a href="https://wa.me/8613800138000" rel="noopener noreferrer" dir="ltr">'
    assert f"{link}<bdi>+8613800138000</bdi></a>" in buyer_reads
    assert '<bdi dir="ltr">chengdu_cars</bdi>' in buyer_reads
    _present(exporter_reads, BUYER_MARKS)


def test_the_mutual_email_carries_the_channels(exporter_admin, buyer_admin, sides, mailoutbox):
    _lot, _need, match = sides
    _make_mutual(match)

    assert match_mutual_notify(match=match)

    to_buyer = next(mail for mail in mailoutbox if mail.to == [buyer_admin.email])
    _present(to_buyer.body, ("WhatsApp: https://wa.me/8613800138000", "Telegram: https://t.me/li_sales"))
    to_exporter = next(mail for mail in mailoutbox if mail.to == [exporter_admin.email])
    _present(to_exporter.body, ("WeChat ID: almaty-imports",))


def test_event_pages_never_show_another_participant_s_channels(login, exporter_admin, buyer_admin, sides):
    lot, need, _match = sides
    fair = make_fair()
    for organisation in (lot.exporter, need.buyer):
        ParticipationFactory(event=fair, organisation=organisation, status=Participation.Status.APPROVED)
    MeetingFactory(event=fair, exporter=lot.exporter, buyer=need.buyer)
    opportunities_publish(event=fair, publish=True)
    exporter_client = login(exporter_admin)

    responses = [
        exporter_client.get(reverse(name, args=[fair.slug]))
        for name in ("event_detail", "event_agenda", "event_opportunities")
    ]
    responses.append(exporter_client.get(reverse("event_opportunities_download", args=[fair.slug, "csv"])))
    responses.append(login(buyer_admin).get(reverse("event_agenda", args=[fair.slug])))
    assert [response.status_code for response in responses] == [200] * 5
    pages = [response.content.decode() for response in responses]

    for page in pages:
        _absent(page, BUYER_MARKS + EXPORTER_MARKS + SALES_MARKS + ("77012345679", "8613800138000"))


@pytest.mark.parametrize("rows", [1, 3])
def test_channels_cost_no_query_on_a_page_of_mutual_matches(
    login, buyer_admin, rows, django_assert_num_queries
):
    need = NeedFactory(buyer=buyer_admin.membership.organisation)
    for _ in range(rows):
        member = MembershipFactory()
        _set(member.organisation, EXPORTER_CHANNELS)
        _set(member.user, SALES_CHANNELS)
        MatchFactory(
            need=need,
            lot=LotFactory(exporter=member.organisation),
            exporter_interest="yes",
            buyer_interest="yes",
            state=Match.State.MUTUAL,
        )
    client = login(buyer_admin)

    # as tests/matchmaking/test_match_pages.py's mutual page: the channels come
    # with the exporters and their members, loaded once for the page
    with django_assert_num_queries(14):
        response = client.get(reverse("need_matches", args=[need.pk]))

    assert response.text.count("https://wa.me/8613800138000") == rows
    assert response.text.count("https://t.me/li_sales") == rows
