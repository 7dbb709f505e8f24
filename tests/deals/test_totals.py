"""The headline figure: confirmed deal lines, each converted at the rate of the
day its deal was signed, and nothing else."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deals.models import Deal
from deals.selectors import event_deal_totals
from deals.services import deal_cancel, deal_confirm, deal_dispute
from deals.totals import LineFigures, tally
from matchmaking.models import FxRate
from tests.factories import BuyerFactory, DealFactory, DealLineFactory, ExporterFactory, LotFactory

CENT = Decimal("0.01")
START = datetime.date(2030, 1, 1)
CURRENCIES = ["CNY", "USD", "EUR", "RUB"]

days = st.integers(min_value=0, max_value=60).map(lambda n: START + datetime.timedelta(days=n))
rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("12"), places=4)
rate_tables = st.dictionaries(st.tuples(st.sampled_from(["USD", "EUR", "RUB"]), days), rates, max_size=12)


def rate_on_brute_force(table: dict[tuple[str, datetime.date], Decimal], currency: str, day: datetime.date):
    """The latest rate on or before the day, found the slow obvious way."""
    if currency == "CNY":
        return Decimal(1)
    earlier = [(d, rate) for (c, d), rate in table.items() if c == currency and d <= day]
    return max(earlier)[1] if earlier else None


def expected_totals(lines, table):
    cny = usd = Decimal(0)
    vehicles = 0
    for currency, day, quantity, price in lines:
        vehicles += quantity
        rate = rate_on_brute_force(table, currency, day)
        if rate is None:
            continue
        value = quantity * price * rate
        cny += value
        usd_rate = rate_on_brute_force(table, "USD", day)
        if usd_rate is not None:
            usd += value / usd_rate
    return cny, usd, vehicles


line_tuples = st.tuples(
    st.sampled_from(CURRENCIES),
    days,
    st.integers(min_value=1, max_value=500),
    st.decimals(min_value=Decimal("100"), max_value=Decimal("200000"), places=2),
)


@given(lines=st.lists(line_tuples, max_size=30), table=rate_tables)
def test_tally_converts_each_line_at_its_days_rate(lines, table):
    figures = [
        LineFigures(i, day, currency, quantity, price, "KZ", 1, "A", "Sichuan", "Chengdu", "bev", "suv")
        for i, (currency, day, quantity, price) in enumerate(lines)
    ]

    totals = tally(figures, lambda currency, day: rate_on_brute_force(table, currency, day))

    cny, usd, vehicles = expected_totals(lines, table)
    assert totals.cny.quantize(CENT) == cny.quantize(CENT)
    assert totals.usd.quantize(CENT) == usd.quantize(CENT)
    assert totals.vehicles == vehicles
    assert sum(bucket.vehicles for bucket in totals.by_fuel.values()) == vehicles


deal_specs = st.lists(
    st.tuples(
        st.sampled_from(Deal.State.values),
        st.sampled_from(CURRENCIES),
        days,
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=50),
                st.decimals(min_value=Decimal("100"), max_value=Decimal("99999"), places=2),
                st.sampled_from(["bev", "phev", "petrol", "diesel"]),
            ),
            min_size=1,
            max_size=3,
        ),
        st.sampled_from(["RU", "KZ", "NG"]),
    ),
    max_size=8,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=deal_specs, table=rate_tables)
def test_dashboard_totals_equal_confirmed_lines_at_the_deal_dates_rate(fair, specs, table):
    with transaction.atomic():
        FxRate.objects.all().delete()
        FxRate.objects.bulk_create(
            [FxRate(currency=currency, date=day, rate_to_cny=rate) for (currency, day), rate in table.items()]
        )
        exporter = ExporterFactory(province="Henan")
        counted = []
        by_country: dict[str, int] = {}
        for state, currency, day, lines, country in specs:
            deal = DealFactory(
                event=fair,
                exporter=exporter,
                buyer=BuyerFactory(country=country),
                state=state,
                currency=currency,
                signed_on=day,
                confirmed_at=datetime.datetime(2030, 3, 1, tzinfo=datetime.UTC)
                if state == Deal.State.CONFIRMED
                else None,
            )
            for quantity, price, fuel in lines:
                DealLineFactory(
                    deal=deal,
                    lot=LotFactory(exporter=exporter, fuel_type=fuel, quantity=50),
                    quantity=quantity,
                    unit_price=price,
                )
                if state == Deal.State.CONFIRMED:
                    counted.append((currency, day, quantity, price))
                    by_country[country] = by_country.get(country, 0) + quantity
        # A deal at another event never counts here.
        other = DealFactory(
            state=Deal.State.CONFIRMED, confirmed_at=datetime.datetime(2030, 3, 1, tzinfo=datetime.UTC)
        )
        DealLineFactory(deal=other, quantity=3)

        totals = event_deal_totals(fair)

        cny, usd, vehicles = expected_totals(counted, table)
        assert totals.cny.quantize(CENT) == cny.quantize(CENT)
        assert totals.usd.quantize(CENT) == usd.quantize(CENT)
        assert totals.vehicles == vehicles
        assert {code: bucket.vehicles for code, bucket in totals.by_country.items()} == by_country
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_only_a_deal_confirmed_by_both_sides_counts(
    fair, record, lot, buyer, buyer_admin, exporter, exporter_admin
):
    FxRate.objects.update_or_create(
        currency="USD", date=datetime.date(2026, 11, 1), defaults={"rate_to_cny": Decimal("7.1")}
    )
    recorded = record((lot, 2, "10000"), event=fair)
    disputed = record((lot, 3, "10000"), event=fair)
    deal_dispute(deal=disputed, by=buyer, user=buyer_admin, reason="wrong price")
    assert (event_deal_totals(fair).cny, event_deal_totals(fair).vehicles) == (0, 0)

    deal_confirm(deal=recorded, by=buyer, user=buyer_admin)
    totals = event_deal_totals(fair)
    assert (totals.cny, totals.usd, totals.vehicles, totals.deals) == (
        Decimal("142000.0"),
        Decimal("20000"),
        2,
        1,
    )

    deal_cancel(deal=recorded, by=exporter, user=exporter_admin, reason="fell through")
    assert event_deal_totals(fair).vehicles == 0


@pytest.mark.django_db
def test_a_missing_rate_is_reported_not_guessed(fair, record, lot, buyer, buyer_admin):
    FxRate.objects.filter(currency="EUR").delete()
    deal = record((lot, 2, "10000"), event=fair, currency="EUR")
    deal_confirm(deal=deal, by=buyer, user=buyer_admin)

    totals = event_deal_totals(fair)

    assert (totals.cny, totals.vehicles) == (0, 2)
    assert totals.missing_rates == {("EUR", deal.signed_on)}
