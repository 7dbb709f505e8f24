"""Sign-up verification and password reset emails say CarBridge, link to the
public address from configuration and come in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.test_signup import _signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_address(settings) -> str:
    settings.CARBRIDGE_SITE_URL = "https://fair.carbridge.example"
    # The page was opened at an internal address.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "10.0.0.7"]
    return settings.CARBRIDGE_SITE_URL


def test_the_verification_email_is_carbridges_with_the_public_address(client, mailoutbox, public_address):
    client.post(reverse("account_signup"), _signup_data(), headers={"host": "10.0.0.7"})

    [mail] = mailoutbox
    assert mail.subject.startswith("[CarBridge] ")
    assert mail.body.startswith("Hello from CarBridge!")
    assert re.search(r"https://fair\.carbridge\.example/accounts/confirm-email/\S+/", mail.body)
    assert "10.0.0.7" not in mail.body
    assert "testserver" not in mail.body


def test_the_password_reset_link_uses_the_public_address(client, exporter_admin, mailoutbox, public_address):
    client.post(reverse("account_reset_password"), {"email": exporter_admin.email})

    [mail] = mailoutbox
    assert re.search(r"https://fair\.carbridge\.example/accounts/password/reset/key/\S+/", mail.body)


def test_account_emails_come_in_the_readers_language(client, mailoutbox):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    client.post(reverse("account_signup"), _signup_data())

    [mail] = mailoutbox
    assert mail.body.startswith("¡Hola desde CarBridge!")
    assert "Hello" not in mail.body


def test_the_site_has_a_favicon(client):
    assert 'rel="icon"' in client.get(reverse("home")).text
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url.endswith("favicon.svg")
