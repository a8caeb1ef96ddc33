"""Task paths become zero-padded ids ("00000003/00000017/") so that ordering by path lists
the tree in order (17/100/ sorted before 17/18/ as text)."""

from django.db import migrations


def _rewrite(apps, width: int) -> None:
    Task = apps.get_model("campaign", "Task")
    for task in Task.objects.only("pk", "path").iterator():
        parts = [int(part) for part in task.path.split("/") if part]
        path = "".join(f"{part:0{width}d}/" for part in parts)
        if path != task.path:
            Task.objects.filter(pk=task.pk).update(path=path)


def pad(apps, schema_editor):
    _rewrite(apps, 8)


def unpad(apps, schema_editor):
    _rewrite(apps, 0)


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0002_tasks"),
    ]

    operations = [
        migrations.RunPython(pad, unpad),
    ]
