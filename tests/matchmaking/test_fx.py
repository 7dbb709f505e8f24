"""FX rates: the initial rates, reading and converting through CNY, the
services and the organisers' pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matchmaking.choices import CURRENCIES
from matchmaking.models import FxRate
from matchmaking.selectors.fx import fx_convert, fx_latest_rates, fx_rate_on, fx_table_on
from matchmaking.services.fx import fx_rate_create, fx_rate_delete, fx_rate_update
from tests.factories import FxRateFactory

pytestmark = pytest.mark.django_db

INITIAL_DAY = datetime.date(2026, 11, 1)
OCT, NOV, DEC = datetime.date(2027, 10, 1), datetime.date(2027, 11, 1), datetime.date(2027, 12, 1)


@pytest.fixture
def usd_history() -> None:
    FxRate.objects.all().delete()
    FxRateFactory(currency="USD", date=OCT, rate_to_cny=Decimal("7.00"))
    FxRateFactory(currency="USD", date=NOV, rate_to_cny=Decimal("7.20"))
    FxRateFactory(currency="USD", date=DEC, rate_to_cny=Decimal("7.30"))
    FxRateFactory(currency="RUB", date=OCT, rate_to_cny=Decimal("0.08"))
    FxRateFactory(currency="RUB", date=NOV, rate_to_cny=Decimal("0.09"))


# Initial rates -----------------------------------------------------------------


def test_migration_loaded_a_rate_for_every_currency():
    rates = dict(FxRate.objects.filter(date=INITIAL_DAY).values_list("currency", "rate_to_cny"))

    assert sorted(rates) == sorted(CURRENCIES)
    assert rates["CNY"] == 1
    assert Decimal("6") < rates["USD"] < Decimal("8")
    assert rates["EUR"] > rates["USD"]
    # The dirham and the dinar are pegged to the dollar: the rates must agree.
    assert abs(rates["AED"] * Decimal("3.6725") - rates["USD"]) < Decimal("0.01")
    assert abs(rates["JOD"] * Decimal("0.709") - rates["USD"]) < Decimal("0.01")
    assert max(rates, key=rates.get) == "JOD"
    assert min(rates, key=rates.get) == "IRR"
    assert all(rate > 0 for rate in rates.values())


# Reading and converting --------------------------------------------------------


def test_fx_rate_on_picks_the_latest_rate_on_or_before_the_day(usd_history):
    assert fx_rate_on("USD", NOV) == Decimal("7.20")
    assert fx_rate_on("usd", NOV + datetime.timedelta(days=29)) == Decimal("7.20")
    assert fx_rate_on("USD", DEC + datetime.timedelta(days=400)) == Decimal("7.30")
    assert fx_rate_on("USD", OCT - datetime.timedelta(days=1)) is None
    assert fx_rate_on("KES", DEC) is None


def test_cny_is_always_worth_one(django_assert_num_queries):
    FxRate.objects.all().delete()

    with django_assert_num_queries(0):
        assert fx_rate_on("CNY", datetime.date(1999, 1, 1)) == 1


def test_fx_convert_goes_through_cny(usd_history):
    # 100 USD = 720 CNY = 8,000 RUB at the November rates.
    assert fx_convert(Decimal("100"), "USD", "RUB", NOV) == Decimal("8000")
    assert fx_convert(Decimal("8000"), "RUB", "USD", NOV) == Decimal("100")
    # In October: 100 USD = 700 CNY = 8,750 RUB.
    assert fx_convert(Decimal("100"), "USD", "RUB", OCT) == Decimal("8750")
    assert fx_convert(Decimal("100"), "USD", "CNY", DEC) == Decimal("730")
    assert fx_convert(Decimal("730"), "CNY", "USD", DEC) == Decimal("100")


def test_fx_convert_without_a_rate_is_none(usd_history):
    assert fx_convert(Decimal("100"), "USD", "KES", NOV) is None
    assert fx_convert(Decimal("100"), "KES", "USD", NOV) is None
    assert fx_convert(Decimal("100"), "USD", "RUB", OCT - datetime.timedelta(days=1)) is None


def test_fx_convert_in_the_same_currency_needs_no_rate(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert fx_convert(Decimal("12.5"), "KES", "kes", NOV) == Decimal("12.5")


def test_fx_table_on_reads_every_rate_of_a_day_in_one_query(usd_history, django_assert_num_queries):
    with django_assert_num_queries(1):
        table = fx_table_on(NOV + datetime.timedelta(days=3))

    assert table == {"CNY": 1, "USD": Decimal("7.20"), "RUB": Decimal("0.09")}
    assert fx_table_on(OCT - datetime.timedelta(days=1)) == {"CNY": 1}
    with django_assert_num_queries(0):
        assert fx_convert(Decimal("100"), "USD", "RUB", NOV, rates=table) == Decimal("8000")
        assert fx_convert(Decimal("100"), "USD", "KES", NOV, rates=table) is None


def test_fx_latest_rates_lists_every_currency(usd_history):
    latest = {row.currency: row for row in fx_latest_rates()}

    assert list(latest) == CURRENCIES
    assert latest["USD"].rate.date == DEC
    assert latest["RUB"].rate.rate_to_cny == Decimal("0.09")
    assert latest["RUB"].units_per_cny == Decimal("11.1111")
    assert latest["KES"].rate is None


# Services ----------------------------------------------------------------------


def test_fx_rate_create_update_delete():
    fx_rate = fx_rate_create(currency="kes", date=NOV, rate_to_cny=Decimal("0.0551"))
    assert (fx_rate.currency, fx_rate.rate_to_cny) == ("KES", Decimal("0.0551"))

    fx_rate_update(fx_rate=fx_rate, rate_to_cny=Decimal("0.056"))
    fx_rate.refresh_from_db()
    assert fx_rate.rate_to_cny == Decimal("0.056")

    fx_rate_delete(fx_rate=fx_rate)
    assert not FxRate.objects.filter(pk=fx_rate.pk).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"currency": "USD", "date": INITIAL_DAY}, "date", "There is already a USD rate for 2026-11-01"),
        ({"rate_to_cny": Decimal("0")}, "rate_to_cny", "A rate must be more than zero."),
        ({"rate_to_cny": Decimal("-1")}, "rate_to_cny", "greater than or equal to 0"),
        ({"currency": "CNY", "rate_to_cny": Decimal("2")}, "rate_to_cny", "The yuan is always worth 1 CNY."),
        ({"currency": "XYZ"}, "currency", "is not a valid choice"),
    ],
)
def test_fx_rate_create_refuses_bad_rates(fields, field, message):
    with pytest.raises(ValidationError) as raised:
        fx_rate_create(**{"currency": "USD", "date": NOV, "rate_to_cny": Decimal("7.2"), **fields})

    assert message in " ".join(raised.value.message_dict[field])


def test_fx_rate_update_may_keep_its_own_date():
    fx_rate = FxRate.objects.get(currency="USD", date=INITIAL_DAY)

    fx_rate_update(fx_rate=fx_rate, currency="USD", date=INITIAL_DAY, rate_to_cny=Decimal("7.05"))

    assert FxRate.objects.get(pk=fx_rate.pk).rate_to_cny == Decimal("7.05")


# Pages -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["exporter_admin", "buyer_admin"])
def test_only_organisers_see_the_fx_pages(request, login, client, role):
    fx_rate = FxRate.objects.get(currency="USD", date=INITIAL_DAY)
    urls = [
        reverse("fx_rate_list"),
        reverse("fx_rate_create"),
        reverse("fx_rate_edit", args=[fx_rate.pk]),
        reverse("fx_rate_delete", args=[fx_rate.pk]),
    ]
    other = login(request.getfixturevalue(role))

    for url in urls:
        assert other.get(url).status_code == 404, url
        anonymous = client.get(url)
        assert anonymous.status_code == 302, url
        assert anonymous.url.startswith(reverse("account_login"))
    assert other.post(reverse("fx_rate_delete", args=[fx_rate.pk])).status_code == 404
    assert other.post(reverse("fx_rate_edit", args=[fx_rate.pk]), {"rate_to_cny": "1"}).status_code == 404
    assert FxRate.objects.get(pk=fx_rate.pk).rate_to_cny == Decimal("7.10")


@pytest.mark.parametrize("rows", [1, 3])
def test_fx_rate_list_queries_do_not_grow_with_rows(login, organiser, rows, django_assert_num_queries):
    FxRate.objects.all().delete()
    for currency in ["USD", "RUB", "KZT"][:rows]:
        FxRateFactory(currency=currency, date=OCT)
        FxRateFactory(currency=currency, date=NOV)
    client = login(organiser)

    # savepoint, session, user, membership, count, page, latest per currency, release
    with django_assert_num_queries(8):
        response = client.get(reverse("fx_rate_list"))

    assert response.status_code == 200
    assert len(response.context["fx_rates"]) == 2 * rows
    latest = [row for row in response.context["latest"] if row.rate]
    assert [row.rate.date for row in latest] == [NOV] * rows


def test_fx_rate_list_shows_latest_rates_and_history(login, organiser):
    FxRateFactory(currency="USD", date=NOV, rate_to_cny=Decimal("7.25"))
    client = login(organiser)

    response = client.get(reverse("fx_rate_list"))

    assert "Latest rate of each currency" in response.text
    assert "7.25" in response.text
    latest = {row.currency: row.rate for row in response.context["latest"]}
    assert latest["USD"].date == NOV
    history = client.get(reverse("fx_rate_list"), {"currency": "USD"}).context["fx_rates"]
    assert [(r.currency, r.date) for r in history] == [("USD", NOV), ("USD", INITIAL_DAY)]


def test_fx_rate_list_paginates_history(login, organiser):
    FxRate.objects.all().delete()
    for day in range(60):
        FxRateFactory(currency="USD", date=OCT + datetime.timedelta(days=day))

    response = login(organiser).get(reverse("fx_rate_list"))

    assert len(response.context["fx_rates"]) == 50
    assert "Page 1 of 2" in response.text


def test_fx_rate_list_empty_states(login, organiser):
    FxRate.objects.exclude(currency="USD").delete()
    client = login(organiser)

    filtered = client.get(reverse("fx_rate_list"), {"currency": "KES"})
    assert "No rates for this currency" in filtered.text
    assert "no rate yet" in filtered.text

    FxRate.objects.all().delete()
    assert "No FX rates yet" in client.get(reverse("fx_rate_list")).text


def test_rates_show_as_plain_grouped_numbers_in_the_readers_language(login, organiser):
    FxRate.objects.all().delete()
    FxRateFactory(currency="JOD", date=NOV, rate_to_cny=Decimal("10"))
    FxRateFactory(currency="IRR", date=NOV, rate_to_cny=Decimal("0.0000071"))

    text = login(organiser).get(reverse("fx_rate_list")).text

    assert ">10<" in text
    assert ">0.1<" in text
    assert ">0.0000071<" in text
    assert ">140,845.0704<" in text
    assert "E+" not in text
    assert "E-" not in text
    client = login(organiser)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert ">140\xa0845,0704<" in client.get(reverse("fx_rate_list")).text


def test_organiser_adds_a_rate(login, organiser):
    client = login(organiser)

    response = client.post(
        reverse("fx_rate_create"), {"currency": "KES", "date": "2027-11-01", "rate_to_cny": "0.0552"}
    )

    assert response.status_code == 302
    assert response.url == reverse("fx_rate_list")
    assert fx_rate_on("KES", NOV) == Decimal("0.0552")
    assert "Rate saved: 1 KES = 0.0552 CNY on 2027-11-01." in client.get(response.url).text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2026-11-01"}, "date", "There is already a USD rate for 2026-11-01: edit that one"),
        ({"date": "1 November"}, "date", "Enter a valid date."),
        ({"rate_to_cny": "0"}, "rate_to_cny", "A rate must be more than zero."),
        ({"rate_to_cny": "seven"}, "rate_to_cny", "Enter a number."),
        ({"currency": "CNY", "rate_to_cny": "1.5"}, "rate_to_cny", "The yuan is always worth 1 CNY."),
        ({"currency": "XYZ"}, "currency", "Select a valid choice."),
    ],
)
def test_fx_rate_form_shows_field_errors(login, organiser, data, field, message):
    before = FxRate.objects.count()

    response = login(organiser).post(
        reverse("fx_rate_create"), {"currency": "USD", "date": "2027-11-01", "rate_to_cny": "7.2", **data}
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert FxRate.objects.count() == before


def test_organiser_edits_a_rate(login, organiser):
    fx_rate = FxRate.objects.get(currency="EUR", date=INITIAL_DAY)
    client = login(organiser)

    page = client.get(reverse("fx_rate_edit", args=[fx_rate.pk]))
    assert 'value="2026-11-01"' in page.text

    response = client.post(
        reverse("fx_rate_edit", args=[fx_rate.pk]),
        {"currency": "EUR", "date": "2026-11-01", "rate_to_cny": "8.31"},
    )

    assert response.status_code == 302
    assert FxRate.objects.get(pk=fx_rate.pk).rate_to_cny == Decimal("8.31")


def test_organiser_deletes_a_rate(login, organiser):
    fx_rate = FxRateFactory(currency="USD", date=NOV)
    client = login(organiser)

    confirm = client.get(reverse("fx_rate_delete", args=[fx_rate.pk]))
    assert "Delete the USD rate of Nov 1, 2027?" in confirm.text
    response = client.post(reverse("fx_rate_delete", args=[fx_rate.pk]), follow=True)

    assert "The USD rate of Nov 1, 2027 was deleted." in response.text
    assert fx_rate_on("USD", NOV) == Decimal("7.10")
