"""The organisers' freight, inland haulage and insurance pages: who may see
them, the list, add, edit and delete, the services behind them, and importing,
exporting and the templates of the three tables."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate, MatchRun
from matchmaking.services.freight import (
    freight_rate_create,
    inland_haulage_create,
    insurance_rate_create,
    insurance_rate_update,
)
from tests.factories import FreightRateFactory, InlandHaulageFactory, InsuranceRateFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "matchmaking" / "data"
BUNDLED = {
    "freight": "freight_rates.csv",
    "haulage": "inland_haulage.csv",
    "insurance": "insurance_rates.csv",
}
FREIGHT_HEADER = ",".join(
    [
        "mode",
        "origin",
        "destination_country",
        "destination_port",
        "vehicle_class",
        "price",
        "currency",
        "valid_from",
        "indicative",
        "source",
    ]
)
DEMO_DAY = datetime.date(2026, 10, 1)
JAN = datetime.date(2027, 1, 1)


def _bundled_rows(table: str) -> list[dict[str, str]]:
    with (DATA / BUNDLED[table]).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _queued_runs() -> int:
    return MatchRun.objects.filter(status=MatchRun.Status.QUEUED).count()


def _upload(client, table: str, content: bytes, name: str = "rates.csv"):
    return client.post(
        reverse("freight_import"), {"table": table, "file": SimpleUploadedFile(name, content)}, follow=True
    )


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _counts() -> tuple[int, int, int]:
    return FreightRate.objects.count(), InlandHaulage.objects.count(), InsuranceRate.objects.count()


# Who may see the pages -----------------------------------------------------------


def _urls() -> list[str]:
    freight, haulage, insurance = FreightRateFactory(), InlandHaulageFactory(), InsuranceRateFactory()
    return [
        reverse("freight_list"),
        reverse("freight_import"),
        reverse("freight_template", args=["csv"]) + "?table=freight",
        reverse("freight_template", args=["xlsx"]) + "?table=insurance",
        reverse("freight_export", args=["csv"]) + "?table=haulage",
        reverse("freight_export", args=["xlsx"]) + "?table=freight",
        reverse("freight_rate_create"),
        reverse("freight_rate_edit", args=[freight.pk]),
        reverse("freight_rate_delete", args=[freight.pk]),
        reverse("inland_haulage_create"),
        reverse("inland_haulage_edit", args=[haulage.pk]),
        reverse("inland_haulage_delete", args=[haulage.pk]),
        reverse("insurance_rate_create"),
        reverse("insurance_rate_edit", args=[insurance.pk]),
        reverse("insurance_rate_delete", args=[insurance.pk]),
    ]


@pytest.mark.parametrize("role", ["exporter_admin", "buyer_admin"])
def test_only_organisers_see_the_freight_pages(request, login, client, role):
    urls = _urls()
    other = login(request.getfixturevalue(role))

    for url in urls:
        assert other.get(url).status_code == 404, url
        anonymous = client.get(url)
        assert anonymous.status_code == 302, url
        assert anonymous.url.startswith(reverse("account_login"))
    rate = FreightRate.objects.get(destination_country="TH")
    assert other.post(reverse("freight_rate_delete", args=[rate.pk])).status_code == 404
    assert other.post(reverse("freight_rate_edit", args=[rate.pk]), {"price": "1"}).status_code == 404
    upload = SimpleUploadedFile("rates.csv", (DATA / "freight_rates.csv").read_bytes())
    assert other.post(reverse("freight_import"), {"table": "freight", "file": upload}).status_code == 404
    assert FreightRate.objects.get(pk=rate.pk).price == Decimal("1200")
    assert _queued_runs() == 0


def test_organisers_open_every_freight_page(login, organiser):
    urls = _urls()
    client = login(organiser)

    for url in urls:
        assert client.get(url).status_code == 200, url


def test_unknown_rates_tables_and_formats_answer_404_to_organisers(login, organiser):
    client = login(organiser)

    for name in ("freight_rate_edit", "inland_haulage_delete", "insurance_rate_edit"):
        assert client.get(reverse(name, args=[999_999])).status_code == 404
    assert client.post(reverse("freight_rate_delete", args=[999_999])).status_code == 404
    assert client.get(reverse("freight_template", args=["csv"]), {"table": "ships"}).status_code == 404
    assert client.get(reverse("freight_export", args=["pdf"]), {"table": "freight"}).status_code == 404


# The list ------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_freight_list_queries_do_not_grow_with_rows(login, organiser, rows, django_assert_num_queries):
    FreightRate.objects.all().delete()
    InlandHaulage.objects.all().delete()
    InsuranceRate.objects.all().delete()
    for country in ["TH", "MY", "ID"][:rows]:
        FreightRateFactory(destination_country=country)
        InlandHaulageFactory(origin=f"Yard {country}")
        InsuranceRateFactory(destination_country=country)
    client = login(organiser)

    # savepoint, session, user, membership, countries for the filter, count,
    # freight page, haulage, insurance, release
    with django_assert_num_queries(10):
        response = client.get(reverse("freight_list"), {"mode": "roro"})

    assert response.status_code == 200
    context = response.context
    assert (
        len(context["freight_rates"]),
        len(context["haulage_rates"]),
        len(context["insurance_rates"]),
    ) == (
        rows,
        rows,
        rows,
    )


def test_freight_list_shows_the_three_tables_in_plain_words(login, organiser):
    InsuranceRateFactory(
        destination_country="TH", valid_from=timezone.localdate() + datetime.timedelta(days=30)
    )

    response = login(organiser).get(reverse("freight_list"), {"destination_country": "NG"})

    text = response.text
    assert "newest rate valid on a day replaces older ones" in text
    assert "indicative figures" in text
    assert 'id="freight"' in text
    assert 'id="haulage"' in text
    assert 'id="insurance"' in text
    # Nigeria by RoRo: the bundled demo rates.
    assert "RoRo: <bdi>Shanghai; Tianjin; Guangzhou</bdi>" in text
    assert "Nigeria (<bdi>Lagos</bdi>)" in text
    assert "$1,650" in text
    assert "Oct 1, 2026" in text
    assert '<span class="badge">indicative</span>' in text
    assert "Inland yard" in text
    assert "<bdi>Khorgos</bdi>" in text
    assert "Every destination without a rate of its own" in text
    assert "0.8 %" in text
    # Only the rate that is not in force yet says so.
    assert text.count("(not yet)") == 1
    lagos = FreightRate.objects.filter(destination_port="Lagos").first()
    assert reverse("freight_rate_edit", args=[lagos.pk]) in text
    assert reverse("freight_rate_delete", args=[lagos.pk]) in text
    assert reverse("freight_list") in login(organiser).get(reverse("fx_rate_list")).text


def test_freight_list_filters_by_destination_and_mode_and_paginates(login, organiser):
    client = login(organiser)

    def routes(**query: str) -> set[tuple[str, str]]:
        rates = client.get(reverse("freight_list"), query).context["freight_rates"]
        return {(rate.destination_country.code, rate.mode) for rate in rates}

    assert routes(destination_country="NG") == {("NG", "roro"), ("NG", "container")}
    assert routes(destination_country="NG", mode="container") == {("NG", "container")}
    assert {mode for _country, mode in routes(mode="rail")} == {"rail"}
    choices = client.get(reverse("freight_list")).context["filter"].form.fields["destination_country"].choices
    codes = [code for code, _label in choices if code]
    assert codes == sorted({row["destination_country"] for row in _bundled_rows("freight")})

    first = client.get(reverse("freight_list"))
    assert len(first.context["freight_rates"]) == 50
    assert f"Page 1 of {-(-FreightRate.objects.count() // 50)}" in first.text


def test_freight_list_empty_states(login, organiser):
    client = login(organiser)

    filtered = client.get(reverse("freight_list"), {"destination_country": "NG", "mode": "road"})
    assert "No freight rates match these filters" in filtered.text

    FreightRate.objects.all().delete()
    InlandHaulage.objects.all().delete()
    InsuranceRate.objects.all().delete()
    text = client.get(reverse("freight_list")).text
    assert "No freight rates yet" in text
    assert "No inland haulage rates yet" in text
    assert "No insurance rates yet" in text
    for table in ("freight", "haulage", "insurance"):
        assert f"{reverse('freight_import')}?table={table}" in text
    assert reverse("inland_haulage_create") in text


# Add, edit, delete ---------------------------------------------------------------


FREIGHT_FORM = {
    "mode": "container",
    "origin": "Shanghai ;Ningbo;",
    "destination_country": "TH",
    "destination_port": "Laem Chabang",
    "vehicle_class": "suv_mpv_pickup",
    "price": "1350.50",
    "currency": "USD",
    "valid_from": "2027-02-01",
    "indicative": "on",
    "source": "Forwarder's quote",
}


def test_organiser_adds_a_freight_rate_and_matching_runs_again(login, organiser):
    client = login(organiser)
    assert "(“Shanghai; Tianjin; Guangzhou”)" in client.get(reverse("freight_rate_create")).text

    response = client.post(reverse("freight_rate_create"), FREIGHT_FORM)

    assert response.status_code == 302
    assert response.url == f"{reverse('freight_list')}#freight"
    rate = FreightRate.objects.get(destination_country="TH")
    assert (rate.origin, rate.price, rate.indicative) == ("Shanghai; Ningbo", Decimal("1350.50"), True)
    assert "Freight rate saved: Container Shanghai; Ningbo → Thailand (Laem Chabang), SUV, MPV or pickup" in (
        client.get(response.url).text
    )
    assert _queued_runs() == 1


def test_organiser_adds_haulage_and_insurance_rates(login, organiser):
    client = login(organiser)

    haulage = client.post(
        reverse("inland_haulage_create"),
        {
            "origin": "Chongqing",
            "vehicle_class": "van",
            "price": "90",
            "currency": "CNY",
            "valid_from": "2027-01-01",
            "source": "Trucker",
        },
    )
    insurance = client.post(
        reverse("insurance_rate_create"),
        {"destination_country": "", "rate_pct": "0.45", "valid_from": "2027-01-01", "source": "Insurer"},
    )

    assert haulage.url == f"{reverse('freight_list')}#haulage"
    assert insurance.url == f"{reverse('freight_list')}#insurance"
    stored = InlandHaulage.objects.get(origin="Chongqing")
    assert (stored.price, stored.currency, stored.indicative) == (Decimal("90"), "CNY", False)
    every = InsuranceRate.objects.get(valid_from=JAN)
    assert (every.destination_country.code, every.rate_pct) == ("", Decimal("0.45"))
    assert "Insurance rate saved: every other destination" in client.get(insurance.url).text


@pytest.mark.parametrize(
    ("url_name", "data", "field", "message"),
    [
        (
            "freight_rate_create",
            {**FREIGHT_FORM, "destination_country": "NG", "destination_port": "Lagos", "mode": "roro"}
            | {"origin": "Shanghai; Tianjin; Guangzhou", "vehicle_class": "car", "valid_from": "2026-10-01"},
            "valid_from",
            "There is already a freight rate for this mode, route and vehicle class valid from 2026-10-01",
        ),
        ("freight_rate_create", {**FREIGHT_FORM, "price": "-1"}, "price", "greater than or equal to 0"),
        (
            "freight_rate_create",
            {**FREIGHT_FORM, "price": "12.345"},
            "price",
            "no more than 2 decimal places",
        ),
        ("freight_rate_create", {**FREIGHT_FORM, "mode": "air"}, "mode", "Select a valid choice."),
        ("freight_rate_create", {**FREIGHT_FORM, "valid_from": "1 Feb"}, "valid_from", "Enter a valid date."),
        ("freight_rate_create", {**FREIGHT_FORM, "source": ""}, "source", "This field is required."),
        (
            "inland_haulage_create",
            {
                "origin": "Khorgos",
                "vehicle_class": "car",
                "price": "1",
                "currency": "USD",
                "valid_from": "2026-10-01",
                "source": "x",
            },
            "valid_from",
            "There is already a haulage rate for this loading point and vehicle class valid from 2026-10-01",
        ),
        (
            "insurance_rate_create",
            {"destination_country": "NG", "rate_pct": "1", "valid_from": "2026-10-01", "source": "x"},
            "valid_from",
            "There is already an insurance rate for this destination valid from 2026-10-01",
        ),
        (
            "insurance_rate_create",
            {"destination_country": "TH", "rate_pct": "25", "valid_from": "2027-01-01", "source": "x"},
            "rate_pct",
            "less than or equal to 20",
        ),
    ],
)
def test_freight_forms_show_refusals_on_their_field(login, organiser, url_name, data, field, message):
    before = _counts()

    response = login(organiser).post(reverse(url_name), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert _counts() == before
    assert _queued_runs() == 0


def test_organiser_edits_a_freight_rate(login, organiser):
    rate = FreightRate.objects.get(
        mode="roro", destination_country="NG", vehicle_class="car", valid_from=DEMO_DAY
    )
    client = login(organiser)

    page = client.get(reverse("freight_rate_edit", args=[rate.pk]))
    assert page.context["form"].initial["destination_country"] == "NG"
    assert 'value="2026-10-01"' in page.text
    assert 'value="NG" selected' in page.text

    response = client.post(
        reverse("freight_rate_edit", args=[rate.pk]),
        {**page.context["form"].initial, "price": "1700", "indicative": "", "source": "Quote 2026-11"},
    )

    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.price, rate.indicative, rate.source) == (Decimal("1700"), False, "Quote 2026-11")
    assert _queued_runs() == 1


def test_editing_a_rate_onto_another_ones_day_is_refused(login, organiser):
    older = InsuranceRateFactory(destination_country="TH", valid_from=JAN)
    newer = InsuranceRateFactory(destination_country="TH", valid_from=datetime.date(2027, 6, 1))

    response = login(organiser).post(
        reverse("insurance_rate_edit", args=[newer.pk]),
        {"destination_country": "TH", "rate_pct": "0.7", "valid_from": "2027-01-01", "source": "x"},
    )

    assert "There is already an insurance rate" in " ".join(response.context["form"].errors["valid_from"])
    newer.refresh_from_db()
    assert newer.valid_from == datetime.date(2027, 6, 1)
    # Keeping its own day is no duplicate.
    insurance_rate_update(insurance_rate=older, rate_pct=Decimal("0.65"), valid_from=JAN)
    assert InsuranceRate.objects.get(pk=older.pk).rate_pct == Decimal("0.65")


@pytest.mark.parametrize(
    ("factory", "url_name", "message"),
    [
        (
            FreightRateFactory,
            "freight_rate_delete",
            "Freight rate deleted: RoRo Shanghai; Tianjin → Thailand",
        ),
        (
            InlandHaulageFactory,
            "inland_haulage_delete",
            "Haulage rate deleted: Chengdu, Car, from Jan 1, 2027.",
        ),
        (
            InsuranceRateFactory,
            "insurance_rate_delete",
            "Insurance rate deleted: Thailand, from Jan 1, 2027.",
        ),
    ],
)
def test_organiser_deletes_a_rate(login, organiser, factory, url_name, message):
    rate = factory()
    client = login(organiser)

    confirm = client.get(reverse(url_name, args=[rate.pk]))
    assert "Delete the rate valid from Jan 1, 2027?" in confirm.text
    response = client.post(reverse(url_name, args=[rate.pk]), follow=True)

    assert message in response.text
    assert not type(rate).objects.filter(pk=rate.pk).exists()
    assert _queued_runs() == 1


def test_services_normalise_codes_origins_and_countries():
    rate = freight_rate_create(
        mode=" RoRo ",
        origin=" Shanghai ;Tianjin；; Shanghai ",
        destination_country="th",
        destination_port="  Laem  Chabang ",
        vehicle_class="CAR",
        price=Decimal("1200"),
        currency="usd",
        valid_from=JAN,
        source=" quote ",
    )

    assert (rate.mode, rate.origin, rate.destination_country.code) == ("roro", "Shanghai; Tianjin", "TH")
    assert (rate.destination_port, rate.vehicle_class, rate.currency, rate.source) == (
        "Laem Chabang",
        "car",
        "USD",
        "quote",
    )
    haulage = inland_haulage_create(
        origin="Xi'an;Chengdu",
        vehicle_class="van",
        price=Decimal(0),
        currency="cny",
        valid_from=JAN,
        source="x",
    )
    assert (haulage.origin, haulage.currency) == ("Xi'an; Chengdu", "CNY")
    with pytest.raises(ValidationError) as raised:
        insurance_rate_create(destination_country="zz", rate_pct=Decimal("-1"), valid_from=JAN, source="x")
    assert set(raised.value.message_dict) == {"destination_country", "rate_pct"}


# Importing -----------------------------------------------------------------------


def test_a_good_csv_adds_and_updates_rates_and_runs_matching_once(login, organiser):
    before = FreightRate.objects.count()
    client = login(organiser)

    response = _upload(
        client,
        "freight",
        _csv(
            # Any order and any case; the optional columns may be left out.
            "SOURCE,Mode,origin,destination_country,vehicle_class,price,currency,valid_from,destination_port",
            "New quote,roro,Shanghai; Tianjin; Guangzhou,NG,car,1725.50,usd,2026-10-01,Lagos",
            "Quote,container,Shanghai;Ningbo,th,van,2100,USD,2027-01-01,",
            "Quote,rail,Chengdu,KZ,car,900,USD,2027-01-01,Almaty",
        ),
    )

    assert response.redirect_chain[-1][0] == f"{reverse('freight_list')}#freight"
    assert "2 rates added, 1 updated." in response.text
    assert FreightRate.objects.count() == before + 2
    updated = FreightRate.objects.get(
        mode="roro",
        destination_country="NG",
        destination_port="Lagos",
        vehicle_class="car",
        valid_from=DEMO_DAY,
    )
    assert (updated.price, updated.source, updated.indicative) == (Decimal("1725.50"), "New quote", True)
    added = FreightRate.objects.get(mode="container", destination_country="TH")
    assert (added.origin, added.destination_port, added.vehicle_class) == ("Shanghai; Ningbo", "", "van")
    assert _queued_runs() == 1


def test_a_good_xlsx_adds_and_updates_rates(login, organiser):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Vehicle_Class", "ORIGIN", "price", "currency", "valid_from", "indicative", "source"])
    sheet.append(["car", "Khorgos", 720.0, "USD", datetime.datetime(2026, 10, 1), True, "Trucker 2026-11"])
    sheet.append(["bus_truck", "Urumqi", 1900, "CNY", datetime.date(2027, 1, 1), False, "Trucker 2026-12"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = _upload(login(organiser), "haulage", buffer.getvalue(), "haulage.xlsx")

    assert "1 rate added, 1 updated." in response.text
    khorgos = InlandHaulage.objects.get(origin="Khorgos", vehicle_class="car", valid_from=DEMO_DAY)
    assert (khorgos.price, khorgos.source) == (Decimal("720"), "Trucker 2026-11")
    urumqi = InlandHaulage.objects.get(origin="Urumqi")
    assert (urumqi.currency, urumqi.indicative, urumqi.valid_from) == ("CNY", False, JAN)


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_saved(login, organiser):
    before = _counts()

    response = _upload(
        login(organiser),
        "freight",
        _csv(
            FREIGHT_HEADER,
            "roro,Shanghai,NG,Lagos,car,1500,USD,2027-01-01,yes,Good row",
            "ship,Shanghai,NG,Lagos,car,-5,USD,2027-01-01,yes,Bad mode and price",
            "",
            "roro,Shanghai,XX,,truck,1500,YEN,2027-13-01,maybe,Bad country class currency date indicative",
            "roro,,NG,,car,1500.123,USD,2027-01-01,yes,",
            "roro,Shanghai,NG,Lagos,car,1600,USD,2027-01-01,yes,Same as row 2",
        ),
    )

    assert response.status_code == 400
    errors = {(error.row, error.column) for error in response.context["result"].errors}
    assert errors == {
        (3, "mode"),
        (3, "price"),
        (5, "destination_country"),
        (5, "vehicle_class"),
        (5, "currency"),
        (5, "valid_from"),
        (5, "indicative"),
        (6, "origin"),
        (6, "price"),
        (6, "source"),
        (7, "valid_from"),
    }
    text = response.text
    assert "4 rows of 5 have problems." in text
    assert "Nothing was imported." in text
    assert "“ship” is not a known shipping mode" in text
    assert "Ensure this value is greater than or equal to 0." in text
    assert "“XX” is not a two-letter ISO 3166 country code" in text
    assert "“2027-13-01” is not a date of the calendar." in text
    assert "Row 2 already gives a rate with the same mode, origin" in text
    assert _counts() == before
    assert _queued_runs() == 0


def test_insurance_rates_above_20_percent_are_refused(login, organiser):
    response = _upload(
        login(organiser),
        "insurance",
        _csv(
            "destination_country,rate_pct,valid_from,indicative,source",
            "TH,25,2027-01-01,yes,x",
            ",0.4,,no,y",
        ),
    )

    errors = {(error.row, error.column) for error in response.context["result"].errors}
    assert errors == {(2, "rate_pct"), (3, "valid_from")}
    assert not InsuranceRate.objects.filter(valid_from=JAN).exists()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            FREIGHT_HEADER + ",notes,Colour",
            "The columns notes, Colour are not among the Freight rates columns: mode, origin,",
        ),
        (
            "mode,origin,destination_port,vehicle_class,price,valid_from",
            "The required columns destination_country, currency, source are missing from the header row",
        ),
        ("mode,MODE," + FREIGHT_HEADER[5:], "The column mode appears twice (columns A and B); keep one."),
    ],
)
def test_unknown_missing_and_repeated_columns_are_refused(login, organiser, header, message):
    before = _counts()

    response = _upload(
        login(organiser), "freight", _csv(header, "roro,Shanghai,NG,Lagos,car,1,USD,2027-01-01")
    )

    assert response.status_code == 400
    assert message in response.text
    assert _counts() == before


def test_an_over_size_file_is_refused_with_the_reason(login, organiser, settings):
    settings.CARBRIDGE_IMPORT_MAX_BYTES = 1024 * 1024
    big = _csv(FREIGHT_HEADER, *["roro,Shanghai,NG,Lagos,car,1500,USD,2027-01-01,yes," + "x" * 200] * 7000)

    response = _upload(login(organiser), "freight", big)

    assert response.status_code == 400
    assert len(big) > 1024 * 1024
    size = f"{len(big) / 1024 / 1024:.1f}"
    assert (
        f"The file is {size} MB; files of at most 1 MB can be imported."
        in response.context["form"].errors["file"]
    )
    assert "At most 1 MB" in response.text


def test_a_file_that_is_not_a_spreadsheet_is_refused(login, organiser):
    response = _upload(login(organiser), "freight", b"PK\x03\x04 not really a zip", "rates.xlsx")

    assert response.status_code == 400
    assert "The file is not a readable Excel workbook (.xlsx)." in response.context["form"].errors["file"]


@pytest.mark.parametrize("table", ["freight", "haulage", "insurance"])
def test_the_bundled_files_import_cleanly(login, organiser, table):
    before = _counts()

    response = _upload(login(organiser), table, (DATA / BUNDLED[table]).read_bytes(), BUNDLED[table])

    rows = len(_bundled_rows(table))
    assert f"0 rates added, {rows} updated." in response.text
    assert _counts() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(login, organiser, fmt):
    FreightRateFactory(source='=HYPERLINK("http://example.com")', price=Decimal("1200.50"))
    client = login(organiser)
    before = list(FreightRate.objects.values())

    export = client.get(reverse("freight_export", args=[fmt]), {"table": "freight"})
    assert export["Content-Disposition"].startswith('attachment; filename="carbridge-freight-')
    if fmt == "csv":
        header, first = export.content.decode("utf-8-sig").splitlines()[:2]
        assert header == FREIGHT_HEADER
        assert first.startswith(
            "container,Shanghai; Tianjin; Guangzhou,AE,Jebel Ali,car,850,USD,2026-10-01,yes,"
        )
        assert "'=HYPERLINK" in export.content.decode()
    response = _upload(client, "freight", export.content, f"export.{fmt}")

    assert f"0 rates added, {len(before)} updated." in response.text
    assert list(FreightRate.objects.values()) == before


@pytest.mark.parametrize("table", ["freight", "haulage", "insurance"])
def test_templates_have_the_bundled_columns_and_an_example_that_imports(login, organiser, table):
    client = login(organiser)

    template = client.get(reverse("freight_template", args=["csv"]), {"table": table})
    workbook = client.get(reverse("freight_template", args=["xlsx"]), {"table": table})

    assert template["Content-Disposition"] == f'attachment; filename="carbridge-{table}-template.csv"'
    header = template.content.decode("utf-8-sig").splitlines()[0]
    assert header == ",".join(_bundled_rows(table)[0])
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert ",".join(cell.value for cell in sheet[1]) == header
    response = _upload(client, table, template.content)
    assert "updated." in response.text
    assert "Problems to fix" not in response.text


def test_import_page_offers_each_tables_downloads(login, organiser):
    response = login(organiser).get(reverse("freight_import"), {"table": "insurance"})

    assert response.context["form"].initial == {"table": "insurance"}
    assert 'value="insurance" required id="id_table_2" checked' in response.text
    for table in ("freight", "haulage", "insurance"):
        assert f"{reverse('freight_template', args=['xlsx'])}?table={table}" in response.text
        assert f"{reverse('freight_export', args=['csv'])}?table={table}" in response.text
    assert "At most 5 MB and 5,000 rows." in response.text
