from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from deals.templatetags.deal_tags import amount, compact_money, money


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "¥5,259,640"), ("zh-hans", "¥5,259,640"), ("ru", "¥5\xa0259\xa0640")],
)
def test_money_is_grouped_in_every_language(language, expected):
    with translation.override(language):
        assert money(Decimal("5259639.6"), "CNY") == expected


def test_other_currencies_get_their_code():
    with translation.override("en"):
        assert money(Decimal("1500"), "KZT") == "1,500 KZT"
        assert amount(Decimal("6673.8")) == "6,673.80"


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", "1020000000", "¥1.02 billion"),
        ("en", "5859000", "¥5.86 million"),
        ("en", "56658", "¥56,658"),
        ("zh-hans", "1020000000", "¥10.20亿"),
        ("zh-hans", "5859000", "¥585.90万"),
    ],
)
def test_the_headline_figure_is_compact_in_the_readers_units(language, value, expected):
    with translation.override(language):
        assert compact_money(Decimal(value), "CNY") == expected
