"""The demo buyers in ten countries and their purchase needs, written to respect
their import rules (matchmaking/data/market_rules.csv) so the demo matches
something. Deterministic: the same seed always gives the same rows, which is
what lets `seed_demo` find them again by ref."""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from demo.catalogue import (
    CATALOGUE,
    DEFAULT_SEED,
    STOCK_DATE,
    UNITS_PER_USD,
    ModelSpec,
    estimate_usd,
    km_per_year,
)


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


def _codes(field: str) -> tuple[str, ...]:
    return tuple(filter(None, field.split(";")))


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
                _codes(makes),
                _codes(models),
                _codes(bodies),
                _codes(fuels),
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


def wanted_by(spec: ModelSpec, wish: Wish, years: tuple[int, int]) -> bool:
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
        if not wanted_by(spec, wish, years):
            continue
        year = min(max((years[0] + years[1] + 1) // 2, spec.first_year), spec.last_year)
        mileage = km_per_year(spec) * max(STOCK_DATE.year - year, 1)
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
