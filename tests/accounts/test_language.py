"""Which language a person reads: their saved one, then the browser's, then
whatever they pick in the switcher (which is saved)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, email: str, browser: str) -> None:
    response = client.post(
        reverse("account_login"), {"login": email, "password": PASSWORD}, headers={"accept-language": browser}
    )
    assert response.status_code == 302


def test_the_saved_language_wins_over_the_browsers():
    user = UserFactory(language="fa")
    client = Client()

    _sign_in(client, user.email, browser="es-ES,es;q=0.9")
    page = client.get(reverse("dashboard"), headers={"accept-language": "es-ES,es;q=0.9"})

    assert 'lang="fa" dir="rtl"' in page.text


def test_without_a_saved_language_the_browsers_is_kept_for_later_emails():
    user = UserFactory(language="")
    client = Client()

    _sign_in(client, user.email, browser="vi-VN,vi;q=0.9")

    user.refresh_from_db()
    assert user.language == "vi"
    assert 'lang="vi"' in client.get(reverse("dashboard"), headers={"accept-language": "vi"}).text


def test_the_switcher_saves_a_signed_in_persons_choice(login):
    user = UserFactory(language="en")
    client = login(user)

    response = client.post(reverse("set_language"), {"language": "ar", "next": reverse("dashboard")})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "ar"
    assert 'lang="ar" dir="rtl"' in client.get(reverse("dashboard"), headers={"accept-language": "en"}).text


def test_the_switcher_refuses_get_and_unknown_languages(login):
    user = UserFactory(language="en")
    client = login(user)

    assert client.get(reverse("set_language")).status_code == 405
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
