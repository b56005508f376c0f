"""What a request of the deadline day costs in process: queries, calls and time per route, on make load's county.

    python -m bench.routes            # SQLite under a temporary folder; prints one JSON line
    ROUTES_SAMPLES=15 python -m bench.routes
    ROUTES_PROFILE="my work" python -m bench.routes   # also the profile of one request of the routes so named
    ROUTES_PROFILE="my work" ROUTES_PROFILE_LINES=400 python -m bench.routes   # more of it

A fresh database gets make load's county (bench.load.prepare) and 60 reports with a photo waiting for review; then
each route is opened by Django's test client as its user (the same session cookies as the load's clients), its
queries counted once, the Python function calls of one request counted by cProfile (a measure of the work that the
machine's load does not blur) and its time taken ROUTES_SAMPLES times (median, with min and max). The report with a
photo is posted the same way, each time on another branch's assignment. Run it on two versions of the code in turn
to compare them in one state of the machine.
"""

import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = int(os.environ.get("ROUTES_SAMPLES", "9"))
PROFILE = os.environ.get("ROUTES_PROFILE", "")
PROFILE_LINES = int(os.environ.get("ROUTES_PROFILE_LINES", "60"))  # functions listed by cumulative time


def _calls(name: str, request) -> int:
    """The function calls of one request; the profile itself on stderr when ROUTES_PROFILE names the route."""
    profile = cProfile.Profile()
    profile.runcall(request)
    stats = pstats.Stats(profile)
    if PROFILE and PROFILE in name:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(PROFILE_LINES)
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(30)
        sys.stderr.write(f"\n==== {name}\n{text.getvalue()}")
    return stats.total_calls


def _figures(queries: int, calls: int, times: list[float]) -> dict:
    """One route's figures: its queries and calls counted once, its time over the samples."""
    return {
        "queries": queries,
        "calls": calls,
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
    }


def _route(name: str, get, before=lambda: None) -> dict:
    """One route's figures: `get()` once to warm up, then its queries counted, its calls counted and its time taken
    SAMPLES times; `before()` before each request (the state it is to be opened in)."""
    from django.conf import settings
    from django.db import connection, reset_queries

    before()
    assert get().status_code == 200, name
    before()
    settings.DEBUG = True  # counts the queries of one request
    reset_queries()
    get()
    queries = len(connection.queries)
    settings.DEBUG = False
    before()
    calls = _calls(name, get)
    times = []
    for _ in range(SAMPLES):
        before()
        start = time.perf_counter()
        get()
        times.append(1000 * (time.perf_counter() - start))
    return _figures(queries, calls, times)


def _after_a_write(c, labels, name: str) -> dict:
    """The officer's start page at their next visit after a write of theirs of these kinds of records: the write's
    stamps set as the write's answer sets them, then the page opened."""
    from grassroots.core import middleware

    def stamp():
        c.cookies[middleware.WRITE_STAMP] = middleware.stamp_after({}, labels, time.time_ns())

    return _route(name, lambda: c.get("/"), before=stamp)


def measure() -> dict:
    import random

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, reset_queries
    from django.test import Client

    from bench import load

    world = load.prepare()
    rng = random.Random(1)

    def client(who, **headers):
        c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", **headers)
        c.cookies["sessionid"], c.cookies["csrftoken"] = who["sessionid"], who["csrftoken"]
        return c

    for who in world["secretaries"][:20]:
        c = client(who, HTTP_X_CSRFTOKEN=who["csrftoken"])
        for assignment in who["assignments"][:3]:
            made = c.post(
                f"/api/assignments/{assignment}/report/",
                {
                    "text": load.report_text(rng),
                    "percent": "100",
                    "files": SimpleUploadedFile("p.jpg", load.photo(assignment), "image/jpeg"),
                },
            )
            assert made.status_code == 201, made.content
    secretary, officer = world["secretaries"][1], world["officers"][1]
    routes = [
        ("bare view, signed in (the stack's own cost)", officer, "/bare/signed-in/"),
        ("secretary: my work", secretary, "/work/"),
        ("secretary: an assignment", secretary, f"/assignments/{secretary['assignments'][0]}/"),
        ("officer: start page", officer, "/"),
        ("officer: a duty", officer, f"/duties/{world['duties'][0]}/"),
        ("officer: review page", officer, "/review/"),
        ("officer: API review queue", officer, "/api/reports/to_review/"),
    ]
    out = {}
    for name, who, url in routes:
        c = client(who)
        out[name] = _route(name, lambda c=c, url=url: c.get(url))
    # After an accept (its audit names the report and the assignment), and after a write that named nothing.
    accept = ("duties.progressreport", "duties.assignment")
    for name, labels in (
        ("officer: start page after an accept", accept),
        ("officer: start page after any write", ("*",)),
    ):
        out[name] = _after_a_write(client(officer), labels, name)
    # Reports with a photo, each on a branch no earlier report touched: queries, calls and time. One client posts
    # them all, as each secretary in turn (a new client would build the middleware again at its first request).
    fresh = iter(world["secretaries"][20:])
    poster = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    def report(who, name):
        assignment = who["assignments"][0]
        data = {
            "text": load.report_text(rng),
            "percent": "100",
            "files": SimpleUploadedFile(name, load.photo(assignment), "image/jpeg"),
        }

        def post():
            poster.cookies["sessionid"], poster.cookies["csrftoken"] = who["sessionid"], who["csrftoken"]
            return poster.post(f"/api/assignments/{assignment}/report/", data, HTTP_X_CSRFTOKEN=who["csrftoken"])

        return post

    name = "secretary: report with a photo"
    post = report(next(fresh), "q.jpg")
    settings.DEBUG = True
    reset_queries()
    made = post()
    queries = len(connection.queries)
    settings.DEBUG = False
    assert made.status_code == 201, made.content
    calls = _calls(name, report(next(fresh), "r.jpg"))
    times = []
    for who in list(fresh)[:SAMPLES]:
        post = report(who, "s.jpg")
        start = time.perf_counter()
        made = post()
        times.append(1000 * (time.perf_counter() - start))
        assert made.status_code == 201, made.content
    out[name] = _figures(queries, calls, times)
    return out


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="grassroots-routes-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'routes.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "GRASSROOTS_MEDIA_ROOT": str(folder / "media"),
        "GRASSROOTS_LOG_LEVEL": "ERROR",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    code = (
        "import django, json, sys; django.setup(); from bench import routes; "
        "sys.stdout.write('\\n@@' + json.dumps(routes.measure(), ensure_ascii=False))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    if PROFILE:
        sys.stderr.write(done.stderr)
    print(done.stdout.rsplit("\n@@", 1)[1])


if __name__ == "__main__":
    main()
