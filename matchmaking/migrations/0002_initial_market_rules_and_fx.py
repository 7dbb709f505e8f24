"""Load the bundled destination market rules (matchmaking/data/market_rules.csv)
and a first set of FX rates, so matching has rules and rates on a fresh
installation. Organisers keep both current on their pages afterwards.

The CSV is parsed here with historical models and a few lines of code of its
own: a migration must not import the service, which follows the current models.
"""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "market_rules.csv"

# Indicative mid-market rates (yuan for one unit), rounded, as a starting point
# only: organisers replace them with the rates of each fair's days. Iran has
# several official rates; the one here is close to the open market's.
RATES_ON = datetime.date(2026, 11, 1)
INITIAL_RATES = {
    "CNY": "1",
    "USD": "7.10",
    "EUR": "8.25",
    "RUB": "0.088",
    "KZT": "0.0135",
    "UZS": "0.00059",
    "KGS": "0.0812",
    "IRR": "0.0000071",
    "VND": "0.00027",
    "NGN": "0.0049",
    "AED": "1.9333",
    "KES": "0.055",
    "EGP": "0.148",
    "GHS": "0.62",
    "JOD": "10.01",
    "CLP": "0.0075",
    "PEN": "2.06",
}


def _rows():
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _number(value):
    value = value.strip().replace(",", "")
    return int(value) if value else None


def _fuels(value):
    return [code.strip().lower() for code in value.split(";") if code.strip()]


def _rule_fields(row):
    return {
        "country": row["country"].strip().upper(),
        "applies_to_fuels": _fuels(row["applies_to_fuels"]),
        "used_imports_banned": row["used_imports_banned"].strip().lower() == "yes",
        "steering_required": row["steering_required"].strip().upper(),
        "max_age_years": _number(row["max_age_years"]),
        "age_counted_from": row["age_counted_from"].strip().lower(),
        "min_emission_standard": row["min_emission_standard"].strip().lower(),
        "banned_fuels": _fuels(row["banned_fuels"]),
        "max_engine_cc": _number(row["max_engine_cc"]),
        "max_mileage_km": _number(row["max_mileage_km"]),
        "uncertain": row["uncertain"].strip().lower() == "yes",
        "last_checked": row["last_checked"].strip(),
        "source": row["source"].strip(),
        "notes": row["notes"].strip(),
    }


def load(apps, schema_editor):
    MarketRule = apps.get_model("matchmaking", "MarketRule")
    FxRate = apps.get_model("matchmaking", "FxRate")
    # Like `load_market_rules` without --replace: a country that already has
    # rules keeps them.
    existing = set(MarketRule.objects.values_list("country", flat=True))
    MarketRule.objects.bulk_create(
        MarketRule(**fields)
        for fields in map(_rule_fields, _rows())
        if fields["country"] not in existing
    )
    for currency, rate in INITIAL_RATES.items():
        FxRate.objects.get_or_create(currency=currency, date=RATES_ON, defaults={"rate_to_cny": Decimal(rate)})


def unload(apps, schema_editor):
    MarketRule = apps.get_model("matchmaking", "MarketRule")
    FxRate = apps.get_model("matchmaking", "FxRate")
    for fields in map(_rule_fields, _rows()):
        MarketRule.objects.filter(country=fields["country"], source=fields["source"]).delete()
    FxRate.objects.filter(date=RATES_ON, currency__in=INITIAL_RATES).delete()


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
