"""Match explanations and no-match diagnoses in words, including codes the
wording does not know yet."""

from __future__ import annotations

from django.utils import translation

from matchmaking.explanations import (
    DIAGNOSES,
    FACTOR_LABELS,
    REASONS,
    diagnosis_summary,
    explain_diagnosis,
    explain_match,
)


def test_known_factors_become_sentences_best_first():
    lines = explain_match(
        [
            {"factor": "logistics", "points": 12.5, "reason": "mode_match", "params": {"mode": "rail"}},
            {"factor": "price", "points": 30, "reason": "under_budget", "params": {"pct": 8}},
            {"factor": "mileage", "points": 9, "reason": "mileage_km", "params": {"km": 12000}},
        ]
    )

    assert [line.text for line in lines] == [
        "Price: 8% under budget",
        "Logistics: Rail as wanted",
        "Mileage: 12,000 km on the odometer",
    ]
    assert [line.points for line in lines] == [30.0, 12.5, 9.0]


def test_route_and_rounded_percentages():
    (route, coverage) = explain_match(
        [
            {
                "factor": "logistics",
                "points": 10,
                "reason": "route_match",
                "params": {"from": "Tianjin", "to": "Almaty"},
            },
            {"factor": "quantity", "points": 5, "reason": "covers_quantity", "params": {"pct": 49.6}},
        ]
    )

    assert route.text == "Logistics: from Tianjin to Almaty as wanted"
    assert coverage.text == "Quantity: covers 50% of the quantity wanted"


def test_unknown_reason_falls_back_to_factor_label_and_points():
    (line,) = explain_match([{"factor": "price", "points": 7.5, "reason": "brand_new_code", "params": {}}])

    assert line.text == "Price: 7.5 points"
    assert line.label == "Price"


def test_unknown_factor_and_missing_params_still_render():
    lines = explain_match(
        [
            {"factor": "warranty_cover", "points": 3, "reason": "whatever"},
            {"factor": "price", "points": 20, "reason": "under_budget", "params": {}},
            {"factor": "age", "points": "oops", "reason": "age_years", "params": {"years": 2}},
            "not a dict",
        ]
    )

    texts = [line.text for line in lines]
    assert "Price: 20.0 points" in texts
    assert "Warranty cover: 3.0 points" in texts
    assert "Age: 2 years old" in texts
    assert len(lines) == 3


def test_empty_explanation_renders_nothing():
    assert explain_match(None) == []
    assert explain_match([]) == []


def test_market_rule_diagnosis_names_the_country_and_source():
    diagnosis = explain_diagnosis(
        {"reason": "rule_used_banned", "params": {"country": "CL", "source": "aduana.cl"}}
    )

    assert diagnosis.sentence == "Chile bans used-vehicle imports (source: aduana.cl)"
    assert diagnosis.advice


def test_budget_diagnosis_without_source():
    diagnosis = explain_diagnosis({"reason": "over_budget", "params": {"pct": 11}})

    assert diagnosis.sentence == "No lot under your budget: the cheapest compliant lot is 11% above"


def test_diagnosis_params_are_shown_as_labels():
    fuel = explain_diagnosis(
        {"reason": "rule_fuel_banned", "params": {"country": "KE", "fuel": "diesel", "source": "kebs"}}
    )
    steering = explain_diagnosis(
        {"reason": "rule_steering", "params": {"country": "KE", "steering": "RHD", "source": "kebs"}}
    )
    emission = explain_diagnosis(
        {"reason": "rule_emission", "params": {"country": "RU", "standard": "euro5", "source": "eaeu"}}
    )

    assert fuel.sentence == "Kenya bans imports of Diesel vehicles (source: kebs)"
    assert "Right-hand drive" in steering.sentence
    assert "Euro 5" in emission.sentence


def test_unknown_diagnosis_or_wrong_params_fall_back_to_a_general_sentence():
    unknown = explain_diagnosis({"reason": "moon_phase", "params": {"phase": "full"}})
    wrong_params = explain_diagnosis({"reason": "rule_age", "params": {"source": "gov"}})

    assert unknown.sentence == "No available lot meets this need"
    assert unknown.advice
    assert wrong_params.sentence == "No available lot meets this need (source: gov)"
    assert diagnosis_summary("moon_phase") == "Other reasons"


def test_no_diagnosis_is_none():
    assert explain_diagnosis({}) is None
    assert explain_diagnosis(None) is None
    assert explain_diagnosis({"params": {}}) is None


def test_every_registered_wording_renders_with_plausible_params():
    params = {
        "pct": 5,
        "years": 3,
        "km": 40000,
        "mode": "roro",
        "from": "Tianjin",
        "to": "Lagos",
        "deals": 4,
        "country": "NG",
        "steering": "LHD",
        "standard": "euro4",
        "fuel": "petrol",
        "source": "customs.gov.ng",
    }
    for code, template in REASONS.items():
        assert str(template) % {**params}, code
    for code in DIAGNOSES:
        text = explain_diagnosis({"reason": code, "params": params})
        assert text.sentence != "No available lot meets this need (source: customs.gov.ng)", code
        assert diagnosis_summary(code), code
    assert set(FACTOR_LABELS) == {"price", "age", "mileage", "quantity", "model", "logistics", "exporter"}


def test_sentences_follow_the_active_language():
    # Whatever the catalogue holds, rendering in another language must not fail.
    with translation.override("ru"):
        (line,) = explain_match([{"factor": "price", "points": 3, "reason": "at_budget", "params": {}}])
        assert line.text
