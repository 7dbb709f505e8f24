"""Matching engine benchmark (DESIGN.md §7): engine-only figures, no Django.

Generates realistic synthetic data — used Chinese exports (BYD, Geely, Chery,
Haval, Changan, MG, joint-venture Toyota/Honda/VW, Yutong buses) with
age-driven mileage and prices, lots mostly LHD, loading at rail hubs, the
Khorgos border or seaports; buyers in 15 destination countries with their
market rules from matchmaking/data/market_rules.csv — and reports:

  (a) full run, 100,000 lots x 5,000 needs, top 20 both ways (median of runs
      after one untimed first run, whose time is shown too; table build from
      records included, and shown apart);
  (c) incremental rescore of one lot and of one need (median over many);
  (d) peak memory of a full run (tracemalloc) and the process's max RSS;
  a naive pure-Python loop on a 2,000 x 500 sample, as a ratio to the engine
  on the same sample; and 100,000 x 20,000 with --large.

(b), the end-to-end run on PostgreSQL, belongs to the Django side and is not
measured here. Exits 1 when a target is missed.

    .venv/bin/python bench/matching.py [--runs 5] [--large]
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaking.engine import vocabulary  # noqa: E402
from matchmaking.engine.scoring import (  # noqa: E402
    FreightRecord,
    FreightTables,
    HaulageRecord,
    InsuranceRecord,
    LotRecord,
    LotTable,
    NeedRecord,
    NeedTable,
    RuleRecord,
    rescore_lot,
    rescore_need,
    run_full,
)

TARGET_FULL_SECONDS = 1.5
TARGET_FULL_MB = 500
TARGET_LARGE_SECONDS = 6.0
TARGET_RESCORE_MS = 1.0
ON = date(2025, 11, 15)
DATA = ROOT / "matchmaking" / "data"
RULES_CSV = DATA / "market_rules.csv"
FX = {"CNY": 1.0, "USD": 7.10, "EUR": 8.25, "RUB": 0.088, "KZT": 0.0135, "AED": 1.93, "NGN": 0.0046}

# make, model, body, fuel, first year, engine cc, new price USD, weight
CATALOGUE = [
    ("BYD", "Song Plus DM-i", "suv", "phev", 2021, 1498, 18000, 3.0),
    ("BYD", "Qin Plus DM-i", "sedan", "phev", 2021, 1498, 12500, 2.5),
    ("BYD", "Qin Plus EV", "sedan", "bev", 2021, None, 15000, 1.5),
    ("BYD", "Atto 3", "suv", "bev", 2022, None, 17000, 2.5),
    ("BYD", "Han", "sedan", "bev", 2020, None, 27000, 1.2),
    ("BYD", "Dolphin", "hatchback", "bev", 2021, None, 13500, 2.0),
    ("BYD", "Seal", "sedan", "bev", 2022, None, 25000, 1.2),
    ("Geely", "Coolray", "suv", "petrol", 2018, 1477, 11500, 2.5),
    ("Geely", "Monjaro", "suv", "petrol", 2021, 1969, 23000, 2.0),
    ("Geely", "Emgrand", "sedan", "petrol", 2017, 1498, 9000, 2.0),
    ("Chery", "Tiggo 4", "suv", "petrol", 2017, 1498, 9500, 2.0),
    ("Chery", "Tiggo 7", "suv", "petrol", 2017, 1498, 13000, 2.5),
    ("Chery", "Tiggo 8", "suv", "petrol", 2018, 1998, 18000, 2.0),
    ("Haval", "H6", "suv", "petrol", 2017, 1497, 15000, 3.0),
    ("Haval", "Jolion", "suv", "petrol", 2020, 1497, 11500, 2.5),
    ("Great Wall", "Poer", "pickup", "diesel", 2019, 1996, 20000, 1.2),
    ("Tank", "Tank 300", "suv", "petrol", 2021, 1967, 30000, 1.0),
    ("Changan", "CS35 Plus", "suv", "petrol", 2018, 1395, 10000, 2.0),
    ("Changan", "CS55 Plus", "suv", "petrol", 2019, 1494, 12500, 2.0),
    ("Changan", "CS75 Plus", "suv", "petrol", 2019, 1494, 14500, 2.5),
    ("Changan", "UNI-K", "suv", "petrol", 2021, 1998, 20000, 1.2),
    ("Changan", "Eado", "sedan", "petrol", 2017, 1598, 8500, 1.5),
    ("Changan", "Deepal S7", "suv", "erev", 2023, 1494, 21000, 0.8),
    ("MG", "ZS", "suv", "petrol", 2017, 1498, 10000, 1.8),
    ("MG", "MG5", "sedan", "petrol", 2020, 1498, 9500, 1.5),
    ("MG", "MG4", "hatchback", "bev", 2022, None, 16000, 1.0),
    ("Toyota", "Corolla", "sedan", "petrol", 2017, 1197, 15000, 1.5),
    ("Toyota", "Corolla", "sedan", "hev", 2019, 1798, 17500, 1.0),
    ("Toyota", "Camry", "sedan", "hev", 2018, 2487, 28000, 1.0),
    ("Toyota", "RAV4", "suv", "petrol", 2020, 1987, 24000, 1.2),
    ("Honda", "CR-V", "suv", "petrol", 2017, 1498, 23000, 1.3),
    ("Honda", "Civic", "sedan", "petrol", 2017, 1498, 17000, 1.3),
    ("Volkswagen", "Lavida", "sedan", "petrol", 2018, 1498, 12500, 1.5),
    ("Volkswagen", "Tiguan L", "suv", "petrol", 2017, 1984, 29000, 1.0),
    ("Wuling", "Hongguang Mini EV", "hatchback", "bev", 2020, None, 4800, 1.5),
    ("Yutong", "ZK6122H9", "bus", "diesel", 2017, 8424, 130000, 0.3),
]
LOADING_POINTS = {
    "Chengdu International Railway Port": ("rail",),
    "Zhengzhou rail hub": ("rail",),
    "Khorgos": ("road", "rail"),
    "Tianjin port": ("roro", "container"),
    "Shanghai": ("roro", "container"),
    "Guangzhou Nansha": ("roro", "container"),
}
RETENTION = {"petrol": 0.88, "diesel": 0.88, "hev": 0.89, "phev": 0.84, "erev": 0.84, "bev": 0.82}
MAKE_SPELLINGS = {
    "Volkswagen": ["Volkswagen", "VW"],
    "Great Wall": ["GWM", "Great Wall"],
    "MG": ["MG", "SAIC MG"],
}
# country: (share of needs, currencies, preferred modes, destination port)
COUNTRIES = {
    "RU": (20, ["USD", "RUB", "CNY"], ("rail", "road", "container"), "Moscow"),
    "KZ": (12, ["USD", "KZT"], ("rail", "road"), "Almaty"),
    "UZ": (10, ["USD"], ("rail", "road"), "Tashkent"),
    "KG": (6, ["USD"], ("road", "rail"), "Bishkek"),
    "AE": (8, ["USD", "AED"], ("roro", "container"), "Jebel Ali"),
    "NG": (7, ["USD", "NGN"], ("roro",), "Lagos"),
    "VN": (5, ["USD"], ("container", "road"), "Hai Phong"),
    "IR": (5, ["USD", "EUR"], ("container",), "Bandar Abbas"),
    "GH": (4, ["USD"], ("roro",), "Tema"),
    "KE": (5, ["USD"], ("roro",), "Mombasa"),
    "EG": (4, ["USD", "EUR"], ("roro",), "Alexandria"),
    "JO": (4, ["USD"], ("container",), "Aqaba"),
    "CL": (2, ["USD"], ("roro",), "San Antonio"),
    "PE": (3, ["USD"], ("roro",), "Callao"),
    "AZ": (5, ["USD", "EUR"], ("rail", "road"), "Baku"),
}


def load_rules() -> list[RuleRecord]:
    def listed(value: str) -> tuple[str, ...]:
        return tuple(part for part in value.split(";") if part)

    def number(value: str) -> int | None:
        return int(value) if value else None

    with RULES_CSV.open(encoding="utf-8") as handle:
        return [
            RuleRecord(
                country=row["country"],
                applies_to_fuels=listed(row["applies_to_fuels"]),
                used_imports_banned=row["used_imports_banned"] == "yes",
                steering_required=row["steering_required"],
                max_age_years=number(row["max_age_years"]),
                age_counted_from=row["age_counted_from"],
                min_emission_standard=row["min_emission_standard"],
                banned_fuels=listed(row["banned_fuels"]),
                max_engine_cc=number(row["max_engine_cc"]),
                max_mileage_km=number(row["max_mileage_km"]),
                uncertain=row["uncertain"] == "yes",
                source=row["source"],
            )
            for row in csv.DictReader(handle)
        ]


def load_freight() -> FreightTables:
    """The demo fair's indicative freight, haulage and insurance tables (the
    files the migrations load): every main route, a few left without a rate."""

    def rows(name: str) -> list[dict[str, str]]:
        with (DATA / name).open(newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))

    def origins(value: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in value.split(";") if part.strip())

    return FreightTables(
        freight=tuple(
            FreightRecord(
                r["mode"],
                origins(r["origin"]),
                r["destination_country"],
                r["destination_port"],
                r["vehicle_class"],
                float(r["price"]),
                r["currency"],
            )
            for r in rows("freight_rates.csv")
        ),
        haulage=tuple(
            HaulageRecord(origins(r["origin"]), r["vehicle_class"], float(r["price"]), r["currency"])
            for r in rows("inland_haulage.csv")
        ),
        insurance=tuple(
            InsuranceRecord(r["destination_country"], float(r["rate_pct"]))
            for r in rows("insurance_rates.csv")
        ),
    )


FREIGHT = load_freight()


def _value_usd(new_usd: float, fuel: str, age: int, rng: random.Random) -> float:
    return new_usd * 0.85 * RETENTION[fuel] ** max(age, 0) * rng.uniform(0.85, 1.15)


def generate_lots(count: int, seed: int = 1) -> list[LotRecord]:
    rng = random.Random(seed)
    # Incoterms drawn apart, so the market is the one measured before they existed.
    terms = random.Random(seed + 1_000)
    weights = [spec[-1] for spec in CATALOGUE]
    points = list(LOADING_POINTS)
    lots = []
    for lot_id in range(1, count + 1):
        make, model, body, fuel, first, cc, new_usd, _ = rng.choices(CATALOGUE, weights)[0]
        year = max(first, min(2025, 2025 - int(rng.expovariate(1 / 2.2))))
        age = ON.year - year
        registered = None
        if rng.random() < 0.9:
            registered = date(min(year + rng.randint(0, 1), 2025), rng.randint(1, 10), 1)
        km = int(max(age, 0.3) * rng.uniform(8_000, 25_000))
        electrified = fuel in vocabulary.ELECTRIFIED
        emission = (
            "" if fuel == "bev" else "china6b" if year >= 2020 else "china6a" if year >= 2019 else "china5"
        )
        if fuel != "bev" and rng.random() < 0.04:
            emission = ""
        usd = _value_usd(new_usd, fuel, age, rng)
        currency = rng.choices(["USD", "CNY", "EUR"], [70, 25, 5])[0]
        point = rng.choice(points)
        lots.append(
            LotRecord(
                id=lot_id,
                exporter_id=rng.randint(1, 400),
                make=make,
                model=model,
                body_type=body,
                fuel_type=fuel,
                model_year=year,
                first_registration=registered,
                mileage_km=km,
                steering="RHD" if rng.random() < 0.03 else "LHD",
                engine_cc=cc,
                battery_soh_pct=rng.randint(80, 100) if electrified and rng.random() < 0.9 else None,
                emission_standard=emission,
                quantity=min(1 + int(rng.expovariate(1 / 4)), 60),
                unit_price=round(usd * 7.10 / FX[currency], 2),
                currency=currency,
                shipping_modes=LOADING_POINTS[point],
                loading_point=point,
                exporter_verified=rng.random() < 0.7,
                exporter_deals=0,
                available=rng.random() < 0.9,
                incoterm=terms.choices(["EXW", "FOB", "CFR"], [15, 80, 5])[0],
            )
        )
    return lots


def generate_needs(count: int, seed: int = 2, first_id: int = 1) -> list[NeedRecord]:
    rng = random.Random(seed)
    terms = random.Random(seed + 1_000)
    countries = list(COUNTRIES)
    shares = [COUNTRIES[c][0] for c in countries]
    weights = [spec[-1] for spec in CATALOGUE]
    needs = []
    for need_id in range(first_id, first_id + count):
        country = rng.choices(countries, shares)[0]
        _, currencies, modes, port = COUNTRIES[country]
        make, model, body, fuel, first, _, new_usd, _ = rng.choices(CATALOGUE, weights)[0]
        # Shaped like the wishes of demo/buyers.py: mostly a make and one or
        # two of its models; some a make only; broad requests name body and fuel.
        # Every need has a model-year range and most a mileage cap.
        makes: tuple[str, ...] = ()
        models: tuple[str, ...] = ()
        bodies: tuple[str, ...] = ()
        fuels: tuple[str, ...] = ()
        shape = rng.random()
        if shape < 0.6:
            makes = (rng.choice(MAKE_SPELLINGS.get(make, [make])),)
            siblings = [spec[1] for spec in CATALOGUE if spec[0] == make and spec[1] != model]
            models = (model, *rng.sample(siblings, k=min(len(siblings), rng.randint(0, 1))))
            fuels = (fuel,) if rng.random() < 0.3 else ()
        elif shape < 0.75:
            makes = (rng.choice(MAKE_SPELLINGS.get(make, [make])),)
            fuels = (fuel,) if rng.random() < 0.4 else ()
        elif shape < 0.95:
            bodies, fuels = (body,), (fuel,)
        else:
            peers = sorted({spec[0] for spec in CATALOGUE if spec[2] == body})
            others = rng.sample(peers, k=min(2, len(peers)))
            makes, bodies, fuels = (make, *(m for m in others if m != make)), (body,), (fuel,)
        if country in {"EG", "JO"} and rng.random() < 0.6:
            fuels = ("bev",)
        year_min = rng.randint(max(first, 2017), 2023)
        year_max = min(year_min + rng.randint(3, 6), 2025)
        reference_age = ON.year - year_min
        budget_usd = _value_usd(new_usd, fuel, reference_age, rng) * rng.uniform(0.75, 1.3)
        currency = rng.choice(currencies)
        electrified = fuel in vocabulary.ELECTRIFIED
        needs.append(
            NeedRecord(
                id=need_id,
                buyer_id=rng.randint(1, 600),
                destination_country=country,
                destination_port=port,
                makes=makes,
                models=models,
                body_types=bodies,
                fuel_types=fuels,
                year_min=year_min,
                year_max=year_max,
                max_mileage_km=rng.choice([40_000, 60_000, 80_000, 120_000, 150_000])
                if rng.random() < 0.9
                else None,
                min_battery_soh_pct=rng.choice([80, 85, 90]) if electrified and rng.random() < 0.3 else None,
                steering="",
                quantity=rng.choice([1, 2, 5, 10, 20, 50]),
                allow_split=rng.random() < 0.7,
                max_unit_price=round(budget_usd * 7.10 / FX[currency], 2),
                currency=currency,
                shipping_modes=tuple(rng.sample(modes, k=rng.randint(1, len(modes)))),
                open=rng.random() < 0.95,
                incoterm=terms.choices(["FOB", "CFR", "CIF"], [30, 30, 40])[0],
            )
        )
    return needs


# ------------------------------------------------------------ naive reference


def naive_match(lots: list[LotRecord], needs: list[NeedRecord], rules: list[RuleRecord], top_k: int) -> int:
    """The obvious double loop: every hard constraint and a score per pair in
    plain Python, then a sort per need and per lot. Returns the pairs kept."""
    by_need: dict[int, list[tuple[float, int]]] = {}
    by_lot: dict[int, list[tuple[float, int]]] = {}
    for need in needs:
        if not need.open:
            continue
        makes = vocabulary.wanted_makes(need.makes)
        models = {vocabulary.normalise(m) for m in need.models}
        country_rules = [r for r in rules if r.country == need.destination_country]
        for lot in lots:
            if not lot.available or lot.quantity < 1:
                continue
            if makes and vocabulary.canonical_make(lot.make) not in makes:
                continue
            if models and vocabulary.normalise(lot.model) not in models:
                continue
            if need.body_types and lot.body_type not in need.body_types:
                continue
            if need.fuel_types and lot.fuel_type not in need.fuel_types:
                continue
            if need.year_min is not None and lot.model_year < need.year_min:
                continue
            if need.year_max is not None and lot.model_year > need.year_max:
                continue
            if need.max_mileage_km is not None and lot.mileage_km > need.max_mileage_km:
                continue
            electrified = lot.fuel_type in vocabulary.ELECTRIFIED
            soh = -1 if lot.battery_soh_pct is None else lot.battery_soh_pct
            if need.min_battery_soh_pct is not None and electrified and soh < need.min_battery_soh_pct:
                continue
            if not _naive_rules_ok(lot, need, country_rules):
                continue
            price = lot.unit_price * FX[lot.currency] / FX[need.currency]
            if price > need.max_unit_price * 1.10:
                continue
            ratio = price / need.max_unit_price
            score = 30 * min(max((1.1 - ratio) / 0.6, 0), 1)
            score += 15 * min(max(1 - (ON.year - lot.model_year) / 10, 0), 1)
            score += 15 * min(max(1 - lot.mileage_km / (need.max_mileage_km or 200_000), 0), 1)
            score += 10 * min(lot.quantity / need.quantity, 1)
            score += 10 if set(lot.shipping_modes) & set(need.shipping_modes) else 0
            score += 6 if lot.exporter_verified else 0
            by_need.setdefault(need.id, []).append((-score, lot.id))
            by_lot.setdefault(lot.id, []).append((-score, need.id))
    kept = {(n, lot) for n, pairs in by_need.items() for _, lot in sorted(pairs)[:top_k]}
    kept |= {(n, lot) for lot, pairs in by_lot.items() for _, n in sorted(pairs)[:top_k]}
    return len(kept)


def _naive_rules_ok(lot: LotRecord, need: NeedRecord, rules: list[RuleRecord]) -> bool:
    for rule in rules:
        if rule.applies_to_fuels and lot.fuel_type not in rule.applies_to_fuels:
            continue
        if rule.used_imports_banned or lot.fuel_type in rule.banned_fuels:
            return False
        steering = need.steering or rule.steering_required
        if steering and lot.steering != steering:
            return False
        if rule.max_age_years is not None:
            age = ON.year - lot.model_year
            if rule.age_counted_from == "first_registration" and lot.first_registration:
                reg = lot.first_registration
                age = ON.year - reg.year - ((ON.month, ON.day) < (reg.month, reg.day))
            if age > rule.max_age_years:
                return False
        if rule.min_emission_standard and lot.fuel_type != "bev":
            minimum = vocabulary.emission_level(rule.min_emission_standard)
            if vocabulary.emission_level(lot.emission_standard) < minimum:
                return False
        if rule.max_engine_cc and lot.fuel_type != "bev" and (lot.engine_cc or 1 << 31) > rule.max_engine_cc:
            return False
        if rule.max_mileage_km is not None and lot.mileage_km > rule.max_mileage_km:
            return False
    return True


# ------------------------------------------------------------ measurements


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


def full_run(lots, needs, rules, runs: int, label: str) -> tuple[float, object]:
    # One untimed run first, as a worker has done by its second run: imports,
    # the normalisers' caches, the thread pool's first start. Its time is shown.
    gc.collect()
    warm_up, _ = timed(lambda: run_full(LotTable.build(lots), needs, rules, FX, ON, 20, freight=FREIGHT))
    build_times, match_times, totals = [], [], []
    result = None
    for _ in range(runs):
        gc.collect()
        build, table = timed(LotTable.build, lots)
        match, result = timed(run_full, table, needs, rules, FX, ON, 20, freight=FREIGHT)
        build_times.append(build)
        match_times.append(match)
        totals.append(build + match)
        del table
    total = statistics.median(totals)
    assert result is not None
    covered = len(set(result.need_ids[result.rank_for_need > 0].tolist()))
    print(
        f"{label}: median {total:.3f} s (table build {statistics.median(build_times):.3f} s + "
        f"match {statistics.median(match_times):.3f} s; runs {', '.join(f'{t:.2f}' for t in totals)}; "
        f"first, untimed run {warm_up:.2f} s)"
    )
    print(
        f"  {result.pairs_considered:,} candidate pairs, {len(result):,} kept, "
        f"{covered:,} needs with a match, {len(result.diagnostics):,} diagnosed"
    )
    return total, result


def peak_memory(lots, needs, rules) -> float:
    gc.collect()
    tracemalloc.start()
    result = run_full(lots, needs, rules, FX, ON, 20, freight=FREIGHT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak / 2**20


def incremental(lots, needs, rules, samples: int = 300) -> dict[str, float]:
    """Median milliseconds to rescore one lot / one need (proposals with scores
    and ranks), and the same with their explanations materialised."""
    table = LotTable.build(lots)
    need_table = NeedTable.build(needs)
    run_full(table, needs[:50], rules, FX, ON, freight=FREIGHT)  # a worker keeps the last run's table
    rescore_lot(lots[0], need_table, rules, FX, ON, freight=FREIGHT)
    rng = random.Random(3)
    times: dict[str, list[float]] = {"lot": [], "need": [], "lot+why": [], "need+why": []}

    def explained(matches: list) -> list:
        return [m.explanation for m in matches]

    for _ in range(samples):
        lot, need = rng.choice(lots), rng.choice(needs)
        times["lot"].append(timed(rescore_lot, lot, need_table, rules, FX, ON, freight=FREIGHT)[0])
        times["need"].append(timed(rescore_need, need, table, rules, FX, ON, freight=FREIGHT)[0])
        started = time.perf_counter()
        explained(rescore_lot(lot, need_table, rules, FX, ON, freight=FREIGHT))
        times["lot+why"].append(time.perf_counter() - started)
        started = time.perf_counter()
        explained(rescore_need(need, table, rules, FX, ON, freight=FREIGHT))
        times["need+why"].append(time.perf_counter() - started)
    return {what: statistics.median(values) * 1000 for what, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--large", action="store_true", help="also 100,000 x 20,000")
    args = parser.parse_args()

    rules = load_rules()
    lots = generate_lots(args.lots)
    needs = generate_needs(args.needs)
    print(f"{len(lots):,} lots x {len(needs):,} needs, {len(rules)} market rules, on {ON}")
    missed = []

    seconds, _ = full_run(lots, needs, rules, args.runs, "(a) full run, top 20 both ways")
    if seconds > TARGET_FULL_SECONDS:
        missed.append(f"full run {seconds:.2f} s > {TARGET_FULL_SECONDS} s")

    megabytes = peak_memory(lots, needs, rules)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(d) peak memory of a full run: {megabytes:.0f} MB traced (process max RSS so far {rss:.0f} MB)")
    if megabytes > TARGET_FULL_MB:
        missed.append(f"peak memory {megabytes:.0f} MB > {TARGET_FULL_MB} MB")

    ms = incremental(lots, needs, rules)
    print(
        f"(c) incremental rescore (median): one lot {ms['lot']:.3f} ms, one need {ms['need']:.3f} ms; "
        f"with the 20 explanations built: {ms['lot+why']:.3f} ms and {ms['need+why']:.3f} ms"
    )
    for what in ("lot", "need"):
        if ms[what] > TARGET_RESCORE_MS:
            missed.append(f"rescore one {what} {ms[what]:.2f} ms > {TARGET_RESCORE_MS} ms")

    sample_lots, sample_needs = lots[:2_000], needs[:500]
    naive_seconds, _ = timed(naive_match, sample_lots, sample_needs, rules, 20)
    engine_seconds = statistics.median(
        timed(run_full, sample_lots, sample_needs, rules, FX, ON, 20)[0] for _ in range(5)
    )
    scale = (len(lots) * len(needs)) / (len(sample_lots) * len(sample_needs))
    print(
        f"naive pure-Python loop on 2,000 x 500: {naive_seconds:.2f} s vs engine "
        f"{engine_seconds * 1000:.1f} ms ({naive_seconds / engine_seconds:.0f}x); extrapolated to full size "
        f"{naive_seconds * scale:.0f} s, {naive_seconds * scale / seconds:.0f}x the engine's full run"
    )

    if args.large:
        large_needs = generate_needs(20_000, seed=4)
        seconds, _ = full_run(lots, large_needs, rules, max(1, args.runs // 2), "100,000 x 20,000")
        if seconds > TARGET_LARGE_SECONDS:
            missed.append(f"100k x 20k {seconds:.2f} s > {TARGET_LARGE_SECONDS} s")

    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
