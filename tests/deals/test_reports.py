"""The organisers' event reports: the rows they hold, a fixed number of queries
however large the fair, and the CSV and XLSX files made from them."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from deals.models import Deal
from deals.reports import deal_report, meeting_report, participant_report, report_file
from events.models import Event, Meeting, Participation
from matchmaking.models import FxRate
from tests.events.conftest import FAIR_DAY, make_fair
from tests.factories import (
    BuyerFactory,
    DealFactory,
    DealLineFactory,
    ExporterFactory,
    MeetingFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db

# Far from the rates the migrations seed (2026-11-01), so these are the only ones
# that apply.
SIGNED = datetime.date(2031, 3, 5)
LONG_AGO = datetime.date(1990, 1, 1)
HYPERLINK = '=HYPERLINK("http://example.com/x","click")'


def _rate(currency: str, day: datetime.date, rate: str) -> None:
    FxRate.objects.update_or_create(currency=currency, date=day, defaults={"rate_to_cny": Decimal(rate)})


@pytest.fixture
def fair() -> Event:
    return make_fair(slug="report-fair")


@pytest.fixture
def parties():
    exporter = ExporterFactory(name="Chengdu Auto Export", province="Sichuan", city="Chengdu")
    buyer = BuyerFactory(name="Almaty Motors", country="KZ")
    return exporter, buyer


def _slot(event: Event, number: int):
    return event.slots.get(number=number)


def _table(event: Event, name: str):
    return event.tables.get(name=name)


# Deals ---------------------------------------------------------------------------


def test_deal_report_converts_at_the_latest_rate_on_or_before_the_signing_day(fair, parties):
    exporter, buyer = parties
    _rate("EUR", datetime.date(2031, 2, 1), "6.00")
    _rate("EUR", datetime.date(2031, 3, 1), "7.25")
    _rate("EUR", datetime.date(2031, 3, 10), "9.00")  # after the deal: never used
    _rate("USD", datetime.date(2031, 3, 1), "7.10")
    meeting = MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    deal = DealFactory(
        event=fair,
        meeting=meeting,
        exporter=exporter,
        buyer=buyer,
        currency="EUR",
        incoterm="CIF",
        signed_on=SIGNED,
        state=Deal.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    line = DealLineFactory(
        deal=deal,
        quantity=2,
        unit_price=Decimal("500.01"),
        lot__ref="SONG-01",
        lot__make="BYD",
        lot__model="Song Plus",
        lot__model_year=2023,
        lot__fuel_type="phev",
        lot__body_type="suv",
    )

    report = deal_report(fair)

    assert len(report.header) == len(report.rows[0])
    row = dict(zip(report.header, report.rows[0], strict=True))
    assert row == {
        "Deal no.": deal.pk,
        "State": "Confirmed by both sides",
        "Counts in totals": True,
        "Signed on": SIGNED,
        "Exporter": "Chengdu Auto Export",
        "Exporter province": "Sichuan",
        "Exporter city": "Chengdu",
        "Buyer": "Almaty Motors",
        "Buyer country code": "KZ",
        "Buyer country": "Kazakhstan",
        "Lot reference": "SONG-01",
        "Make": "BYD",
        "Model": "Song Plus",
        "Model year": 2023,
        "Fuel type": line.lot.get_fuel_type_display(),
        "Body type": line.lot.get_body_type_display(),
        "Vehicles": 2,
        "Unit price": Decimal("500.01"),
        "Currency": "EUR",
        "Incoterm": "CIF",
        "Amount": Decimal("1000.02"),
        "Rate to CNY": Decimal("7.25"),
        # 1000.02 × 7.25 = 7250.145, rounded half up.
        "Amount in CNY": Decimal("7250.15"),
        # 7250.145 / 7.10 = 1021.147…
        "Amount in USD": Decimal("1021.15"),
        "Meeting no.": meeting.pk,
    }


def test_deal_report_leaves_converted_cells_empty_without_a_rate(fair, parties):
    exporter, buyer = parties
    eur = DealFactory(event=fair, exporter=exporter, buyer=buyer, currency="EUR", signed_on=LONG_AGO)
    DealLineFactory(deal=eur, quantity=1, unit_price=Decimal("100.00"))
    usd = DealFactory(event=fair, exporter=exporter, buyer=buyer, currency="USD", signed_on=LONG_AGO)
    DealLineFactory(deal=usd, quantity=3, unit_price=Decimal("10.50"))

    report = deal_report(fair)

    rows = {row["Currency"]: row for row in (dict(zip(report.header, r, strict=True)) for r in report.rows)}
    assert [rows["EUR"][k] for k in ("Rate to CNY", "Amount in CNY", "Amount in USD")] == [None, None, None]
    # A dollar deal is worth its amount in dollars, rate or not.
    assert [rows["USD"][k] for k in ("Amount", "Rate to CNY", "Amount in CNY", "Amount in USD")] == [
        Decimal("31.50"),
        None,
        None,
        Decimal("31.50"),
    ]
    assert rows["EUR"]["State"] == "Awaiting confirmation"
    assert rows["EUR"]["Counts in totals"] is False
    assert rows["EUR"]["Meeting no."] is None


def test_deal_report_has_a_row_per_line_of_this_event_only(fair, parties):
    exporter, buyer = parties
    deal = DealFactory(event=fair, exporter=exporter, buyer=buyer, state=Deal.State.CANCELLED)
    DealLineFactory(deal=deal, lot__ref="A")
    DealLineFactory(deal=deal, lot__ref="B")
    DealLineFactory(deal=DealFactory(event=make_fair(slug="other-fair"), exporter=exporter, buyer=buyer))
    DealLineFactory(deal=DealFactory(event=None, exporter=exporter, buyer=buyer))

    report = deal_report(fair)

    lot_column = report.header.index("Lot reference")
    assert [row[lot_column] for row in report.rows] == ["A", "B"]
    assert {row[report.header.index("State")] for row in report.rows} == {"Cancelled"}


@pytest.mark.parametrize("count", [1, 10])
def test_deal_report_queries_do_not_grow_with_the_deals(fair, django_assert_num_queries, count):
    for number in range(count):
        deal = DealFactory(event=fair, currency=["USD", "EUR", "CNY", "RUB"][number % 4])
        DealLineFactory(deal=deal)
        DealLineFactory(deal=deal)

    with django_assert_num_queries(2):
        report = deal_report(fair)

    assert len(report.rows) == 2 * count


# Meetings ------------------------------------------------------------------------


def test_meeting_report_shows_times_in_the_event_zone_and_labels(fair, parties):
    exporter, buyer = parties
    booked = MeetingFactory(
        event=fair,
        exporter=exporter,
        buyer=buyer,
        slot=_slot(fair, 1),
        table=_table(fair, "T2"),
        state=Meeting.State.HELD,
        exporter_confirmed_at=timezone.now(),
        exporter_outcome=Meeting.Outcome.FOLLOW_UP,
        buyer_outcome=Meeting.Outcome.DEAL_SIGNED,
    )
    requested = MeetingFactory(event=fair, exporter=exporter, buyer=BuyerFactory(name="Tashkent Cars"))
    MeetingFactory(exporter=exporter, buyer=buyer)  # another event's

    report = meeting_report(fair)

    rows = [dict(zip(report.header, row, strict=True)) for row in report.rows]
    assert rows == [
        {
            "Meeting no.": booked.pk,
            "Date": FAIR_DAY,
            "Starts": datetime.time(9, 0),
            "Ends": datetime.time(9, 30),
            "Table": "T2",
            "Exporter": "Chengdu Auto Export",
            "Exporter province": "Sichuan",
            "Buyer": "Almaty Motors",
            "Buyer country code": "KZ",
            "Buyer country": "Kazakhstan",
            "State": "Held",
            "Confirmed by the exporter": True,
            "Confirmed by the buyer": False,
            "Exporter's outcome": "Follow-up agreed",
            "Buyer's outcome": "Deal signed",
        },
        {
            "Meeting no.": requested.pk,
            "Date": None,
            "Starts": None,
            "Ends": None,
            "Table": None,
            "Exporter": "Chengdu Auto Export",
            "Exporter province": "Sichuan",
            "Buyer": "Tashkent Cars",
            "Buyer country code": "KZ",
            "Buyer country": "Kazakhstan",
            "State": "Requested",
            "Confirmed by the exporter": False,
            "Confirmed by the buyer": False,
            "Exporter's outcome": "",
            "Buyer's outcome": "",
        },
    ]


@pytest.mark.parametrize("count", [1, 10])
def test_meeting_report_queries_do_not_grow_with_the_meetings(fair, django_assert_num_queries, count):
    for number in range(1, count + 1):
        MeetingFactory(
            event=fair, slot=_slot(fair, number), table=_table(fair, "T1"), state=Meeting.State.SCHEDULED
        )
    MeetingFactory(event=fair)

    with django_assert_num_queries(1):
        report = meeting_report(fair)

    assert len(report.rows) == count + 1


# Participants --------------------------------------------------------------------


def test_participant_report_counts_meetings_and_confirmed_deals(fair, parties):
    exporter, buyer = parties
    other_fair = make_fair(slug="other-fair")
    ParticipationFactory(
        event=fair,
        organisation=exporter,
        home_table=_table(fair, "T1"),
        checked_in_at=datetime.datetime(2026, 12, 15, 1, 5, 30, tzinfo=datetime.UTC),
    )
    ParticipationFactory(event=fair, organisation=buyer, status=Participation.Status.PENDING)
    common = {"exporter": exporter, "buyer": buyer, "table": _table(fair, "T1")}
    MeetingFactory(event=fair, slot=_slot(fair, 1), state=Meeting.State.HELD, **common)
    MeetingFactory(event=fair, slot=_slot(fair, 2), state=Meeting.State.CONFIRMED, **common)
    MeetingFactory(event=fair, slot=_slot(fair, 3), state=Meeting.State.CANCELLED, **common)
    MeetingFactory(event=fair, exporter=exporter, buyer=BuyerFactory())  # requested, not booked
    confirmed = {"state": Deal.State.CONFIRMED, "confirmed_at": timezone.now()}
    DealFactory(event=fair, exporter=exporter, buyer=buyer, **confirmed)
    DealFactory(event=fair, exporter=exporter, buyer=BuyerFactory(), **confirmed)
    DealFactory(event=fair, exporter=exporter, buyer=buyer)  # awaiting confirmation
    DealFactory(event=other_fair, exporter=exporter, buyer=buyer, **confirmed)

    report = participant_report(fair)

    rows = [dict(zip(report.header, row, strict=True)) for row in report.rows]
    assert rows == [
        {
            "Organisation": "Almaty Motors",
            "Kind": "Buyer",
            "Country code": "KZ",
            "Country": "Kazakhstan",
            "Province / state": "",
            "City": "Almaty",
            "Status": "Awaiting approval",
            "Checked in": None,
            "Home table": None,
            "Booked meetings": 2,
            "Meetings held": 1,
            "Confirmed deals": 1,
        },
        {
            "Organisation": "Chengdu Auto Export",
            "Kind": "Exporter",
            "Country code": "CN",
            "Country": "China",
            "Province / state": "Sichuan",
            "City": "Chengdu",
            "Status": "Approved",
            "Checked in": datetime.datetime(2026, 12, 15, 9, 5, 30),
            "Home table": "T1",
            "Booked meetings": 2,
            "Meetings held": 1,
            "Confirmed deals": 2,
        },
    ]


@pytest.mark.parametrize("count", [1, 10])
def test_participant_report_queries_do_not_grow_with_the_participants(fair, django_assert_num_queries, count):
    for number in range(1, count + 1):
        participation = ParticipationFactory(event=fair, checked_in_at=timezone.now())
        MeetingFactory(
            event=fair,
            exporter=participation.organisation,
            slot=_slot(fair, number),
            table=_table(fair, "T1"),
            state=Meeting.State.HELD,
        )
        DealFactory(
            event=fair,
            exporter=participation.organisation,
            state=Deal.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )

    with django_assert_num_queries(1):
        report = participant_report(fair)

    assert len(report.rows) == count
    assert {tuple(row[-3:]) for row in report.rows} == {(1, 1, 1)}


# Files ---------------------------------------------------------------------------


@pytest.fixture
def report_with_formula(fair):
    _rate("EUR", datetime.date(2031, 3, 1), "7.25")
    _rate("USD", datetime.date(2031, 3, 1), "7.10")
    exporter = ExporterFactory(name=HYPERLINK, province="四川", city="成都")
    buyer = BuyerFactory(name="ООО «Авто-Импорт»", country="RU")
    meeting = MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    deal = DealFactory(
        event=fair,
        meeting=meeting,
        exporter=exporter,
        buyer=buyer,
        currency="EUR",
        signed_on=SIGNED,
        state=Deal.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    DealLineFactory(deal=deal, quantity=2, unit_price=Decimal("500.01"))
    DealLineFactory(deal=DealFactory(event=fair, currency="EUR", signed_on=LONG_AGO))
    return deal_report(fair)


def _as_excel_reads_it(value):
    if value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def test_csv_report_is_utf8_with_the_header_and_neutralised_formulas(report_with_formula):
    file = report_file(report_with_formula, "csv", day=datetime.date(2026, 11, 22))

    assert file.filename == "report-fair-deals-2026-11-22.csv"
    assert file.content_type == "text/csv; charset=utf-8"
    records = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"), newline="")))
    assert records[0] == report_with_formula.header
    assert len(records) == 3
    # Oldest deal first: the one without a rate, then the converted one.
    unconverted, row = (dict(zip(records[0], record, strict=True)) for record in records[1:])
    assert row["Exporter"] == "'" + HYPERLINK
    assert row["Exporter province"] == "四川"
    assert row["Buyer"] == "ООО «Авто-Импорт»"
    assert row["Counts in totals"] == "yes"
    assert row["Amount in CNY"] == "7250.15"
    assert unconverted["Amount in USD"] == ""
    assert unconverted["Counts in totals"] == "no"


def test_xlsx_report_holds_the_same_rows(report_with_formula):
    file = report_file(report_with_formula, "xlsx", day=datetime.date(2026, 11, 22))

    assert file.filename == "report-fair-deals-2026-11-22.xlsx"
    worksheet = load_workbook(io.BytesIO(file.content)).active
    assert worksheet.title == "Deals"
    header, *rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
    assert header == report_with_formula.header
    assert rows == [[_as_excel_reads_it(value) for value in row] for row in report_with_formula.rows]


@pytest.mark.parametrize("build", [meeting_report, participant_report])
def test_every_report_makes_both_files(fair, parties, build):
    exporter, buyer = parties
    ParticipationFactory(event=fair, organisation=exporter, checked_in_at=timezone.now())
    MeetingFactory(event=fair, exporter=exporter, buyer=buyer, slot=_slot(fair, 1), table=_table(fair, "T1"))
    report = build(fair)

    csv_file = report_file(report, "csv")
    xlsx_file = report_file(report, "xlsx")

    assert csv_file.filename.startswith(f"report-fair-{report.kind}-")
    assert csv_file.content.decode("utf-8-sig").splitlines()[0] == ",".join(report.header)
    worksheet = load_workbook(io.BytesIO(xlsx_file.content)).active
    assert [cell.value for cell in worksheet[1]] == report.header
    assert worksheet.max_row == len(report.rows) + 1


def test_report_file_refuses_an_unknown_format(fair):
    with pytest.raises(ValueError, match="pdf"):
        report_file(meeting_report(fair), "pdf")
