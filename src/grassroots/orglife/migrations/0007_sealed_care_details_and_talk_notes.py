"""Care details and the notes of heart-to-heart talks sealed at rest."""

from django.db import migrations

import grassroots.core.sealed

TABLES = {"orglife_carecase": {"details": None}, "orglife_talk": {"notes": None}}


def seal(apps, schema_editor):
    from grassroots.core.fieldcrypt import reseal_table

    for table, columns in TABLES.items():
        reseal_table(schema_editor.connection, table, columns)


def unseal(apps, schema_editor):
    from grassroots.core.fieldcrypt import reseal_table

    for table, columns in TABLES.items():
        reseal_table(schema_editor.connection, table, columns, to_plain=True)


class Migration(migrations.Migration):
    dependencies = [("orglife", "0006_point_rule_english_name"), ("organizations", "0005_sealed_personal_data")]

    operations = [
        migrations.AlterField(
            model_name="carecase",
            name="details",
            field=grassroots.core.sealed.SealedTextField(blank=True, verbose_name="details (restricted)"),
        ),
        migrations.AlterField(
            model_name="talk",
            name="notes",
            field=grassroots.core.sealed.SealedTextField(blank=True, verbose_name="notes (restricted)"),
        ),
        migrations.RunPython(seal, unseal, elidable=False),
    ]
