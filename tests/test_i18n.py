"""Seven languages: complete catalogues, compiled, nothing left unmarked, and
served to people who ask for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
import pyuca
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_countries import countries

from matchmaking.models import Need

LOCALE = Path(__file__).resolve().parent.parent / "locale"
CATALOGUES = ["zh_Hans", "ru", "fa", "ar", "vi", "es"]
ROOT = LOCALE.parent


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


def test_the_seven_languages_are_offered():
    assert [code for code, _ in settings.LANGUAGES] == ["en", "zh-hans", "ru", "fa", "ar", "vi", "es"]


def test_no_string_is_left_out_of_the_catalogues(tmp_path, monkeypatch, settings):
    """`make messages` would add nothing: every marked string is in the
    catalogues (and so, by the tests above, translated)."""
    # makemessages writes beside the sources it finds: run it on a copy.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".*",
            "__pycache__",
            "node_modules",
            "static",
            "staticfiles",
            "media",
            "private",
            "tests",
            "bench",
            "locale",
            "*.mo",
            "*.po",
            "*.png",
            "*.jpg",
            "*.pdf",
            "*.xlsx",
        ),
    )
    (source / "locale").mkdir()
    monkeypatch.chdir(source)
    settings.LOCALE_PATHS = [source / "locale"]
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)

    def keys(path: Path) -> set[tuple]:
        return {(e.msgctxt, e.msgid, e.msgid_plural) for e in polib.pofile(str(path)) if not e.obsolete}

    marked = keys(source / "locale" / "en" / "LC_MESSAGES" / "django.po")
    catalogued = keys(LOCALE / "ru" / "LC_MESSAGES" / "django.po")
    assert sorted(marked - catalogued, key=str) == [], "run `make messages` and translate the new strings"


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


@pytest.mark.parametrize("language", ["en", "ru", "fa", "es"])
def test_country_pickers_put_the_fairs_destinations_first_sorted_in_the_readers_language(language):
    field = Need._meta.get_field("destination_country").formfield()
    with translation.override(language):
        names = [str(name) for code, name in field.choices if code]
    first = names[: len(settings.COUNTRIES_FIRST)]
    rest = names[len(settings.COUNTRIES_FIRST) + 1 :]

    collator = pyuca.Collator()
    assert first == sorted(first, key=collator.sort_key)
    assert rest[:20] == sorted(rest[:20], key=collator.sort_key)
    with translation.override(language):
        assert str(countries.name("RU")) in first


def test_the_error_page_speaks_the_readers_language():
    with translation.override("fa"):
        page = render_to_string("500.html")

    assert 'lang="fa" dir="rtl"' in page
    assert "خطایی رخ داد" in page
