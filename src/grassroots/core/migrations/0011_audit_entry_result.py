"""The result of each audited event (success or failure, GB/T 22239-2019 8.1.4.3 b): every entry written before
recorded a done event. Their hashes did not cover a result and need not: core.audit.compute_hash adds the result to
the hashed payload only when it is not "done", so those entries verify as they were and any change of a result is
caught."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_audit_chains"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="result",
            field=models.CharField(
                choices=[("done", "Succeeded"), ("refused", "Refused"), ("failed", "Failed")],
                default="done",
                max_length=10,
                verbose_name="Result",
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["result", "-seq"], name="audit_result_idx"),
        ),
    ]
