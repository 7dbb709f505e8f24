"""Odd input on the accounts pages: invitations sent by the dozen (each one an
email from the platform's address carrying names of the sender's choosing),
names the length of a paragraph in those emails, and searches the length of a
book."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LIMIT = "Your company has sent 10 invitations in the last hour, the most allowed; try again in 60 minutes."


def _invite(admin, email: str) -> Invitation:
    return services.invitation_create(
        organisation=admin.membership.organisation, email=email, role="member", invited_by=admin
    )


def test_the_eleventh_invitation_in_an_hour_is_refused_on_the_team_page(
    login, exporter_admin, mailoutbox, django_capture_on_commit_callbacks
):
    organisation = exporter_admin.membership.organisation
    client = login(exporter_admin)

    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post(
                reverse("team", args=[organisation.pk]), {"email": f"x{n}@spam.example", "role": "member"}
            )
            for n in range(12)
        ]

    assert [response.status_code for response in responses] == [302] * 10 + [400] * 2
    assert responses[-1].context["invitation_form"].errors["email"] == [LIMIT]
    assert Invitation.objects.filter(organisation=organisation).count() == 10
    assert len(mailoutbox) == 10


def test_the_limit_counts_every_administrator_of_the_company(exporter_admin):
    colleague = MembershipFactory(organisation=exporter_admin.membership.organisation, role="admin").user
    for n in range(10):
        _invite(exporter_admin, f"x{n}@spam.example")

    with pytest.raises(ValidationError) as refused:
        _invite(colleague, "one-more@spam.example")

    assert refused.value.message_dict == {"email": [LIMIT]}


def test_the_limit_counts_the_sender_across_companies(exporter_admin, buyer_admin):
    # An account that administers one company and invites on behalf of another
    # (a superuser, or a membership moved) still sends ten an hour at most.
    for n in range(10):
        _invite(exporter_admin, f"x{n}@spam.example")

    with pytest.raises(ValidationError, match="the most allowed"):
        services.invitation_create(
            organisation=buyer_admin.membership.organisation,
            email="elsewhere@spam.example",
            role="member",
            invited_by=exporter_admin,
        )


def test_invitations_older_than_an_hour_no_longer_count(exporter_admin):
    organisation = exporter_admin.membership.organisation
    for n in range(10):
        InvitationFactory(organisation=organisation, invited_by=exporter_admin, email=f"old{n}@example.com")
    Invitation.objects.update(created_at=timezone.now() - timedelta(minutes=61))

    assert _invite(exporter_admin, "new@example.com").pk


def test_the_wait_is_counted_from_the_oldest_invitation_of_the_hour(exporter_admin):
    organisation = exporter_admin.membership.organisation
    for n in range(10):
        InvitationFactory(organisation=organisation, invited_by=exporter_admin, email=f"x{n}@example.com")
    Invitation.objects.update(created_at=timezone.now() - timedelta(minutes=59, seconds=30))

    with pytest.raises(ValidationError) as refused:
        _invite(exporter_admin, "new@example.com")

    assert refused.value.messages == [
        "Your company has sent 10 invitations in the last hour, the most allowed; try again in 1 minute."
    ]


def test_names_in_the_invitation_email_are_cut_short(exporter_admin, mailoutbox):
    organisation = exporter_admin.membership.organisation
    organisation.name = "Visit evil.example to claim your prize " + "x" * 160
    organisation.save()
    exporter_admin.name = "Your account is locked, call +1 555 0100 now " + "y" * 100
    exporter_admin.save()
    invitation = InvitationFactory(organisation=organisation, invited_by=exporter_admin)

    services.invitation_send(invitation=invitation)

    (mail,) = mailoutbox
    assert "x" * 60 + "…" in mail.subject
    assert "x" * 61 not in mail.subject + mail.body
    assert "y" * 14 + "…" in mail.body
    assert "y" * 15 not in mail.body


def test_a_60000_character_company_search_is_refused_on_its_field(login, organiser):
    response = login(organiser).get(reverse("organisation_list"), {"q": "Haval-" * 10_000})

    assert response.status_code == 200
    assert response.context["filter"].errors["q"] == [
        "Ensure this value has at most 200 characters (it has 60000)."
    ]
