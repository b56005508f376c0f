"""The diagnosis at scale: the subtree summary of the top organization (a city's 11,000 branches) and of the first
organization one level down, each in a constant number of set-based queries; one branch's findings read in detail;
and, for comparison, the naive way (one diagnosis per branch, as a loop over the organizations would run it) timed
on a sample of the branches of the level below and scaled to all of them."""

import time

NAIVE_SAMPLE = 20  # branches diagnosed one at a time for the naive estimate


def run() -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from bench.stats import SAMPLES, summary, timed
    from grassroots.core.periods import period_for
    from grassroots.insights.diagnosis import engine
    from grassroots.insights.models import DiagnosedOrganization

    translation.activate("zh-hans")
    period = period_for(str(timezone.localdate().year))
    orgs = DiagnosedOrganization.objects.all()
    root = orgs.filter(depth=1).order_by("path").first()
    below = orgs.filter(depth=2, path__startswith=root.path).order_by("path").first()

    def subtree(org):
        return engine.summarize(organizations=orgs.filter(org.subtree_q()), period=period, root_path=org.path)

    def one(org):
        return engine.diagnose(organizations=orgs.filter(pk=org.pk), period=period, root_path=org.path)

    figures = {}
    subtree(root)  # warm: the URL patterns, the catalogue
    for name, org in (("top", root), ("below", below)):
        times = []
        for _ in range(SAMPLES):
            with CaptureQueriesContext(connection) as queries:
                seconds, found = timed(lambda org=org: subtree(org))
            times.append(seconds)
        figures.update(summary(f"diagnosis_summary_{name}_seconds", times))
        figures[f"diagnosis_summary_{name}_organizations"] = found.diagnosed
        figures[f"diagnosis_summary_{name}_queries"] = len(queries)
        figures[f"diagnosis_summary_{name}_findings"] = sum(r.organizations for r in found.ranked)
    branches = list(orgs.filter(below.subtree_q()).filter(engine.DIAGNOSED).order_by("path")[:NAIVE_SAMPLE])
    times = []
    for _ in range(SAMPLES):
        with CaptureQueriesContext(connection) as queries:
            seconds, findings = timed(lambda: one(branches[0]))
        times.append(seconds)
    figures.update(summary("diagnosis_one_branch_seconds", times))
    figures["diagnosis_one_branch_queries"] = len(queries)
    figures["diagnosis_one_branch_findings"] = len(findings)
    start = time.perf_counter()
    for branch in branches:
        one(branch)
    per_branch = (time.perf_counter() - start) / len(branches)
    n = figures["diagnosis_summary_below_organizations"]
    figures["diagnosis_naive_below_estimated_seconds"] = per_branch * n
    figures["diagnosis_naive_over_set_based"] = per_branch * n / figures["diagnosis_summary_below_seconds"]
    return figures
