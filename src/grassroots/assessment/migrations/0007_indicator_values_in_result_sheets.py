"""Indicator values move from one row per (run, organization, indicator) into one sheet per result.

A sheet is the organization's values packed as little-endian float64, one row of (numerator, denominator, raw,
score) per indicator in the order of the run's `sheet_indicators`, NaN where there is none. The values already
computed are packed into the results' sheets before the table goes (and unpacked back into it on the way down)."""

import numpy as np
from django.db import migrations, models

BATCH = 2000


def _float(value):
    return np.nan if value is None else value


def _none(value):
    return None if value != value else value


def values_to_sheets(apps, schema_editor):
    Run = apps.get_model("assessment", "AssessmentRun")
    Result = apps.get_model("assessment", "Result")
    Value = apps.get_model("assessment", "IndicatorValue")
    db = schema_editor.connection.alias
    run_ids = Value.objects.using(db).order_by().values_list("run_id", flat=True).distinct()
    for run in Run.objects.using(db).filter(pk__in=list(run_ids)):
        rows = Value.objects.using(db).filter(run=run).order_by()
        indicators = sorted(set(rows.values_list("indicator_id", flat=True)))
        column = {pk: k for k, pk in enumerate(indicators)}
        sheets: dict[int, np.ndarray] = {}
        fields = ("organization_id", "indicator_id", "numerator", "denominator", "raw", "score")
        for org, indicator, *numbers in rows.values_list(*fields).iterator(chunk_size=BATCH):
            sheet = sheets.setdefault(org, np.full((len(indicators), 4), np.nan))
            sheet[column[indicator]] = [_float(v) for v in numbers]
        results = list(Result.objects.using(db).filter(run=run, organization_id__in=list(sheets)))
        for result in results:
            result.sheet = sheets[result.organization_id].astype("<f8").tobytes()
        Result.objects.using(db).bulk_update(results, ["sheet"], batch_size=BATCH)
        run.sheet_indicators = indicators
        run.save(update_fields=["sheet_indicators"])


def sheets_to_values(apps, schema_editor):
    Run = apps.get_model("assessment", "AssessmentRun")
    Result = apps.get_model("assessment", "Result")
    Value = apps.get_model("assessment", "IndicatorValue")
    db = schema_editor.connection.alias
    for run in Run.objects.using(db).exclude(sheet_indicators=[]):
        batch = []
        for org, sheet in Result.objects.using(db).filter(run=run).values_list("organization_id", "sheet"):
            rows = np.frombuffer(bytes(sheet), dtype="<f8").reshape(-1, 4)
            if len(rows) != len(run.sheet_indicators):
                continue
            for indicator, (num, den, raw, score) in zip(run.sheet_indicators, rows.tolist(), strict=True):
                if score == score:
                    batch.append(
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
        Value.objects.using(db).bulk_create(batch, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0006_results_without_checked_foreign_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentrun",
            name="sheet_indicators",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="result",
            name="sheet",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(values_to_sheets, sheets_to_values, elidable=True),
        migrations.DeleteModel(
            name="IndicatorValue",
        ),
    ]
