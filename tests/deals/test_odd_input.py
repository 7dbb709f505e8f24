"""Odd input on the deal pages gets a clear answer, never an error page: ids
written in other digits, signing dates centuries away, prices no vehicle
fetches, and notes the length of a book."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from deals.models import Deal
from deals.services import deal_record
from tests.deals.conftest import terms
from tests.deals.test_views import _post_deal
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["meeting", "with"])
@pytest.mark.parametrize("value", ["²", "①", "1²", "9" * 40])
def test_an_id_in_other_digits_or_too_long_is_not_found(login, exporter_admin, name, value):
    response = login(exporter_admin).get(reverse("deal_record"), {name: value})
    assert response.status_code == 404


@pytest.fixture
def record_url(exporter, buyer, fair) -> str:
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    return reverse("deal_record") + f"?with={buyer.pk}"


@pytest.mark.parametrize("signed_on", ["0001-01-01", "1999-12-31"])
def test_a_signing_date_before_2000_is_refused_on_the_field(
    login, exporter_admin, record_url, lot, signed_on
):
    response = login(exporter_admin).post(
        record_url, _post_deal([(lot.pk, "4", "15000")], signed_on=signed_on)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["signed_on"] == [
        "Give the date the deal was signed: 2000 or later, and not in the future."
    ]
    assert not Deal.objects.exists()


def test_a_signing_date_far_in_the_future_is_refused(login, exporter_admin, record_url, lot):
    response = login(exporter_admin).post(
        record_url, _post_deal([(lot.pk, "4", "15000")], signed_on="9999-12-31")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["signed_on"]
    assert not Deal.objects.exists()


def test_a_unit_price_beyond_any_vehicle_is_refused(login, exporter_admin, record_url, lot):
    response = login(exporter_admin).post(record_url, _post_deal([(lot.pk, "4", "999999999999.99")]))

    assert response.status_code == 200
    assert (
        "Lot BYD-SONG-01: 999999999999.99 USD a vehicle is more than ¥10,000,000; check the unit price."
        in response.context["form"].non_field_errors()
    )
    assert not Deal.objects.exists()


def test_a_large_price_in_a_small_currency_is_still_a_price(login, exporter_admin, record_url, lot):
    # Two billion rials are about ¥14,000 at the bundled rate.
    response = login(exporter_admin).post(
        record_url, _post_deal([(lot.pk, "4", "2000000000")], currency="IRR")
    )
    assert response.status_code == 302
    assert Deal.objects.get().lines.get().unit_price == 2_000_000_000


def test_a_note_longer_than_2000_characters_is_refused_on_the_field(login, exporter_admin, record_url, lot):
    response = login(exporter_admin).post(
        record_url, _post_deal([(lot.pk, "4", "15000")], note="x" * 2_000_000)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["note"] == [
        "Ensure this value has at most 2000 characters (it has 2000000)."
    ]
    assert not Deal.objects.exists()


def test_the_service_refuses_a_long_note_too(exporter, buyer, exporter_admin, lot):
    long_terms = terms((lot, 4, "15000"))
    long_terms = type(long_terms)(**{**long_terms.__dict__, "note": "x" * 2001})

    with pytest.raises(ValidationError) as refused:
        deal_record(exporter=exporter, buyer=buyer, by=exporter, user=exporter_admin, terms=long_terms)

    assert refused.value.message_dict == {"note": ["Keep the note to 2000 characters; it has 2001."]}
    assert not Deal.objects.exists()
