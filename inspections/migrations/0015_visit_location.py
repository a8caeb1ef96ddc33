"""Inspection.latitude/longitude: where the visit was recorded from (the item page shows the
distance to the point)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inspections", "0014_search_trgm"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="latitude",
            field=models.DecimalField(
                blank=True, decimal_places=6, max_digits=9, null=True, verbose_name="latitude",
                validators=[MinValueValidator(-90), MaxValueValidator(90)]),
        ),
        migrations.AddField(
            model_name="inspection",
            name="longitude",
            field=models.DecimalField(
                blank=True, decimal_places=6, max_digits=9, null=True, verbose_name="longitude",
                validators=[MinValueValidator(-180), MaxValueValidator(180)]),
        ),
    ]
