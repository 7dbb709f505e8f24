"""Why nothing matched, in words: the funnel, the blocker with its source and
the nearest miss; and what a need's destination forbids in it."""

from __future__ import annotations

from django.utils import translation

from matchmaking.diagnoses import STEPS, diagnosis_summary, explain_diagnosis, funnel_step
from matchmaking.engine.diagnostics import OWN_STEPS, RULE_STEPS
from matchmaking.refusals import conflict_message

KENYA_HYBRID_SUVS = {
    "reason": "no_lot_of_kind",
    "params": {
        "makes": [],
        "models": [],
        "body_types": ["suv"],
        "fuel_types": ["hev"],
        "nearest": [["Toyota Corolla", 4], ["Nissan Note", 2]],
        "alone": True,
    },
    "funnel": [
        ["available", 312, {}],
        ["rule_steering", 6, {"country": "KE", "steering": "RHD"}],
        ["kind", 0, {"makes": [], "models": [], "body_types": ["suv"], "fuel_types": ["hev"]}],
    ],
}


def test_the_funnel_reads_as_a_buyer_can_act_on_it():
    text = explain_diagnosis(KENYA_HYBRID_SUVS)

    assert text.funnel_line == (
        "312 available lots → 6 right-hand drive, as Kenya requires → "
        "0 of the kind wanted (SUV · Hybrid (HEV))"
    )
    assert [step.blocker for step in text.funnel] == [False, False, True]
    assert text.sentence == "No lot is of the makes, models, body and fuel types wanted"
    assert text.nearest == "Lots that meet everything else: Toyota Corolla (4 lots), Nissan Note (2 lots)."


def test_the_funnel_follows_the_readers_language_and_plurals():
    with translation.override("ru"):
        text = explain_diagnosis(KENYA_HYBRID_SUVS)
    assert "312" in text.funnel_line
    assert "Кения" in text.funnel_line
    assert "available lots" not in text.funnel_line


def test_big_counts_are_grouped_and_one_lot_is_singular():
    assert funnel_step("available", 12_500, {}).text == "12,500 available lots"
    assert funnel_step("available", 1, {}).text == "1 available lot"


def test_the_blocker_names_the_rule_and_its_source():
    steering = explain_diagnosis(
        {
            "reason": "steering_unavailable",
            "params": {"country": "KE", "steering": "RHD", "source": "KEBS", "alone": True},
        }
    )
    banned = explain_diagnosis(
        {"reason": "rule_used_banned", "params": {"country": "CL", "source": "aduana.cl", "uncertain": False}}
    )

    assert steering.sentence == "Kenya admits right-hand-drive vehicles only (source: KEBS)"
    assert banned.sentence == "Chile bans used-vehicle imports (source: aduana.cl)"
    assert banned.advice


def test_the_nearest_miss_says_how_far_the_budget_is():
    text = explain_diagnosis(
        {
            "reason": "over_budget",
            "params": {"pct": 11, "cheapest": 19980.0, "currency": "USD", "alone": True},
        }
    )

    assert text.sentence == "No lot is within the budget"
    assert text.nearest == "The cheapest lot that meets everything else is 11% above the budget (19,980 USD)."


def test_no_nearest_miss_when_no_single_change_would_do():
    text = explain_diagnosis(
        {
            "reason": "over_budget",
            "params": {"pct": 11, "cheapest": 19980.0, "currency": "USD", "alone": False},
        }
    )

    assert text.nearest == ""
    assert not text.alone


def test_unknown_diagnosis_or_wrong_params_fall_back_to_a_general_sentence():
    unknown = explain_diagnosis(
        {"reason": "moon_phase", "params": {"phase": "full"}, "funnel": [["moon", 3, {}]]}
    )
    wrong_params = explain_diagnosis({"reason": "rule_max_age", "params": {"source": "gov"}})

    assert unknown.sentence == "No available lot meets this need"
    assert unknown.funnel_line == "3"
    assert wrong_params.sentence == "No available lot meets this need (source: gov)"
    assert diagnosis_summary("moon_phase") == "Other reasons"


def test_no_diagnosis_is_none():
    assert explain_diagnosis({}) is None
    assert explain_diagnosis(None) is None
    assert explain_diagnosis({"params": {}}) is None


def test_every_funnel_step_renders_with_the_engines_params():

    params = {
        "country": "NG",
        "steering": "LHD",
        "max_age": 15,
        "counted_from": "manufacture",
        "standard": "euro4",
        "max_cc": 2500,
        "max_km": 32000,
        "makes": ["BYD"],
        "models": [],
        "body_types": ["suv"],
        "fuel_types": ["bev"],
        "year_min": 2020,
        "year_max": None,
        "min_pct": 85,
        "max_price": 18000.0,
        "currency": "USD",
    }
    for step in ("available", *RULE_STEPS, *OWN_STEPS):
        text = funnel_step(step, 3, params).text
        assert text.startswith("3 "), step
        assert len(text) > 3, step
    assert set(STEPS) >= {"available", *RULE_STEPS, *OWN_STEPS} - {"steering"}


def test_a_field_the_rules_forbid_is_refused_with_the_rule_and_its_source():
    params = {"country": "KE", "steering": "RHD", "source": "KEBS KS 1515", "uncertain": False}
    assert (
        conflict_message("steering_unavailable", params, field="steering")
        == "Kenya admits right-hand-drive vehicles only (source: KEBS KS 1515)"
    )
    egypt = {"country": "EG", "fuel": "petrol", "source": "trade.gov", "uncertain": False}
    assert (
        conflict_message("rule_used_banned", egypt, field="fuel_types")
        == "Egypt bans imports of used Petrol vehicles (source: trade.gov)"
    )
    peru = {"country": "PE", "max_age": 2, "counted_from": "model_year", "year_min": 2024, "source": ""}
    assert conflict_message("rule_max_age", peru, field="year_max") == (
        "Peru admits vehicles at most 2 years old, counted from the model year: "
        "ask for model year 2024 or later (source not recorded)"
    )
