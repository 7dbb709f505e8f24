"""Demo inventory and purchase needs for `seed_demo`.

The lots are what Sichuan and Henan dealers actually export (Chinese brands,
joint-venture models, Yutong buses); the needs are what buyers in the ten demo
countries ask for, written to respect their import rules
(matchmaking/data/market_rules.csv) so the demo matches something. Pure data
and deterministic builders that return field dicts: the same seed always gives
the same rows, which is what lets `seed_demo` find them again by ref.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

DEFAULT_SEED = 2025
# Ages, mileages and prices are worked out as of the demo fair's stock-take, not
# today, so the data (and whether it passes the age rules) never drifts.
STOCK_DATE = date(2026, 11, 1)
# Indicative, as in the initial FX rates (migration 0002).
UNITS_PER_USD = {"USD": 1.0, "CNY": 7.10, "KZT": 526.0, "AED": 3.6725}


@dataclass(frozen=True)
class ModelSpec:
    make: str
    model: str
    body_type: str
    fuel_type: str
    first_year: int
    last_year: int
    engine_cc: int | None
    power_kw: int
    battery_kwh: Decimal | None
    transmission: str
    drives: tuple[str, ...]
    seats: int
    new_usd: int
    wmi: str
    weight: float
    fleet: bool


# make|model|body|fuel|years|cc|kW|kWh|gearbox|drives|seats|new price USD|WMI|weight|fleet
# New prices are China list prices after the 2024-25 price war; "fleet" marks
# models that often come out of ride-hailing and taxi fleets with high mileage.
_CATALOGUE_TABLE = """
BYD|Song Plus DM-i|suv|phev|2021-2025|1498|145|18.3|automatic|fwd|5|18000|LGX|3.0|
BYD|Qin Plus DM-i|sedan|phev|2021-2025|1498|132|8.3|automatic|fwd|5|12500|LGX|2.5|fleet
BYD|Qin Plus EV|sedan|bev|2021-2025||100|57.6|single_speed|fwd|5|15000|LGX|1.5|fleet
BYD|Atto 3|suv|bev|2022-2025||150|60.5|single_speed|fwd|5|17000|LGX|2.5|
BYD|Han|sedan|bev|2020-2025||180|76.9|single_speed|fwd;awd|5|27000|LGX|1.2|
BYD|Han|sedan|phev|2022-2025|1497|160|18.3|automatic|fwd|5|24000|LGX|0.8|
BYD|Dolphin|hatchback|bev|2021-2025||70|44.9|single_speed|fwd|5|13500|LGX|2.0|fleet
BYD|Seal|sedan|bev|2022-2025||230|82.5|single_speed|rwd;awd|5|25000|LGX|1.2|
BYD|Tang DM-i|suv|phev|2021-2025|1497|217|21.5|automatic|fwd;awd|7|29000|LGX|1.0|
Geely|Coolray|suv|petrol|2018-2025|1477|130||dct|fwd|5|11500|L6T|2.5|
Geely|Monjaro|suv|petrol|2021-2025|1969|175||automatic|fwd;awd|5|23000|L6T|2.0|
Geely|Emgrand|sedan|petrol|2017-2025|1498|84||cvt|fwd|5|9000|L6T|2.0|fleet
Geely|Geometry C|hatchback|bev|2020-2024||150|70.0|single_speed|fwd|5|17000|L6T|1.0|
Chery|Tiggo 4|suv|petrol|2017-2025|1498|83||cvt|fwd|5|9500|LVV|2.0|
Chery|Tiggo 7|suv|petrol|2017-2025|1498|115||dct|fwd|5|13000|LVV|2.5|
Chery|Tiggo 8|suv|petrol|2018-2025|1998|187||dct|fwd|7|18000|LVV|2.0|
Haval|H6|suv|petrol|2017-2025|1497|135||dct|fwd|5|15000|LGW|3.0|
Haval|Jolion|suv|petrol|2020-2025|1497|110||dct|fwd|5|11500|LGW|2.5|
Great Wall|Poer|pickup|diesel|2019-2025|1996|120||automatic|4wd|5|20000|LGW|1.2|
Tank|Tank 300|suv|petrol|2021-2025|1967|167||automatic|4wd|5|30000|LGW|1.0|
Changan|CS35 Plus|suv|petrol|2018-2025|1395|118||dct|fwd|5|10000|LS5|2.0|
Changan|CS55 Plus|suv|petrol|2019-2025|1494|132||dct|fwd|5|12500|LS5|2.0|
Changan|CS75 Plus|suv|petrol|2019-2025|1494|138||automatic|fwd|5|14500|LS5|2.5|
Changan|UNI-K|suv|petrol|2021-2025|1998|171||automatic|fwd;awd|5|20000|LS5|1.2|
Changan|Eado|sedan|petrol|2017-2025|1598|94||automatic|fwd|5|8500|LS5|1.5|fleet
Changan|Deepal S7|suv|erev|2023-2025|1494|175|31.7|single_speed|rwd|5|21000|LS5|0.8|
MG|ZS|suv|petrol|2017-2025|1498|88||cvt|fwd|5|10000|LSJ|1.8|
MG|MG5|sedan|petrol|2020-2025|1498|88||cvt|fwd|5|9500|LSJ|1.5|
MG|MG4|hatchback|bev|2022-2025||125|51.0|single_speed|rwd|5|16000|LSJ|1.0|
Toyota|Corolla|sedan|petrol|2017-2025|1197|85||cvt|fwd|5|15000|LFM|1.5|
Toyota|Corolla|sedan|hev|2019-2025|1798|90|1.3|cvt|fwd|5|17500|LFM|1.0|
Toyota|Camry|sedan|petrol|2018-2025|1987|131||cvt|fwd|5|24000|LVG|1.2|
Toyota|Camry|sedan|hev|2018-2025|2487|160|1.6|cvt|fwd|5|28000|LVG|1.0|
Toyota|RAV4|suv|petrol|2020-2025|1987|126||cvt|fwd;awd|5|24000|LFM|1.2|
Toyota|RAV4|suv|hev|2020-2025|2487|163|1.6|cvt|fwd;awd|5|28000|LFM|0.8|
Honda|Civic|sedan|petrol|2017-2025|1498|131||cvt|fwd|5|17000|LVH|1.3|
Honda|Accord|sedan|petrol|2018-2025|1498|143||cvt|fwd|5|23000|LHG|1.0|
Honda|CR-V|suv|petrol|2017-2025|1498|142||cvt|fwd;awd|5|23000|LVH|1.3|
Honda|CR-V|suv|hev|2018-2025|1993|158|1.1|cvt|fwd|5|26000|LVH|0.7|
Volkswagen|Lavida|sedan|petrol|2018-2025|1498|83||automatic|fwd|5|12500|LSV|1.5|fleet
Volkswagen|Sagitar|sedan|petrol|2017-2025|1395|110||dct|fwd|5|16500|LFV|1.3|
Volkswagen|Tiguan L|suv|petrol|2017-2025|1984|137||dct|fwd;awd|5|29000|LSV|1.0|
Wuling|Hongguang Mini EV|hatchback|bev|2020-2025||20|13.9|single_speed|rwd|4|4800|LZW|1.5|
Yutong|ZK6122H9|bus|diesel|2017-2022|8424|247||manual|rwd|49|130000|LZY|0.5|
Yutong|E12|bus|bev|2019-2023||215|350.0|single_speed|rwd|38|230000|LZY|0.3|
"""

TRIMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Song Plus DM-i", "phev"): ("110 km Flagship", "51 km Flagship Plus", "Champion 150 km"),
    ("Qin Plus DM-i", "phev"): ("55 km Deluxe", "120 km Flagship"),
    ("Qin Plus EV", "bev"): ("500 km Comfort", "610 km Flagship"),
    ("Atto 3", "bev"): ("Yuan Plus 430 km", "Yuan Plus 510 km Flagship"),
    ("Han", "bev"): ("506 km Premium", "610 km Flagship", "715 km Flagship"),
    ("Han", "phev"): ("DM-i 121 km Premium", "DM-i 242 km Flagship"),
    ("Dolphin", "bev"): ("301 km Active", "420 km Free", "420 km Fashion"),
    ("Seal", "bev"): ("550 km Premium", "650 km Performance"),
    ("Tang DM-i", "phev"): ("112 km Honor", "215 km Flagship"),
    ("Coolray", "petrol"): ("1.5T Sport", "1.5T Flagship"),
    ("Monjaro", "petrol"): ("2.0T Exalted", "2.0T Flagship"),
    ("Emgrand", "petrol"): ("1.5 CVT Elite", "1.5 CVT Premium"),
    ("Geometry C", "bev"): ("550 km Premium",),
    ("Tiggo 4", "petrol"): ("Pro 1.5 CVT Comfort", "Pro 1.5 CVT Luxury"),
    ("Tiggo 7", "petrol"): ("Pro 1.5T Luxury", "Pro 1.5T Premium"),
    ("Tiggo 8", "petrol"): ("Pro 2.0T Flagship 7-seat", "Plus 2.0T Luxury"),
    ("H6", "petrol"): ("1.5T Deluxe", "1.5T Supreme"),
    ("Jolion", "petrol"): ("1.5T Deluxe", "1.5T Supreme"),
    ("Poer", "diesel"): ("2.0T diesel 4x4 Commercial", "2.0T diesel 4x4 Passenger"),
    ("Tank 300", "petrol"): ("2.0T City Edition", "2.0T Frontier"),
    ("CS35 Plus", "petrol"): ("1.4T DCT Smart", "1.4T DCT Flagship"),
    ("CS55 Plus", "petrol"): ("1.5T DCT Deluxe", "1.5T DCT Flagship"),
    ("CS75 Plus", "petrol"): ("1.5T Deluxe", "1.5T Flagship"),
    ("UNI-K", "petrol"): ("2.0T Premium", "2.0T Flagship"),
    ("Eado", "petrol"): ("1.6 AT Elite", "DT 1.6 AT"),
    ("Deepal S7", "erev"): ("215 Max EREV",),
    ("ZS", "petrol"): ("1.5 CVT Excite", "1.5 CVT Exclusive"),
    ("MG5", "petrol"): ("1.5 CVT Deluxe", "1.5 CVT Flagship"),
    ("MG4", "bev"): ("425 km Comfort", "520 km Luxury"),
    ("Corolla", "petrol"): ("1.2T S-CVT Pioneer", "1.2T S-CVT Elite"),
    ("Corolla", "hev"): ("1.8 Hybrid Pioneer", "1.8 Hybrid Elite"),
    ("Camry", "petrol"): ("2.0G Deluxe", "2.0S Sport"),
    ("Camry", "hev"): ("2.5HG Deluxe Hybrid", "2.5HQ Flagship Hybrid"),
    ("RAV4", "petrol"): ("2.0 CVT Urban", "2.0 CVT Adventure"),
    ("RAV4", "hev"): ("2.5 Hybrid Elite", "2.5 Hybrid Flagship"),
    ("Civic", "petrol"): ("240TURBO CVT Comfort", "240TURBO CVT Premium"),
    ("Accord", "petrol"): ("260TURBO Deluxe", "260TURBO Flagship"),
    ("CR-V", "petrol"): ("240TURBO CVT Comfort", "240TURBO CVT Premium"),
    ("CR-V", "hev"): ("2.0 e:HEV Premium",),
    ("Lavida", "petrol"): ("1.5 AT Comfortline", "1.5 AT Highline"),
    ("Sagitar", "petrol"): ("280TSI DSG Comfortline", "280TSI DSG Highline"),
    ("Tiguan L", "petrol"): ("330TSI DSG Premium", "330TSI DSG Flagship"),
    ("Hongguang Mini EV", "bev"): ("170 km Macaron", "170 km Standard"),
    ("ZK6122H9", "diesel"): ("12 m coach",),
    ("E12", "bev"): ("12 m city bus",),
}


def _parse_catalogue(table: str) -> tuple[ModelSpec, ...]:
    specs = []
    for line in table.strip().splitlines():
        make, model, body, fuel, years, cc, kw, kwh, gearbox, drives, seats, new, wmi, weight, flags = (
            line.split("|")
        )
        first, last = (int(year) for year in years.split("-"))
        specs.append(
            ModelSpec(
                make,
                model,
                body,
                fuel,
                first,
                last,
                int(cc) if cc else None,
                int(kw),
                Decimal(kwh) if kwh else None,
                gearbox,
                tuple(drives.split(";")),
                int(seats),
                int(new),
                wmi,
                float(weight),
                flags == "fleet",
            )
        )
    return tuple(specs)


CATALOGUE = _parse_catalogue(_CATALOGUE_TABLE)

# Loading points and how cars leave them: rail from the inland hubs to Central
# Asia and Russia, road or rail across the Kazakh border at Khorgos, RoRo and
# containers from the seaports.
LOADING_POINTS: dict[str, list[str]] = {
    "Chengdu International Railway Port": ["rail"],
    "Zhengzhou rail hub": ["rail"],
    "Khorgos": ["road", "rail"],
    "Tianjin port": ["roro", "container"],
    "Shanghai": ["roro", "container"],
    "Guangzhou Nansha": ["roro", "container"],
}


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

# Share of value kept after the first year and each year after that. BEVs lose
# value fastest in China; joint-venture brands hold theirs best.
_RETENTION = {
    "petrol": (0.86, 0.90),
    "diesel": (0.86, 0.90),
    "hev": (0.88, 0.91),
    "phev": (0.80, 0.87),
    "erev": (0.80, 0.87),
    "bev": (0.78, 0.85),
}
_JOINT_VENTURES = {"Toyota", "Honda", "Volkswagen"}


def _km_per_year(spec: ModelSpec) -> int:
    return 60_000 if spec.body_type == "bus" else 15_000


def estimate_usd(spec: ModelSpec, model_year: int, mileage_km: int) -> float:
    """A plausible FOB price in USD for one vehicle of this model, year and mileage."""
    age = max(STOCK_DATE.year - model_year + 0.5, 1.0)
    first, annual = _RETENTION[spec.fuel_type]
    if spec.make in _JOINT_VENTURES:
        annual += 0.02
    value = spec.new_usd * first * annual ** (age - 1)
    expected_km = _km_per_year(spec) * age
    value *= min(max(1 - 0.06 * (mileage_km - expected_km) / (expected_km + 20_000), 0.8), 1.06)
    return max(value, spec.new_usd * 0.15)


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
    wear = age + mileage_km / (_km_per_year(spec) * 2)
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
        mileage_km = round(age * rng.uniform(30_000, 45_000), -2)
        trim += ", ex-ride-hailing"
    else:
        mileage_km = round(age * _km_per_year(spec) * rng.uniform(0.5, 1.5), -2)
        if fit is not None and fit.max_km is not None:
            mileage_km = min(mileage_km, round(fit.max_km * rng.uniform(0.4, 0.95), -2))
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
            fitting = [spec for spec in CATALOGUE if _wanted(spec, fit, fit.years)]
            spec = rng.choices(fitting, [spec.weight for spec in fitting])[0]
        status = "draft"
        if publishes:
            statuses = _PUBLISHED_STATUSES if fit is None else {"available": 1}
            status = rng.choices(list(statuses), list(statuses.values()))[0]
        ref = f"{profile.ref_prefix}-2025-{number:04d}"
        lots.append(_lot(rng, spec, profile, ref, status, steering, fit, modes))
    return lots


@dataclass(frozen=True)
class Wish:
    """What a buyer is after, before quantity, budget and port are chosen."""

    title: str
    makes: tuple[str, ...]
    models: tuple[str, ...]
    bodies: tuple[str, ...]
    fuels: tuple[str, ...]
    years: tuple[int, int]
    max_km: int | None
    qty: tuple[int, int]
    min_soh: int | None


def _parse_wishes(table: str) -> tuple[Wish, ...]:
    """title|makes|models|bodies|fuels|years|max km|quantity|min SoH, lists ;-separated."""
    wishes = []
    for line in table.strip().splitlines():
        title, makes, models, bodies, fuels, years, max_km, qty, min_soh = line.strip().split("|")
        first, last = (int(year) for year in years.split("-"))
        low, high = (int(n) for n in qty.split("-"))
        wishes.append(
            Wish(
                title,
                *(tuple(filter(None, codes.split(";"))) for codes in (makes, models, bodies, fuels)),
                (first, last),
                int(max_km) if max_km else None,
                (low, high),
                int(min_soh) if min_soh else None,
            )
        )
    return tuple(wishes)


@dataclass(frozen=True)
class BuyerProfile:
    country: str
    ref_prefix: str
    need_count: int
    ports: dict[str, list[str]]
    incoterms: dict[str, float]
    freight_usd: int
    wishes: tuple[Wish, ...]
    steering: str = ""
    local_currency: str = "USD"
    local_share: float = 0.0


# Each country's wishes stay inside its market rules at the 2026 fair: Iran and
# Vietnam take cars up to 5 years old (Iran also up to 2,500 cc), Egypt only
# electric cars up to 3 years, Kenya only right-hand drive first registered in
# 2019 or later, Kyrgyzstan up to 10 years; Russia and Uzbekistan want Euro 5,
# which every China 5 or 6 car meets.
BUYERS: dict[str, BuyerProfile] = {
    "moscow": BuyerProfile(
        "RU",
        "MOS",
        12,
        {
            "Moscow, Vorsino rail terminal": ["rail"],
            "Zabaikalsk": ["rail"],
            "Vladivostok": ["roro", "container"],
        },
        {"CIF": 4, "CFR": 3, "FOB": 2},
        2_000,
        _parse_wishes("""
            Petrol crossovers for Moscow dealers|Haval;Chery;Geely;Changan||suv|petrol|2020-2024|80000|10-40|
            Geely Monjaro 2.0T|Geely|Monjaro|||2022-2025|40000|5-20|
            Chery Tiggo 7 and Tiggo 8|Chery|Tiggo 7;Tiggo 8|||2021-2025|60000|10-30|
            Haval H6 and Jolion|Haval|H6;Jolion||petrol|2020-2025|70000|10-30|
            Tank 300 off-roaders|Tank|Tank 300|||2021-2025|50000|2-10|
            China-built Toyota RAV4 and Camry|Toyota|RAV4;Camry||petrol;hev|2020-2024|60000|3-12|
            VW Tiguan L 330TSI|Volkswagen|Tiguan L|||2019-2023|90000|3-10|
            Zero-km crossovers registered 2025|||suv|petrol|2025-2025|100|20-50|
            Range-extender and plug-in SUVs|||suv|erev;phev|2022-2025|50000|5-20|
        """),
        local_currency="CNY",  # much Russia-China car trade is settled in yuan
        local_share=0.3,
    ),
    "almaty": BuyerProfile(
        "KZ",
        "ALA",
        10,
        {"Khorgos": ["road", "rail"], "Almaty-1 rail station": ["rail"]},
        {"FOB": 3, "CFR": 3, "CIF": 2},
        1_200,
        _parse_wishes("""
            BYD plug-in hybrids for Almaty|BYD|Song Plus DM-i;Qin Plus DM-i||phev|2021-2025|60000|5-20|85
            Electric crossovers and hatchbacks|||suv;hatchback|bev|2022-2025|50000|3-15|88
            Chery Tiggo family|Chery||||2019-2025|90000|10-30|
            Haval Jolion|Haval|Jolion|||2021-2025|60000|5-20|
            Toyota Camry for taxi parks|Toyota|Camry|||2018-2023|150000|5-20|
            Great Wall Poer pickups|Great Wall|Poer|||2020-2025|80000|3-10|
            Budget sedans: Emgrand, Eado, Lavida||Emgrand;Eado;Lavida|||2019-2024|120000|10-30|
        """),
        local_currency="KZT",
        local_share=0.15,
    ),
    "tashkent": BuyerProfile(
        "UZ",
        "TAS",
        10,
        {"Tashkent, Chukursay rail terminal": ["rail"], "Tashkent via Khorgos": ["road"]},
        {"CFR": 3, "CIF": 3},
        1_600,
        _parse_wishes("""
            BYD Song Plus DM-i|BYD|Song Plus DM-i|||2021-2025|50000|10-40|88
            BYD Han and Seal EV|BYD|Han;Seal||bev|2021-2025|60000|3-15|88
            BYD Qin Plus, DM-i or EV|BYD|Qin Plus DM-i;Qin Plus EV|||2021-2025|100000|10-30|85
            BYD Atto 3 and Dolphin|BYD|Atto 3;Dolphin|||2022-2025|50000|5-20|90
            BYD Tang DM-i 7-seat|BYD|Tang DM-i|||2022-2025|50000|2-8|
            Budget petrol sedans|||sedan|petrol|2019-2024|120000|10-30|
            Yutong E12 electric city buses|Yutong|E12|bus|bev|2019-2023|600000|2-10|80
        """),
    ),
    "bishkek": BuyerProfile(
        "KG",
        "BIS",
        7,
        {"Bishkek": ["road", "rail"], "Osh": ["road"]},
        {"FOB": 3, "CFR": 2},
        1_400,
        _parse_wishes("""
            Honda CR-V and Toyota RAV4|Honda;Toyota|CR-V;RAV4|||2018-2024|100000|3-10|
            Wuling Mini EV for city delivery|Wuling|Hongguang Mini EV|||2021-2025|40000|10-40|
            Chinese petrol SUVs|||suv|petrol|2018-2023|120000|5-20|
            BYD plug-in hybrids|BYD|||phev|2021-2025|80000|3-12|
            Sedans for taxi fleets|||sedan|petrol;hev|2017-2022|200000|5-20|
        """),
    ),
    "tehran": BuyerProfile(
        "IR",
        "THR",
        7,
        {
            "Bandar Abbas, Shahid Rajaee": ["container", "roro"],
            "Tehran dry port (rail via Sarakhs)": ["rail"],
        },
        {"CFR": 3, "CIF": 2},
        1_800,
        _parse_wishes("""
            Chery Tiggo 7 and Tiggo 8|Chery|Tiggo 7;Tiggo 8|||2022-2025|40000|5-20|
            Changan CS55 Plus and CS75 Plus|Changan|CS55 Plus;CS75 Plus|||2022-2025|40000|5-20|
            Haval H6|Haval|H6|||2022-2025|50000|5-15|
            Geely Monjaro and Coolray|Geely|Monjaro;Coolray|||2022-2025|40000|5-15|
            Toyota Camry Hybrid 2.5|Toyota|Camry||hev|2022-2025|50000|2-8|
            MG5 and Emgrand sedans|MG;Geely|MG5;Emgrand|||2022-2025|60000|10-30|
        """),
        local_currency="AED",  # Iranian importers often pay through Dubai
        local_share=0.2,
    ),
    "hanoi": BuyerProfile(
        "VN",
        "HAN",
        7,
        {"Hai Phong": ["roro", "container"], "Ho Chi Minh City, Cat Lai": ["container"]},
        {"CIF": 4, "CFR": 1},
        900,
        _parse_wishes("""
            BYD Dolphin and Atto 3|BYD|Dolphin;Atto 3||bev|2023-2025|30000|5-20|90
            BYD Seal|BYD|Seal|||2023-2025|30000|2-8|90
            Wuling Hongguang Mini EV|Wuling|Hongguang Mini EV|||2022-2025|30000|10-40|
            MG ZS and MG5|MG|ZS;MG5||petrol|2022-2025|50000|5-20|
            Honda CR-V and Civic|Honda|CR-V;Civic|||2022-2025|50000|3-10|
            Toyota Corolla Hybrid|Toyota|Corolla||hev|2022-2025|50000|3-12|
        """),
        steering="LHD",
    ),
    "lagos": BuyerProfile(
        "NG",
        "LOS",
        9,
        {"Lagos, Apapa": ["roro", "container"], "Lagos, Tin Can Island": ["roro"]},
        {"CIF": 4, "CFR": 2},
        1_600,
        _parse_wishes("""
            Toyota Corolla and Camry, petrol|Toyota|Corolla;Camry||petrol|2017-2022|150000|5-20|
            Honda Accord and Civic|Honda|Accord;Civic||petrol|2017-2022|150000|3-12|
            Chinese petrol SUVs for Lagos dealers|Haval;Chery;Geely;Changan||suv|petrol|2018-2023|120000|5-20|
            Great Wall Poer diesel pickups|Great Wall|Poer||diesel|2019-2024|120000|3-10|
            Yutong ZK6122H9 coaches|Yutong|ZK6122H9|bus||2017-2021|900000|2-6|
            Geely Emgrand and Changan Eado|Geely;Changan|Emgrand;Eado|||2018-2024|150000|10-30|
            Used petrol sedans, any make|||sedan|petrol|2017-2021|180000|10-40|
        """),
        steering="LHD",
    ),
    "dubai": BuyerProfile(
        "AE",
        "DXB",
        10,
        {"Jebel Ali": ["roro", "container"]},
        {"FOB": 4, "CFR": 2},
        1_100,
        _parse_wishes("""
            BYD mixed stock for re-export|BYD||||2021-2025|60000|10-50|
            Zero-km Chinese cars for re-export|||||2025-2025|100|20-50|
            Chinese SUVs for African re-export|Geely;Chery;Haval||suv|petrol|2019-2024|100000|10-40|
            Tank 300 for GCC buyers|Tank|Tank 300|||2021-2025|60000|3-10|
            Great Wall Poer pickups|Great Wall|Poer|||2019-2025|100000|5-20|
            Toyota and Honda sedans|Toyota;Honda||sedan||2018-2024|120000|5-20|
            Changan UNI-K and CS75 Plus|Changan|UNI-K;CS75 Plus|||2021-2025|60000|5-15|
            Yutong buses for re-export|Yutong||bus||2017-2022|900000|2-8|
        """),
        local_currency="AED",
        local_share=0.25,
    ),
    "nairobi": BuyerProfile(
        "KE",
        "NBO",
        3,
        {"Mombasa": ["roro"]},
        {"CIF": 1},
        1_500,
        _parse_wishes("""
            Right-hand-drive BYD Atto 3 and Dolphin|BYD|Atto 3;Dolphin||bev|2022-2025|40000|1-4|90
            Right-hand-drive MG ZS and MG4|MG|ZS;MG4|||2022-2025|40000|1-4|
            Right-hand-drive electric crossovers|||suv|bev|2022-2025|50000|1-3|88
        """),
        steering="RHD",
    ),
    "cairo": BuyerProfile(
        "EG",
        "CAI",
        5,
        {"Alexandria": ["roro", "container"], "Port Said": ["roro"]},
        {"CIF": 3, "CFR": 1},
        1_400,
        _parse_wishes("""
            BYD Atto 3 and Dolphin EVs|BYD|Atto 3;Dolphin||bev|2023-2025|30000|5-20|92
            BYD Seal and Han EV|BYD|Seal;Han||bev|2023-2025|30000|2-10|92
            MG4 Electric|MG|MG4||bev|2023-2025|30000|3-12|92
            Electric crossovers, any make|||suv|bev|2024-2025|20000|5-20|95
            Young electric hatchbacks|||hatchback|bev|2023-2025|30000|5-30|90
        """),
    ),
}


def _wanted(spec: ModelSpec, wish: Wish, years: tuple[int, int]) -> bool:
    return (
        (not wish.makes or spec.make in wish.makes)
        and (not wish.models or spec.model in wish.models)
        and (not wish.bodies or spec.body_type in wish.bodies)
        and (not wish.fuels or spec.fuel_type in wish.fuels)
        and spec.first_year <= years[1]
        and spec.last_year >= years[0]
    )


def _budget_usd(wish: Wish, years: tuple[int, int]) -> float:
    """The going price of what the wish asks for, so budgets are neither absurd
    nor always generous."""
    estimates = []
    for spec in CATALOGUE:
        if not _wanted(spec, wish, years):
            continue
        year = min(max((years[0] + years[1] + 1) // 2, spec.first_year), spec.last_year)
        mileage = _km_per_year(spec) * max(STOCK_DATE.year - year, 1)
        if wish.max_km is not None:
            mileage = min(mileage, wish.max_km)
        estimates.append(estimate_usd(spec, year, mileage))
    if not estimates:
        raise ValueError(f"No catalogue model fits the demo wish {wish.title!r}.")
    return statistics.median(estimates)


def _round_price(amount: float) -> Decimal:
    step = 10 ** max(len(str(int(amount))) - 3, 0)
    return Decimal(round(amount / step) * step)


def build_needs(buyer: str, *, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Need fields for one demo buyer (a key of BUYERS)."""
    profile = BUYERS[buyer]
    rng = random.Random(f"{seed}:needs:{buyer}")  # noqa: S311 - demo data, not secrets
    needs = []
    for number in range(1, profile.need_count + 1):
        wish = profile.wishes[(number - 1) % len(profile.wishes)]
        years = wish.years
        if number > len(profile.wishes) and years[0] < years[1]:
            # A repeated wish asks for younger cars: never older than the rules allow.
            years = (years[0] + 1, years[1])
        quantity = rng.randint(*wish.qty)
        port = rng.choice(list(profile.ports))
        incoterm = rng.choices(list(profile.incoterms), list(profile.incoterms.values()))[0]
        usd = _budget_usd(wish, years) * rng.uniform(0.8, 1.2)
        if incoterm != "FOB":
            usd += profile.freight_usd * (5 if "bus" in wish.bodies else 1)
        currency = profile.local_currency if rng.random() < profile.local_share else "USD"
        span = str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"
        needs.append(
            {
                "ref": f"{profile.ref_prefix}-2026-{number:03d}",
                "title": f"{wish.title} ({quantity} {'unit' if quantity == 1 else 'units'}, {span})",
                "destination_country": profile.country,
                "destination_port": port,
                "makes": list(wish.makes),
                "model_names": list(wish.models),
                "body_types": list(wish.bodies),
                "fuel_types": list(wish.fuels),
                "year_min": years[0],
                "year_max": years[1],
                "max_mileage_km": wish.max_km,
                "min_battery_soh_pct": wish.min_soh,
                "steering": profile.steering,
                "quantity": quantity,
                "allow_split": rng.random() < (0.85 if quantity >= 5 else 0.4),
                "max_unit_price": _round_price(usd * UNITS_PER_USD[currency]),
                "currency": currency,
                "incoterm": incoterm,
                "shipping_modes": list(profile.ports[port]),
                "deadline": date(2027, rng.randint(1, 12), rng.randint(1, 28)),
                "status": "fulfilled" if rng.random() < 0.04 else "open",
            }
        )
    return needs
