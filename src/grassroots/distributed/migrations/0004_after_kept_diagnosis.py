"""On Citus: anything made since the step before placed as grassroots.distributed.plan says (the diagnoses computed
ahead: a few rows a night, a reference table). A no-op on any other database. See 0002 for why a step once applied
never changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0003_after_band_indexes"),
        ("insights", "0008_kept_diagnosis"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
