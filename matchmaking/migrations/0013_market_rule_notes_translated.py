"""The bundled market rules' notes in the site's other languages, for rules
already loaded (new loads take them from the same file). A rule whose notes
an organiser rewrote, or already translated, is left alone."""

import json
from pathlib import Path

from django.db import migrations

NOTES = Path(__file__).resolve().parent.parent / "data" / "market_rule_notes.json"


def translate_notes(apps, schema_editor):
    MarketRule = apps.get_model("matchmaking", "MarketRule")
    translations = json.loads(NOTES.read_text(encoding="utf-8"))
    for rule in MarketRule.objects.exclude(notes=""):
        texts = translations.get(rule.notes.strip())
        if texts and not rule.notes_translations:
            rule.notes_translations = texts
            rule.save(update_fields=["notes_translations"])


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0012_market_rule_notes_in_several_languages")]

    operations = [migrations.RunPython(translate_notes, migrations.RunPython.noop)]
