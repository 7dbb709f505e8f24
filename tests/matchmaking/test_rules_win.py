"""A destination's market rules always win over what a need says (issue 12):
on every path that proposes a lot, in the need form and the need import, for
needs stored before, and for needs that can never match at all."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from matchmaking.models import MarketRule, Match, MatchRun, Need
from matchmaking.selectors.proposals import lot_proposals
from matchmaking.services.market_rules import market_rule_create
from matchmaking.services.match_runs import match_run_execute
from matchmaking.services.matches import match_for_offer
from matchmaking.services.needs import need_create, need_update
from matchmaking.services.rescoring import need_rescore
from matchmaking.spreadsheets.apply import import_file
from tests.factories import BuyerFactory, LotFactory, MarketRuleFactory, NeedFactory, need_fields
from tests.matchmaking.spreadsheets.import_support import need_row, needs_csv
from tests.matchmaking.test_need_pages import need_data

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
KENYA_SOURCE = "hapakenya; theeastafrican"


@pytest.fixture
def kenya_lots():
    """A young left-hand-drive lot and a young right-hand-drive one, both
    within any budget below."""
    young = {"model_year": TODAY.year - 1, "first_registration": datetime.date(TODAY.year - 1, 1, 1)}
    lhd = LotFactory(ref="LHD-1", steering="LHD", **young)
    rhd = LotFactory(ref="RHD-1", steering="RHD", **young)
    return lhd, rhd


def _kenya_need(**fields) -> Need:
    """Stored as an older release let it be stored: steering LHD for Kenya."""
    values = {
        "destination_country": "KE",
        "steering": "LHD",
        "makes": [],
        "body_types": [],
        "fuel_types": [],
        "year_min": None,
        "year_max": None,
        "max_mileage_km": None,
        "min_battery_soh_pct": None,
        "max_unit_price": Decimal("30000"),
    }
    return NeedFactory(**{**values, **fields})


# Every path that proposes a lot -------------------------------------------------


def test_a_kenya_need_set_to_left_hand_drive_gets_no_left_hand_drive_lot_on_any_path(kenya_lots):
    lhd, _rhd = kenya_lots
    need = _kenya_need()

    run = MatchRun.objects.create()
    match_run_execute(run_id=run.pk)
    assert not Match.objects.filter(lot=lhd).exists()

    need_rescore(need_id=need.pk)
    assert not Match.objects.filter(lot=lhd).exists()

    lhd.refresh_from_db()
    assert need.pk not in {match.need_id for match in lot_proposals(lhd)}

    with pytest.raises(ValidationError) as refused:
        match_for_offer(lot=lhd, need=need)
    assert (
        f"Kenya admits right-hand-drive vehicles only (source: {KENYA_SOURCE})" in refused.value.messages[0]
    )
    assert not Match.objects.filter(lot=lhd).exists()


def test_the_diagnosis_of_that_need_names_its_own_steering_as_the_blocker(kenya_lots):
    need = _kenya_need()
    need_rescore(need_id=need.pk)

    need.refresh_from_db()
    diagnosis = need.match_diagnosis
    assert diagnosis["reason"] == "steering_wanted"
    assert [step[:2] for step in diagnosis["funnel"]] == [
        ["available", 2],
        ["rule_steering", 1],
        ["steering", 0],
    ]


# The form, the service and the import refuse what the rules forbid -------------


def test_the_need_form_refuses_left_hand_drive_for_kenya_naming_the_rule_and_source(login, buyer_admin):
    response = login(buyer_admin).post(reverse("need_create"), need_data(steering="LHD"))

    assert response.status_code == 200
    assert response.context["form"].errors["steering"] == [
        f"Kenya admits right-hand-drive vehicles only (source: {KENYA_SOURCE})"
    ]
    assert not Need.objects.exists()


def test_the_need_form_refuses_a_banned_fuel_and_years_past_the_age_limit(login, buyer_admin):
    MarketRuleFactory(
        country="PE",
        steering_required="",
        max_age_years=2,
        age_counted_from="model_year",
        banned_fuels=["diesel"],
        source="DS 005",
    )
    MarketRule.objects.filter(country="PE").exclude(source="DS 005").delete()
    data = need_data(
        destination_country="PE",
        fuel_types=["diesel", "petrol"],
        year_min=str(TODAY.year - 8),
        year_max=str(TODAY.year - 5),
    )

    response = login(buyer_admin).post(reverse("need_create"), data)

    errors = response.context["form"].errors
    assert errors["fuel_types"] == ["Peru bans imports of Diesel vehicles (source: DS 005)"]
    assert errors["year_max"] == [
        "Peru admits vehicles at most 2 years old, counted from the model year: "
        f"ask for model year {TODAY.year - 2} or later (source: DS 005)"
    ]
    assert not Need.objects.exists()


def test_editing_a_need_cannot_widen_its_rules_either():
    need = need_create(buyer=BuyerFactory(), **need_fields())
    with pytest.raises(ValidationError) as refused:
        need_update(need=need, steering="LHD")
    assert "steering" in refused.value.message_dict
    need.refresh_from_db()
    assert need.steering == ""


def test_the_need_import_refuses_left_hand_drive_for_kenya_row_by_row():
    buyer = BuyerFactory()
    data = needs_csv(
        need_row(ref="OK-1", destination_country="KE", steering=""),
        need_row(ref="BAD-1", destination_country="KE", steering="LHD"),
    )

    report = import_file("needs", data, "needs.csv", buyer)

    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "steering", f"Kenya admits right-hand-drive vehicles only (source: {KENYA_SOURCE})")
    ]
    assert not Need.objects.exists()


def test_an_imported_need_no_lot_can_match_is_kept_with_a_warning():
    buyer = BuyerFactory()
    data = needs_csv(need_row(ref="CL-1", destination_country="CL", steering=""))

    report = import_file("needs", data, "needs.csv", buyer)

    assert report.ok
    assert report.warnings == [
        "Row 2: No lot will ever match this need: "
        "Chile bans used-vehicle imports (source: aduana.cl (Ley 18.483 art. 21))."
    ]
    assert Need.objects.get(ref="CL-1").never_matches


# Needs that can never match -----------------------------------------------------


def test_a_chile_need_saves_with_a_warning_not_a_promise(login, buyer_admin):
    client = login(buyer_admin)
    response = client.post(reverse("need_create"), need_data(destination_country="CL"), follow=True)

    need = Need.objects.get()
    assert need.blocked_by_rule["reason"] == "rule_used_banned"
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Need KE-001 saved, but no lot can ever match it: "
        "Chile bans used-vehicle imports (source: aduana.cl (Ley 18.483 art. 21))."
    ]
    assert "will be matched against it" not in response.text
    assert "No lot can ever match this need" in response.text

    listing = client.get(reverse("need_list"))
    assert "Can never match" in listing.text
    matches_page = client.get(reverse("need_matches", args=[need.pk]))
    assert "No lot can ever match this need" in matches_page.text


def test_a_new_market_rule_marks_needs_it_rules_out(kenya_lots):
    need = NeedFactory(destination_country="GH", steering="RHD")
    MarketRule.objects.filter(country="GH").delete()
    market_rule_create(country="GH", steering_required="LHD", source="Ghana customs")

    need.refresh_from_db()
    assert need.blocked_by_rule["reason"] == "steering_unavailable"
    assert need.blocked_by_rule["field"] == "steering"


# Needs stored before: the data migration ----------------------------------------


def test_the_migration_corrects_stored_needs_and_reports_them(capsys):
    migration = __import__(
        "matchmaking.migrations.0009_needs_follow_their_market_rules", fromlist=["correct_needs"]
    )
    kenya = NeedFactory(ref="KE-LHD", destination_country="KE", steering="LHD")
    peru = NeedFactory(ref="PE-MIX", destination_country="PE", fuel_types=["diesel", "petrol"])
    chile = NeedFactory(ref="CL-ANY", destination_country="CL")
    fine = NeedFactory(ref="KZ-OK", destination_country="KZ", steering="LHD")

    migration.correct_needs(apps, None)

    for need in (kenya, peru, chile, fine):
        need.refresh_from_db()
    assert kenya.steering == ""
    assert peru.fuel_types == ["petrol"]
    assert chile.blocked_by_rule["reason"] == "rule_used_banned"
    assert (fine.steering, fine.blocked_by_rule) == ("LHD", {})
    report = capsys.readouterr().out
    assert "'KE-LHD'" in report
    assert "steering LHD cleared: KE requires RHD" in report
    assert "'PE-MIX'" in report
    assert "fuel types diesel removed" in report
    assert "'CL-ANY'" in report
    assert "can never match" in report
    assert "KZ-OK" not in report
