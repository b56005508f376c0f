"""The start page of the officer at the top of the tree, and the data completeness over the whole tree."""

import time


def run() -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from grassroots.organizations.models import Grant
    from grassroots.site import completeness
    from grassroots.site.start import start_for

    grant = Grant.objects.filter(role="officer", organization__depth=1).select_related("user").first()
    user = grant.user if grant else get_user_model().objects.filter(is_superuser=True).first()

    def best(fn, repeat=3):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - start)
        return min(times), value

    figures = {}
    figures["start_counts_seconds"], _ = best(lambda: start_for(user))
    figures["completeness_counts_seconds"], counts = best(lambda: completeness.gap_counts(user=user))
    figures["completeness_list_seconds"], found = best(lambda: completeness.gaps(user=user))
    assert len(found) == counts["total"]
    figures["completeness_gaps"] = counts["total"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        figures["start_page_seconds"], response = best(lambda: client.get("/"), repeat=1)
    assert response.status_code == 200
    figures["start_page_queries"] = len(queries.captured_queries)
    return figures
