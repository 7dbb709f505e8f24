from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import Membership, Organisation, User
from tests.factories import ExporterFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")


def _signup_data(**overrides: object) -> dict[str, object]:
    data = {
        "name": "Li Wei",
        "email": "li.wei@jinniu-auto.cn",
        "password1": "Tianfu-Export-2025!",
        "password2": "Tianfu-Export-2025!",
        "kind": "exporter",
        "organisation_name": "Jinniu Auto Export",
        "country": "CN",
        "province": "Sichuan",
        "city": "Chengdu",
        "export_qualification_no": "SC-UCE-2024-0017",
        "languages": ["zh-hans", "ru"],
        "website": "jinniu-auto.cn",
    }
    data.update(overrides)
    return data


def test_exporter_signup_creates_the_organisation_with_the_user_as_admin(client, mailoutbox):
    response = client.post(SIGNUP, _signup_data())

    assert response.status_code == 302
    user = User.objects.get(email="li.wei@jinniu-auto.cn")
    assert user.name == "Li Wei"
    membership = Membership.objects.select_related("organisation").get(user=user)
    assert membership.role == Membership.Role.ADMIN
    organisation = membership.organisation
    assert organisation.kind == Organisation.Kind.EXPORTER
    assert organisation.name == "Jinniu Auto Export"
    assert organisation.country.code == "CN"
    assert organisation.export_qualification_no == "SC-UCE-2024-0017"
    assert organisation.languages == ["zh-hans", "ru"]
    assert organisation.website == "https://jinniu-auto.cn"
    assert organisation.verified is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["li.wei@jinniu-auto.cn"]


def test_buyer_signup_needs_no_export_qualification(client):
    response = client.post(
        SIGNUP,
        _signup_data(
            email="ivan@avto.ru",
            kind="buyer",
            organisation_name="Avto Import",
            country="RU",
            export_qualification_no="",
            languages=["ru"],
        ),
    )

    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Avto Import")
    assert organisation.kind == Organisation.Kind.BUYER
    assert organisation.country.code == "RU"


def test_signup_reports_every_bad_field_and_saves_nothing(client):
    response = client.post(
        SIGNUP,
        _signup_data(
            email="not-an-email",
            password2="different",
            kind="organiser",
            country="XX",
            export_qualification_no="",
            website="not a url",
            languages=["xx-nope"],
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    for field in ("email", "kind", "country", "website", "languages"):
        assert field in errors, field
    assert User.objects.count() == 0
    assert Organisation.objects.count() == 0


def test_exporter_signup_requires_the_export_qualification_number(client):
    response = client.post(SIGNUP, _signup_data(export_qualification_no="  "))

    assert response.status_code == 200
    assert "export_qualification_no" in response.context["form"].errors
    assert not User.objects.exists()


def test_signup_refuses_a_company_name_already_registered_in_any_case(client):
    ExporterFactory(name="Jinniu Auto Export")

    response = client.post(SIGNUP, _signup_data(organisation_name="JINNIU auto export"))

    assert response.status_code == 200
    assert "already registered" in str(response.context["form"].errors["organisation_name"])
    assert not User.objects.filter(email="li.wei@jinniu-auto.cn").exists()


def test_login_waits_for_email_verification_when_it_is_mandatory(client, mailoutbox, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client.post(SIGNUP, _signup_data())

    response = client.post(
        reverse("account_login"),
        {"login": "li.wei@jinniu-auto.cn", "password": "Tianfu-Export-2025!"},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard")).status_code == 302

    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mailoutbox[-1].body).group(1)
    response = client.post(reverse("account_confirm_email", args=[key]))
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="li.wei@jinniu-auto.cn").verified
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "Jinniu Auto Export" in dashboard.text


def test_logout_ends_the_session(login, exporter_admin):
    client = login(exporter_admin)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, exporter_admin, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": exporter_admin.email})

    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "Brand-New-Pass-2026", "password2": "Brand-New-Pass-2026"},
    )
    assert response.status_code == 302
    exporter_admin.refresh_from_db()
    assert exporter_admin.check_password("Brand-New-Pass-2026")


def test_repeated_failed_logins_lock_the_account_for_a_while(client, exporter_admin):
    login_url = reverse("account_login")
    for _ in range(5):
        client.post(login_url, {"login": exporter_admin.email, "password": "wrong"})

    response = client.post(login_url, {"login": exporter_admin.email, "password": "a-long-test-password-1"})

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.text
    assert client.get(reverse("dashboard")).status_code == 302


def test_signed_in_users_are_sent_from_signup_to_the_dashboard(login, exporter_admin):
    response = login(exporter_admin).get(SIGNUP)

    assert response.status_code == 302
