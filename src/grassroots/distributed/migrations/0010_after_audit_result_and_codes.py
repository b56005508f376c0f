"""On Citus: the plan applied again after the audit entries' result (core 0011, a column and an index of the
distributed audit table) and the organizations' code rule (organizations 0006, a validator: nothing in the database).
The last step comes after every app's latest migration (tests/distributed/test_plan.py). A no-op on any other database.
See 0002 for why a step once applied never changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0009_distribute_bands_appraisal_results"),
        ("core", "0011_audit_entry_result"),
        ("organizations", "0006_organization_code_characters"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
