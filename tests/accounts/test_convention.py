from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import ConventionSignature
from accounts.selectors import convention_is_signed, current_convention
from tests.factories import ConventionVersionFactory

pytestmark = pytest.mark.django_db


def test_version_one_is_published_by_the_migrations():
    convention = current_convention()

    assert convention.version == 1
    assert "odometer" in convention.body


def test_exporter_admin_signs_and_the_signature_records_signer_and_time(login, exporter_admin):
    organisation = exporter_admin.membership.organisation
    client = login(exporter_admin)
    assert "Sign the convention" in client.get(reverse("convention")).text

    response = client.post(reverse("convention"), {"agree": "on"})

    assert response.status_code == 302
    signature = ConventionSignature.objects.get(organisation=organisation)
    assert signature.signer == exporter_admin
    assert signature.convention.version == 1
    assert signature.signed_at is not None
    assert convention_is_signed(organisation)


def test_signing_needs_the_box_ticked(login, exporter_admin):
    response = login(exporter_admin).post(reverse("convention"), {})

    assert response.status_code == 400
    assert "agree" in response.context["form"].errors
    assert not ConventionSignature.objects.exists()


def test_signing_twice_keeps_one_signature(exporter_admin):
    organisation = exporter_admin.membership.organisation

    first = services.convention_sign(organisation=organisation, user=exporter_admin)
    second = services.convention_sign(organisation=organisation, user=exporter_admin)

    assert first.pk == second.pk


def test_a_new_version_asks_the_exporter_to_sign_again(login, exporter_admin):
    organisation = exporter_admin.membership.organisation
    services.convention_sign(organisation=organisation, user=exporter_admin)
    ConventionVersionFactory(version=2, title="Convention 2026")

    assert not convention_is_signed(organisation)
    dashboard = login(exporter_admin).get(reverse("dashboard"))
    assert "A new version of the convention (v2)" in dashboard.text

    services.convention_sign(organisation=organisation, user=exporter_admin)
    assert convention_is_signed(organisation)
    assert organisation.convention_signatures.count() == 2


def test_plain_members_cannot_sign_for_the_company(login, exporter_member):
    client = login(exporter_member)

    assert "Only an administrator" in client.get(reverse("convention")).text
    assert client.post(reverse("convention"), {"agree": "on"}).status_code == 404
    assert not ConventionSignature.objects.exists()


def test_buyers_and_organisers_do_not_sign(login, buyer_admin, organiser):
    for user in (buyer_admin, organiser):
        assert login(user).post(reverse("convention"), {"agree": "on"}).status_code == 404
        with pytest.raises(ValidationError):
            services.convention_sign(organisation=user.membership.organisation, user=user)
    assert not ConventionSignature.objects.exists()


def test_anyone_can_read_the_convention(client):
    response = client.get(reverse("convention"))

    assert response.status_code == 200
    assert "Self-Discipline Convention" in response.text
    assert "Sign the convention" not in response.text
