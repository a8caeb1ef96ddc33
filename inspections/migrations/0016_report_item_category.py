"""Issue 16: a report points at its item (several reports may follow one merged item), instead
of the item pointing at one report; and the citizen's category."""

import django.db.models.deletion
from django.db import migrations, models


def link_reports(apps, schema_editor):
    """Each item filed from a report: the report now points at it."""
    Rectification = apps.get_model("inspections", "Rectification")
    CitizenReport = apps.get_model("inspections", "CitizenReport")
    for item_id, report_id in (Rectification.objects.filter(citizen_report__isnull=False)
                               .values_list("pk", "citizen_report_id").iterator()):
        CitizenReport.objects.filter(pk=report_id).update(item_id=item_id)


def unlink_reports(apps, schema_editor):
    Rectification = apps.get_model("inspections", "Rectification")
    CitizenReport = apps.get_model("inspections", "CitizenReport")
    # Back to one report per item: the first report of a merged item keeps the link.
    for report_id, item_id in (CitizenReport.objects.filter(item__isnull=False)
                               .order_by("-pk").values_list("pk", "item_id").iterator()):
        Rectification.objects.filter(pk=item_id).update(citizen_report_id=report_id)


class Migration(migrations.Migration):

    dependencies = [
        ('campaign', '0007_user_session_epoch'),
        ('inspections', '0015_visit_location'),
    ]

    operations = [
        migrations.AddField(
            model_name='citizenreport',
            name='category',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='citizen_reports', to='campaign.category', verbose_name='category'),
        ),
        migrations.AddField(
            model_name='citizenreport',
            name='item',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='citizen_reports', to='inspections.rectification', verbose_name='rectification item'),
        ),
        migrations.RunPython(link_reports, unlink_reports),
        migrations.RemoveField(
            model_name='rectification',
            name='citizen_report',
        ),
    ]
