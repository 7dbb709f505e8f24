"""Odd input to the lot and need lists and the market rules file gets a clear
answer, never an error page: searches the length of a book (SQLite refuses a
LIKE pattern over 50,000 bytes) and numbers in superscript digits."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError
from django.urls import reverse

from matchmaking.models import MarketRule
from tests.factories import LotFactory, NeedFactory
from tests.matchmaking.test_market_rules import _run, _write

pytestmark = pytest.mark.django_db

TOO_LONG = "Ensure this value has at most 200 characters (it has 60000)."


@pytest.mark.parametrize(
    ("page", "field"),
    [
        ("lot_list", "q"),
        ("lot_list", "make"),
        ("lot_list", "company"),
        ("need_list", "q"),
        ("need_list", "company"),
    ],
)
def test_a_60000_character_search_is_refused_on_its_field(login, organiser, page, field):
    LotFactory(ref="SC-LONG-1")
    NeedFactory(ref="KZ-LONG-1")

    response = login(organiser).get(reverse(page), {field: "Haval-" * 10_000})

    assert response.status_code == 200
    assert response.context["filter"].errors[field] == [TOO_LONG]
    assert TOO_LONG in response.text


def test_a_search_of_200_characters_is_still_a_search(login, exporter_admin):
    LotFactory(exporter=exporter_admin.membership.organisation, ref="SC-7")

    response = login(exporter_admin).get(reverse("lot_list"), {"q": "SC-7" + "0" * 196})

    assert response.status_code == 200
    assert response.context["filter"].errors == {}
    assert list(response.context["lots"]) == []


def test_a_market_rule_number_in_superscript_digits_is_a_line_error(tmp_path: Path):
    path = _write(tmp_path, "BD,,no,,²,manufacture,,,,,no,2024,,")

    with pytest.raises(CommandError) as raised:
        _run(str(path))

    assert "Line 2 (BD): max_age_years: “²” is not a whole number." in str(raised.value)
    assert not MarketRule.objects.filter(country="BD").exists()
