"""On Citus: the copy detectors' band rows (insights_textband, insights_photoband) distributed by the band's value, and
the results of democratic appraisals (orglife_appraisalresult) by the appraisal, with its votes. They were reference
tables; plan.distribute takes them back and places them again. A no-op on any other database.
See 0002 for why a step once applied never changes."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0008_distribute_points_care_votes"),
        ("insights", "0009_photo_whole_bands"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
