from django.db import migrations, models
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When


def set_counted(apps, schema_editor):
    """The roll-up's rule as it stands (duties.counting.counted_q), stored on every assignment."""
    Assignment = apps.get_model("duties", "Assignment")
    ProgressReport = apps.get_model("duties", "ProgressReport")
    not_live = ("draft", "cancelled")
    below = Assignment.objects.filter(duty__source_assignment=OuterRef("pk")).exclude(state__in=not_live)
    reported = ProgressReport.objects.filter(assignment=OuterRef("pk")).exclude(state="withdrawn")
    middle = Q(Exists(below)) & ~Q(Exists(reported)) & ~Q(state="accepted")
    rule = Case(When(~Q(state__in=not_live) & ~middle, then=Value(True)), default=Value(False), output_field=BooleanField())
    Assignment.objects.update(counted=rule)


class Migration(migrations.Migration):
    dependencies = [
        ("duties", "0002_assignment_accepted_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="counted",
            field=models.BooleanField(default=True, db_default=True, editable=False, verbose_name="counted in the roll-ups"),
        ),
        migrations.RunPython(set_counted, migrations.RunPython.noop),
    ]
