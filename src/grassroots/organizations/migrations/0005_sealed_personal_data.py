"""ID numbers and phones sealed at rest, each with its keyed digest (the digest now keeps ID numbers unique)."""

from django.db import migrations

import grassroots.core.sealed

COLUMNS = {"id_number": "id_number_digest", "phone": "phone_digest"}


def seal(apps, schema_editor):
    from grassroots.core.fieldcrypt import reseal_table

    reseal_table(schema_editor.connection, "organizations_member", COLUMNS)


def unseal(apps, schema_editor):
    from grassroots.core.fieldcrypt import reseal_table

    reseal_table(schema_editor.connection, "organizations_member", COLUMNS, to_plain=True)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0004_unit_type_subdistrict")]

    operations = [
        migrations.AddField(
            model_name="member",
            name="id_number_digest",
            field=grassroots.core.sealed.DigestField(source="id_number", unique=True),
        ),
        migrations.AddField(
            model_name="member",
            name="phone_digest",
            field=grassroots.core.sealed.DigestField(db_index=True, source="phone"),
        ),
        migrations.AlterField(
            model_name="member",
            name="id_number",
            field=grassroots.core.sealed.SealedField(
                blank=True, digest="id_number_digest", max_length=18, null=True, verbose_name="ID number"
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="phone",
            field=grassroots.core.sealed.SealedField(
                blank=True, digest="phone_digest", max_length=20, verbose_name="phone"
            ),
        ),
        migrations.RunPython(seal, unseal, elidable=False),
    ]
