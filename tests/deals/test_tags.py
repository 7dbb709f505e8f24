"""Money the same way on every page, in each language's own pattern (CLDR,
through core.formats)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from core.templatetags.formats import amount, compact_money, money


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "CN¥5,259,640"),
        ("zh-hans", "¥5,259,640"),
        ("ru", "5\xa0259\xa0640\xa0CN¥"),
        ("fa", "\u200e¥CN\xa05,259,640"),
        ("ar", "\u200f5,259,640\xa0CN¥"),
        ("vi", "5.259.640\xa0CN¥"),
        ("es", "5.259.640\xa0CNY"),
    ],
)
def test_money_is_whole_and_grouped_in_every_language(language, expected):
    with translation.override(language):
        assert money(Decimal("5259639.6"), "CNY") == expected


def test_other_currencies_and_cents():
    with translation.override("en"):
        assert money(Decimal("1500"), "KZT") == "KZT\xa01,500"
        assert amount(Decimal("6673.8")) == "6,673.80"
        assert amount(Decimal("6673.8"), "USD") == "$6,673.80"


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", "1020000000", "CN¥1.02B"),
        ("en", "5859000", "CN¥5.86M"),
        ("zh-hans", "1020000000", "¥10.2亿"),
        ("zh-hans", "5859000", "¥585.9万"),
        ("ru", "1020000000", "1,02\xa0млрд\xa0CN¥"),
    ],
)
def test_the_headline_figure_is_compact_in_the_readers_units(language, value, expected):
    with translation.override(language):
        assert compact_money(Decimal(value), "CNY") == expected
