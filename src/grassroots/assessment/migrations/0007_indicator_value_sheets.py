"""Indicator values move from one row per (run, organization, indicator) into one sheet per (run, organization).

A sheet is the organization's values packed as little-endian float64, one row of (numerator, denominator, raw,
score) per indicator in the order of the run's `sheet_indicators`, NaN where there is none. The values already
computed are packed into sheets before the old table goes (and unpacked back into it on the way down)."""

import django.db.models.deletion
import numpy as np
from django.db import migrations, models

BATCH = 2000
FIELDS = ("organization_id", "indicator_id", "numerator", "denominator", "raw", "score")


def _nan(value):
    return np.nan if value is None else value


def _none(value):
    return None if value != value else value


def values_to_sheets(apps, schema_editor):
    Run = apps.get_model("assessment", "AssessmentRun")
    Value = apps.get_model("assessment", "IndicatorValue")
    Sheet = apps.get_model("assessment", "ValueSheet")
    db = schema_editor.connection.alias
    run_ids = list(Value.objects.using(db).order_by().values_list("run_id", flat=True).distinct())
    for run in Run.objects.using(db).filter(pk__in=run_ids):
        rows = Value.objects.using(db).filter(run=run).order_by()
        indicators = sorted(set(rows.values_list("indicator_id", flat=True)))
        column = {pk: k for k, pk in enumerate(indicators)}
        sheets: dict[int, np.ndarray] = {}
        for org, indicator, *numbers in rows.values_list(*FIELDS).iterator(chunk_size=BATCH):
            sheet = sheets.setdefault(org, np.full((len(indicators), 4), np.nan))
            sheet[column[indicator]] = [_nan(v) for v in numbers]
        Sheet.objects.using(db).bulk_create(
            [Sheet(run_id=run.pk, organization_id=org, data=s.astype("<f8").tobytes()) for org, s in sheets.items()],
            batch_size=BATCH,
        )
        run.sheet_indicators = indicators
        run.save(update_fields=["sheet_indicators"])


def sheets_to_values(apps, schema_editor):
    Run = apps.get_model("assessment", "AssessmentRun")
    Value = apps.get_model("assessment", "IndicatorValue")
    Sheet = apps.get_model("assessment", "ValueSheet")
    db = schema_editor.connection.alias
    for run in Run.objects.using(db).exclude(sheet_indicators=[]):
        values = []
        for org, data in Sheet.objects.using(db).filter(run=run).values_list("organization_id", "data"):
            rows = np.frombuffer(bytes(data), dtype="<f8").reshape(-1, 4)
            for indicator, (num, den, raw, score) in zip(run.sheet_indicators, rows.tolist(), strict=True):
                if score == score:
                    values.append(
                        Value(
                            run_id=run.pk,
                            organization_id=org,
                            indicator_id=indicator,
                            numerator=_none(num),
                            denominator=_none(den),
                            raw=_none(raw),
                            score=score,
                        )
                    )
        Value.objects.using(db).bulk_create(values, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0006_results_without_checked_foreign_keys"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentrun",
            name="sheet_indicators",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.CreateModel(
            name="ValueSheet",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "run", "organization", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("data", models.BinaryField()),
                (
                    "organization",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organizations.organization",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sheets",
                        to="assessment.assessmentrun",
                    ),
                ),
            ],
            options={
                "verbose_name": "indicator values",
                "verbose_name_plural": "indicator values",
            },
        ),
        migrations.RunPython(values_to_sheets, sheets_to_values, elidable=True),
        migrations.DeleteModel(
            name="IndicatorValue",
        ),
    ]
