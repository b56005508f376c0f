"""On Citus: the reference and distributed tables of grassroots.distributed.plan. A no-op on any other database."""

from django.db import migrations

from grassroots.distributed.plan import migration_step


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0003_duty_review_and_three_lists"),
        ("assessment", "0012_indicator_double_use_reason"),
        ("core", "0008_user_password_given"),
        ("disclosure", "0001_disclosure_and_notices"),
        ("duties", "0004_evidence_description"),
        ("insights", "0005_formalism"),
        ("site", "0001_subtree_totals"),
        ("organizations", "0005_sealed_personal_data"),
        ("orglife", "0008_meeting_file_description"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
        ("axes", "__latest__"),
        ("otp_totp", "__latest__"),
        ("otp_static", "__latest__"),
    ]

    operations = [migrations.RunPython(migration_step, migrations.RunPython.noop, elidable=False)]
