from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, User
from tests.factories import PASSWORD, ExporterFactory, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _accept_link(mail) -> str:
    return re.search(r"http://testserver(/invitations/[\w-]+/)", mail.body).group(1)


def test_admin_invites_a_colleague_who_gets_an_email_with_a_link(
    login, exporter_admin, mailoutbox, django_capture_on_commit_callbacks
):
    organisation = exporter_admin.membership.organisation

    with django_capture_on_commit_callbacks(execute=True):
        response = login(exporter_admin).post(
            reverse("team", args=[organisation.pk]), {"email": "Zhang.Min@Jinniu.cn", "role": "member"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=organisation)
    assert invitation.email == "zhang.min@jinniu.cn"
    assert invitation.invited_by == exporter_admin
    assert invitation.sent_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["zhang.min@jinniu.cn"]
    assert organisation.name in mailoutbox[0].subject
    assert _accept_link(mailoutbox[0]) == reverse("invitation_accept", args=[invitation.token])


def test_invitation_form_errors_are_shown_on_the_team_page(login, exporter_admin, exporter_member):
    organisation = exporter_admin.membership.organisation
    client = login(exporter_admin)

    response = client.post(reverse("team", args=[organisation.pk]), {"email": "nope", "role": "boss"})
    assert response.status_code == 400
    assert set(response.context["invitation_form"].errors) == {"email", "role"}

    response = client.post(
        reverse("team", args=[organisation.pk]), {"email": exporter_member.email, "role": "member"}
    )
    assert response.status_code == 400
    assert "already a member" in str(response.context["invitation_form"].errors["email"])
    assert not Invitation.objects.exists()


def test_a_second_open_invitation_to_the_same_address_is_refused(exporter_admin):
    organisation = exporter_admin.membership.organisation
    services.invitation_create(
        organisation=organisation, email="a@example.com", role="member", invited_by=exporter_admin
    )

    with pytest.raises(ValidationError, match="open invitation"):
        services.invitation_create(
            organisation=organisation, email="A@example.com", role="admin", invited_by=exporter_admin
        )


def test_an_expired_invitation_can_be_sent_again(exporter_admin, mailoutbox):
    organisation = exporter_admin.membership.organisation
    old = InvitationFactory(organisation=organisation, email="late@example.com")
    Invitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))

    new = services.invitation_create(
        organisation=organisation, email="late@example.com", role="member", invited_by=exporter_admin
    )

    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.revoked_at is not None


def test_sending_an_invitation_twice_emails_once(exporter_admin, mailoutbox):
    invitation = InvitationFactory(organisation=exporter_admin.membership.organisation)

    assert services.invitation_send(invitation=invitation) is True
    assert services.invitation_send(invitation=invitation) is False
    assert len(mailoutbox) == 1


def test_a_new_person_creates_their_account_from_the_invitation(
    client, exporter_admin, mailoutbox, django_capture_on_commit_callbacks
):
    organisation = exporter_admin.membership.organisation
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            organisation=organisation, email="new@example.com", role="admin", invited_by=exporter_admin
        )
    link = _accept_link(mailoutbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert "new@example.com" in page.text
    response = client.post(
        link, {"name": "New Person", "password1": "Fair-Export-77", "password2": "Fair-Export-77"}
    )

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.membership.organisation == organisation
    assert user.membership.role == Membership.Role.ADMIN
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(link).status_code == 410


def test_the_invitation_form_reports_weak_or_mismatched_passwords(client, exporter_admin):
    invitation = InvitationFactory(organisation=exporter_admin.membership.organisation)
    link = reverse("invitation_accept", args=[invitation.token])

    response = client.post(link, {"name": "", "password1": "123", "password2": "456"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "password2"}
    response = client.post(link, {"name": "X", "password1": "12345678", "password2": "12345678"})
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email=invitation.email).exists()


def test_someone_with_an_account_but_no_organisation_accepts_after_signing_in(login, exporter_admin):
    invitation = InvitationFactory(organisation=exporter_admin.membership.organisation)
    person = UserFactory(email=invitation.email)
    link = reverse("invitation_accept", args=[invitation.token])

    client = login(person)
    assert "Accept and join" in client.get(link).text
    response = client.post(link)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.membership.organisation_id == invitation.organisation_id


def test_an_invitation_cannot_be_used_by_another_account(login, exporter_admin, buyer_admin):
    invitation = InvitationFactory(organisation=exporter_admin.membership.organisation)

    response = login(buyer_admin).post(reverse("invitation_accept", args=[invitation.token]))

    assert response.status_code == 400
    assert invitation.email in response.text
    buyer_admin.refresh_from_db()
    assert buyer_admin.membership.organisation.is_buyer


def test_someone_already_in_an_organisation_cannot_join_a_second(login, exporter_admin, buyer_admin):
    invitation = InvitationFactory(
        organisation=exporter_admin.membership.organisation, email=buyer_admin.email
    )

    response = login(buyer_admin).post(reverse("invitation_accept", args=[invitation.token]))

    assert response.status_code == 400
    assert "one organisation" in response.text
    assert Membership.objects.filter(user=buyer_admin).count() == 1


@pytest.mark.parametrize("state", ["revoked", "expired", "accepted"])
def test_closed_invitations_cannot_be_used(client, exporter_admin, state):
    invitation = InvitationFactory(organisation=exporter_admin.membership.organisation)
    now = timezone.now()
    changes = {
        "revoked": {"revoked_at": now},
        "expired": {"created_at": now - timedelta(days=15)},
        "accepted": {"accepted_at": now},
    }[state]
    Invitation.objects.filter(pk=invitation.pk).update(**changes)
    link = reverse("invitation_accept", args=[invitation.token])

    assert client.get(link).status_code == 410
    response = client.post(link, {"name": "X", "password1": "Fair-Export-77", "password2": "Fair-Export-77"})
    assert response.status_code == 400
    assert not User.objects.filter(email=invitation.email).exists()


def test_an_unknown_invitation_token_is_not_found(client):
    assert client.get(reverse("invitation_accept", args=["no-such-token"])).status_code == 404


def test_admin_withdraws_an_invitation(login, exporter_admin):
    invitation = InvitationFactory(organisation=exporter_admin.membership.organisation)

    response = login(exporter_admin).post(
        reverse("invitation_revoke", args=[invitation.organisation_id, invitation.pk])
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_admin_removes_a_member_whose_account_remains(login, exporter_admin, exporter_member):
    organisation = exporter_admin.membership.organisation

    response = login(exporter_admin).post(
        reverse("member_remove", args=[organisation.pk, exporter_member.membership.pk])
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(user=exporter_member).exists()
    assert User.objects.filter(pk=exporter_member.pk).exists()


def test_the_last_administrator_can_be_neither_removed_nor_demoted(login, exporter_admin, exporter_member):
    organisation = exporter_admin.membership.organisation
    client = login(exporter_admin)

    client.post(reverse("member_remove", args=[organisation.pk, exporter_admin.membership.pk]))
    response = client.post(
        reverse("member_role", args=[organisation.pk, exporter_admin.membership.pk]),
        {"role": "member"},
        follow=True,
    )

    assert "at least one administrator" in response.text
    exporter_admin.membership.refresh_from_db()
    assert exporter_admin.membership.role == Membership.Role.ADMIN


def test_admin_promotes_a_member_who_can_then_step_the_first_admin_down(
    login, exporter_admin, exporter_member
):
    organisation = exporter_admin.membership.organisation

    login(exporter_admin).post(
        reverse("member_role", args=[organisation.pk, exporter_member.membership.pk]), {"role": "admin"}
    )
    login(exporter_member).post(
        reverse("member_role", args=[organisation.pk, exporter_admin.membership.pk]), {"role": "member"}
    )

    roles = dict(Membership.objects.filter(organisation=organisation).values_list("user_id", "role"))
    assert roles == {exporter_admin.pk: "member", exporter_member.pk: "admin"}


def test_an_invalid_role_is_refused(login, exporter_admin, exporter_member):
    organisation = exporter_admin.membership.organisation

    response = login(exporter_admin).post(
        reverse("member_role", args=[organisation.pk, exporter_member.membership.pk]),
        {"role": "owner"},
        follow=True,
    )

    assert "Choose a valid role" in response.text
    exporter_member.membership.refresh_from_db()
    assert exporter_member.membership.role == Membership.Role.MEMBER


def test_a_user_who_left_sees_how_to_rejoin(login, user_without_organisation):
    response = login(user_without_organisation).get(reverse("dashboard"))

    assert response.status_code == 200
    assert "not part of an organisation" in response.text


def test_the_exporter_a_member_was_invited_to_keeps_its_other_members(exporter_admin):
    other = ExporterFactory()
    MembershipFactory(organisation=other)
    invitation = InvitationFactory(organisation=other)

    user = services.user_create_from_invitation(invitation=invitation, name="Q", password=PASSWORD)

    assert Membership.objects.filter(organisation=other).count() == 2
    assert user.membership.organisation == other
