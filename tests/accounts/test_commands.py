from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership, Organisation, User
from tests.factories import BuyerFactory

pytestmark = pytest.mark.django_db


def test_create_organiser_makes_an_admin_of_a_new_organiser(capsys):
    call_command(
        "create_organiser",
        "--email",
        "Liu@Assoc.cn",
        "--name",
        "Liu Yang",
        "--organisation",
        "Sichuan Used Car Export Association",
    )

    user = User.objects.get(email="liu@assoc.cn")
    assert user.membership.role == Membership.Role.ADMIN
    assert user.membership.organisation.kind == Organisation.Kind.ORGANISER
    password = capsys.readouterr().out.split("Initial password: ")[1].split()[0]
    assert user.check_password(password)


def test_create_organiser_joins_an_existing_organiser(organiser):
    name = organiser.membership.organisation.name

    call_command(
        "create_organiser",
        "--email",
        "b@assoc.cn",
        "--name",
        "B",
        "--organisation",
        name,
        "--password",
        "Another-Long-Pass-1",
    )

    assert Membership.objects.filter(organisation__name=name).count() == 2


def test_create_organiser_refuses_a_taken_email_or_a_non_organiser_company(exporter_admin):
    BuyerFactory(name="Lagos Motors")

    with pytest.raises(CommandError, match="already has an account"):
        call_command(
            "create_organiser", "--email", exporter_admin.email, "--name", "X", "--organisation", "New"
        )
    with pytest.raises(CommandError, match="not an organiser"):
        call_command("create_organiser", "--email", "x@y.cn", "--name", "X", "--organisation", "lagos motors")
    assert not User.objects.filter(email="x@y.cn").exists()


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())
    call_command("seed_demo")

    assert (User.objects.count(), Organisation.objects.count(), Membership.objects.count()) == counts
    out = capsys.readouterr().out
    assert "organiser@carbridge.example" in out
    assert "carbridge-demo" in out
    kinds = Organisation.objects.values_list("kind", "province", "country")
    assert {province for kind, province, _ in kinds if kind == "exporter"} == {"Sichuan", "Henan"}
    assert len({country for kind, _, country in kinds if kind == "buyer"}) == 10
    assert User.objects.get(email="chengdu@carbridge.example").check_password("carbridge-demo")
