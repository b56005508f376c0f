"""On Citus: anything made since the step before placed as grassroots.distributed.plan says (the indicators' metrics
may be registered by other apps: no table changes, the step keeps the chain of steps after each migration). A no-op
on any other database. See 0002 for why a step once applied never changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0004_after_kept_diagnosis"),
        ("assessment", "0013_indicator_metric_choices_registered"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
