"""Indicator systems get an English name; the two systems a county starts with get theirs."""

from django.db import migrations, models

# The Chinese and English names of the default systems (assessment/defaults.py) when this migration was written.
DEFAULT_NAMES = {
    ("branch", "党支部建设考核指标体系"): "Assessment of party branch building",
    ("secretary", "党支部书记抓党建述职评议考核"): "Branch secretaries' report on party building, reviewed and assessed",
}


def name_defaults(apps, schema_editor):
    IndicatorSystem = apps.get_model("assessment", "IndicatorSystem")
    for (code, name), name_en in DEFAULT_NAMES.items():
        IndicatorSystem.objects.filter(code=code, name=name, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0007_indicator_value_sheets"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicatorsystem",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="English name"),
        ),
        migrations.RunPython(name_defaults, migrations.RunPython.noop),
    ]
