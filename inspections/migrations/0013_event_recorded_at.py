"""RectificationEvent.recorded_at: when the row was written (a step entered late keeps its own
`created_at`); existing rows are taken as recorded when they happened."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    apps.get_model("inspections", "RectificationEvent").objects.update(recorded_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("inspections", "0012_supervision_run"),
    ]

    operations = [
        migrations.AddField(
            model_name="rectificationevent",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False,
                                       verbose_name="recorded at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="rectificationevent",
            index=models.Index(fields=["recorded_at"], name="event_recorded_idx"),
        ),
    ]
