"""The vehicles Sichuan and Henan dealers actually export (Chinese brands,
joint-venture models, Yutong buses), their loading points, and what a used one
is worth: the catalogue the demo lots and needs are drawn from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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


def km_per_year(spec: ModelSpec) -> int:
    return 60_000 if spec.body_type == "bus" else 15_000


def estimate_usd(spec: ModelSpec, model_year: int, mileage_km: int) -> float:
    """A plausible FOB price in USD for one vehicle of this model, year and mileage."""
    age = max(STOCK_DATE.year - model_year + 0.5, 1.0)
    first, annual = _RETENTION[spec.fuel_type]
    if spec.make in _JOINT_VENTURES:
        annual += 0.02
    # A float power of a float: typeshed allows a complex result, these never are.
    value: float = spec.new_usd * first * annual ** (age - 1)
    expected_km = km_per_year(spec) * age
    value *= min(max(1 - 0.06 * (mileage_km - expected_km) / (expected_km + 20_000), 0.8), 1.06)
    return max(value, spec.new_usd * 0.15)
