"""The demo exporters and their lots, part of them bought in to answer the demo
buyers' wishes, as dealers do before a matchmaking fair. Deterministic, like
the needs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from demo.buyers import BUYERS, Wish, wanted_by
from demo.catalogue import (
    CATALOGUE,
    DEFAULT_SEED,
    LOADING_POINTS,
    STOCK_DATE,
    TRIMS,
    UNITS_PER_USD,
    ModelSpec,
    estimate_usd,
    km_per_year,
)


@dataclass(frozen=True)
class ExporterProfile:
    ref_prefix: str
    lot_count: int
    location: str
    loading_points: dict[str, float]
    affinity: dict[str, float]
    cny_share: float
    # Buyers (keys of BUYERS) this exporter trades with: part of its stock is
    # bought in to answer their wishes, as dealers do before a matchmaking fair.
    # Stock for a right-hand-drive market is export-spec RHD (built for Thailand
    # or Australia), the only kind a Kenyan buyer may take.
    serves: tuple[str, ...]


EXPORTERS: dict[str, ExporterProfile] = {
    "chengdu": ExporterProfile(
        "CD",
        115,
        "Chengdu, Sichuan",
        {"Chengdu International Railway Port": 45, "Khorgos": 20, "Guangzhou Nansha": 15, "Shanghai": 20},
        {"BYD": 1.6, "Changan": 1.5, "Geely": 1.3, "Volkswagen": 1.2, "Toyota": 1.2, "Yutong": 0.3},
        0.15,
        ("moscow", "almaty", "tashkent", "bishkek", "nairobi", "cairo"),
    ),
    "mianyang": ExporterProfile(
        "MY",
        60,
        "Mianyang, Sichuan",
        {"Chengdu International Railway Port": 50, "Khorgos": 20, "Guangzhou Nansha": 20, "Shanghai": 10},
        {"Changan": 1.5, "Chery": 1.3, "Wuling": 1.5, "Yutong": 0.0},
        0.25,
        ("tashkent", "bishkek", "hanoi", "tehran"),
    ),
    "zhengzhou": ExporterProfile(
        "ZZ",
        100,
        "Zhengzhou, Henan",
        {"Zhengzhou rail hub": 40, "Tianjin port": 30, "Shanghai": 15, "Khorgos": 15},
        {"Haval": 1.6, "Great Wall": 1.8, "Tank": 1.4, "Yutong": 8.0, "Chery": 1.3, "Honda": 1.2},
        0.15,
        ("moscow", "lagos", "dubai", "tehran", "nairobi"),
    ),
    "luoyang": ExporterProfile(
        "LY",
        45,
        "Luoyang, Henan",
        {"Zhengzhou rail hub": 50, "Tianjin port": 30, "Shanghai": 20},
        {"Haval": 1.3, "Geely": 1.3, "Yutong": 0.0},
        0.5,
        ("lagos", "dubai"),
    ),
}

_COLOURS = {"white": 40, "black": 18, "grey": 14, "silver": 10, "blue": 8, "red": 5, "green": 3}
_PUBLISHED_STATUSES = {"available": 84, "reserved": 6, "sold": 4, "draft": 6}


def _emission_standard(rng: random.Random, spec: ModelSpec, model_year: int) -> str:
    # China 6a applied nationwide from July 2020 (earlier in Sichuan and Henan),
    # 6b from July 2023; many models were certified 6b ahead of time.
    if spec.fuel_type == "bev":
        return ""
    if model_year <= 2018:
        return "china5"
    if model_year == 2019:
        return rng.choices(["china5", "china6a"], [6, 4])[0]
    if model_year == 2020:
        return rng.choices(["china6a", "china6b"], [7, 3])[0]
    if model_year <= 2022:
        return rng.choices(["china6a", "china6b"], [4, 6])[0]
    return "china6b"


_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_YEAR_CODES = dict(zip(range(2010, 2031), "ABCDEFGHJKLMNPRSTVWXY", strict=True))
_VIN_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 check digit (position 9) that GB 16735 requires of Chinese VINs."""
    remainder = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def make_vin(rng: random.Random, wmi: str, model_year: int) -> str:
    descriptor = "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    plant = rng.choice(_VIN_CHARS)
    body = f"{wmi}{descriptor}0{_VIN_YEAR_CODES[model_year]}{plant}{rng.randrange(10**6):06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _lot_quantity(rng: random.Random, spec: ModelSpec, zero_km: bool) -> int:
    if spec.body_type == "bus":
        return rng.randint(1, 8)
    if zero_km:
        return rng.randint(5, 50)
    roll = rng.random()
    if roll < 0.42:
        return 1
    if roll < 0.78:
        return rng.randint(2, 5)
    if roll < 0.94:
        return rng.randint(6, 20)
    return rng.randint(21, 50)


def _condition_grade(age: float, mileage_km: int, spec: ModelSpec) -> str:
    wear = age + mileage_km / (km_per_year(spec) * 2)
    for limit, grade in ((1.5, "A"), (4.5, "B+"), (8.0, "B")):
        if wear < limit:
            return grade
    return "C"


def _lot(
    rng: random.Random,
    spec: ModelSpec,
    profile: ExporterProfile,
    ref: str,
    status: str,
    steering: str,
    fit: Wish | None,
    modes: set[str],
) -> dict[str, Any]:
    last_year = min(spec.last_year, STOCK_DATE.year - 1)
    # "Zero-km" cars, registered in China and exported at once, are a large
    # share of the trade since 2023.
    if fit is not None:
        zero_km = fit.max_km is not None and fit.max_km <= 1_000
        model_year = rng.randint(max(spec.first_year, fit.years[0]), min(last_year, fit.years[1]))
    else:
        zero_km = steering == "LHD" and spec.body_type != "bus" and last_year == 2025 and rng.random() < 0.12
        if zero_km:
            model_year = 2025
        elif rng.random() < 0.35:
            model_year = rng.randint(spec.first_year, last_year)
        else:
            # Most export stock is two to four years old.
            model_year = round(rng.triangular(spec.first_year, last_year, last_year - 2))
    first_registration = date(model_year, rng.randint(1, 12), 1)
    age = (STOCK_DATE - first_registration).days / 365.25
    trim = rng.choice(TRIMS[spec.model, spec.fuel_type])
    if zero_km:
        mileage_km = rng.randint(5, 80)
        trim += ", zero-km"
    elif spec.fleet and fit is None and rng.random() < 0.3:
        # round() to hundreds gives a float; a mileage is whole kilometres.
        mileage_km = int(round(age * rng.uniform(30_000, 45_000), -2))
        trim += ", ex-ride-hailing"
    else:
        mileage_km = int(round(age * km_per_year(spec) * rng.uniform(0.5, 1.5), -2))
        if fit is not None and fit.max_km is not None:
            mileage_km = min(mileage_km, int(round(fit.max_km * rng.uniform(0.4, 0.95), -2)))
    if steering == "RHD":
        trim += ", RHD export spec"
    soh = None
    if spec.fuel_type in {"bev", "phev", "erev"}:
        # A bus's big pack sees far fewer full cycles per kilometre.
        km_per_point = 100_000 if spec.body_type == "bus" else 20_000
        soh = round(100 - 1.5 * age - mileage_km / km_per_point + rng.gauss(0, 1.2))
        if fit is not None and fit.min_soh is not None:
            soh = max(soh, fit.min_soh + rng.randint(0, 4))
        soh = min(max(soh, 70), 100)
    quantity = _lot_quantity(rng, spec, zero_km)
    # Stock bought in for a buyer leaves from where it can reach them (a seaport
    # for Lagos, rail or Khorgos for Almaty).
    points = {
        point: weight
        for point, weight in profile.loading_points.items()
        if modes & set(LOADING_POINTS[point])
    }
    points = points or profile.loading_points
    loading_point = rng.choices(list(points), list(points.values()))[0]
    colour = "white" if spec.body_type == "bus" else rng.choices(list(_COLOURS), list(_COLOURS.values()))[0]
    incoterm = "EXW" if rng.random() < 0.15 else "FOB"
    usd = estimate_usd(spec, model_year, mileage_km) * rng.uniform(0.94, 1.08)
    if incoterm == "EXW":
        usd -= 250 if spec.body_type != "bus" else 1_200
    currency = "CNY" if rng.random() < profile.cny_share else "USD"
    price = round(usd * UNITS_PER_USD[currency], -2 if currency == "CNY" else -1)
    vin = make_vin(rng, spec.wmi, model_year) if quantity == 1 and rng.random() < 0.3 else ""
    return {
        "ref": ref,
        "make": spec.make,
        "model": spec.model,
        "trim": trim,
        "body_type": spec.body_type,
        "fuel_type": spec.fuel_type,
        "model_year": model_year,
        "first_registration": first_registration,
        "mileage_km": int(mileage_km),
        "steering": steering,
        "transmission": spec.transmission,
        "drive": rng.choice(spec.drives),
        "engine_cc": spec.engine_cc,
        "power_kw": spec.power_kw,
        "battery_kwh": spec.battery_kwh,
        "battery_soh_pct": soh,
        "emission_standard": _emission_standard(rng, spec, model_year),
        "colour": colour,
        "seats": spec.seats,
        "condition_grade": _condition_grade(age, mileage_km, spec),
        "quantity": quantity,
        "unit_price": Decimal(int(price)),
        "currency": currency,
        "incoterm": incoterm,
        "location": profile.location,
        "loading_point": loading_point,
        "shipping_modes": list(LOADING_POINTS[loading_point]),
        "vin": vin,
        "status": status,
    }


def build_lots(exporter: str, *, publishes: bool, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Lot fields for one demo exporter (a key of EXPORTERS). An exporter who may
    not publish (no convention signature) gets drafts only."""
    profile = EXPORTERS[exporter]
    rng = random.Random(f"{seed}:lots:{exporter}")  # noqa: S311 - demo data, not secrets
    weights = [spec.weight * profile.affinity.get(spec.make, 1.0) for spec in CATALOGUE]
    wishes = [
        (
            wish,
            BUYERS[buyer].steering or "LHD",
            {mode for modes in BUYERS[buyer].ports.values() for mode in modes},
        )
        for buyer in profile.serves
        for wish in BUYERS[buyer].wishes
    ]
    every_mode = set().union(*LOADING_POINTS.values())
    fitted = dict(zip(rng.sample(range(1, profile.lot_count + 1), len(wishes)), wishes, strict=True))
    lots = []
    for number in range(1, profile.lot_count + 1):
        fit, steering, modes = fitted.get(number, (None, "LHD", every_mode))
        if fit is None:
            spec = rng.choices(CATALOGUE, weights)[0]
        else:
            fitting = [spec for spec in CATALOGUE if wanted_by(spec, fit, fit.years)]
            spec = rng.choices(fitting, [spec.weight for spec in fitting])[0]
        status = "draft"
        if publishes:
            statuses = _PUBLISHED_STATUSES if fit is None else {"available": 1}
            status = rng.choices(list(statuses), list(statuses.values()))[0]
        ref = f"{profile.ref_prefix}-2025-{number:04d}"
        lots.append(_lot(rng, spec, profile, ref, status, steering, fit, modes))
    return lots
