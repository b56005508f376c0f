import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    # The covering indexes are built before the indexes they replace are dropped.

    dependencies = [
        ("organizations", "0002_member_covering_index"),
        ("orglife", "0003_study_and_talk_covering_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(fields=["meeting", "status"], name="attendance_meeting_status_idx"),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(
                fields=["organization", "kind", "held_on", "state"], name="meeting_org_kind_date_st_idx"
            ),
        ),
        migrations.RemoveIndex(
            model_name="meeting",
            name="meeting_org_kind_date_idx",
        ),
        # The meeting-only index of attendance, which the unique (meeting, member) one and the new one serve for,
        # dropped by name: an AlterField would have SQLite copy the table whole (four million rows in a province).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attendance",
                    name="meeting",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attendance",
                        to="orglife.meeting",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS orglife_attendance_meeting_id_a0041894",
                    reverse_sql="CREATE INDEX orglife_attendance_meeting_id_a0041894 ON orglife_attendance (meeting_id)",
                ),
            ],
        ),
    ]
