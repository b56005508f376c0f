"""The diagnosis at scale: the subtree summary of the top organization (a city's 11,000 branches, a province's
111,000), of the first organization one level down and of the first committee two levels down, each in a constant number of set-based queries; one branch's findings read in detail;
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
    # Two levels down: a county of the province's data set (a township of a city's).
    lower = orgs.filter(depth=3, path__startswith=below.path, kind="committee").order_by("path").first()

    def subtree(org):
        return engine.summarize(organizations=orgs.filter(org.subtree_q()), period=period, root_path=org.path)

    def one(org):
        return engine.diagnose(organizations=orgs.filter(pk=org.pk), period=period, root_path=org.path)

    figures = {}
    subtree(root)  # warm: the URL patterns, the catalogue
    levels = [("top", root), ("below", below)] + ([("lower", lower)] if lower is not None else [])
    for name, org in levels:
        times = []
        # The whole of a province (100,000 organizations and more) sampled three times, the rest five.
        big = name == "top" and orgs.filter(org.subtree_q()).count() > 50_000
        for _ in range(min(SAMPLES, 3) if big else SAMPLES):
            with CaptureQueriesContext(connection) as queries:
                seconds, found = timed(lambda org=org: subtree(org))
            times.append(seconds)
        figures.update(summary(f"diagnosis_summary_{name}_seconds", times))
        figures[f"diagnosis_summary_{name}_organizations"] = found.diagnosed
        figures[f"diagnosis_summary_{name}_queries"] = len(queries)
        figures[f"diagnosis_summary_{name}_findings"] = sum(r.organizations for r in found.ranked)
        figures[f"diagnosis_summary_{name}_ms_per_organization"] = (
            1000 * figures[f"diagnosis_summary_{name}_seconds"] / max(found.diagnosed, 1)
        )
    figures.update(_kept(root, period, smallest=max(1, figures["diagnosis_summary_below_organizations"] // 2)))
    figures["diagnosis_keep_over_top_alone"] = (
        figures["diagnosis_keep_seconds"] / figures["diagnosis_summary_top_seconds"]
    )
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


def _kept(root, period, *, smallest: int) -> dict:
    """The summaries computed ahead (the daily timer's `grassroots diagnosis keep`): the top's subtree and every subtree
    below it of at least `smallest` organizations diagnosed, from one diagnosis; then one page's read of the top's."""
    from bench.stats import SAMPLES, summary, timed
    from grassroots.insights.diagnosis import selectors, services

    seconds, rows = timed(lambda: services.diagnosis_keep(actor=None, period=period, smallest=smallest))
    admin = _admin()
    reads = [
        timed(lambda: selectors.subtree_summary(user=admin, organization=root, period=period))[0]
        for _ in range(SAMPLES)
    ]
    return {
        "diagnosis_keep_seconds": seconds,
        "diagnosis_keep_subtrees": len(rows),
        **summary("diagnosis_kept_read_seconds", reads),
    }


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
