"""On Citus: the tables made since the first distribution step placed as grassroots.distributed.plan says (the
password history, the audit chains' heads and the trail by chain, the meeting photos' signatures). A no-op on any
other database.

A step once applied is never given new dependencies (a database that applied it would refuse the next `migrate`):
tables made by later migrations are placed by a new step like this one, depending on every app's latest migration.
`plan.distribute` places only the tables not placed yet."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("distributed", "0001_distribute"),
        ("accountability", "0003_duty_review_and_three_lists"),
        ("assessment", "0012_indicator_double_use_reason"),
        ("core", "0010_audit_chains"),
        ("disclosure", "0001_disclosure_and_notices"),
        ("duties", "0004_evidence_description"),
        ("insights", "0006_meeting_photos"),
        ("site", "0001_subtree_totals"),
        ("organizations", "0005_sealed_personal_data"),
        ("orglife", "0008_meeting_file_description"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
