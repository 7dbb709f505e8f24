"""Market rules' notes in the reader's language: the bundled rules come with
their notes translated, organisers edit them per language, readers without a
translation read the original."""

from __future__ import annotations

import csv

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from matchmaking.models import MarketRule
from matchmaking.services.market_rules import (
    BUNDLED_MARKET_RULES,
    bundled_note_translations,
    market_rules_load,
)

pytestmark = pytest.mark.django_db

OTHER_LANGUAGES = {code for code, _name in settings.LANGUAGES} - {"en"}


def test_every_bundled_note_is_translated_into_every_other_language():
    with BUNDLED_MARKET_RULES.open(encoding="utf-8") as handle:
        notes = {row["notes"].strip() for row in csv.DictReader(handle) if row["notes"].strip()}
    translations = bundled_note_translations()

    assert set(translations) == notes
    for note, texts in translations.items():
        assert set(texts) == OTHER_LANGUAGES, note
        assert all(text.strip() and text != note for text in texts.values()), note


def test_the_migrated_and_reloaded_rules_carry_their_notes_translations():
    russia = MarketRule.objects.get(country="RU")
    assert russia.notes_translations["ru"]

    market_rules_load(replace=True)

    reloaded = MarketRule.objects.get(country="RU")
    assert reloaded.notes_translations == russia.notes_translations
    with translation.override("ru"):
        assert reloaded.display_notes == russia.notes_translations["ru"]
    with translation.override("en"):
        assert reloaded.display_notes == reloaded.notes


def test_readers_get_the_notes_in_their_language(client):
    russia = MarketRule.objects.get(country="RU")

    page = client.get(reverse("market_rules_public"), headers={"accept-language": "fa"})

    assert russia.notes_translations["fa"] in page.text
    assert russia.notes not in page.text


def test_organisers_edit_the_notes_per_language(login, organiser):
    rule = MarketRule.objects.get(country="NG")
    client = login(organiser)
    page = client.get(reverse("market_rule_edit", args=[rule.pk]))
    assert rule.notes_translations["es"] in page.text

    response = client.post(
        reverse("market_rule_edit", args=[rule.pk]),
        {
            "country": "NG",
            "steering_required": "LHD",
            "max_age_years": "12",
            "age_counted_from": "manufacture",
            "last_checked": "2026-10",
            "source": rule.source,
            "notes": "12 years confirmed.",
            "notes_ru": "Подтверждено: 12 лет.",
            "notes_es": "",
        },
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.notes_translations == {"ru": "Подтверждено: 12 лет."}
