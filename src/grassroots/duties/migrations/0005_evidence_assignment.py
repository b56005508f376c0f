"""Evidence names its report's assignment (filled here from its report): on Citus evidence is distributed by the
assignment, on one shard with its report and assignment (docs/citus.md). Elsewhere a copy of the report's."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The new foreign key is deferred: checked now, so that no trigger is pending when the column is then
            # made NOT NULL in this same transaction (PostgreSQL refuses to alter a table with pending triggers).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # UPDATE ... FROM (PostgreSQL, SQLite 3.33+): on Citus a join of co-located tables on their distribution
        # column, where a correlated subquery in SET would be refused.
        cursor.execute(
            "UPDATE duties_evidence SET assignment_id = r.assignment_id FROM duties_progressreport r "
            "WHERE r.id = duties_evidence.report_id"
        )


class Migration(migrations.Migration):
    dependencies = [("duties", "0004_evidence_description")]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="assignment",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="duties.assignment",
                verbose_name="assignment",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="evidence",
            name="assignment",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="duties.assignment",
                verbose_name="assignment",
            ),
        ),
    ]
