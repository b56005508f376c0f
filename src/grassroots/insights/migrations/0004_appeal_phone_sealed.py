"""The requester's phone sealed at rest, like members' phones."""

from django.db import migrations

import grassroots.core.sealed

TABLES = {"insights_appeal": {"phone": None}}


def seal(apps, schema_editor):
    from grassroots.core.fieldcrypt import reseal_table

    for table, columns in TABLES.items():
        reseal_table(schema_editor.connection, table, columns)


def unseal(apps, schema_editor):
    from grassroots.core.fieldcrypt import reseal_table

    for table, columns in TABLES.items():
        reseal_table(schema_editor.connection, table, columns, to_plain=True)


class Migration(migrations.Migration):
    dependencies = [("insights", "0003_diagnosis"), ("organizations", "0005_sealed_personal_data")]

    operations = [
        migrations.AlterField(
            model_name="appeal",
            name="phone",
            field=grassroots.core.sealed.SealedField(blank=True, max_length=20, verbose_name="contact phone"),
        ),
        migrations.RunPython(seal, unseal, elidable=False),
    ]
