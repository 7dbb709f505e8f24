"""Destination market rules: the bundled initial data, loading it from CSV, the
services, and the organisers' and the public pages."""

from __future__ import annotations

import csv
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from matchmaking.models import MarketRule
from matchmaking.services.market_rules import (
    BUNDLED_MARKET_RULES,
    market_rule_create,
    market_rule_delete,
    market_rule_update,
    market_rules_load,
)
from tests.factories import MarketRuleFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "country,applies_to_fuels,used_imports_banned,steering_required,max_age_years,age_counted_from,"
    "min_emission_standard,banned_fuels,max_engine_cc,max_mileage_km,uncertain,last_checked,source,notes"
)


def _counts() -> Counter:
    return Counter(rule.country.code for rule in MarketRule.objects.all())


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "rules.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> str:

    out = StringIO()
    call_command("load_market_rules", *args, stdout=out)
    return out.getvalue()


# Initial data ------------------------------------------------------------------


def test_bundled_csv_is_the_shared_sourced_facts():
    with BUNDLED_MARKET_RULES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    assert len(rows) == 17
    assert BUNDLED_MARKET_RULES.parent.name == "data"


def test_migration_loaded_every_line_of_the_bundled_csv():
    with BUNDLED_MARKET_RULES.open(encoding="utf-8") as handle:
        expected = Counter(row["country"] for row in csv.DictReader(handle))

    assert _counts() == expected
    assert _counts()["EG"] == 2
    assert _counts()["JO"] == 3
    assert MarketRule.objects.count() == 17


def test_migration_loaded_the_rules_faithfully():
    kenya = MarketRule.objects.get(country="KE")
    assert kenya.steering_required == "RHD"
    assert kenya.max_age_years == 8
    assert kenya.age_counted_from == "first_registration"
    assert kenya.uncertain is False
    assert kenya.last_checked == "2025-11"
    assert kenya.applies_to_fuels == []

    egypt = {tuple(rule.applies_to_fuels): rule for rule in MarketRule.objects.filter(country="EG")}
    assert egypt[("bev",)].max_age_years == 3
    assert egypt[("petrol", "diesel", "hev", "phev", "erev", "cng")].used_imports_banned is True

    peru = MarketRule.objects.get(country="PE")
    assert peru.banned_fuels == ["diesel"]
    assert peru.max_mileage_km == 32_000
    assert peru.age_counted_from == "model_year"
    assert "DS 005-2020-MTC" in peru.source

    russia = MarketRule.objects.get(country="RU")
    assert russia.min_emission_standard == "euro5"
    assert russia.uncertain is True
    assert "ERA-GLONASS" in russia.notes

    assert MarketRule.objects.get(country="IR").max_engine_cc == 2500
    assert MarketRule.objects.get(country="JO", applies_to_fuels=["diesel"]).used_imports_banned is True


# Loading -----------------------------------------------------------------------


def test_load_market_rules_is_idempotent():
    before = list(MarketRule.objects.values_list("pk", flat=True))

    first = _run()
    second = _run()

    assert list(MarketRule.objects.values_list("pk", flat=True)) == before
    for output in (first, second):
        assert "Skipped RU, KZ" in output
        assert "Nothing new to load." in output


def test_load_market_rules_adds_countries_that_have_no_rules_yet():
    MarketRule.objects.filter(country="JO").delete()

    output = _run()

    assert _counts()["JO"] == 3
    assert "Loaded 3 market rules for 1 countries: JO." in output
    assert "Skipped" in output


def test_load_market_rules_replace_reloads_the_countries_in_the_file():
    kenya = MarketRule.objects.get(country="KE")
    market_rule_update(rule=kenya, max_age_years=10)
    MarketRuleFactory(country="KE", steering_required="", max_age_years=None, age_counted_from="")
    thailand = MarketRuleFactory(country="TH")

    output = _run("--replace")

    assert "Replaced the rules of RU" in output
    assert MarketRule.objects.filter(country="KE").count() == 1
    assert MarketRule.objects.get(country="KE").max_age_years == 8
    assert MarketRule.objects.filter(pk=thailand.pk).exists()
    assert MarketRule.objects.count() == 18


def test_load_market_rules_from_another_file(tmp_path):
    path = _write(tmp_path, "TH,,no,RHD,5,first_registration,euro4,,,,yes,2024-03,dlt.go.th,")

    output = _run(str(path))

    assert "Loaded 1 market rules for 1 countries: TH." in output
    thailand = MarketRule.objects.get(country="TH")
    assert (thailand.steering_required, thailand.max_age_years, thailand.uncertain) == ("RHD", 5, True)


def test_load_errors_name_the_line_and_nothing_is_loaded(tmp_path):
    path = _write(
        tmp_path,
        "TH,,no,RHD,,,,,,,no,2024,dlt.go.th,",
        "MY,,no,RHD,5,,,,,,no,2024,jpj.gov.my,",
        "ID,hydrogen,no,,,,,,,,no,2024,,",
        "PH,,no,,,,,,,,no,Oct 2024,,",
        "LK,,maybe,,,,,,,,no,2024,,",
        "BD,,no,,five,manufacture,,,,,no,2024,,",
    )

    with pytest.raises(CommandError) as raised:
        _run(str(path))

    message = str(raised.value)
    assert "Line 3 (MY): age_counted_from: Say from which date the maximum age of 5 years" in message
    assert "Line 4 (ID): applies_to_fuels: Unknown fuel type: hydrogen." in message
    assert "Line 5 (PH): last_checked: Write the year, or the year and month" in message
    assert "Line 6 (LK): used_imports_banned: write yes or no, not “maybe”." in message
    assert "Line 7 (BD): max_age_years: “five” is not a whole number." in message
    assert "Line 2" not in message
    assert not MarketRule.objects.filter(country__in=["TH", "MY", "ID", "PH", "LK", "BD"]).exists()


def test_load_names_a_line_with_an_unquoted_comma(tmp_path):
    path = _write(tmp_path, "TH,,no,RHD,,,,,,,no,2024,dlt.go.th,Permit needed, usually")

    with pytest.raises(ValidationError) as raised:
        market_rules_load(path=path)

    assert raised.value.messages == [
        "Line 2 (TH): more cells than columns; put text that contains commas in quotes."
    ]


def test_load_refuses_a_file_with_wrong_columns(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text("country,max_age,source\nTH,5,dlt\n", encoding="utf-8")

    with pytest.raises(ValidationError) as raised:
        market_rules_load(path=path)

    assert raised.value.messages[0].startswith("Line 1: missing columns: applies_to_fuels")
    assert "unknown columns: max_age" in raised.value.messages[0]


def test_load_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run(str(tmp_path / "nowhere.csv"))


# Services ----------------------------------------------------------------------


def test_market_rule_create_normalises_codes():
    rule = market_rule_create(
        country="th",
        applies_to_fuels=["bev", "petrol", "bev"],
        steering_required="rhd",
        max_age_years=5,
        age_counted_from="first_registration",
        source=" dlt.go.th ",
    )

    assert rule.country.code == "TH"
    assert rule.applies_to_fuels == ["petrol", "bev"]
    assert rule.steering_required == "RHD"
    assert rule.source == "dlt.go.th"


def test_market_rule_services_refuse_bad_rules_field_by_field():
    with pytest.raises(ValidationError) as raised:
        market_rule_create(country="TH", max_age_years=5, banned_fuels=["coal"], last_checked="24")

    errors = raised.value.message_dict
    assert set(errors) == {"age_counted_from", "banned_fuels", "last_checked"}
    assert not MarketRule.objects.filter(country="TH").exists()


def test_market_rule_update_and_delete():
    rule = MarketRuleFactory(country="TH")

    market_rule_update(rule=rule, max_age_years=None, age_counted_from="", uncertain=True)
    rule.refresh_from_db()
    assert (rule.max_age_years, rule.uncertain) == (None, True)

    market_rule_delete(rule=rule)
    assert not MarketRule.objects.filter(pk=rule.pk).exists()


# Pages -------------------------------------------------------------------------


def _organiser_urls(rule_pk: int) -> list[str]:
    return [
        reverse("market_rule_list"),
        reverse("market_rule_create"),
        reverse("market_rule_edit", args=[rule_pk]),
        reverse("market_rule_delete", args=[rule_pk]),
    ]


@pytest.mark.parametrize("role", ["exporter_admin", "buyer_admin"])
def test_only_organisers_see_the_market_rule_pages(request, login, role):
    rule = MarketRule.objects.get(country="KE")
    client = login(request.getfixturevalue(role))

    for url in _organiser_urls(rule.pk):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("market_rule_delete", args=[rule.pk])).status_code == 404
    assert client.post(reverse("market_rule_create"), {"country": "TH"}).status_code == 404
    assert MarketRule.objects.filter(pk=rule.pk).exists()
    assert not MarketRule.objects.filter(country="TH").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    rule = MarketRule.objects.get(country="KE")

    for url in _organiser_urls(rule.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login"))


def test_unknown_rule_answers_404_to_organisers(login, organiser):
    client = login(organiser)

    assert client.get(reverse("market_rule_edit", args=[999_999])).status_code == 404
    assert client.post(reverse("market_rule_delete", args=[999_999])).status_code == 404


@pytest.mark.parametrize("rows", [1, 3])
def test_market_rule_list_queries_do_not_grow_with_rows(login, organiser, rows, django_assert_num_queries):
    MarketRule.objects.all().delete()
    for country in ["TH", "MY", "ID"][:rows]:
        MarketRuleFactory(country=country, uncertain=True, applies_to_fuels=["bev"])
    client = login(organiser)

    # savepoint, session, user, membership, countries for the filter, count, page, release
    with django_assert_num_queries(8):
        response = client.get(reverse("market_rule_list"), {"uncertain": "true"})

    assert response.status_code == 200
    assert len(response.context["rules"]) == rows


def test_market_rule_list_groups_by_country_in_plain_words(login, organiser):
    response = login(organiser).get(reverse("market_rule_list"))

    assert response.status_code == 200
    text = response.text
    assert text.count('class="market-rule-country"') == 14
    assert "Right-hand drive only: Chinese left-hand-drive lots will not match." in text
    assert "At most 8 years old, counted from first registration." in text
    assert "Only for: Battery electric (BEV)" in text
    assert "hapakenya; theeastafrican" in text
    assert "2025-11" in text
    assert 'class="badge badge-warn"' in text
    assert reverse("market_rule_edit", args=[MarketRule.objects.get(country="KE").pk]) in text


def test_market_rule_list_filters(login, organiser):
    client = login(organiser)

    def countries(**query: str) -> list[str]:
        response = client.get(reverse("market_rule_list"), query)
        return [rule.country.code for rule in response.context["rules"]]

    assert countries(country="EG") == ["EG", "EG"]
    assert countries(used_imports_banned="true") == ["CL", "EG", "JO"]
    assert "RU" in countries(uncertain="true")
    assert "KE" not in countries(uncertain="true")
    assert countries(country="JO", uncertain="false") == ["JO", "JO"]
    choices = [
        code
        for code, _label in client.get(reverse("market_rule_list"))
        .context["filter"]
        .form.fields["country"]
        .choices
        if code
    ]
    assert choices == sorted(set(_counts()))


def test_market_rule_list_empty_states(login, organiser):
    client = login(organiser)

    assert (
        "No rules match these filters"
        in client.get(reverse("market_rule_list"), {"country": "KE", "used_imports_banned": "true"}).text
    )

    MarketRule.objects.all().delete()
    response = client.get(reverse("market_rule_list"))
    assert "No market rules yet" in response.text
    assert "load_market_rules" in response.text


def test_organiser_adds_a_rule(login, organiser):
    client = login(organiser)
    assert client.get(reverse("market_rule_create"), {"country": "th"}).context["form"].initial == {
        "country": "TH"
    }

    response = client.post(
        reverse("market_rule_create"),
        {
            "country": "TH",
            "applies_to_fuels": ["petrol", "diesel"],
            "steering_required": "RHD",
            "max_age_years": "5",
            "age_counted_from": "first_registration",
            "min_emission_standard": "euro4",
            "banned_fuels": [],
            "uncertain": "on",
            "last_checked": "2024-03",
            "source": "dlt.go.th",
            "notes": "Used imports need a permit.",
        },
    )

    assert response.status_code == 302
    assert response.url == f"{reverse('market_rule_list')}?country=TH"
    rule = MarketRule.objects.get(country="TH")
    assert rule.applies_to_fuels == ["petrol", "diesel"]
    assert (rule.max_age_years, rule.age_counted_from, rule.uncertain) == (5, "first_registration", True)
    assert "Rule added for Thailand." in client.get(response.url).text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"max_age_years": "5"}, "age_counted_from", "Say from which date the maximum age of 5 years"),
        ({"last_checked": "2025-13"}, "last_checked", "Write the year, or the year and month"),
        ({"applies_to_fuels": ["bev", "hydrogen"]}, "applies_to_fuels", "hydrogen is not one of"),
        (
            {"max_age_years": "60", "age_counted_from": "model_year"},
            "max_age_years",
            "less than or equal to 50",
        ),
        ({"country": ""}, "country", "This field is required."),
    ],
)
def test_market_rule_form_shows_field_errors(login, organiser, data, field, message):
    response = login(organiser).post(reverse("market_rule_create"), {"country": "TH", **data})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert not MarketRule.objects.filter(country="TH").exists()


def test_organiser_edits_a_rule(login, organiser):
    rule = MarketRule.objects.get(country="NG")
    client = login(organiser)

    page = client.get(reverse("market_rule_edit", args=[rule.pk]))
    assert page.context["form"].initial["country"] == "NG"
    assert page.context["form"].initial["max_age_years"] == 15
    assert 'value="manufacture" selected' in page.text

    response = client.post(
        reverse("market_rule_edit", args=[rule.pk]),
        {
            "country": "NG",
            "steering_required": "LHD",
            "max_age_years": "12",
            "age_counted_from": "manufacture",
            "uncertain": "",
            "last_checked": "2026-10",
            "source": rule.source,
            "notes": "12 years confirmed.",
        },
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.max_age_years, rule.uncertain, rule.last_checked) == (12, False, "2026-10")


def test_editing_a_rule_shows_field_errors_and_keeps_the_rule(login, organiser):
    rule = MarketRule.objects.get(country="KE")

    response = login(organiser).post(
        reverse("market_rule_edit", args=[rule.pk]),
        {"country": "KE", "max_age_years": "8", "age_counted_from": "", "banned_fuels": ["coal"]},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"age_counted_from", "banned_fuels"}
    rule.refresh_from_db()
    assert rule.age_counted_from == "first_registration"


def test_organiser_deletes_a_rule(login, organiser):
    rule = MarketRule.objects.get(country="CL")
    client = login(organiser)

    confirm = client.get(reverse("market_rule_delete", args=[rule.pk]))
    assert "Used-vehicle imports are banned" in confirm.text

    response = client.post(reverse("market_rule_delete", args=[rule.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("market_rule_list")
    assert "Rule for Chile deleted." in response.text
    assert not MarketRule.objects.filter(pk=rule.pk).exists()


# Public page -------------------------------------------------------------------


def test_anyone_reads_the_rules_in_plain_words(client, django_assert_num_queries):
    # savepoint, rules, release
    with django_assert_num_queries(3):
        response = client.get(reverse("market_rules_public"))

    assert response.status_code == 200
    text = response.text
    assert "Kenya" in text
    assert "At most 8 years old, counted from first registration." in text
    assert "Used-vehicle imports are banned: no lot will match." in text
    assert "aduana.cl (Ley 18.483 art. 21)" in text
    assert reverse("market_rule_edit", args=[MarketRule.objects.get(country="KE").pk]) not in text


@pytest.mark.parametrize("rows", [1, 3])
def test_public_rules_page_queries_do_not_grow(client, rows, django_assert_num_queries):
    MarketRule.objects.all().delete()
    for country in ["TH", "MY", "ID"][:rows]:
        MarketRuleFactory(country=country)

    with django_assert_num_queries(3):
        response = client.get(reverse("market_rules_public"))

    assert len(response.context["rules"]) == rows


def test_public_rules_page_empty_state(client):
    MarketRule.objects.all().delete()

    assert "No import rules published yet" in client.get(reverse("market_rules_public")).text
