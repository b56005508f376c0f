"""On Citus: anything made since the step before placed as grassroots.distributed.plan says (no new table this time:
the band tables' new indexes need nothing). A no-op on any other database. See 0002 for why a step once applied never
changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0002_distribute_later_tables"),
        ("insights", "0007_band_signature_index"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
