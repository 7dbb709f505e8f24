"""Organisers maintain overseas contact points; buyers see the ones serving
their own country on the dashboard, exporters none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import ContactPoint, Membership, Organisation
from accounts.services import contact_points as services
from demo.contact_points import DEMO_CONTACT_POINTS, seed_demo_contact_points
from tests.factories import BuyerFactory, ContactPointFactory, MembershipFactory, OrganiserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "country": "KZ",
    "name": "Almaty Trade Liaison Office",
    "person": "Aigerim Sadykova",
    "channel": "email",
    "address": "Almaty@Example.com",
    "city": "Almaty",
    "languages": ["ru", "kk"],
    "note": "Weekdays 9–18.",
}


@pytest.fixture
def own_point(organiser) -> ContactPoint:
    return ContactPointFactory(organiser=organiser.membership.organisation)


@pytest.fixture
def other_organiser(db):
    return MembershipFactory(organisation=OrganiserFactory()).user


@pytest.fixture
def others_point(other_organiser) -> ContactPoint:
    return ContactPointFactory(organiser=other_organiser.membership.organisation, name="Their centre")


# Permissions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "needs_pk"),
    [
        ("contact_point_list", False),
        ("contact_point_create", False),
        ("contact_point_edit", True),
        ("contact_point_delete", True),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, own_point, url_name, needs_pk):
    url = reverse(url_name, args=[own_point.pk] if needs_pk else [])

    for response in (client.get(url), client.post(url, VALID)):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert ContactPoint.objects.count() == 1


@pytest.mark.parametrize("user_fixture", ["exporter_admin", "buyer_admin", "user_without_organisation"])
def test_exporters_and_buyers_find_no_contact_point_pages(request, login, own_point, user_fixture):
    client = login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("contact_point_list")).status_code == 404
    assert client.get(reverse("contact_point_create")).status_code == 404
    assert client.post(reverse("contact_point_create"), VALID).status_code == 404
    assert client.get(reverse("contact_point_edit", args=[own_point.pk])).status_code == 404
    assert client.post(reverse("contact_point_edit", args=[own_point.pk]), VALID).status_code == 404
    assert client.post(reverse("contact_point_delete", args=[own_point.pk])).status_code == 404
    assert ContactPoint.objects.filter(pk=own_point.pk, name=own_point.name).exists()
    assert ContactPoint.objects.count() == 1


def test_another_organiser_sees_but_cannot_edit_or_delete(login, organiser, others_point):
    client = login(organiser)

    listing = client.get(reverse("contact_point_list"))
    assert others_point.name in listing.text
    assert reverse("contact_point_edit", args=[others_point.pk]) not in listing.text
    assert client.get(reverse("contact_point_edit", args=[others_point.pk])).status_code == 404
    assert client.post(reverse("contact_point_edit", args=[others_point.pk]), VALID).status_code == 404
    assert client.get(reverse("contact_point_delete", args=[others_point.pk])).status_code == 404
    assert client.post(reverse("contact_point_delete", args=[others_point.pk])).status_code == 404
    others_point.refresh_from_db()
    assert others_point.name == "Their centre"


def test_unknown_ids_are_not_found(login, organiser):
    client = login(organiser)

    assert client.get(reverse("contact_point_edit", args=[999_999])).status_code == 404
    assert client.post(reverse("contact_point_delete", args=[999_999])).status_code == 404


def test_plain_members_of_an_organiser_manage_its_contact_points(login, organiser, own_point):
    member = MembershipFactory(
        organisation=organiser.membership.organisation, role=Membership.Role.MEMBER
    ).user
    client = login(member)

    response = client.post(reverse("contact_point_create"), VALID)
    assert response.status_code == 302
    response = client.post(reverse("contact_point_delete", args=[own_point.pk]))
    assert response.status_code == 302
    assert not ContactPoint.objects.filter(pk=own_point.pk).exists()


# Create, edit, delete ----------------------------------------------------------


def test_organiser_adds_a_contact_point(login, organiser):
    response = login(organiser).post(reverse("contact_point_create"), VALID, follow=True)

    point = ContactPoint.objects.get()
    assert point.organiser == organiser.membership.organisation
    assert point.address == "almaty@example.com"
    # Kept in the working-language list's order, whatever order they were ticked in.
    assert point.languages == ["ru", "kk"]
    assert response.redirect_chain[-1][0] == reverse("contact_point_list") + "?country=KZ"
    assert "Contact point Almaty Trade Liaison Office added for Kazakhstan." in response.text


def test_the_create_form_takes_the_country_from_the_link(login, organiser):
    response = login(organiser).get(reverse("contact_point_create"), {"country": "uz"})

    assert response.status_code == 200
    assert response.context["form"].initial["country"] == "UZ"


def test_organiser_edits_their_contact_point(login, organiser, own_point):
    client = login(organiser)
    url = reverse("contact_point_edit", args=[own_point.pk])

    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["address"] == own_point.address

    data = {**VALID, "channel": "telegram", "address": "@almaty_centre", "languages": ["ru"]}
    response = client.post(url, data)

    assert response.status_code == 302
    own_point.refresh_from_db()
    assert (own_point.channel, own_point.address, own_point.languages) == (
        "telegram",
        "@almaty_centre",
        ["ru"],
    )


def test_delete_asks_for_confirmation_first(login, organiser, own_point):
    client = login(organiser)
    url = reverse("contact_point_delete", args=[own_point.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Delete the contact point" in confirm.text
    assert ContactPoint.objects.filter(pk=own_point.pk).exists()

    response = client.post(url, follow=True)
    assert not ContactPoint.objects.filter(pk=own_point.pk).exists()
    assert f"Contact point {own_point.name} deleted." in response.text


# Validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "address", "message"),
    [
        ("email", "not-an-address", "For the Email channel, the number or address must be an email address"),
        ("phone", "call us", "For the Phone channel, the number or address must be a phone number"),
        ("phone", "+7 12", "of 7 to 15 digits"),
        ("whatsapp", "+7 727 000 0101 0101 0101", "For the WhatsApp channel"),
        ("telegram", "a b", "For the Telegram channel, the number or address must be a username"),
        ("wechat", "12", "For the WeChat channel, the number or address must be a WeChat ID"),
    ],
)
def test_the_address_must_suit_the_channel(login, organiser, channel, address, message):
    response = login(organiser).post(
        reverse("contact_point_create"), {**VALID, "channel": channel, "address": address}
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["address"])
    assert message in response.text
    assert not ContactPoint.objects.exists()


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        ("phone", "+86 (28) 8765-4321"),
        ("whatsapp", "+7 727 000 0101"),
        ("telegram", "@almaty_centre"),
        ("telegram", "+998 71 000 0303"),
        ("wechat", "chengdu-export"),
        ("other", "Office 12, Abay Avenue 10"),
    ],
)
def test_addresses_that_suit_their_channel_are_accepted(organiser, channel, address):
    point = services.contact_point_create(
        organiser=organiser.membership.organisation,
        **{**VALID, "channel": channel, "address": address},
    )

    assert point.address == address


def test_the_form_names_every_missing_field(login, organiser):
    response = login(organiser).post(reverse("contact_point_create"), {"channel": "email"})

    errors = response.context["form"].errors
    assert set(errors) == {"country", "name", "address"}
    assert not ContactPoint.objects.exists()


def test_a_second_contact_point_of_the_same_name_in_a_country_is_refused(login, organiser, own_point):
    response = login(organiser).post(
        reverse("contact_point_create"), {**VALID, "country": "KZ", "name": own_point.name.upper()}
    )

    assert response.status_code == 200
    assert "You already have a contact point called" in " ".join(response.context["form"].errors["name"])
    assert ContactPoint.objects.count() == 1


def test_changing_the_channel_rechecks_the_stored_address(own_point):
    with pytest.raises(ValidationError) as error:
        services.contact_point_update(contact_point=own_point, channel=ContactPoint.Channel.PHONE)

    assert "For the Phone channel" in error.value.message_dict["address"][0]


def test_only_organisers_maintain_contact_points(buyer_admin):
    with pytest.raises(ValidationError, match="Only organisers maintain contact points"):
        services.contact_point_create(organiser=buyer_admin.membership.organisation, **VALID)


# The list ----------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3, 10])
def test_list_queries_do_not_grow_with_rows(
    login, organiser, other_organiser, rows, django_assert_num_queries
):
    for index in range(rows):
        ContactPointFactory(
            organiser=(organiser if index % 2 else other_organiser).membership.organisation,
            languages=["ru", "en"],
        )
    client = login(organiser)

    # savepoint, session, user, membership, count, page with organisers, release
    with django_assert_num_queries(7):
        response = client.get(reverse("contact_point_list"))

    assert response.status_code == 200
    assert len(response.context["contact_points"]) == rows
    assert "Russian, English" in response.text


def test_list_filters_by_country(login, organiser):
    ContactPointFactory(country="KZ", name="Almaty centre")
    ContactPointFactory(country="VN", name="Hanoi centre")
    client = login(organiser)

    response = client.get(reverse("contact_point_list"), {"country": "VN"})

    assert [point.name for point in response.context["contact_points"]] == ["Hanoi centre"]
    assert reverse("contact_point_create") + "?country=VN" in response.text


def test_list_paginates(login, organiser):
    for _ in range(30):
        ContactPointFactory()
    client = login(organiser)

    first = client.get(reverse("contact_point_list"))
    second = client.get(reverse("contact_point_list"), {"page": 2})

    assert len(first.context["contact_points"]) == 25
    assert len(second.context["contact_points"]) == 5
    assert "Page 1 of 2" in first.text


def test_empty_list_invites_the_organiser_to_add_one(login, organiser):
    client = login(organiser)

    empty = client.get(reverse("contact_point_list"))
    assert "No contact points yet" in empty.text

    ContactPointFactory(country="KZ")
    filtered = client.get(reverse("contact_point_list"), {"country": "NG"})
    assert "No contact points match these filters" in filtered.text
    assert reverse("contact_point_create") + "?country=NG" in filtered.text


def test_organisers_find_the_page_in_the_navigation(login, organiser, exporter_admin, buyer_admin):
    url = reverse("contact_point_list")

    assert url in login(organiser).get(reverse("dashboard")).text
    assert url not in login(exporter_admin).get(reverse("dashboard")).text
    assert url not in login(buyer_admin).get(reverse("dashboard")).text


# What buyers see ---------------------------------------------------------------


def test_buyers_see_only_their_own_countrys_contact_points(login):
    buyer = MembershipFactory(organisation=BuyerFactory(country="KZ")).user
    ContactPointFactory(
        country="KZ",
        name="Almaty Trade Liaison Office",
        person="Aigerim Sadykova",
        channel=ContactPoint.Channel.WHATSAPP,
        address="+7 727 000 0101",
        city="Almaty",
        languages=["kk", "ru"],
        note="Rail shipments via Khorgos.",
    )
    ContactPointFactory(country="VN", name="Hanoi Vehicle Trade Contact Centre")

    response = login(buyer).get(reverse("dashboard"))

    assert [point.name for point in response.context["contact_points"]] == ["Almaty Trade Liaison Office"]
    for text in ("Aigerim Sadykova", "WhatsApp", "+7 727 000 0101", "Almaty", "Kazakh, Russian", "Khorgos"):
        assert text in response.text
    assert "Hanoi Vehicle Trade Contact Centre" not in response.text


def test_a_buyer_without_a_contact_point_in_their_country_is_told_so(login):
    buyer = MembershipFactory(organisation=BuyerFactory(country="NG")).user
    ContactPointFactory(country="KZ")

    response = login(buyer).get(reverse("dashboard"))

    assert response.context["contact_points"] == []
    assert "No contact point in Nigeria yet" in response.text


def test_exporters_see_no_contact_points(login):
    exporter = MembershipFactory(
        organisation=Organisation.objects.create(
            kind=Organisation.Kind.EXPORTER,
            name="Kazakh-Chinese Exports",
            country="KZ",
            export_qualification_no="SC-1",
        )
    ).user
    point = ContactPointFactory(country="KZ")

    response = login(exporter).get(reverse("dashboard"))

    assert "contact_points" not in response.context
    assert point.name not in response.text


# Demo data ---------------------------------------------------------------------


def test_demo_contact_points_are_seeded_once(organiser):
    organisation = organiser.membership.organisation

    assert seed_demo_contact_points(organisation) == len(DEMO_CONTACT_POINTS)
    assert seed_demo_contact_points(organisation) == 0
    assert set(ContactPoint.objects.values_list("country", flat=True)) == {"RU", "KZ", "UZ", "NG", "VN"}
