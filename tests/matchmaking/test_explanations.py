"""Match explanations in words, with the engine's codes and params, including
codes the wording does not know yet (diagnoses: test_diagnoses.py)."""

from __future__ import annotations

from matchmaking.diagnoses import DIAGNOSES, diagnosis_summary, explain_diagnosis
from matchmaking.engine import scoring
from matchmaking.explanations import FACTOR_LABELS, REASONS, explain_match

PRICE = {"pct": 8, "price": 16500.0, "max_price": 18000.0, "currency": "USD"}


def test_known_factors_become_sentences_best_first():
    lines = explain_match(
        [
            {
                "factor": "logistics",
                "points": 12.5,
                "reason": "mode_match",
                "params": {"mode": "rail", "from": "Khorgos", "route": "fits"},
            },
            {"factor": "price", "points": 30, "reason": "under_budget", "params": PRICE},
            {
                "factor": "mileage",
                "points": 9,
                "reason": "mileage_within_limit",
                "params": {"km": 12000, "limit_km": 60000},
            },
        ]
    )

    assert [line.text for line in lines] == [
        "Price: 8% under budget (16,500 USD for up to 18,000)",
        "Logistics: Rail from Khorgos, as wanted",
        "Mileage: 12,000 km, within the 60,000 km asked for",
    ]
    assert [line.points for line in lines] == [30.0, 12.5, 9.0]


def test_quantities_and_shipping_modes_share_param_names():
    quantity, logistics = explain_match(
        [
            {
                "factor": "quantity",
                "points": 5,
                "reason": "partial_split",
                "params": {"offered": 4, "wanted": 10},
            },
            {
                "factor": "logistics",
                "points": 3,
                "reason": "mode_mismatch",
                "params": {
                    "offered": ["container"],
                    "wanted": ["roro", "rail"],
                    "from": "Tianjin",
                    "route": "fits",
                },
            },
        ]
    )

    assert quantity.text == "Quantity: 4 of the 10 wanted; other lots can make up the rest"
    assert logistics.text == "Logistics: ships by Container from Tianjin; the buyer prefers RoRo, Rail"


def test_unknown_reason_falls_back_to_factor_label_and_points():
    (line,) = explain_match([{"factor": "price", "points": 7.5, "reason": "brand_new_code", "params": {}}])

    assert line.text == "Price: 7.5 points"
    assert line.label == "Price"


def test_unknown_factor_and_missing_params_still_render():
    lines = explain_match(
        [
            {"factor": "warranty_cover", "points": 3, "reason": "whatever"},
            {"factor": "price", "points": 20, "reason": "under_budget", "params": {}},
            {
                "factor": "age",
                "points": "oops",
                "reason": "age_years",
                "params": {"years": 2, "model_year": 2024},
            },
            "not a dict",
        ]
    )

    texts = [line.text for line in lines]
    assert "Price: 20.0 points" in texts
    assert "Warranty cover: 3.0 points" in texts
    assert "Age: 2 years old (model year 2024)" in texts
    assert len(lines) == 3


def test_empty_explanation_renders_nothing():
    assert explain_match(None) == []
    assert explain_match([]) == []


def test_every_registered_wording_renders_with_the_engines_params():
    params = {
        **PRICE,
        "years": 3,
        "model_year": 2023,
        "km": 40000,
        "limit_km": 60000,
        "reference_km": 200000,
        "offered": 4,
        "wanted": 10,
        "model": "Song Plus",
        "make": "BYD",
        "mode": "roro",
        "from": "Tianjin",
        "route": "fits",
        "deals": 4,
        "country": "NG",
        "steering": "LHD",
        "standard": "euro4",
        "fuel": "petrol",
        "source": "customs.gov.ng",
        "uncertain": True,
        "max_age": 15,
        "counted_from": "manufacture",
        "max_cc": 2500,
        "max_km": 32000,
        "year_min": 2020,
        "year_max": 2024,
        "min_pct": 85,
        "cheapest": 9000.0,
        "currencies": ["KZT"],
        "nearest": [["Toyota Corolla", 4]],
        "nearest_year": 2019,
        "nearest_km": 41000,
        "nearest_pct": 80,
        "makes": ["BYD"],
        "models": [],
        "body_types": ["suv"],
        "fuel_types": ["bev"],
    }
    for code, template in REASONS.items():
        assert str(template) % params, code
    for code in DIAGNOSES:
        text = explain_diagnosis({"reason": code, "params": params})
        assert text.sentence != "No available lot meets this need (source: customs.gov.ng)", code
        assert diagnosis_summary(code), code
    assert set(FACTOR_LABELS) == {"price", "age", "mileage", "quantity", "model", "logistics", "exporter"}


def test_the_wording_covers_every_code_the_engine_documents():

    documented = scoring.__doc__
    for code in REASONS:
        assert code in documented, code
    for code in set(DIAGNOSES) - {"lot_unavailable"}:
        assert code in documented, code
