"""Matching end to end on the configured database (DESIGN.md §7, part (b) and
the database half of (c)): load every lot and need, score, store the kept
matches; then rescore one lot and one need with their reads and writes.

Run it on PostgreSQL, in a database of its own (it deletes its own companies'
data on each start):

    createdb -h 127.0.0.1 -U postgres carbridge_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carbridge_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carbridge_bench .venv/bin/python bench/matching_db.py

Run 1 stores into an empty matches table; before each later run 2 % of the
lots change price, so reruns update, insert and retire real pairs. With
--reuse an already loaded market of the same size is kept (loading 100,000
lots takes about 40 s and is not part of the figures).

Targets: every full run ≤ 20 s; one rescore ≤ 100 ms. Exits 1 when one is
missed. The data comes from bench/matching.py's generators, so both
benchmarks score the same market.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402

from accounts.models import Organisation  # noqa: E402
from matchmaking.models import Lot, Match, MatchRun, Need  # noqa: E402
from matchmaking.selectors.proposals import lot_proposals  # noqa: E402
from matchmaking.services.match_runs import match_run_execute  # noqa: E402
from matchmaking.services.rescoring import lot_rescore, need_rescore  # noqa: E402

TARGET_FULL_SECONDS = 20.0
TARGET_RESCORE_MS = 100.0
PREFIX = "Bench "


def _generators():
    spec = importlib.util.spec_from_file_location("bench_matching", ROOT / "bench" / "matching.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reset() -> None:
    Organisation.objects.filter(name__startswith=PREFIX).delete()
    MatchRun.objects.all().delete()


def _bench_ids() -> tuple[list[int], list[int]]:
    lot_ids = list(Lot.objects.filter(exporter__name__startswith=PREFIX).values_list("pk", flat=True)[:50])
    need_ids = list(Need.objects.filter(buyer__name__startswith=PREFIX).values_list("pk", flat=True)[:50])
    return lot_ids, need_ids


def _loaded(lot_count: int, need_count: int) -> bool:
    return (
        Lot.objects.filter(exporter__name__startswith=PREFIX).count() == lot_count
        and Need.objects.filter(buyer__name__startswith=PREFIX).count() == need_count
    )


def _reprice(run_number: int) -> int:
    """2 % of the lots 3 % cheaper, a different 2 % each run."""
    return (
        Lot.objects.annotate(bucket=F("id") % 50)
        .filter(bucket=run_number % 50)
        .update(unit_price=F("unit_price") * Decimal("0.97"))
    )


def _load(lot_count: int, need_count: int) -> tuple[list[int], list[int]]:
    generators = _generators()
    exporters = Organisation.objects.bulk_create(
        Organisation(
            kind="exporter",
            name=f"{PREFIX}exporter {n}",
            country="CN",
            export_qualification_no=f"B-{n}",
            verified=n % 3 != 0,
        )
        for n in range(40)
    )
    buyers = Organisation.objects.bulk_create(
        Organisation(kind="buyer", name=f"{PREFIX}buyer {n}", country="KZ") for n in range(15)
    )
    lots = [
        Lot(
            exporter_id=exporters[record.exporter_id % len(exporters)].pk,
            ref=f"B-{record.id}",
            make=record.make,
            model=record.model,
            body_type=record.body_type,
            fuel_type=record.fuel_type,
            model_year=record.model_year,
            first_registration=record.first_registration,
            mileage_km=record.mileage_km,
            steering=record.steering,
            engine_cc=record.engine_cc,
            battery_soh_pct=record.battery_soh_pct,
            emission_standard=record.emission_standard,
            quantity=record.quantity,
            unit_price=Decimal(str(record.unit_price)),
            currency=record.currency,
            incoterm=record.incoterm,
            shipping_modes=list(record.shipping_modes),
            loading_point=record.loading_point,
            status=Lot.Status.AVAILABLE if record.available else Lot.Status.DRAFT,
        )
        for record in generators.generate_lots(lot_count)
    ]
    Lot.objects.bulk_create(lots, batch_size=5_000)
    needs = [
        Need(
            buyer_id=buyers[record.id % len(buyers)].pk,
            ref=f"B-{record.id}",
            title=f"Bench need {record.id}",
            destination_country=record.destination_country,
            destination_port=record.destination_port,
            makes=list(record.makes),
            model_names=list(record.models),
            body_types=list(record.body_types),
            fuel_types=list(record.fuel_types),
            year_min=record.year_min,
            year_max=record.year_max,
            max_mileage_km=record.max_mileage_km,
            min_battery_soh_pct=record.min_battery_soh_pct,
            steering=record.steering,
            quantity=record.quantity,
            allow_split=record.allow_split,
            max_unit_price=Decimal(str(round(record.max_unit_price, 2))),
            currency=record.currency,
            incoterm=record.incoterm,
            shipping_modes=list(record.shipping_modes),
        )
        for record in generators.generate_needs(need_count)
    ]
    Need.objects.bulk_create(needs, batch_size=5_000)
    return _bench_ids()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded market of the same size")
    args = parser.parse_args()

    print(f"database: {connection.vendor}; {args.lots:,} lots x {args.needs:,} needs")
    started = time.perf_counter()
    if args.reuse and _loaded(args.lots, args.needs):
        Match.objects.all().delete()
        MatchRun.objects.all().delete()
        lot_ids, need_ids = _bench_ids()
        print("reusing the loaded market; matches emptied")
    else:
        _reset()
        lot_ids, need_ids = _load(args.lots, args.needs)
        print(f"loaded the market in {time.perf_counter() - started:.1f} s (not part of the figures)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    totals = []
    for number in range(1, args.runs + 1):
        if number > 1:
            _reprice(number)
        run = MatchRun.objects.create()
        started = time.perf_counter()
        run = match_run_execute(run_id=run.pk)
        seconds = time.perf_counter() - started
        if run.status != MatchRun.Status.FINISHED:
            print(f"run {number} failed: {run.error}")
            return 1
        totals.append(seconds)
        parts = ", ".join(f"{step} {value:.2f} s" for step, value in run.timings.items())
        print(
            f"  run {number}{' (empty table)' if number == 1 else ' (2 % of lots repriced)'}: "
            f"{seconds:.2f} s ({parts}); "
            f"{run.pairs_considered:,} pairs considered, {run.matches_kept:,} kept"
        )
    full, slowest = statistics.median(totals), max(totals)
    print(
        f"(b) full run end to end, median of {args.runs}: {full:.2f} s, slowest {slowest:.2f} s "
        f"(target ≤ {TARGET_FULL_SECONDS:.0f} s)"
    )

    def rescore_ms(function, key: str, ids: list[int]) -> float:
        samples = []
        for pk in ids[:20]:
            started = time.perf_counter()
            function(**{key: pk})
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    lot_ms = rescore_ms(lot_rescore, "lot_id", lot_ids)
    need_ms = rescore_ms(need_rescore, "need_id", need_ids)
    print(
        f"(c) rescore with the database, median of 20: one lot {lot_ms:.0f} ms, one need {need_ms:.0f} ms "
        f"(target ≤ {TARGET_RESCORE_MS:.0f} ms); {Match.objects.count():,} matches stored"
    )
    page_samples = []
    for lot in Lot.objects.filter(pk__in=lot_ids[:20]).select_related("exporter"):
        started = time.perf_counter()
        lot_proposals(lot)
        page_samples.append((time.perf_counter() - started) * 1000)
    print(
        f"    a lot's needs ranked live and explained (its exporter's page), median of 20: "
        f"{statistics.median(page_samples):.0f} ms"
    )

    missed = []
    if slowest > TARGET_FULL_SECONDS:
        missed.append(f"full run {slowest:.1f} s")
    if lot_ms > TARGET_RESCORE_MS:
        missed.append(f"lot rescore {lot_ms:.0f} ms")
    if need_ms > TARGET_RESCORE_MS:
        missed.append(f"need rescore {need_ms:.0f} ms")
    print("targets missed: " + ", ".join(missed) if missed else "all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
