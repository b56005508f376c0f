"""Formalism detection at scale: the time to index the progress reports of a subtree (the first build of the index:
the stop list learnt from the corpus, then each text's signature and LSH bands written), and the time to check one
new report against that index (the incremental path every submitted report takes: its bands looked up, the
candidates' MinHash values compared, the few left compared exactly, its own signature kept), with how many texts
shared a band and how many were read whole.

The reports are generated (grassroots.insights.formalism.evaluation: distinct reports on three topics with the
templates everyone writes, a tenth of them copies), as many as the assignments of the subtree (each is reported about
once), spread over its branches: the first committee at depth 3 and at depth 2 (a county and a city on the
province's data set, a township and a county on the city's). The whole tree's reports are estimated from the rate of
the larger. BENCH_FORMALISM_REPORTS=N indexes N reports over the whole tree instead. Each check runs in a
transaction rolled back; the generated reports are deleted at the end."""

import os
import random
import statistics
import time

from django.db import transaction

SAMPLES = 7
BASE = 10**12  # record ids of the generated reports, apart from the data's own


class _Rollback(Exception):
    pass


def _subtrees() -> list[tuple[str, object, int]]:
    """(label, organization, reports) for each subtree to index, the smaller first."""
    from grassroots.core.tree import subtree_q
    from grassroots.duties.models import Assignment
    from grassroots.organizations.models import Organization, OrgKind

    root = Organization.objects.filter(depth=1).order_by("path").first()
    forced = os.environ.get("BENCH_FORMALISM_REPORTS")
    if forced:
        return [("whole", root, int(forced))]
    picks = []
    for depth in (3, 2):
        org = Organization.objects.filter(depth=depth, kind=OrgKind.COMMITTEE).order_by("path").first()
        if org is not None:
            n = Assignment.objects.filter(subtree_q(org.path, "organization__path")).count()
            picks.append((f"depth{depth}", org, max(n, 1000)))
    return picks or [("whole", root, 1000)]


def _index(source, org, n: int, period) -> tuple[float, int, int, list]:
    """Index n generated reports over the branches of org's subtree; (seconds, kept, stop shingles, the corpus)."""
    from grassroots.core.tree import subtree_q
    from grassroots.insights.formalism import evaluation, index
    from grassroots.organizations.models import Organization

    subtree = Organization.objects.filter(subtree_q(org.path))
    branches = list(subtree.filter(kind="branch").values_list("pk", flat=True)) or [org.pk]
    corpus = evaluation.text_corpus(originals=n - n // 10, copies=n // 10, seed=3)
    rows = [(BASE + i, r.text, branches[i % len(branches)], period.pk, BASE + i) for i, r in enumerate(corpus)]
    start = time.perf_counter()
    learnt = index.relearn_stop_list([r[1] for r in rows[:20000]], source=source)
    kept = index.bulk_index_texts(source=source, rows=rows, stop=index.stop_list(source))
    return time.perf_counter() - start, kept, learnt, corpus


def _candidates(source, text, stop) -> tuple[int, int]:
    """How many kept texts share a band with this one, and how many of them the MinHash estimate leaves to be read
    whole and compared (counted apart from the timed check)."""
    from grassroots.insights.formalism import index, shingles
    from grassroots.insights.models import TextBand, TextSignature

    sig = shingles.signature(text, stop)
    sharing = TextSignature.objects.filter(
        source=source, pk__in=TextBand.objects.filter(key__in=sig.bands()).values("signature")
    ).count()
    return sharing, len(index._likely(source, sig.bands(), sig, exclude=0))


def _check(source, corpus, branches, later) -> tuple[list[float], list[int], list[tuple[int, int]]]:
    """Check SAMPLES copies of generated reports, each as a new report of a later period (rolled back)."""
    from grassroots.insights.formalism import evaluation, index

    stop = index.stop_list(source)
    rng = random.Random(5)
    times, found, candidates = [], [], []
    for k in range(SAMPLES):
        original = rng.choice(corpus)
        copy = "".join(evaluation._copy(rng, original)) if original.sentences else original.text
        candidates.append(_candidates(source, copy, stop))
        try:
            with transaction.atomic():
                begin = time.perf_counter()
                matches = index.index_text(
                    source=source,
                    record_id=BASE * 2 + k,
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
    return times, found, candidates


def _clear(source) -> None:
    from grassroots.insights.formalism import index

    index.clear_texts(source=source, from_record=BASE)


def run() -> dict:
    from grassroots.core.periods import period_for
    from grassroots.duties.models import Assignment
    from grassroots.insights.models import TextBand, TextSignature, TextSource
    from grassroots.organizations.models import Organization

    source = TextSource.DUTY_REPORT  # a source of its own here, apart from the data's own reports
    period, later = period_for("2025"), period_for("2026")
    figures = {}
    picks = _subtrees()
    for i, (label, org, n) in enumerate(picks):
        _clear(source)
        seconds, kept, learnt, corpus = _index(source, org, n, period)
        key = f"formalism_{label}"
        figures[f"{key}_organizations"] = Organization.objects.filter(org.subtree_q()).count()
        figures[f"{key}_reports"] = n
        figures[f"{key}_reports_indexed"] = kept
        figures[f"{key}_index_seconds"] = seconds
        figures[f"{key}_ms_per_report"] = 1000 * seconds / n
        figures[f"{key}_stop_shingles"] = learnt
        if i == len(picks) - 1:  # the largest: one new report checked against it, the whole tree estimated
            figures["formalism_check_index_reports"] = n
            figures["formalism_bands"] = TextBand.objects.filter(signature__source=source).count()
            branches = list(TextSignature.objects.filter(source=source).values_list("organization_id", flat=True)[:9])
            times, found, candidates = _check(source, corpus, branches, later)
            figures["formalism_check_candidates_mean"] = statistics.mean(c for c, _ in candidates)
            figures["formalism_check_candidates_max"] = max(c for c, _ in candidates)
            figures["formalism_check_read_whole_mean"] = statistics.mean(w for _, w in candidates)
            figures["formalism_check_one_report"] = statistics.median(times)
            figures["formalism_check_one_report_min"] = min(times)
            figures["formalism_check_one_report_max"] = max(times)
            figures["formalism_check_one_report_matches"] = statistics.median(found)
            whole = Assignment.objects.count()
            figures["formalism_whole_tree_reports"] = whole
            figures["formalism_whole_tree_estimated_seconds"] = whole * seconds / n
    _clear(source)
    return figures
