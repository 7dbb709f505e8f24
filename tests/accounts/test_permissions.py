"""Nobody reaches another organisation's profile, team, members or invitations:
the answer is 404 whatever the id, so ids cannot be probed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Invitation, Membership, Organisation
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation_b(other_exporter_admin) -> Organisation:
    return other_exporter_admin.membership.organisation


def test_profile_of_another_organisation_is_not_found(login, exporter_admin, organisation_b):
    client = login(exporter_admin)

    assert client.get(reverse("organisation_detail", args=[organisation_b.pk])).status_code == 404
    assert client.get(reverse("organisation_edit", args=[organisation_b.pk])).status_code == 404


def test_profile_of_another_organisation_cannot_be_changed(login, exporter_admin, organisation_b):
    response = login(exporter_admin).post(
        reverse("organisation_edit", args=[organisation_b.pk]),
        {"name": "Hijacked", "country": "CN", "export_qualification_no": "X"},
    )

    assert response.status_code == 404
    organisation_b.refresh_from_db()
    assert organisation_b.name != "Hijacked"


def test_team_of_another_organisation_is_not_found(login, exporter_admin, organisation_b):
    assert login(exporter_admin).get(reverse("team", args=[organisation_b.pk])).status_code == 404


def test_nobody_invites_into_another_organisation(login, exporter_admin, organisation_b):
    response = login(exporter_admin).post(
        reverse("team", args=[organisation_b.pk]), {"email": "spy@example.com", "role": "admin"}
    )

    assert response.status_code == 404
    assert not Invitation.objects.filter(email="spy@example.com").exists()


def test_nobody_revokes_another_organisations_invitation(login, exporter_admin, organisation_b):
    invitation = InvitationFactory(organisation=organisation_b)
    client = login(exporter_admin)

    # Neither through B's URL nor by pairing B's invitation with A's own id.
    own = exporter_admin.membership.organisation
    for org_pk in (organisation_b.pk, own.pk):
        response = client.post(reverse("invitation_revoke", args=[org_pk, invitation.pk]))
        assert response.status_code == 404

    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_nobody_removes_or_promotes_another_organisations_members(login, exporter_admin, organisation_b):
    member = MembershipFactory(organisation=organisation_b, role=Membership.Role.MEMBER)
    client = login(exporter_admin)
    own = exporter_admin.membership.organisation

    for org_pk in (organisation_b.pk, own.pk):
        assert client.post(reverse("member_remove", args=[org_pk, member.pk])).status_code == 404
        assert (
            client.post(reverse("member_role", args=[org_pk, member.pk]), {"role": "admin"}).status_code
            == 404
        )

    member.refresh_from_db()
    assert member.role == Membership.Role.MEMBER


def test_members_see_but_do_not_manage_their_own_team(login, exporter_member):
    organisation = exporter_member.membership.organisation
    admin = Membership.objects.get(organisation=organisation, role=Membership.Role.ADMIN)
    client = login(exporter_member)

    page = client.get(reverse("team", args=[organisation.pk]))
    assert page.status_code == 200
    assert page.context["can_manage"] is False
    assert (
        client.post(
            reverse("team", args=[organisation.pk]), {"email": "x@example.com", "role": "member"}
        ).status_code
        == 404
    )
    assert client.post(reverse("member_remove", args=[organisation.pk, admin.pk])).status_code == 404
    assert client.get(reverse("organisation_edit", args=[organisation.pk])).status_code == 404
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_organisers_see_any_profile_but_not_its_team(login, organiser, organisation_b):
    client = login(organiser)

    assert client.get(reverse("organisation_detail", args=[organisation_b.pk])).status_code == 200
    assert client.get(reverse("team", args=[organisation_b.pk])).status_code == 404
    assert client.get(reverse("organisation_edit", args=[organisation_b.pk])).status_code == 404


def test_only_organisers_verify_companies_and_list_them(login, exporter_admin, buyer_admin, organisation_b):
    for user in (exporter_admin, buyer_admin):
        client = login(user)
        assert client.get(reverse("organisation_list")).status_code == 404
        response = client.post(reverse("organisation_verify", args=[organisation_b.pk]), {"verified": "1"})
        assert response.status_code == 404
    organisation_b.refresh_from_db()
    assert organisation_b.verified is False


@pytest.mark.parametrize(
    "url_name", ["organisation_detail", "organisation_edit", "team", "organisation_verify"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, organisation_b, url_name):
    response = client.get(reverse(url_name, args=[organisation_b.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_visitors_are_sent_to_sign_in_from_the_dashboard(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_unknown_ids_are_not_found(login, organiser):
    client = login(organiser)

    assert client.get(reverse("organisation_detail", args=[999_999])).status_code == 404
    assert client.post(reverse("organisation_verify", args=[999_999]), {"verified": "1"}).status_code == 404
