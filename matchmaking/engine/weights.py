"""The soft score's weights and the fixed tables its points come from: the one
place to change the balance between price, age, mileage, quantity, model,
logistics and the exporter's record (see `scoring` for what each measures).
Points are hundredths ("centi-points") as integers, so sums are exact and ties
are real ties."""

from __future__ import annotations

import numpy as np

from matchmaking.engine import vocabulary as vocab

# The soft score: points available per factor (they sum to 100). Change the
# balance here and nowhere else.
WEIGHTS: dict[str, float] = {
    "price": 30.0,
    "age": 15.0,
    "mileage": 15.0,
    "quantity": 10.0,
    "model": 10.0,
    "logistics": 10.0,
    "exporter": 10.0,
}
FACTORS = tuple(WEIGHTS)
PRICE_TOLERANCE = 1.10  # hard limit: max unit price x 1.10
PRICE_FULL_AT = 0.5  # full price points at or below half the budget
AGE_ZERO_AT = 10.0  # no age points from 10 years
DEALS_FULL_AT = 10
MODEL_FIT = (0.3, 0.6, 1.0)  # open request, makes only, models named
MODE_FIT = {"mode_match": 1.0, "mode_mismatch": 0.0, "mode_unknown": 0.5, "any_mode": 1.0}
ROUTE_NAMES = ("unknown", "fits", "detour")
ROUTE_FIT = (0.5, 1.0, 0.0)
# A pair whose price could not be brought to the need's incoterm (no freight,
# haulage or insurance rate for its route; it is then compared as far as the
# rates go) loses this much of its logistics points, down to zero: 2 of 100.
UNPRICED_PENALTY_CENTI = 200
MAX_CENTI = 10_000
# Pairs expanded at once per thread: bounds peak memory (roughly 60 bytes per pair in flight).
PAIR_BLOCK = 3 << 19
INT32_MAX = int(np.iinfo(np.int32).max)
RULE_LIMITS = ("max_age_my", "max_age_fr", "min_emission", "max_cc", "max_km")


ROUTE_SETS = sorted({sum(1 << kind for kind in vocab.route_origins(c)) for c in (*vocab.ROUTES, "")})
ORIGINS = 4


def route_code(route_bits: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """0 unknown loading point, 1 it fits the destination, 2 a detour."""
    fits = (route_bits >> origin) & 1
    return np.where(origin == vocab.ORIGIN_UNKNOWN, 0, 2 - fits)


def _logistics_tables() -> tuple[np.ndarray, np.ndarray]:
    """Points for every (wanted modes, destination routes) x (offered modes,
    origin), and the mode reason (index into REASONS["logistics"]) for every
    (wanted, offered)."""
    reasons = ("mode_match", "mode_mismatch", "mode_unknown", "any_mode")
    reason = np.zeros(16 * 16, np.int64)
    for wanted in range(16):
        for offered in range(16):
            if not offered:
                name = "mode_unknown"
            elif not wanted:
                name = "any_mode"
            else:
                name = "mode_match" if wanted & offered else "mode_mismatch"
            reason[wanted * 16 + offered] = reasons.index(name)
    routes = len(ROUTE_SETS)
    centi = np.zeros((16, routes, 16, ORIGINS), np.int32)
    for wanted in range(16):
        for r, bits in enumerate(ROUTE_SETS):
            for offered in range(16):
                for origin in range(ORIGINS):
                    fit = MODE_FIT[reasons[reason[wanted * 16 + offered]]]
                    route_fit = ROUTE_FIT[int(route_code(np.array(bits), np.array(origin)))]
                    points = WEIGHTS["logistics"] * 100 * (0.7 * fit + 0.3 * route_fit)
                    centi[wanted, r, offered, origin] = round(points)
    return centi.ravel(), reason


LOGISTICS_CENTI, MODE_REASON = _logistics_tables()
MODEL_CENTI = np.array([round(WEIGHTS["model"] * 100 * fit) for fit in MODEL_FIT], np.int32)


def centi(weight: str, fit: np.ndarray) -> np.ndarray:
    return np.rint(np.float32(WEIGHTS[weight] * 100) * fit).astype(np.int32)
