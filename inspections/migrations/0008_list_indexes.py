# The lists' indexes (issue 10): every one a scope prefix and a sort order.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaign', '0005_campaign_tree_version'),
        ('inspections', '0007_remove_commented_event_action'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The new indexes first, then the old ones go: on PostgreSQL dropping an index takes a
        # lock that blocks reads until the migration commits, so it comes last.
        migrations.AddIndex(
            model_name='rectification',
            index=models.Index(fields=['campaign', 'created_at', 'id'], name='rect_campaign_created_idx'),
        ),
        migrations.AddIndex(
            model_name='rectification',
            index=models.Index(fields=['campaign', 'deadline', 'id'], name='rect_campaign_deadline_idx'),
        ),
        migrations.AddIndex(
            model_name='rectification',
            index=models.Index(fields=['campaign', 'code'], name='rect_campaign_code_idx'),
        ),
        migrations.AddIndex(
            model_name='rectification',
            index=models.Index(fields=['campaign', 'status', 'id'], name='rect_campaign_status_idx'),
        ),
        migrations.AddIndex(
            model_name='rectification',
            index=models.Index(fields=['campaign', 'status', 'created_at', 'id'], name='rect_campaign_status_cr_idx'),
        ),
        migrations.AddIndex(
            model_name='rectification',
            index=models.Index(fields=['campaign', 'status', 'deadline', 'id'], name='rect_campaign_status_dl_idx'),
        ),
        migrations.AddIndex(
            model_name='rectification',
            index=models.Index(fields=['unit', 'created_at', 'id'], name='rect_unit_created_idx'),
        ),
        migrations.RemoveIndex(
            model_name='rectification',
            name='rect_deadline_idx',
        ),
        migrations.RemoveIndex(
            model_name='rectification',
            name='rect_status_deadline_idx',
        ),
        migrations.RemoveIndex(
            model_name='rectification',
            name='rect_deadline_id_idx',
        ),
        # Only the single-column indexes go (the composite indexes below lead with these
        # columns): dropped by name, because AlterField would rebuild the whole table on SQLite.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}",
                                  f'CREATE INDEX {name} ON "inspections_rectification" ("{column}")')
                for name, column in (
                    ("inspections_rectification_campaign_id_4336ed35", "campaign_id"),
                    ("inspections_rectification_created_at_0a56f4bf", "created_at"),
                    ("inspections_rectification_unit_id_fee98b28", "unit_id"),
                )
            ],
            state_operations=[
            migrations.AlterField(
                model_name='rectification',
                name='campaign',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='rectifications', to='campaign.campaign', verbose_name='campaign'),
            ),
            migrations.AlterField(
                model_name='rectification',
                name='created_at',
                field=models.DateTimeField(verbose_name='filed at'),
            ),
            migrations.AlterField(
                model_name='rectification',
                name='unit',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='rectifications', to='campaign.unit', verbose_name='responsible unit'),
            ),
            ],
        ),
    ]
