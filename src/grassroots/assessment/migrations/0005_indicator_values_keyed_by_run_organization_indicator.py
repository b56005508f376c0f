"""IndicatorValue keyed by (run, organization, indicator): a new table, the rows copied, the old one dropped.

Django does not change a table's primary key in place, so the table is rebuilt under a temporary name and then
renamed to the old one."""

import django.db.models.deletion
from django.db import migrations, models


def copy_values(apps, schema_editor):
    old = apps.get_model("assessment", "IndicatorValue")._meta.db_table
    new = apps.get_model("assessment", "IndicatorValueKeyed")._meta.db_table
    q = schema_editor.quote_name
    columns = "run_id, organization_id, indicator_id, numerator, denominator, raw, score"
    schema_editor.execute(f"INSERT INTO {q(new)} ({columns}) SELECT {columns} FROM {q(old)}")


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0004_lean_indicator_values"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="IndicatorValueKeyed",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "run",
                        "organization",
                        "indicator",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="values",
                        to="assessment.assessmentrun",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organizations.organization",
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assessment.indicator",
                    ),
                ),
                ("numerator", models.FloatField(null=True)),
                ("denominator", models.FloatField(null=True)),
                ("raw", models.FloatField(null=True)),
                ("score", models.FloatField()),
            ],
            options={"verbose_name": "indicator value", "verbose_name_plural": "indicator values"},
        ),
        migrations.RunPython(copy_values, migrations.RunPython.noop),
        migrations.DeleteModel(name="IndicatorValue"),
        migrations.RenameModel(old_name="IndicatorValueKeyed", new_name="IndicatorValue"),
    ]
