"""Indicator values move from one row per (run, organization, indicator) into one sheet per (run, organization).

A sheet is the organization's values packed as little-endian float64, indicator by indicator in the order of the
run's `sheet_layout` ([indicator id, fields] with the fields of "ndrs", numerator, denominator, raw and score, that
some organization of the run has), NaN where there is none. The values already computed are packed into sheets
before the old table goes (and unpacked back into it on the way down)."""

import django.db.models.deletion
import numpy as np
from django.db import migrations, models

BATCH = 2000
FIELDS = "ndrs"


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
        names = ("numerator", "denominator", "raw", "score")
        orgs = sorted(rows.values_list("organization_id", flat=True).distinct())
        indicators = sorted(rows.values_list("indicator_id", flat=True).distinct())
        numbers = np.full((len(orgs), len(indicators), 4), np.nan)  # 78 MB for a province's run
        org_at = {pk: k for k, pk in enumerate(orgs)}
        indicator_at = {pk: k for k, pk in enumerate(indicators)}
        for org, indicator, *values in rows.values_list("organization_id", "indicator_id", *names).iterator(
            chunk_size=BATCH
        ):
            numbers[org_at[org], indicator_at[indicator]] = [_nan(v) for v in values]
        kept = ~np.isnan(numbers).all(axis=0)  # indicators x fields
        kept[:, FIELDS.index("s")] = True
        layout = [
            [indicator, "".join(f for f, k in zip(FIELDS, kept[j], strict=True) if k)]
            for j, indicator in enumerate(indicators)
        ]
        for start in range(0, len(orgs), BATCH):
            Sheet.objects.using(db).bulk_create(
                Sheet(run_id=run.pk, organization_id=org, data=numbers[k][kept].astype("<f8").tobytes())
                for k, org in enumerate(orgs[start : start + BATCH], start=start)
            )
        run.sheet_layout = layout
        run.save(update_fields=["sheet_layout"])


def sheets_to_values(apps, schema_editor):
    Run = apps.get_model("assessment", "AssessmentRun")
    Value = apps.get_model("assessment", "IndicatorValue")
    Sheet = apps.get_model("assessment", "ValueSheet")
    db = schema_editor.connection.alias
    for run in Run.objects.using(db).exclude(sheet_layout=[]):
        values = []
        sheets = Sheet.objects.using(db).filter(run=run).order_by().values_list("organization_id", "data")
        for org, data in sheets.iterator(chunk_size=BATCH):
            numbers = np.frombuffer(bytes(data), dtype="<f8").tolist()
            at = 0
            for indicator, fields in run.sheet_layout:
                found = dict(zip(fields, numbers[at : at + len(fields)], strict=True))
                at += len(fields)
                if found["s"] == found["s"]:
                    values.append(
                        Value(
                            run_id=run.pk,
                            organization_id=org,
                            indicator_id=indicator,
                            numerator=_none(found.get("n", np.nan)),
                            denominator=_none(found.get("d", np.nan)),
                            raw=_none(found.get("r", np.nan)),
                            score=found["s"],
                        )
                    )
            if len(values) >= BATCH:
                Value.objects.using(db).bulk_create(values)
                values = []
        Value.objects.using(db).bulk_create(values, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0006_results_without_checked_foreign_keys"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentrun",
            name="sheet_layout",
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
