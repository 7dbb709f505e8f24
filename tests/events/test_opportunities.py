"""The opportunity list: organisers publish an event's open buyer needs,
anonymised; anyone reads, filters, prints and downloads them; exporters offer
a lot, which reaches the buyer only as a match with the exporter's interest."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Event, Meeting, Participation
from events.opportunities import budget_band, opportunity_rows
from events.selectors import opportunity_needs
from events.services.opportunities import opportunities_publish, opportunity_offer_lot
from matchmaking.models import Lot, Match, Need
from matchmaking.selectors.matches import matches_for_need, matching_coverage
from matchmaking.services.matches import match_express_interest
from matchmaking.services.needs import need_create
from tests.factories import (
    BuyerFactory,
    FxRateFactory,
    LotFactory,
    MembershipFactory,
    NeedFactory,
    UserFactory,
    need_fields,
)

pytestmark = pytest.mark.django_db

SECRETS = ("Almaty Secret Motors", "KZ-SECRET-7", "Dealer network of Almaty Secret", "boss@secret-motors.kz")


@pytest.fixture
def buyer(fair, join):
    """An approved buyer whose name, need reference, title and contact must never show."""
    company = BuyerFactory(name=SECRETS[0])
    MembershipFactory(organisation=company, user=UserFactory(email=SECRETS[3]))
    join(fair, company, note="We are Almaty Secret Motors, call us")
    return company


@pytest.fixture
def need(buyer) -> Need:
    return NeedFactory(buyer=buyer, ref=SECRETS[1], title=SECRETS[2])


@pytest.fixture
def published(fair) -> Event:
    return opportunities_publish(event=fair, publish=True)


@pytest.fixture
def exporter(exporter_admin, fair, join):
    """exporter_admin's company, taking part in the fair."""
    return join(fair, exporter_admin.membership.organisation).organisation


@pytest.fixture
def lot(exporter) -> Lot:
    return LotFactory(exporter=exporter, ref="MY-LOT-1")


def _list(client, event: Event, **params):
    return client.get(reverse("event_opportunities", args=[event.slug]), params)


def _download(client, event: Event, fmt: str, **params):
    return client.get(reverse("event_opportunities_download", args=[event.slug, fmt]), params)


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(response) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# Budget bands --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usd", "band"),
    [
        (None, "not stated"),
        (Decimal("9999.99"), "under 10,000"),
        (Decimal(10_000), "10,000–20,000"),
        (Decimal("19999"), "10,000–20,000"),
        (Decimal(20_000), "20,000–35,000"),
        (Decimal(35_000), "35,000–50,000"),
        (Decimal(50_000), "over 50,000"),
        (Decimal(2_000_000), "over 50,000"),
    ],
)
def test_a_budget_falls_in_its_band(usd, band):
    assert budget_band(usd) == band


def test_budgets_in_other_currencies_are_banded_in_dollars_at_todays_rates(buyer):
    today = timezone.localdate()
    FxRateFactory(currency="USD", date=today, rate_to_cny=Decimal("7.00"))
    FxRateFactory(currency="EUR", date=today, rate_to_cny=Decimal("7.70"))
    needs = [
        NeedFactory(buyer=buyer, max_unit_price=Decimal(140_000), currency="CNY"),  # 20,000 USD
        NeedFactory(buyer=buyer, max_unit_price=Decimal(9_000), currency="EUR"),  # 9,900 USD
        NeedFactory(buyer=buyer, max_unit_price=Decimal(60_000), currency="USD"),
    ]
    assert [row.budget_usd for row in opportunity_rows(needs, today)] == [
        "20,000–35,000",
        "under 10,000",
        "over 50,000",
    ]


def test_a_budget_band_says_its_incoterm(buyer):
    today = timezone.localdate()
    FxRateFactory(currency="USD", date=today, rate_to_cny=Decimal("7.00"))
    needs = [
        NeedFactory(buyer=buyer, max_unit_price=Decimal(15_000), currency="USD", incoterm="CFR"),
        NeedFactory(buyer=buyer, max_unit_price=Decimal(15_000), currency="USD", incoterm="FOB"),
    ]
    rows = opportunity_rows(needs, today)
    assert [(row.budget_usd, row.incoterm) for row in rows] == [
        ("10,000–20,000", "CFR"),
        ("10,000–20,000", "FOB"),
    ]


def test_a_row_describes_the_vehicles_wanted(buyer):
    need = NeedFactory(
        buyer=buyer,
        makes=["BYD", "Geely"],
        model_names=["Song Plus"],
        body_types=["suv", "mpv"],
        fuel_types=["bev"],
        year_min=2022,
        year_max=None,
        quantity=40,
        deadline=datetime.date(2027, 5, 1),
        destination_country="UZ",
    )
    (row,) = opportunity_rows([need], timezone.localdate())
    assert (row.code, row.country, row.body_types, row.fuel_types) == (
        f"OPP-{need.pk}",
        "Uzbekistan",
        "SUV, MPV",
        "Battery electric (BEV)",
    )
    assert (row.makes, row.models, row.years, row.quantity, row.deadline) == (
        "BYD, Geely",
        "Song Plus",
        "from 2022",
        40,
        datetime.date(2027, 5, 1),
    )


# Publishing ----------------------------------------------------------------------


def test_publishing_sets_the_time_and_unpublishing_clears_it(fair):
    event = opportunities_publish(event=fair, publish=True)
    first = event.opportunities_published_at
    assert first is not None
    assert opportunities_publish(event=fair, publish=True).opportunities_published_at == first
    assert opportunities_publish(event=fair, publish=False).opportunities_published_at is None
    fair.refresh_from_db()
    assert fair.opportunities_published_at is None


def test_the_organiser_publishes_and_unpublishes_from_the_event_page(login, organiser, fair, need, client):
    staff = login(organiser)
    page = staff.get(reverse("event_detail", args=[fair.slug]))
    assert reverse("event_opportunities_publish", args=[fair.slug]) in page.text
    assert "Publish the opportunity list" in page.text
    url = reverse("event_opportunities_publish", args=[fair.slug])

    response = staff.post(
        url, {"publish": "1", "next": reverse("event_detail", args=[fair.slug])}, follow=True
    )
    assert "The opportunity list is published." in [str(m) for m in response.context["messages"]]
    assert "Unpublish the opportunity list" in response.text
    assert _list(client, fair).status_code == 200

    staff.post(url, {"publish": "0"})
    fair.refresh_from_db()
    assert fair.opportunities_published_at is None
    assert _list(client, fair).status_code == 404


def test_a_published_event_links_its_list_for_everyone(client, published):
    response = client.get(reverse("event_detail", args=[published.slug]))
    assert reverse("event_opportunities", args=[published.slug]) in response.text


def test_the_organisers_preview_says_it_is_not_public_yet(login, organiser, fair, need):
    response = _list(login(organiser), fair)
    assert "Preview: only the event" in response.text
    assert f"OPP-{need.pk}" in response.text


# The public page and the downloads -----------------------------------------------


def test_the_page_lists_only_open_needs_of_approved_buyers(client, fair, join, need, published):
    closed = NeedFactory(buyer=need.buyer, status=Need.Status.CLOSED)
    pending = NeedFactory(buyer=join(fair, kind="buyer", status=Participation.Status.PENDING).organisation)
    rejected = NeedFactory(buyer=join(fair, kind="buyer", status=Participation.Status.REJECTED).organisation)
    outsider = NeedFactory(buyer=BuyerFactory())
    response = _list(client, published)
    assert [row.need_id for row in response.context["opportunities"]] == [need.pk]
    for other in (closed, pending, rejected, outsider):
        assert f"OPP-{other.pk}<" not in response.text


def test_the_buyer_is_never_named_on_the_page_or_in_the_downloads(
    client, login, exporter_admin, need, published
):
    code = f"OPP-{need.pk}"
    exporter = login(exporter_admin)
    pages = [
        _list(client, published).text,
        _list(exporter, published).text,
        exporter.get(reverse("event_opportunity_offer", args=[published.slug, need.pk])).text,
    ]
    csv_file = _download(client, published, "csv").content.decode("utf-8-sig")
    xlsx_rows = _xlsx_rows(_download(client, published, "xlsx"))
    assert all(code in page for page in pages)
    assert code in csv_file
    assert xlsx_rows[1][0] == code
    for text in [*pages, csv_file, repr(xlsx_rows)]:
        for secret in (*SECRETS, "Almaty Secret", "call us", need.destination_port):
            assert secret not in text


def test_the_downloads_hold_the_same_rows_as_the_page(client, buyer, published):
    FxRateFactory(currency="USD", date=timezone.localdate(), rate_to_cny=Decimal("7.00"))
    first = NeedFactory(
        buyer=buyer,
        deadline=datetime.date(2027, 1, 31),
        max_unit_price=Decimal(25_000),
        quantity=12,
        incoterm="CIF",
    )
    second = NeedFactory(
        buyer=buyer, deadline=None, body_types=["pickup"], fuel_types=["diesel"], makes=[], incoterm="CIF"
    )
    page = _list(client, published).context["opportunities"]
    header = [
        "Code",
        "Destination",
        "Body types",
        "Fuel types",
        "Makes",
        "Models",
        "Model years",
        "Quantity",
        "Budget per vehicle (USD)",
        "Incoterm",
        "Deadline",
    ]
    expected = [
        [
            f"OPP-{first.pk}",
            "Kazakhstan",
            "SUV",
            "Plug-in hybrid (PHEV), Hybrid (HEV)",
            "BYD",
            "",
            "2021–2025",
        ],
        [f"OPP-{second.pk}", "Kazakhstan", "Pickup", "Diesel", "", "", "2021–2025"],
    ]
    assert [row.need_id for row in page] == [first.pk, second.pk]

    csv_rows = _csv_rows(_download(client, published, "csv"))
    assert csv_rows[0] == header
    assert [row[:7] for row in csv_rows[1:]] == expected
    assert [row[7:] for row in csv_rows[1:]] == [
        ["12", "20,000–35,000", "CIF", "2027-01-31"],
        ["20", "10,000–20,000", "CIF", ""],
    ]

    response = _download(client, published, "xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{published.slug}-opportunities-'
    )
    xlsx_rows = _xlsx_rows(response)
    assert list(xlsx_rows[0]) == header
    assert [[cell or "" for cell in row[:7]] for row in xlsx_rows[1:]] == expected
    assert [row[7] for row in xlsx_rows[1:]] == [12, 20]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"destination_country": "UZ"}, ["uz"]),
        ({"body_type": "pickup"}, ["pickup"]),
        ({"fuel_type": "bev"}, ["uz"]),
        ({"destination_country": "KZ", "fuel_type": "diesel"}, ["pickup"]),
        ({"body_type": "bus"}, []),
    ],
)
def test_filters_narrow_the_page_and_the_downloads(client, buyer, published, params, expected):
    needs = {
        "kz": NeedFactory(buyer=buyer),
        "uz": NeedFactory(buyer=buyer, destination_country="UZ", fuel_types=["bev"]),
        "pickup": NeedFactory(buyer=buyer, body_types=["pickup"], fuel_types=["diesel"]),
    }
    wanted = [f"OPP-{needs[key].pk}" for key in expected]
    response = _list(client, published, **params)
    assert [row.code for row in response.context["opportunities"]] == wanted
    assert [row[0] for row in _csv_rows(_download(client, published, "csv", **params))[1:]] == wanted
    if not expected:
        assert "No opportunity matches these filters" in response.text


def test_the_country_filter_offers_the_destinations_on_the_list(client, buyer, published):
    NeedFactory(buyer=buyer, destination_country="UZ")
    NeedFactory(buyer=buyer, destination_country="KZ")
    field = _list(client, published).context["filter"].form.fields["destination_country"]
    assert [code for code, _name in field.choices if code] == ["KZ", "UZ"]


def test_the_list_is_paginated_and_keeps_the_filters(client, buyer, published):
    for _ in range(27):
        NeedFactory(buyer=buyer)
    first = _list(client, published, body_type="suv")
    assert len(first.context["opportunities"]) == 25
    assert "body_type=suv&amp;page=2" in first.text
    second = _list(client, published, body_type="suv", page=2)
    assert len(second.context["opportunities"]) == 2


def test_the_page_prints_as_a_document(client, need, published):
    response = _list(client, published)
    assert 'class="striped opportunity-list cards-on-phone"' in response.text
    assert "data-print" in response.text
    assert re.search(r'class="print-only"', response.text)
    assert "@media print" in (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()


@pytest.mark.parametrize("who", ["anonymous", "buyer", "exporter"])
def test_only_exporters_are_offered_to_offer_a_lot(
    client, login, buyer_admin, exporter_admin, need, published, who
):
    if who != "anonymous":
        client = login(buyer_admin if who == "buyer" else exporter_admin)
    response = _list(client, published)
    offer = reverse("event_opportunity_offer", args=[published.slug, need.pk])
    assert (offer in response.text) == (who == "exporter")
    assert ("sign in to offer a lot" in response.text) == (who == "anonymous")


# Offering a lot ------------------------------------------------------------------


def test_offering_a_lot_records_the_exporters_interest_for_the_buyer(exporter, lot, need, published):
    match = opportunity_offer_lot(event=published, need=need, lot=lot, organisation=exporter)
    assert (match.lot, match.need, match.exporter_interest, match.buyer_interest, match.state) == (
        lot,
        need,
        Match.Interest.YES,
        Match.Interest.NONE,
        Match.State.PROPOSED,
    )
    assert list(matches_for_need(need)) == [match]


def test_offering_twice_keeps_one_match(exporter, lot, need, published):
    first = opportunity_offer_lot(event=published, need=need, lot=lot, organisation=exporter)
    again = opportunity_offer_lot(event=published, need=need, lot=lot, organisation=exporter)
    assert first.pk == again.pk
    assert Match.objects.count() == 1


def test_the_buyers_yes_makes_it_mutual_and_requests_a_meeting(exporter, lot, need, published):
    match = opportunity_offer_lot(event=published, need=need, lot=lot, organisation=exporter)
    match = match_express_interest(match=match, organisation=need.buyer, interest=Match.Interest.YES)
    assert match.state == Match.State.MUTUAL
    meeting = Meeting.objects.get(event=published)
    assert (meeting.exporter, meeting.buyer, meeting.match, meeting.state) == (
        exporter,
        need.buyer,
        match,
        Meeting.State.REQUESTED,
    )


def test_a_lot_outside_the_needs_top_proposals_may_still_be_offered(exporter, lot, need, published):
    """The list reaches exporters the ranking never showed the need to."""
    for _ in range(3):
        LotFactory(unit_price=Decimal(9_000))
    match = opportunity_offer_lot(event=published, need=need, lot=lot, organisation=exporter)
    assert match.exporter_interest == Match.Interest.YES


@pytest.mark.parametrize(
    ("lot_fields", "reason"),
    [
        (
            {"make": "Toyota", "model": "Corolla"},
            "it is not of the makes, models, body or fuel types wanted.",
        ),
        ({"steering": "RHD"}, "Kazakhstan admits left-hand-drive vehicles only (source: "),
        ({"unit_price": Decimal(30_000)}, "its price is more than 10% above the buyer's budget"),
        (
            {"model_year": 2018, "first_registration": datetime.date(2018, 3, 1)},
            "its model year is outside the years wanted (2021–2025)",
        ),
    ],
)
def test_a_lot_that_does_not_qualify_is_refused_with_the_engines_reason(
    exporter, need, published, lot_fields, reason
):
    lot = LotFactory(exporter=exporter, **lot_fields)
    with pytest.raises(ValidationError) as refused:
        opportunity_offer_lot(event=published, need=need, lot=lot, organisation=exporter)
    (message,) = refused.value.messages
    assert message.startswith("This lot does not qualify for this need: ")
    assert reason in message
    assert not Match.objects.exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("sold", "This lot is not available, so it cannot be offered."),
        ("not_mine", "This lot is not one of yours."),
        ("unpublished", "This event's opportunity list is not published."),
        ("draft", "This event's opportunity list is not published."),
        ("closed", "This opportunity is no longer open."),
        ("buyer", "Only exporters offer lots."),
    ],
)
def test_an_offer_is_refused_with_a_reason(fair, exporter, lot, need, published, case, message):
    organisation = exporter
    if case == "sold":
        Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.SOLD)
    elif case == "not_mine":
        lot = LotFactory()
    elif case == "unpublished":
        opportunities_publish(event=fair, publish=False)
    elif case == "draft":
        Event.objects.filter(pk=fair.pk).update(status=Event.Status.DRAFT)
    elif case == "closed":
        Need.objects.filter(pk=need.pk).update(status=Need.Status.CLOSED)
    else:
        organisation = need.buyer
    fair.refresh_from_db()
    lot.refresh_from_db()
    with pytest.raises(ValidationError, match=re.escape(message)):
        opportunity_offer_lot(event=fair, need=need, lot=lot, organisation=organisation)
    assert not Match.objects.exists()


def test_the_exporter_offers_a_lot_from_the_page(login, exporter_admin, exporter, lot, need, published):
    LotFactory(exporter=exporter, ref="SOLD-ONE", status=Lot.Status.SOLD)
    client = login(exporter_admin)
    url = reverse("event_opportunity_offer", args=[published.slug, need.pk])
    page = client.get(url)
    assert "MY-LOT-1" in page.text
    assert "SOLD-ONE" not in page.text

    response = client.post(url, {"lot": lot.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("event_opportunities", args=[published.slug])
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith(f"Lot MY-LOT-1 is offered for OPP-{need.pk}.")
    assert Match.objects.get(lot=lot, need=need).exporter_interest == Match.Interest.YES


def test_a_refused_offer_is_shown_on_the_form(login, exporter_admin, exporter, need, published):
    lot = LotFactory(exporter=exporter, ref="RHD-1", steering="RHD")
    response = login(exporter_admin).post(
        reverse("event_opportunity_offer", args=[published.slug, need.pk]), {"lot": lot.pk}
    )
    assert response.status_code == 200
    assert "This lot does not qualify for this need" in response.text
    assert "Kazakhstan admits left-hand-drive vehicles only" in response.text
    assert not Match.objects.exists()


def test_an_exporter_without_lots_is_told_to_add_one(login, other_exporter_admin, need, published):
    response = login(other_exporter_admin).get(
        reverse("event_opportunity_offer", args=[published.slug, need.pk])
    )
    assert response.status_code == 200
    assert "You have no available lot." in response.text
    assert reverse("lot_create") in response.text


def test_the_buyer_sees_the_offer_with_the_needs_matches(
    login, buyer_admin, fair, join, exporter, lot, published
):
    join(fair, buyer_admin.membership.organisation)
    need = NeedFactory(buyer=buyer_admin.membership.organisation)
    opportunity_offer_lot(event=published, need=need, lot=lot, organisation=exporter)
    response = login(buyer_admin).get(reverse("need_matches", args=[need.pk]))
    assert response.status_code == 200
    assert lot.exporter.name in response.text


def test_a_need_that_can_never_match_is_not_an_opportunity_and_is_counted_apart(fair, join):
    chile = join(fair, BuyerFactory()).organisation
    blocked = need_create(buyer=chile, **need_fields(ref="CL-1", destination_country="CL"))
    open_need = need_create(buyer=chile, **need_fields(ref="KE-1"))
    published = opportunities_publish(event=fair, publish=True)

    assert list(opportunity_needs(published)) == [open_need]
    assert blocked.never_matches
    coverage = matching_coverage(Need.objects.filter(buyer=chile))
    assert (coverage.open_needs, coverage.never_matching_needs) == (1, 1)
