"""On Citus: assignments distributed by their id, and what hangs on them by `assignment_id` in the same family
(reports, their evidence, due-date requests, rectifications). The reports and their evidence, distributed by the
report before, are taken back from Citus and placed again (plan.distribute: a table placed otherwise than the plan
says now). A no-op on any other database. See 0002 for why a step once applied never changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0006_after_photo_whole_bands"),
        ("duties", "0005_evidence_assignment"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
