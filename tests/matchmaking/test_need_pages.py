"""Need pages: who may see and change what, constant query counts, the form
with clear errors, status actions, and the destination's market rules shown
before saving."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from matchmaking.models import MarketRule, Need
from tests.factories import BuyerFactory, MarketRuleFactory, NeedFactory

pytestmark = pytest.mark.django_db

KENYA_RHD = "Right-hand drive only: Chinese left-hand-drive lots will not match."


@pytest.fixture(autouse=True)
def _no_seeded_market_rules(db) -> None:
    # The migrations load the published rules; each test states its own.
    MarketRule.objects.all().delete()


@pytest.fixture
def buyer(buyer_admin):
    return buyer_admin.membership.organisation


@pytest.fixture
def need(buyer) -> Need:
    return NeedFactory(buyer=buyer, ref="OWN-1")


@pytest.fixture
def others_need(db) -> Need:
    return NeedFactory(buyer=BuyerFactory(name="Other Buyer"), ref="THEIRS-1")


@pytest.fixture
def kenya_rule():
    return MarketRuleFactory(
        country="KE",
        steering_required="RHD",
        max_age_years=8,
        age_counted_from="first_registration",
        source="hapakenya; theeastafrican",
        uncertain=False,
    )


def need_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "ref": "KE-001",
        "title": "Right-hand-drive vans for Nairobi",
        "destination_country": "KE",
        "destination_port": "Mombasa",
        "steering": "",
        "makes": "Toyota, BYD，Foton; toyota",
        "model_names": "Hiace",
        "body_types": ["van"],
        "fuel_types": ["diesel", "petrol"],
        "year_min": "2019",
        "year_max": "2024",
        "max_mileage_km": "120000",
        "min_battery_soh_pct": "",
        "quantity": "12",
        "allow_split": "on",
        "max_unit_price": "14000",
        "currency": "USD",
        "incoterm": "CIF",
        "shipping_modes": ["roro"],
        "deadline": (datetime.date.today() + datetime.timedelta(days=90)).isoformat(),
    }
    data.update(overrides)
    return data


def need_urls(need: Need) -> dict[str, str]:
    return {
        "detail": reverse("need_detail", args=[need.pk]),
        "edit": reverse("need_edit", args=[need.pk]),
        "status": reverse("need_status", args=[need.pk]),
    }


# Permissions -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, need):
    urls = [
        reverse("need_list"),
        reverse("need_create"),
        reverse("need_market_rules"),
        *need_urls(need).values(),
    ]

    for url in urls:
        response = client.post(url) if "status" in url else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


def test_another_buyers_need_is_not_found_for_every_page(login, buyer_admin, others_need):
    urls = need_urls(others_need)
    client = login(buyer_admin)

    assert client.get(urls["detail"]).status_code == 404
    assert client.get(urls["edit"]).status_code == 404
    assert client.post(urls["edit"], need_data(ref="HIJACKED")).status_code == 404
    assert client.post(urls["status"], {"status": "closed"}).status_code == 404
    others_need.refresh_from_db()
    assert (others_need.ref, others_need.status) == ("THEIRS-1", Need.Status.OPEN)


def test_exporters_cannot_list_create_or_see_needs(login, exporter_admin, others_need):
    client = login(exporter_admin)

    assert client.get(reverse("need_list")).status_code == 404
    assert client.get(reverse("need_create")).status_code == 404
    assert client.post(reverse("need_create"), need_data()).status_code == 404
    assert client.get(reverse("need_detail", args=[others_need.pk])).status_code == 404
    assert client.get(reverse("need_market_rules"), {"destination_country": "KE"}).status_code == 404
    assert not Need.objects.filter(ref="KE-001").exists()


def test_organisers_see_every_need_but_change_none(login, organiser, others_need):
    urls = need_urls(others_need)
    client = login(organiser)

    detail = client.get(urls["detail"])
    assert detail.status_code == 200
    assert "Other Buyer" in detail.text
    assert urls["status"] not in detail.text
    assert urls["edit"] not in detail.text

    assert client.get(urls["edit"]).status_code == 404
    assert client.post(urls["status"], {"status": "closed"}).status_code == 404
    assert client.get(reverse("need_create")).status_code == 404
    assert client.get(reverse("need_market_rules"), {"destination_country": "KE"}).status_code == 200
    others_need.refresh_from_db()
    assert others_need.status == Need.Status.OPEN


# List --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_need_list_queries_do_not_grow_with_rows(login, buyer_admin, buyer, rows, django_assert_num_queries):
    NeedFactory.create_batch(rows, buyer=buyer)
    NeedFactory(ref="NOT-MINE")
    client = login(buyer_admin)

    # savepoint, session, user, membership, count, needs, release
    with django_assert_num_queries(7):
        response = client.get(reverse("need_list"))

    assert response.status_code == 200
    assert len(response.context["needs"]) == rows
    assert "NOT-MINE" not in response.text


@pytest.mark.parametrize("rows", [1, 3])
def test_organiser_need_list_shows_every_company(login, organiser, rows, django_assert_num_queries):
    needs = [NeedFactory() for _ in range(rows)]
    client = login(organiser)

    # savepoint, session, user, membership, count, needs with buyers, release
    with django_assert_num_queries(7):
        response = client.get(reverse("need_list"), {"sort": "deadline"})

    assert len(response.context["needs"]) == rows
    for need in needs:
        assert need.buyer.name in response.text


def test_empty_need_list_says_what_to_do_next(login, buyer_admin):
    response = login(buyer_admin).get(reverse("need_list"))

    assert "Post your first need" in response.text
    assert reverse("need_create") in response.text
    try:
        import_url = reverse("need_import")
    except NoReverseMatch:
        assert "Import a spreadsheet" not in response.text
    else:
        assert import_url in response.text


def test_need_list_paginates_by_fifty(login, buyer_admin, buyer):
    NeedFactory.create_batch(51, buyer=buyer)

    response = login(buyer_admin).get(reverse("need_list"))

    assert len(response.context["needs"]) == 50
    assert "Page 1 of 2" in response.text


@pytest.fixture
def three_needs(buyer) -> dict[str, Need]:
    return {
        "kz": NeedFactory(
            buyer=buyer,
            ref="A-KZ",
            title="PHEV SUVs for Almaty",
            destination_country="KZ",
            fuel_types=["phev", "hev"],
            body_types=["suv"],
            max_unit_price=Decimal("18000"),
            quantity=20,
            deadline=datetime.date(2027, 3, 31),
        ),
        "ke": NeedFactory(
            buyer=buyer,
            ref="B-KE",
            title="Vans for Nairobi",
            destination_country="KE",
            fuel_types=["diesel"],
            body_types=["van", "bus"],
            max_unit_price=Decimal("14000"),
            quantity=5,
            deadline=None,
            status="closed",
        ),
        "ng": NeedFactory(
            buyer=buyer,
            ref="C-NG",
            title="Any sedan for Lagos",
            destination_country="NG",
            fuel_types=[],
            body_types=["sedan"],
            max_unit_price=Decimal("9000"),
            quantity=40,
            deadline=datetime.date(2026, 12, 1),
        ),
    }


def test_need_filters_return_the_right_rows(login, buyer_admin, three_needs):
    client = login(buyer_admin)

    def refs(**query: str) -> list[str]:
        response = client.get(reverse("need_list"), query)
        assert response.status_code == 200
        return sorted(need.ref for need in response.context["needs"])

    assert refs(q="nairobi") == ["B-KE"]
    assert refs(q="c-ng") == ["C-NG"]
    assert refs(destination_country="KZ") == ["A-KZ"]
    assert refs(fuel_type="hev") == ["A-KZ"]
    assert refs(fuel_type="phev") == ["A-KZ"]
    assert refs(fuel_type="diesel") == ["B-KE"]
    assert refs(body_type="bus") == ["B-KE"]
    assert refs(status="open") == ["A-KZ", "C-NG"]
    assert refs(status="closed", destination_country="KE") == ["B-KE"]


def test_need_list_sorts(login, buyer_admin, three_needs):
    client = login(buyer_admin)

    def order(sort: str) -> list[str]:
        return [need.ref for need in client.get(reverse("need_list"), {"sort": sort}).context["needs"]]

    assert order("deadline") == ["C-NG", "A-KZ", "B-KE"]
    assert order("-budget") == ["A-KZ", "B-KE", "C-NG"]
    assert order("budget") == ["C-NG", "B-KE", "A-KZ"]
    assert order("-quantity") == ["C-NG", "A-KZ", "B-KE"]
    assert order("newest") == ["C-NG", "B-KE", "A-KZ"]


# Create and edit ---------------------------------------------------------------


def test_buyer_posts_a_need(login, buyer_admin, buyer):
    response = login(buyer_admin).post(reverse("need_create"), need_data(), follow=True)

    need = Need.objects.get(buyer=buyer, ref="KE-001")
    assert response.redirect_chain[-1][0] == reverse("need_detail", args=[need.pk])
    # Commas (also full-width) and semicolons separate; repeated names count once.
    assert need.makes == ["Toyota", "BYD", "Foton"]
    assert need.model_names == ["Hiace"]
    assert need.body_types == ["van"]
    assert need.fuel_types == ["diesel", "petrol"]
    assert need.steering == ""
    assert need.status == Need.Status.OPEN
    assert "Need KE-001 saved." in response.text


def test_the_need_form_shows_lists_as_text_and_sets_as_checkboxes(login, buyer_admin, need):
    response = login(buyer_admin).get(reverse("need_edit", args=[need.pk]))

    assert response.status_code == 200
    assert 'value="BYD"' in response.text
    assert re.search(r'type="checkbox" name="fuel_types" value="phev"[^>]* checked>', response.text)
    assert not re.search(r'type="checkbox" name="fuel_types" value="bev"[^>]* checked>', response.text)
    assert "status" not in response.context["form"].fields


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"year_min": "2024", "year_max": "2019"}, "year_max", "is before the first"),
        ({"quantity": "0"}, "quantity", "greater than or equal to 1"),
        ({"max_unit_price": "0"}, "max_unit_price", "greater than or equal to 1"),
        ({"destination_country": "XX"}, "destination_country", "valid choice"),
        ({"fuel_types": ["coal"]}, "fuel_types", "valid choice"),
        ({"min_battery_soh_pct": "101"}, "min_battery_soh_pct", "less than or equal to 100"),
        ({"deadline": "2020-01-01"}, "deadline", "already passed"),
        ({"makes": "B" * 65}, "makes", "at most 64 characters"),
        ({"title": ""}, "title", "required"),
    ],
)
def test_need_form_explains_each_bad_field(login, buyer_admin, overrides, field, message):
    response = login(buyer_admin).post(reverse("need_create"), need_data(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Need.objects.exists()


def test_a_duplicate_need_reference_is_a_form_error(login, buyer_admin, buyer, others_need):
    NeedFactory(buyer=buyer, ref="KE-001")
    client = login(buyer_admin)

    response = client.post(reverse("need_create"), need_data())

    assert response.status_code == 200
    assert "You already have a need with this reference." in response.context["form"].errors["ref"]
    assert client.post(reverse("need_create"), need_data(ref="THEIRS-1")).status_code == 302


def test_buyer_edits_a_need_and_an_old_deadline_may_stay(login, buyer_admin, need):
    Need.objects.filter(pk=need.pk).update(deadline=datetime.date(2020, 1, 1), status="fulfilled")
    need.refresh_from_db()
    client = login(buyer_admin)
    data = need_data(ref="OWN-1", deadline="2020-01-01", quantity="7", status="closed")

    response = client.post(reverse("need_edit", args=[need.pk]), data)

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.quantity == 7
    assert need.status == Need.Status.FULFILLED


# Detail and status -------------------------------------------------------------


def test_need_detail_groups_the_facts_and_shows_the_market_rules(
    login, buyer_admin, buyer, kenya_rule, django_assert_num_queries
):
    need = NeedFactory(buyer=buyer, destination_country="KE", steering="", fuel_types=["diesel"])
    client = login(buyer_admin)

    # savepoint, session, user, need, membership, market rules, release
    with django_assert_num_queries(7):
        response = client.get(reverse("need_detail", args=[need.pk]))

    text = response.text
    for heading in ("Vehicles wanted", "Quantity and budget", "Delivery"):
        assert f">{heading}</h2>" in text
    assert "Diesel" in text
    assert KENYA_RHD in text
    assert "hapakenya; theeastafrican" in text
    assert "the market rule&#x27;s steering applies (Right-hand drive)" in text
    assert 'value="fulfilled"' in text
    assert 'value="closed"' in text
    assert 'value="open"' not in text


def test_need_status_actions(login, buyer_admin, need):
    client = login(buyer_admin)
    url = reverse("need_status", args=[need.pk])

    for status in ("fulfilled", "open", "closed", "open"):
        response = client.post(url, {"status": status}, follow=True)
        assert response.redirect_chain == [(reverse("need_detail", args=[need.pk]), 302)]
        need.refresh_from_db()
        assert need.status == status

    unchanged = client.post(url, {"status": "open"}, follow=True)
    assert "Nothing changed: need OWN-1 is already Open." in unchanged.text
    closed = client.post(url, {"status": "closed"}, follow=True)
    assert "Need OWN-1 is closed: no more lots will be proposed for it." in closed.text
    detail = client.get(reverse("need_detail", args=[need.pk]))
    assert 'value="open"' in detail.text
    assert 'value="fulfilled"' not in detail.text

    invalid = client.post(url, {"status": "lost"}, follow=True)
    assert "Choose one of the offered actions." in invalid.text


def test_a_need_that_is_closed_cannot_become_fulfilled(login, buyer_admin, need):
    Need.objects.filter(pk=need.pk).update(status="closed")

    response = login(buyer_admin).post(
        reverse("need_status", args=[need.pk]), {"status": "fulfilled"}, follow=True
    )

    assert "A need that is Closed cannot become Fulfilled." in response.text


# Market rules beside the form --------------------------------------------------


def test_market_rule_partial_explains_kenyas_rule(login, buyer_admin, kenya_rule, django_assert_num_queries):
    MarketRuleFactory(
        country="KE",
        applies_to_fuels=["bev"],
        steering_required="",
        max_age_years=None,
        age_counted_from="",
        uncertain=True,
        source="kebs.org",
        notes="Import duty relief for electric vehicles.",
    )
    client = login(buyer_admin)

    # savepoint, session, user, membership, market rules, release
    with django_assert_num_queries(6):
        response = client.get(
            reverse("need_market_rules"), {"destination_country": "ke"}, HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 200
    text = response.text
    assert "<html" not in text
    assert "Import rules for Kenya" in text
    assert KENYA_RHD in text
    assert "At most 8 years old, counted from first registration." in text
    assert "hapakenya; theeastafrican" in text
    assert "All vehicles" in text
    assert "Only for: Battery electric (BEV)" in text
    assert text.count("uncertain</span>") == 1
    assert "Import duty relief for electric vehicles." in text
    assert "Steering left empty: the market rule&#x27;s steering applies (Right-hand drive)." in text


def test_market_rule_partial_warns_when_the_wanted_steering_cannot_match(login, buyer_admin, kenya_rule):
    response = login(buyer_admin).get(
        reverse("need_market_rules"), {"destination_country": "KE", "steering": "LHD"}
    )

    assert (
        "Kenya requires “Right-hand drive”, so a need asking for “Left-hand drive” cannot be saved: "
        "leave the steering empty or choose “Right-hand drive”." in response.text
    )


def test_market_rule_partial_for_a_country_without_rules_or_without_a_country(login, buyer_admin):
    client = login(buyer_admin)

    nigeria = client.get(reverse("need_market_rules"), {"destination_country": "NG"})
    assert "No market rules are recorded for Nigeria yet" in nigeria.text
    assert "no market rule limits steering" in nigeria.text

    for query in ({}, {"destination_country": ""}, {"destination_country": "ZZ"}):
        empty = client.get(reverse("need_market_rules"), query)
        assert empty.status_code == 200
        assert "Choose a destination country to see its import rules" in empty.text


def test_the_need_form_asks_for_the_panel_with_htmx_and_renders_it_on_edit(
    login, buyer_admin, buyer, kenya_rule
):
    need = NeedFactory(buyer=buyer, destination_country="KE", steering="")
    client = login(buyer_admin)

    create = client.get(reverse("need_create"))
    assert f'hx-get="{reverse("need_market_rules")}"' in create.text
    assert 'hx-target="#market-rules"' in create.text
    assert 'id="market-rules"' in create.text
    assert "Choose a destination country" in create.text

    edit = client.get(reverse("need_edit", args=[need.pk]))
    assert KENYA_RHD in edit.text

    # A refused form keeps showing the rules of the country just picked.
    refused = client.post(reverse("need_create"), need_data(quantity="0"))
    assert KENYA_RHD in refused.text
