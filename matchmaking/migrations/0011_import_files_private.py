import django.utils.timezone
from django.db import migrations, models

import matchmaking.models.import_jobs
import matchmaking.storage


def move_import_files_out_of_media(apps, schema_editor):
    """Files uploaded before this release sit under MEDIA_ROOT/imports/, which
    /media/ served to anyone; they move to the private storage."""
    from django.core.files.storage import storages

    ImportJob = apps.get_model("matchmaking", "ImportJob")
    public, private = storages["default"], storages["private"]
    for pk, name in ImportJob.objects.exclude(file="").values_list("pk", "file").iterator():
        if not public.exists(name):
            continue
        with public.open(name, "rb") as handle:
            saved = private.save(name, handle)
        if saved != name:
            ImportJob.objects.filter(pk=pk).update(file=saved)
        public.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("matchmaking", "0010_match_mutual_notified_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="started_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="step started"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="file",
            field=models.FileField(
                storage=matchmaking.storage.private_storage,
                upload_to=matchmaking.models.import_jobs._import_path,
                verbose_name="file",
            ),
        ),
        migrations.RunPython(move_import_files_out_of_media, migrations.RunPython.noop),
    ]
