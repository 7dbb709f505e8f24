"""One way to show dates, times, money, rates and shares, per language
(CLDR through Babel), whatever page or email shows them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core import formats

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 12, 2, 6, 42, tzinfo=datetime.UTC)  # 14:42 in Chengdu


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "Dec 2, 2026", "Wed, Dec 2, 2026, 2:42\u202fPM"),
        ("zh-hans", "2026年12月2日", "2026年12月2日周三 14:42"),
        ("ru", "2 дек. 2026\u202fг.", "ср, 2 дек. 2026\u202fг., 14:42"),
        ("vi", "2 thg 12, 2026", "14:42 Thứ 4, 2 thg 12, 2026"),
        ("es", "2 dic 2026", "mié, 2 dic 2026, 14:42"),
    ],
)
def test_a_date_and_a_time_with_its_date_in_the_current_time_zone(language, day, moment):
    with translation.override(language), timezone.override(SHANGHAI):
        assert formats.day(START) == day
        assert formats.day(START.date()) == day
        assert formats.moment(START) == moment


def test_a_slot_gives_its_date_once_and_both_times():
    with translation.override("en"), timezone.override(SHANGHAI):
        assert formats.span(START, START + datetime.timedelta(minutes=30)) == (
            "Wed, Dec 2, 2026, 2:42\u202fPM – 3:12\u202fPM"
        )


def test_no_date_reads_empty():
    assert formats.day(None) == formats.moment(None) == formats.span(None, None) == ""


@pytest.mark.parametrize(
    ("language", "price", "cents"),
    [
        ("en", "$7,230", "$7,230.50"),
        ("ru", "7\xa0230\xa0$", "7\xa0230,50\xa0$"),
        ("es", "7.230\xa0US$", "7.230,50\xa0US$"),
        ("ar", "\u200f7,230\xa0US$", "\u200f7,230.50\xa0US$"),
    ],
)
def test_a_price_is_whole_unless_it_has_cents(language, price, cents):
    with translation.override(language):
        assert formats.price(Decimal("7230"), "USD") == price
        assert formats.price(Decimal("7230.5"), "USD") == cents


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("7.10000000"), "en", "7.1"),
        (Decimal("0.0000071"), "en", "0.0000071"),
        (Decimal("140845.0704"), "ru", "140\xa0845,0704"),
    ],
)
def test_an_exchange_rate_has_the_digits_it_needs(value, language, expected):
    with translation.override(language):
        assert formats.rate(value) == expected


def test_shares_have_one_decimal_only_when_needed():
    with translation.override("ru"):
        assert formats.share(21.54) == "21,5"
        assert formats.share(10.0) == "10"


def test_a_name_keeps_its_own_direction_inside_a_sentence():
    assert formats.isolate("Jinniu Auto Export Co., Ltd.") == "\u2068Jinniu Auto Export Co., Ltd.\u2069"
    assert formats.isolate("") == ""


def test_a_slot_puts_its_times_where_the_language_puts_a_time():
    with translation.override("vi"), timezone.override(SHANGHAI):
        assert (
            formats.span(START, START + datetime.timedelta(minutes=30))
            == "14:42 – 15:12 Thứ 4, 2 thg 12, 2026"
        )
