"""Expression indexes for rescoring's make and model prefilter
(selectors.candidates._Squash) on PostgreSQL. SQLite skips that prefilter and
has no regexp_replace, so nothing is created there."""

from django.db import migrations

_INDEXES = {
    "lot_make_key_idx": "make",
    "lot_model_key_idx": "model",
}


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in _INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON matchmaking_lot "
            f"(regexp_replace(lower({column}), '[^0-9a-z]+', '', 'g'))"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0005_match_storage_for_scale")]

    operations = [migrations.RunPython(_create, _drop)]
