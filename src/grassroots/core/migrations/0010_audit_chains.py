"""One audit chain per region. The entries written before stay one chain, "legacy", exactly as they were (their
hashes, their numbers, the head printed from them all still hold); entries from now on go to their region's chain.
On Citus the trail is taken back from its distribution by sequence first; the distribution step after `migrate`
places it again by chain, co-located with the chain heads."""

from django.db import migrations, models


def _distributed(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'core_auditentry'::regclass")
        return cursor.fetchone() is not None


def undistribute(apps, schema_editor):
    if _distributed(schema_editor.connection):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT undistribute_table('core_auditentry')")


def forward_only_on_citus(apps, schema_editor):
    if _distributed(schema_editor.connection):
        raise RuntimeError(
            "on Citus the audit chains migrate forward only: a distributed table with an identity column (the "
            "entries' sequence) can neither lose it nor leave its distribution"
        )


def legacy_chain(apps, schema_editor):
    entry = apps.get_model("core", "AuditEntry")
    entry.objects.update(chain="legacy", chain_seq=models.F("seq"))
    old = apps.get_model("core", "AuditHead").objects.filter(id=1).first()
    if old is not None and old.seq:
        apps.get_model("core", "AuditChainHead").objects.create(chain="legacy", seq=old.seq, hash=old.hash)


def sequence_past_the_entries(apps, schema_editor):
    """The entries keep their numbers: the sequence that numbers new ones starts after them (PostgreSQL; SQLite
    counts on from the largest by itself)."""
    from django.core.management.color import no_style

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [apps.get_model("core", "AuditEntry")]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0009_password_history")]

    operations = [
        migrations.RunPython(undistribute, migrations.RunPython.noop, elidable=False),
        migrations.AddField(
            model_name="auditentry",
            name="chain",
            field=models.CharField(default="legacy", max_length=40, verbose_name="chain"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="chain_seq",
            field=models.BigIntegerField(default=0, verbose_name="sequence in the chain"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("chain", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default="0000000000000000000000000000000000000000000000000000000000000000", max_length=64)),
            ],
            options={"verbose_name": "audit chain head"},
        ),
        migrations.RunPython(legacy_chain, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigAutoField(primary_key=True, serialize=False, verbose_name="sequence"),
        ),
        migrations.RunPython(sequence_past_the_entries, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("chain", "chain_seq"), name="audit_chain_seq_uniq"),
        ),
        migrations.DeleteModel(name="AuditHead"),
        migrations.RunPython(migrations.RunPython.noop, forward_only_on_citus, elidable=False),
    ]
