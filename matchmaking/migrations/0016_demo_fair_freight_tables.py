"""Load the bundled indicative freight, inland haulage and insurance tables
(matchmaking/data/freight_rates.csv, inland_haulage.csv, insurance_rates.csv),
so delivered prices work on a fresh installation. Every figure is marked
indicative with its source; organisers replace them with their forwarders'.

Parsed here with historical models (a migration must not import the service).
"""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _rows(name):
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _common(row):
    return {
        "valid_from": datetime.date.fromisoformat(row["valid_from"]),
        "indicative": row["indicative"].strip().lower() == "yes",
        "source": row["source"].strip(),
    }


def load(apps, schema_editor):
    FreightRate = apps.get_model("matchmaking", "FreightRate")
    InlandHaulage = apps.get_model("matchmaking", "InlandHaulage")
    InsuranceRate = apps.get_model("matchmaking", "InsuranceRate")
    for row in _rows("freight_rates.csv"):
        FreightRate.objects.get_or_create(
            mode=row["mode"],
            origin=row["origin"].strip(),
            destination_country=row["destination_country"].strip().upper(),
            destination_port=row["destination_port"].strip(),
            vehicle_class=row["vehicle_class"],
            valid_from=datetime.date.fromisoformat(row["valid_from"]),
            defaults={"price": Decimal(row["price"]), "currency": row["currency"], **_common(row)},
        )
    for row in _rows("inland_haulage.csv"):
        InlandHaulage.objects.get_or_create(
            origin=row["origin"].strip(),
            vehicle_class=row["vehicle_class"],
            valid_from=datetime.date.fromisoformat(row["valid_from"]),
            defaults={"price": Decimal(row["price"]), "currency": row["currency"], **_common(row)},
        )
    for row in _rows("insurance_rates.csv"):
        InsuranceRate.objects.get_or_create(
            destination_country=row["destination_country"].strip().upper(),
            valid_from=datetime.date.fromisoformat(row["valid_from"]),
            defaults={"rate_pct": Decimal(row["rate_pct"]), **_common(row)},
        )


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0015_freight_insurance_and_haulage")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
