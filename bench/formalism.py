"""Formalism detection at scale: the time to index every progress report of the data (the first build of the
index: signatures and LSH bands, stop list learnt from the corpus), and to check one new report against that index
(the incremental path every submitted report takes: its bands looked up, the few candidates compared, its own
signature kept). Each check runs in a transaction rolled back, so the data stays as it was."""

import random
import statistics
import time

from django.db import transaction

SAMPLES = 7


class _Rollback(Exception):
    pass


def run() -> dict:
    from grassroots.duties.models import ProgressReport
    from grassroots.insights.formalism import index
    from grassroots.insights.models import TextBand, TextSignature, TextSource

    figures = {}
    reports = ProgressReport.objects.values_list(
        "pk", "text", "assignment__organization_id", "assignment__duty__duty_list__period_id", "assignment_id"
    ).order_by("pk")
    start = time.perf_counter()
    sample = list(ProgressReport.objects.order_by("-pk").values_list("text", flat=True)[:20000])
    learnt = index.relearn_stop_list(sample)
    TextSignature.objects.filter(source=TextSource.REPORT).delete()
    stop = index.stop_list()
    kept = index.bulk_index_texts(
        source=TextSource.REPORT, rows=(r for r in reports.iterator(chunk_size=5000) if r[3] is not None), stop=stop
    )
    figures["formalism_index_reports"] = time.perf_counter() - start
    figures["formalism_reports_indexed"] = kept
    figures["formalism_stop_shingles"] = learnt
    figures["formalism_bands"] = TextBand.objects.count()

    rng = random.Random(5)
    pool = list(reports.filter(assignment__duty__duty_list__period__isnull=False)[:2000])
    times, found = [], []
    for _ in range(SAMPLES):
        record_id, text, organization_id, period_id, _thread = rng.choice(pool)
        new_text = text.replace("村", "乡") + "另外，党员们还整理了活动台账。"
        try:
            with transaction.atomic():
                begin = time.perf_counter()
                matches = index.index_text(
                    source=TextSource.REPORT,
                    record_id=10**12 + record_id,
                    text=new_text,
                    organization=organization_id,
                    period=period_id,
                    thread=-1,
                    stop=stop,
                )
                times.append(time.perf_counter() - begin)
                found.append(len(matches))
                raise _Rollback
        except _Rollback:
            pass
    figures["formalism_check_one_report"] = statistics.median(times)
    figures["formalism_check_one_report_min"] = min(times)
    figures["formalism_check_one_report_max"] = max(times)
    figures["formalism_check_one_report_matches"] = statistics.median(found)
    return figures
