from django.db import migrations

MEETING_RULES = [
    # kind, count, per, held by groups
    ("general", 1, "quarter", False),
    ("committee", 1, "month", False),
    ("group", 1, "month", True),
    ("lecture", 1, "quarter", False),
    ("theme_day", 1, "month", False),
    ("org_life", 1, "year", False),
]

POINT_RULES = [
    # code, name, source, points, per hour, daily cap, monthly cap, yearly cap
    ("attend", "参加组织生活", "attendance", 2, False, 4, None, None),
    ("absent", "无故缺席组织生活", "absence", -5, False, None, None, None),
    ("study", "学习（按确认学时）", "study", 1, True, 4, 20, None),
    ("claim", "认领并完成任务", "claim", 5, False, None, 20, None),
    ("duty", "负责的任务通过验收", "duty", 3, False, None, 15, None),
    ("volunteer", "志愿服务（经确认）", "volunteer", 2, False, 4, 10, None),
    ("manual", "其他（支部确认）", "manual", 1, False, None, None, 20),
]


def seed(apps, schema_editor):
    MeetingRule = apps.get_model("orglife", "MeetingRule")
    PointRule = apps.get_model("orglife", "PointRule")
    for kind, count, per, groups in MEETING_RULES:
        MeetingRule.objects.get_or_create(
            kind=kind, organization=None, defaults={"count": count, "per": per, "applies_to_groups": groups}
        )
    for code, name, source, points, per_hour, daily, monthly, yearly in POINT_RULES:
        PointRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "source": source,
                "points": points,
                "per_hour": per_hour,
                "daily_cap": daily,
                "monthly_cap": monthly,
                "yearly_cap": yearly,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("orglife", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
