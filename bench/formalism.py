"""Formalism detection at scale: the time to index a province's progress reports (the first build of the index:
the stop list learnt from the corpus, then each text's signature and LSH bands written), and the time to check one
new report against that index (the incremental path every submitted report takes: its bands looked up, the few
candidates compared exactly, its own signature kept).

The reports are generated (grassroots.insights.formalism.evaluation: distinct reports on three topics with the
templates everyone writes, a tenth of them copies), BENCH_FORMALISM_REPORTS of them (default 100,000; a province's
year is about a million), spread over the data's branches. Each check runs in a transaction rolled back."""

import os
import random
import statistics
import time

from django.db import transaction

SAMPLES = 7


class _Rollback(Exception):
    pass


def run() -> dict:
    from grassroots.core.periods import period_for
    from grassroots.insights.formalism import evaluation, index
    from grassroots.insights.models import TextBand, TextSignature, TextSource
    from grassroots.organizations.models import Organization

    n = int(os.environ.get("BENCH_FORMALISM_REPORTS", "100000"))
    figures = {"formalism_reports": n}
    branches = list(Organization.objects.filter(kind="branch").values_list("pk", flat=True)[:50000]) or list(
        Organization.objects.values_list("pk", flat=True)[:1]
    )
    period, later = period_for("2025"), period_for("2026")
    corpus = evaluation.text_corpus(originals=n - n // 10, copies=n // 10, seed=3)
    source = TextSource.DUTY_REPORT  # a source of its own here, apart from the data's own reports
    base = 10**12
    rows = [(base + i, r.text, branches[i % len(branches)], period.pk, base + i) for i, r in enumerate(corpus)]
    TextSignature.objects.filter(source=source, record_id__gte=base).delete()

    start = time.perf_counter()
    learnt = index.relearn_stop_list([r[1] for r in rows[:20000]], source=source)
    stop = index.stop_list(source)
    kept = index.bulk_index_texts(source=source, rows=rows, stop=stop)
    figures["formalism_index_reports"] = time.perf_counter() - start
    figures["formalism_reports_indexed"] = kept
    figures["formalism_stop_shingles"] = learnt
    figures["formalism_bands"] = TextBand.objects.filter(signature__source=source).count()

    rng = random.Random(5)
    times, found = [], []
    for k in range(SAMPLES):
        original = rng.choice(corpus)
        copy = "".join(evaluation._copy(rng, original)) if original.sentences else original.text
        try:
            with transaction.atomic():
                begin = time.perf_counter()
                matches = index.index_text(
                    source=source,
                    record_id=base * 2 + k,
                    text=copy,
                    organization=branches[k % len(branches)],
                    period=later,  # a later period's report: a copy even within one organization
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
    TextSignature.objects.filter(source=source, record_id__gte=base).delete()
    return figures
