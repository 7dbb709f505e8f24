"""English, Simplified Chinese and Russian: complete catalogues, compiled, and
served to people who ask for them."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(__file__).resolve().parent.parent / "locale"
CATALOGUES = ["zh_Hans", "ru"]


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_string_is_translated(language):
    po = polib.pofile(LOCALE / language / "LC_MESSAGES" / "django.po")

    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("language", CATALOGUES)
def test_compiled_catalogue_matches_the_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    po, mo = polib.pofile(folder / "django.po"), polib.mofile(folder / "django.mo")

    def entries(catalogue) -> set[tuple]:
        return {
            (e.msgctxt, e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid and not e.obsolete
        }

    assert entries(po) == entries(mo), "run `make messages` to recompile the .mo files"


def test_the_three_languages_are_offered():
    assert [code for code, _ in settings.LANGUAGES] == ["en", "zh-hans", "ru"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("zh-CN,zh;q=0.9", "注册企业"),
        ("ru-RU,ru;q=0.9", "Зарегистрировать компанию"),
        ("en", "Register your company"),
    ],
)
def test_pages_follow_the_browsers_language(client, accept_language, expected):
    response = client.get(reverse("home"), headers={"accept-language": accept_language})

    assert expected in response.text


@pytest.mark.django_db
def test_the_language_switcher_remembers_the_choice(client):
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})

    response = client.get(reverse("account_signup"))

    assert 'lang="ru"' in response.text
    assert "Название компании" in response.text
