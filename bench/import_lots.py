"""Import benchmark (DESIGN.md §7): a 10,000-row lot file validated and applied
in at most 10 s (`--format xlsx`: the same rows as a workbook).

Generates a realistic lot CSV (Chinese makes and models, VINs with valid check
digits, first registrations that fit the model year) in a temporary directory,
then imports it three times into an empty inventory (every row created) and
three times over the existing lots (every row updated), and prints the median
validate, apply and total times of each. Runs against the configured database
(`DATABASE_URL`); exits 1 when a median total misses the target.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carbridge_bench .venv/bin/python bench/import_lots.py
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from accounts.models import Organisation  # noqa: E402
from matchmaking.models import Lot  # noqa: E402
from matchmaking.spreadsheets.apply import apply_import  # noqa: E402
from matchmaking.spreadsheets.files import xlsx_bytes  # noqa: E402
from matchmaking.spreadsheets.formats import LOTS  # noqa: E402
from matchmaking.spreadsheets.validation import validate_import  # noqa: E402

TARGET_SECONDS = 10.0
EXPORTER_NAME = "Benchmark Export Group"

# (WMI, make, [(model, body, fuel, engine cc, kW, battery kWh)]): manufacturer
# codes registered for China, so the VIN check digit is verified too.
CATALOGUE = [
    (
        "LGX",
        "BYD",
        [
            ("Song Plus", "suv", "phev", 1498, 145, 18.3),
            ("Han", "sedan", "bev", None, 180, 85.4),
            ("Qin Plus", "sedan", "phev", 1498, 132, 8.3),
            ("Atto 3", "suv", "bev", None, 150, 60.5),
        ],
    ),
    (
        "LVV",
        "Chery",
        [("Tiggo 7 Pro", "suv", "petrol", 1498, 115, None), ("Arrizo 5", "sedan", "petrol", 1499, 85, None)],
    ),
    (
        "L6T",
        "Geely",
        [("Coolray", "suv", "petrol", 1477, 133, None), ("Emgrand", "sedan", "petrol", 1498, 84, None)],
    ),
    (
        "LS5",
        "Changan",
        [("CS75 Plus", "suv", "petrol", 1494, 132, None), ("UNI-K", "suv", "petrol", 1998, 171, None)],
    ),
    ("LGW", "Haval", [("H6", "suv", "petrol", 1497, 124, None), ("Jolion", "suv", "hev", 1497, 139, 1.8)]),
    (
        "LSV",
        "Volkswagen",
        [("Lavida", "sedan", "petrol", 1498, 83, None), ("Tiguan L", "suv", "petrol", 1984, 137, None)],
    ),
    (
        "LFV",
        "Toyota",
        [("Corolla", "sedan", "hev", 1798, 90, 1.3), ("Camry", "sedan", "hev", 2487, 160, 1.6)],
    ),
    ("LZW", "Wuling", [("Hongguang Mini EV", "hatchback", "bev", None, 20, 13.9)]),
]
COLOURS = ["white", "black", "silver", "grey", "blue", "red"]
LOCATIONS = [
    ("Chengdu", "Chengdu International Railway Port"),
    ("Zhengzhou", "Zhengzhou Railway Container Centre"),
    ("Tianjin", "Tianjin Port"),
    ("Shanghai", "Shanghai Haitong RoRo Terminal"),
]
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def vin(wmi: str, model_year: int, serial: int, rng: random.Random) -> str:
    """A VIN with a correct ISO 3779 check digit (position 9)."""
    year_code = "ABCDEFGHJKLMNPRSTVWXY123456789"[(model_year - 2010) % 30]
    body = wmi + "".join(rng.choice(_VIN_CHARS) for _ in range(5)) + "0" + year_code + "A" + f"{serial:06d}"
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(body, _VIN_WEIGHTS, strict=True))
    check = "X" if total % 11 == 10 else str(total % 11)
    return body[:8] + check + body[9:]


def generate(path: Path, rows: int, seed: int = 2025) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(LOTS.header)
        for n in range(rows):
            wmi, make, models = rng.choice(CATALOGUE)
            model, body, fuel, cc, kw, kwh = rng.choice(models)
            model_year = rng.randint(2018, 2025)
            registered = f"{min(model_year + rng.randint(0, 1), 2025)}-{rng.randint(1, 12):02d}"
            location, loading = rng.choice(LOCATIONS)
            electric = fuel in {"bev", "phev", "hev"}
            writer.writerow(
                [
                    f"BENCH-{n:06d}",
                    make,
                    model,
                    rng.choice(["", "Flagship", "Premium", "Comfort"]),
                    body,
                    fuel,
                    model_year,
                    registered,
                    rng.randint(1_000, 150_000),
                    "LHD",
                    "single_speed" if fuel == "bev" else rng.choice(["automatic", "manual", "dct", "cvt"]),
                    rng.choice(["fwd", "awd"]),
                    cc or "",
                    kw,
                    kwh or "",
                    rng.randint(85, 100) if electric else "",
                    "" if fuel == "bev" else rng.choice(["china6a", "china6b", "china5"]),
                    rng.choice(COLOURS),
                    5,
                    rng.choice(["A", "A-", "B+", "B"]),
                    rng.randint(1, 40),
                    f"{rng.randint(4_000, 45_000)}.00",
                    rng.choice(["USD", "USD", "CNY", "EUR"]),
                    rng.choice(["FOB", "EXW", "CIF"]),
                    location,
                    loading,
                    rng.choice(["rail;container", "roro", "container", "road;rail"]),
                    vin(wmi, model_year, n, rng),
                ]
            )


def as_xlsx(data: bytes) -> bytes:
    """The same rows as a workbook, the way the export writes one."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return xlsx_bytes(rows[0], rows[1:], title="lots")


def exporter() -> Organisation:
    organisation, _created = Organisation.objects.get_or_create(
        name=EXPORTER_NAME,
        defaults={
            "kind": Organisation.Kind.EXPORTER,
            "country": "CN",
            "export_qualification_no": "BENCH-001",
        },
    )
    return organisation


def run(data: bytes, organisation: Organisation) -> tuple[float, float, int, int]:
    started = time.perf_counter()
    filename = "bench.xlsx" if data.startswith(b"PK") else "bench.csv"
    validated = validate_import("lots", data, filename, organisation)
    checked = time.perf_counter()
    if not validated.report.ok:
        problems = validated.report.file_errors + [str(error) for error in validated.report.errors[:10]]
        raise SystemExit("The generated file has problems:\n" + "\n".join(problems))
    report = apply_import(validated)
    applied = time.perf_counter()
    return checked - started, applied - checked, report.created, report.updated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args()

    organisation = exporter()
    with tempfile.TemporaryDirectory(prefix="carbridge-bench-") as tmp:
        path = Path(tmp) / "lots.csv"
        generate(path, args.rows)
        data = path.read_bytes()
        if args.format == "xlsx":
            data = as_xlsx(data)
        print(
            f"{args.rows:,} lots, {len(data) / 1024 / 1024:.1f} MB {args.format.upper()}, "
            f"database: {connection.vendor}"
        )

        missed = False
        for label, fresh in (("create", True), ("update", False)):
            timings = []
            for number in range(1, args.runs + 1):
                if fresh:
                    Lot.objects.filter(exporter=organisation).delete()
                elif not Lot.objects.filter(exporter=organisation).exists():
                    run(data, organisation)
                validate_s, apply_s, created, updated = run(data, organisation)
                timings.append((validate_s, apply_s))
                print(
                    f"  {label} run {number}: validate {validate_s:.2f} s, apply {apply_s:.2f} s, "
                    f"total {validate_s + apply_s:.2f} s ({created:,} created, {updated:,} updated)"
                )
            validate_median = statistics.median(t[0] for t in timings)
            apply_median = statistics.median(t[1] for t in timings)
            total_median = statistics.median(t[0] + t[1] for t in timings)
            verdict = "ok" if total_median <= TARGET_SECONDS else "MISSED"
            missed |= total_median > TARGET_SECONDS
            print(
                f"{label} median: validate {validate_median:.2f} s, apply {apply_median:.2f} s, "
                f"total {total_median:.2f} s (target ≤ {TARGET_SECONDS:g} s: {verdict})"
            )
        Lot.objects.filter(exporter=organisation).delete()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
