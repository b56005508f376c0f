"""Dashboards at scale: the figures of the top organization (a city's 15,000 organizations, a province's 100,000+)
computed cold (nothing cached), the whole page rendered cold and from the cache, and the page of the first
organization one level down (a county of a city, a township of a county) for comparison."""

import sys
import time


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
    from grassroots.site.dashboards import figures, views

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
        "dashboard_page_cold_seconds": _best(lambda: page(root), before=cache.clear),
        "dashboard_page_cached_seconds": _best(lambda: page(root)),
        "dashboard_township_cold_seconds": _best(lambda: page(township), before=cache.clear),
    }
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        figures.compute(organization=root, period=period, today=today)
    out["dashboard_queries"] = len(queries)
    # Where the time goes: the slowest queries of one cold computation, to the error stream.
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
        sys.stderr.write(f"dashboard query {query['time']} s: {query['sql'][:300]}\n")
    return out
