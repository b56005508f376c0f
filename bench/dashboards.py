"""Dashboards at scale: the figures of the top organization (a city's 15,000 organizations, a province's 100,000+)
computed cold (nothing cached) from the totals kept, and the same counted from the records the long way
(site/dashboards/reference.py); the whole page rendered cold and from the cache, and the page of the first
organization one level down (a county of a city, a township of a county) for comparison; the time to count every
total again (`rebuild_totals`, which finds nothing to change), in a process of its own (`python -m bench.dashboards`)
so that its peak resident memory is its own."""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def rebuild() -> dict:
    """In this process: every total counted again; its seconds, the rows that differed and the peak memory."""
    from grassroots.site.dashboards import totals

    base = _peak_mb()
    start = time.perf_counter()
    differing = totals.rebuild()
    return {
        "seconds": time.perf_counter() - start,
        "differing": differing,
        "base_mb": round(base, 1),
        "peak_mb": round(_peak_mb(), 1),
    }


def _best(fn, repeat=3, before=None):
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run() -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.cache import SessionStore
    from django.core.cache import cache
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from grassroots.core.periods import period_for
    from grassroots.organizations.models import Organization
    from grassroots.site.dashboards import figures, reference, views

    root = Organization.objects.filter(depth=1).order_by("path").first()
    township = Organization.objects.filter(depth=2, path__startswith=root.path).order_by("path").first()
    admin = get_user_model().objects.filter(is_superuser=True).first()
    period = period_for(str(timezone.localdate().year))
    today = timezone.localdate()

    def page(org):
        request = RequestFactory().get(f"/dashboards/{org.pk}/", {"period": period.code})
        request.user = admin
        request.session = SessionStore()
        response = views.dashboard(request, org.pk)
        assert response.status_code == 200
        return response

    out = {
        "dashboard_organizations": Organization.objects.filter(path__startswith=root.path).count(),
        "dashboard_figures_seconds": _best(lambda: figures.compute(organization=root, period=period, today=today)),
        # The same figures counted from the records (as before the totals were kept): the ratio of the two, one run.
        "dashboard_figures_from_records_seconds": _best(
            lambda: reference.compute(organization=root, period=period, today=today)
        ),
        "dashboard_page_cold_seconds": _best(lambda: page(root), before=cache.clear),
        "dashboard_page_cached_seconds": _best(lambda: page(root)),
        "dashboard_township_cold_seconds": _best(lambda: page(township), before=cache.clear),
    }
    from grassroots.site.dashboards import totals

    result = subprocess.run(
        [sys.executable, "-m", "bench.dashboards"], cwd=ROOT, env=os.environ, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit("rebuild_totals failed")
    rebuilt = json.loads(result.stdout.strip().splitlines()[-1])
    out["dashboard_totals_differing"] = rebuilt["differing"]
    out["dashboard_totals_rebuild_seconds"] = rebuilt["seconds"]
    out["dashboard_totals_rebuild_peak_mb"] = rebuilt["peak_mb"]
    out["dashboard_totals_rebuild_base_mb"] = rebuilt["base_mb"]
    out["dashboard_totals_rows"] = totals.SubtreeTotal.objects.count()
    # What a change pays: one branch's own records counted again (what a report accepted, a meeting or a study record
    # saved there costs on top of the service), nothing to carry up.
    branch = Organization.objects.filter(path__startswith=root.path, kind="branch").order_by("path").first()
    out["dashboard_totals_refresh_branch_seconds"] = _best(lambda: totals.refresh([branch.pk]), repeat=5)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        figures.compute(organization=root, period=period, today=today)
    out["dashboard_queries"] = len(queries)
    # Where the time goes: the slowest queries of one cold computation, to the error stream.
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
        sys.stderr.write(f"dashboard query {query['time']} s: {query['sql'][:300]}\n")
    return out


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    import django

    django.setup()
    print(json.dumps(rebuild()))
