"""On Citus: the points ledger distributed by member (with study and talks), the care ledger's cases by their id (with
their visits, distributed by the case before), the votes of democratic appraisals by the appraisal. The three were
reference tables; plan.distribute takes them back and places them again. A no-op on any other database. See 0002 for
why a step once applied never changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0007_distribute_assignments"),
        ("orglife", "0008_meeting_file_description"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
