"""Every page renders for the roles that may see it, with a query count that
does not grow with the number of rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, Organisation
from tests.factories import BuyerFactory, InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_home_page_invites_visitors_to_register(client, django_assert_num_queries):
    # ATOMIC_REQUESTS: the test database counts the request's transaction as a
    # savepoint and its release; nothing else is read.
    with django_assert_num_queries(2):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    assert reverse("account_signup") in response.text


def test_exporter_dashboard_asks_for_the_convention(login, exporter_admin, django_assert_num_queries):
    client = login(exporter_admin)

    # 10 for the company, convention and lots; 5 for meetings, deals and matches
    # (no deal lines to fetch without deals; tests/accounts/test_dashboard.py
    # shows they do not grow with the rows).
    with django_assert_num_queries(15):
        response = client.get(reverse("dashboard"))

    assert "Sign the industry self-discipline convention" in response.text
    assert "You are the only member so far" in response.text


def test_buyer_dashboard_shows_the_company_and_team(login, buyer_admin, django_assert_num_queries):
    client = login(buyer_admin)

    # 7 for the company and needs; 1 for contact points; 5 for meetings, deals
    # and matches (no deal lines to fetch without deals).
    with django_assert_num_queries(13):
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert buyer_admin.membership.organisation.name in response.text
    assert "convention" not in response.text.lower().split("<footer")[0].split("<main")[1]


def test_organiser_dashboard_counts_companies(login, organiser, exporter_admin, buyer_admin):
    response = login(organiser).get(reverse("dashboard"))

    assert response.context["organisation_counts"] == {"exporters": 1, "buyers": 1, "unverified": 2}


@pytest.mark.parametrize("rows", [1, 3])
def test_team_page_queries_do_not_grow_with_members(login, exporter_admin, rows, django_assert_num_queries):
    organisation = exporter_admin.membership.organisation
    for _ in range(rows):
        MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER)
        InvitationFactory(organisation=organisation, invited_by=exporter_admin)
    client = login(exporter_admin)

    # savepoint, session, user, organisation, membership, members, invitations, release
    with django_assert_num_queries(8):
        response = client.get(reverse("team", args=[organisation.pk]))

    assert response.status_code == 200
    assert len(response.context["members"]) == rows + 1
    assert len(response.context["invitations"]) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_organisation_list_queries_do_not_grow_with_rows(login, organiser, rows, django_assert_num_queries):
    for _ in range(rows):
        MembershipFactory(organisation=BuyerFactory())
    client = login(organiser)

    # savepoint, session, user, membership, count, page, release
    with django_assert_num_queries(7):
        response = client.get(reverse("organisation_list"), {"kind": "buyer"})

    assert response.status_code == 200
    assert len(response.context["organisations"]) == rows


def test_organisation_list_filters_and_searches(login, organiser):
    BuyerFactory(name="Lagos Motors", country="NG", city="Lagos")
    BuyerFactory(name="Nairobi Auto Hub", country="KE", city="Nairobi", verified=True)
    client = login(organiser)

    def names(**query: str) -> list[str]:
        response = client.get(reverse("organisation_list"), query)
        return [organisation.name for organisation in response.context["organisations"]]

    assert names(country="NG") == ["Lagos Motors"]
    assert names(q="nairobi") == ["Nairobi Auto Hub"]
    assert names(verified="false", kind="buyer") == ["Lagos Motors"]
    assert "No companies match" in client.get(reverse("organisation_list"), {"q": "zzz"}).text


def test_organisation_list_paginates(login, organiser):
    BuyerFactory.create_batch(51)

    response = login(organiser).get(reverse("organisation_list"))

    assert len(response.context["organisations"]) == 50
    assert "Page 1 of 2" in response.text


def test_profile_page(login, exporter_admin, django_assert_num_queries):
    organisation = exporter_admin.membership.organisation
    client = login(exporter_admin)

    # savepoint, session, user, organisation, membership, convention signature
    # and version, release
    with django_assert_num_queries(8):
        response = client.get(reverse("organisation_detail", args=[organisation.pk]))

    assert response.status_code == 200
    assert organisation.export_qualification_no in response.text
    assert reverse("organisation_edit", args=[organisation.pk]) in response.text


def test_admin_edits_the_profile_and_sees_field_errors(login, exporter_admin):
    organisation = exporter_admin.membership.organisation
    BuyerFactory(name="Taken Name")
    url = reverse("organisation_edit", args=[organisation.pk])
    client = login(exporter_admin)

    bad = client.post(
        url, {"name": "taken name", "country": "ZZ", "export_qualification_no": "", "website": "x y"}
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) >= {"name", "country", "export_qualification_no", "website"}

    good = client.post(
        url,
        {
            "name": "Renamed Export",
            "country": "CN",
            "province": "Henan",
            "city": "Zhengzhou",
            "export_qualification_no": "HA-1",
            "languages": ["en"],
            "website": "https://renamed.cn",
        },
    )
    assert good.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.province, organisation.languages) == (
        "Renamed Export",
        "Henan",
        ["en"],
    )
    assert organisation.kind == Organisation.Kind.EXPORTER


def test_buyers_profile_form_has_no_export_qualification(login, buyer_admin):
    organisation = buyer_admin.membership.organisation

    response = login(buyer_admin).get(reverse("organisation_edit", args=[organisation.pk]))

    assert "export_qualification_no" not in response.context["form"].fields


def test_organiser_verifies_a_company(login, organiser, exporter_admin):
    organisation = exporter_admin.membership.organisation
    client = login(organiser)

    client.post(reverse("organisation_verify", args=[organisation.pk]), {"verified": "1"})
    organisation.refresh_from_db()
    assert organisation.verified is True

    client.post(reverse("organisation_verify", args=[organisation.pk]), {"verified": "0"})
    organisation.refresh_from_db()
    assert organisation.verified is False


def test_unknown_pages_use_the_site_layout(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "CarBridge" in response.text


def test_organiser_dashboard_queries_are_bounded(login, organiser, django_assert_num_queries):
    client = login(organiser)

    with django_assert_num_queries(8):
        assert client.get(reverse("dashboard")).status_code == 200


def test_profile_form_queries_are_bounded(login, buyer_admin, django_assert_num_queries):
    organisation = buyer_admin.membership.organisation
    client = login(buyer_admin)

    # savepoint, session, user, organisation, membership, release
    with django_assert_num_queries(6):
        assert client.get(reverse("organisation_edit", args=[organisation.pk])).status_code == 200


def test_convention_page_queries_are_bounded(login, exporter_admin, django_assert_num_queries):
    client = login(exporter_admin)

    # savepoint, convention version, session, user, membership, signature, release
    with django_assert_num_queries(7):
        assert client.get(reverse("convention")).status_code == 200


def test_invitation_page_queries_are_bounded(client, exporter_admin, django_assert_num_queries):
    invitation = InvitationFactory(organisation=exporter_admin.membership.organisation)

    # savepoint, invitation with its company, whether the address has an account, release
    with django_assert_num_queries(4):
        assert client.get(reverse("invitation_accept", args=[invitation.token])).status_code == 200


@pytest.mark.parametrize("action", ["revoke", "remove", "role", "verify"])
def test_team_and_verify_actions_have_bounded_queries(
    login, exporter_admin, exporter_member, organiser, action, django_assert_num_queries
):
    organisation = exporter_admin.membership.organisation
    invitation = InvitationFactory(organisation=organisation)
    member = exporter_member.membership
    user, url, data = {
        "revoke": (exporter_admin, reverse("invitation_revoke", args=[organisation.pk, invitation.pk]), {}),
        "remove": (exporter_admin, reverse("member_remove", args=[organisation.pk, member.pk]), {}),
        "role": (
            exporter_admin,
            reverse("member_role", args=[organisation.pk, member.pk]),
            {"role": "admin"},
        ),
        "verify": (organiser, reverse("organisation_verify", args=[organisation.pk]), {"verified": "1"}),
    }[action]
    client = login(user)

    # savepoint, session, user, the membership and the object acted on, the change
    # in its own savepoint, release; removing a member or changing a role also
    # locks the company's administrators and reads the member's user.
    with django_assert_num_queries({"revoke": 9, "remove": 11, "role": 11, "verify": 9}[action]):
        assert client.post(url, data).status_code == 302
