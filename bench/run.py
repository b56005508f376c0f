"""One backend's benchmarks; prints one JSON line of figures (seconds unless the name says otherwise)."""

import argparse
import json
import os
import sys
import time


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    import django

    django.setup()


def ensure_database(backend: str) -> None:
    if backend != "postgresql":
        return
    import psycopg
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="city")
    parser.add_argument("--backend", default="sqlite")
    args = parser.parse_args()
    _setup()
    from django.conf import settings

    if settings.DEBUG:  # every query of the naive side would be kept: the timings would measure that
        raise SystemExit("the bench runs with DEBUG off: unset GRASSROOTS_DEBUG")
    ensure_database(args.backend)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from grassroots import demo
    from grassroots.organizations.models import Member, Organization

    figures = {}
    from grassroots.orglife.models import StudyRecord

    empty = demo.database_is_empty()
    if empty or not StudyRecord.objects.exists():  # no data, or data from before the year of records
        from grassroots.core.progress import ProgressLines

        steps = ProgressLines(sys.stderr, total=demo.DEMO_STEPS)  # a bar on a terminal, plain lines in a log
        seconds, _counts = timed(demo.build_demo, scale=args.scale, seed=1, stdout=steps, reset=not empty)
        steps.close()
        figures[f"demo_build_{args.scale}"] = seconds
    figures["organizations"] = Organization.objects.count()
    figures["members"] = Member.objects.count()
    with connection.cursor() as cursor:  # statistics for the planners (SQLite picks its indexes by them too)
        if args.backend == "postgresql":
            # A server may run without autovacuum (this one does): the rows earlier runs deleted are reclaimed and
            # the visibility maps set here, as a maintained database has them, or every run writes into and scans
            # a table swollen by the last ones.
            cursor.execute("VACUUM (ANALYZE)")
            # ...and the pages it dirtied written out now, not by a checkpoint in the middle of a measurement.
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")

    from bench import assessment as assessment_bench
    from bench import dashboards as dashboard_bench
    from bench import diagnosis as diagnosis_bench
    from bench import duties as duty_bench
    from bench import formalism as formalism_bench
    from bench import reports as reports_bench
    from bench import start as start_bench

    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}

    def wanted(section: str) -> bool:
        return not only or section in only

    sections = {
        "duties": duty_bench,
        "assessment": assessment_bench,
        "reports": reports_bench,
        "start": start_bench,
        "dashboards": dashboard_bench,
        "diagnosis": diagnosis_bench,
        "formalism": formalism_bench,
    }
    for section, module in sections.items():
        if wanted(section):
            measured = module.run()
            figures.update(measured)
            # each section's figures as soon as it ends: a run stopped later keeps what it measured
            print(f"{section}: {json.dumps(measured)}", file=sys.stderr, flush=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
