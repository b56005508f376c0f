"""On Citus: anything made since the step before placed as grassroots.distributed.plan says (the photos' whole-hash
band rows add rows, no table: the step keeps the chain of steps after each migration). A no-op on any other
database. See 0002 for why a step once applied never changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0005_after_registered_metrics"),
        ("insights", "0009_photo_whole_bands"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
