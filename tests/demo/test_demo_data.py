from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Organisation, User
from demo import buyers, catalogue, stock
from matchmaking.choices import EMISSION_LEVEL
from matchmaking.models import FxRate, Lot, MarketRule, Match, Need
from matchmaking.validators import validate_vin

pytestmark = pytest.mark.django_db

BUYER_COUNTRIES = {"RU", "KZ", "UZ", "KG", "IR", "VN", "NG", "AE", "KE", "EG"}


@pytest.fixture
def seeded(capsys) -> str:
    call_command("seed_demo")
    return capsys.readouterr().out


def _wanted(lot: Lot, need: Need) -> bool:
    """The need's own filters (DESIGN.md §3, hard constraints 2-3)."""
    folded = {name.casefold() for name in need.makes}
    models = {name.casefold() for name in need.model_names}
    return (
        (not folded or lot.make.casefold() in folded)
        and (not models or lot.model.casefold() in models)
        and (not need.body_types or lot.body_type in need.body_types)
        and (not need.fuel_types or lot.fuel_type in need.fuel_types)
        and (need.year_min is None or lot.model_year >= need.year_min)
        and (need.year_max is None or lot.model_year <= need.year_max)
        and (need.max_mileage_km is None or lot.mileage_km <= need.max_mileage_km)
        and (need.min_battery_soh_pct is None or (lot.battery_soh_pct or 0) >= need.min_battery_soh_pct)
        and (not need.steering or lot.steering == need.steering)
    )


def _allowed(lot: Lot, rules: list[MarketRule]) -> bool:
    """The destination's market rules (hard constraint 4), ages counted at the demo fair."""
    on = catalogue.STOCK_DATE
    for rule in rules:
        if not rule.applies_to(lot.fuel_type):
            continue
        if rule.used_imports_banned or lot.fuel_type in rule.banned_fuels:
            return False
        if rule.steering_required and lot.steering != rule.steering_required:
            return False
        if rule.max_age_years is not None:
            if rule.age_counted_from == "first_registration" and lot.first_registration:
                age = (on - lot.first_registration).days / 365.25
            else:
                age = on.year - lot.model_year
            if age > rule.max_age_years:
                return False
        if (
            rule.min_emission_standard
            and lot.emission_standard
            and EMISSION_LEVEL[lot.emission_standard] < EMISSION_LEVEL[rule.min_emission_standard]
        ):
            return False
        if rule.max_engine_cc and (lot.engine_cc or 0) > rule.max_engine_cc:
            return False
        if rule.max_mileage_km and lot.mileage_km > rule.max_mileage_km:
            return False
    return True


def _candidates(need: Need, lots: list[Lot], rules: list[MarketRule]) -> list[Lot]:
    return [lot for lot in lots if _wanted(lot, need) and _allowed(lot, rules)]


def test_seed_demo_twice_creates_no_new_lots_or_needs(seeded, capsys):
    lots = set(Lot.objects.values_list("exporter_id", "ref", "unit_price"))
    needs = set(Need.objects.values_list("buyer_id", "ref", "max_unit_price"))

    call_command("seed_demo")

    assert set(Lot.objects.values_list("exporter_id", "ref", "unit_price")) == lots
    assert set(Need.objects.values_list("buyer_id", "ref", "max_unit_price")) == needs
    out = capsys.readouterr().out
    assert f"{len(lots)} lots (0 new)" in out
    assert f"{len(needs)} needs (0 new)" in out
    assert "organiser@carbridge.example" in out


def test_seed_demo_loads_a_few_hundred_lots_and_needs_and_says_how_many(seeded):
    lot_count, need_count = Lot.objects.count(), Need.objects.count()

    assert 250 <= lot_count <= 400
    assert 60 <= need_count <= 100
    assert f"{lot_count} lots ({lot_count} new)" in seeded
    assert f"{need_count} needs ({need_count} new)" in seeded
    assert set(Lot.objects.values_list("exporter__province", flat=True)) == {"Sichuan", "Henan"}
    assert all(
        re.fullmatch(r"(CD|MY|ZZ|LY)-2025-\d{4}", ref) for ref in Lot.objects.values_list("ref", flat=True)
    )


def test_every_demo_lot_and_need_passes_full_clean(seeded):
    for lot in Lot.objects.all():
        lot.full_clean()
    for need in Need.objects.all():
        need.full_clean()


def test_the_exporter_without_a_convention_signature_has_only_draft_lots(seeded):
    unsigned = Organisation.objects.get(name="Luoyang Central Plains Motors")
    assert unsigned.lots.exists()
    assert set(unsigned.lots.values_list("status", flat=True)) == {Lot.Status.DRAFT}

    signed = Lot.objects.exclude(exporter=unsigned)
    assert signed.filter(status=Lot.Status.AVAILABLE).count() > 0.75 * signed.count()


def test_demo_needs_go_to_all_ten_buyer_countries(seeded):
    assert set(Need.objects.values_list("destination_country", flat=True)) == BUYER_COUNTRIES
    for need in Need.objects.select_related("buyer"):
        assert need.destination_country == need.buyer.country


def test_no_kenyan_need_asks_for_left_hand_drive(seeded):
    kenyan = Need.objects.filter(destination_country="KE")
    assert kenyan.exists()
    assert set(kenyan.values_list("steering", flat=True)) == {"RHD"}


def test_demo_needs_respect_the_strictest_market_rules(seeded):
    assert all(
        fuels == ["bev"]
        for fuels in Need.objects.filter(destination_country="EG").values_list("fuel_types", flat=True)
    )
    young = Need.objects.filter(destination_country__in=["EG", "IR", "VN"])
    assert all(need.year_min >= catalogue.STOCK_DATE.year - 5 for need in young)
    assert not Need.objects.filter(
        destination_country__in=["VN", "NG", "KZ", "KG", "AE"], steering="RHD"
    ).exists()


def test_every_demo_vin_is_valid(seeded):
    vins = list(Lot.objects.exclude(vin="").values_list("vin", "quantity"))
    assert len(vins) >= 10
    for vin, quantity in vins:
        validate_vin(vin)
        assert quantity == 1


def test_every_demo_need_has_an_available_lot_its_market_rules_allow(seeded):
    lots = list(Lot.objects.filter(status=Lot.Status.AVAILABLE))
    rules: dict[str, list[MarketRule]] = defaultdict(list)
    for rule in MarketRule.objects.all():
        rules[rule.country.code].append(rule)
    rates = {rate.currency: rate.rate_to_cny for rate in FxRate.objects.order_by("date")}

    unmatched, over_budget = [], []
    for need in Need.objects.all():
        candidates = _candidates(need, lots, rules[need.destination_country.code])
        if not candidates:
            unmatched.append(need.ref)
        limit = need.max_unit_price * rates[need.currency] * Decimal("1.10")
        if not any(lot.unit_price * rates[lot.currency] <= limit for lot in candidates):
            over_budget.append(need.ref)

    assert unmatched == []
    # Some budgets are meant to be too tight; most are not.
    assert len(over_budget) <= 0.2 * Need.objects.count(), over_budget


def test_demo_builders_are_deterministic_per_seed():
    assert stock.build_lots("chengdu", publishes=True) == stock.build_lots("chengdu", publishes=True)
    assert buyers.build_needs("tashkent") == buyers.build_needs("tashkent")
    assert stock.build_lots("chengdu", publishes=True, seed=1) != stock.build_lots("chengdu", publishes=True)


def test_vin_check_digit_matches_the_iso_3779_example():
    # The worked example of 49 CFR 565 / ISO 3779; position 9 itself carries no weight.
    assert stock.vin_check_digit("1M8GDM9AXKP042788") == "X"


def test_demo_mutual_matches_show_the_other_side_s_channels(seeded, client):
    mutual = (
        Match.objects.filter(state=Match.State.MUTUAL, lot__exporter__name__startswith="Chengdu")
        .select_related("need__buyer")
        .first()
    )
    assert mutual is not None
    buyer_person = User.objects.filter(membership__organisation=mutual.need.buyer).first()
    client.force_login(buyer_person)

    page = client.get(reverse("need_matches", args=[mutual.need_id])).text

    assert "https://t.me/cbdemo_jinniu" in page  # the company's
    assert "cbdemo_jinniu" in page  # its WeChat ID
    assert "https://t.me/cbdemo_liwei" in page  # Li Wei's


def test_seed_demo_keeps_channels_someone_changed(seeded):
    chengdu = Organisation.objects.get(name__startswith="Chengdu")
    Organisation.objects.filter(pk=chengdu.pk).update(wechat_id="changed_in_demo")

    call_command("seed_demo")

    chengdu.refresh_from_db()
    assert chengdu.wechat_id == "changed_in_demo"
