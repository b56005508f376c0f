"""The assessment engine at scale, against a naive ORM baseline (county subset) and the bare scan."""

import json
import sys
import time

from django.db import connection

from bench.stats import alternate, ratio, summary, timed

BENCH_VERSION = 900


def _largest_record_table():
    from grassroots.duties.models import Assignment
    from grassroots.orglife.models import Attendance, StudyRecord

    sizes = {m: m.objects.count() for m in (Assignment, Attendance, StudyRecord)}
    model = max(sizes, key=sizes.get)
    return model, sizes[model]


def bare_scan() -> tuple[float, float, str, int]:
    """One GROUP BY over the largest record table: the floor under any set-based engine. Timed as a query returning
    its groups (as the bench has always timed it), and as the same GROUP BY counted on the server alone (no groups
    sent back: the stricter floor)."""
    model, rows = _largest_record_table()
    table = connection.ops.quote_name(model._meta.db_table)
    column = "member_id" if "member_id" in [f.attname for f in model._meta.fields] else "organization_id"
    group_by = f"SELECT {column}, COUNT(*) FROM {table} GROUP BY {column}"

    def scan(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return len(cursor.fetchall())

    seconds, _groups = timed(lambda: scan(group_by))
    server, _one = timed(lambda: scan(f"SELECT COUNT(*) FROM ({group_by}) g"))
    return seconds, server, model._meta.db_table, rows


def naive(run, organizations) -> dict:
    """The naive way: for each organization, every metric from its records through the ORM, scored in Python
    (`assessment.reference`, the same computation the tests hold the engine to)."""
    from grassroots.assessment import reference

    return reference.assess(run, organizations)


def disagreement(run, outcomes) -> float:
    """The largest difference between the engine's score and the naive one over the organizations compared."""
    from grassroots.assessment.models import Result

    scores = dict(Result.objects.filter(run=run).values_list("organization_id", "score"))
    return max((abs(scores[pk] - o.score) for pk, o in outcomes.items()), default=0.0)


def run() -> dict:
    from django.contrib.auth import get_user_model

    from grassroots.assessment import defaults, engine
    from grassroots.assessment.models import AssessmentRun, IndicatorSystem
    from grassroots.duties.services import period_for
    from grassroots.organizations.models import Organization

    admin = get_user_model().objects.filter(is_superuser=True).first()
    root = Organization.objects.filter(depth=1).order_by("path").first()
    system = IndicatorSystem.objects.filter(code="branch", state="active").order_by("-version").first()
    if system is None:
        system, _secretary = defaults.install(actor=admin, owner=root)
    period = period_for(str(time.localtime().tm_year))
    figures = {}

    def fresh_run(scope):
        # a run of the bench's own (a version of its own), beside those of the data, which cases and honours name
        AssessmentRun.objects.filter(system=system, period=period, scope=scope, version__gte=BENCH_VERSION).delete()
        return AssessmentRun.objects.create(system=system, period=period, scope=scope, version=BENCH_VERSION)

    whole = fresh_run(root)
    # The first run is timed alone, as the pages meet it (after generating the data or other runs, some may have left
    # the cache); then the whole province and the bare scan alternate, warm, BENCH_SAMPLES times each.
    figures["assess_all_first_seconds"], _t = timed(lambda: engine.compute(whole, concurrent=True))
    scans, servers = [], []

    def scan():
        seconds, server, table, rows = bare_scan()  # each of its two queries timed by itself
        scans.append(seconds)
        servers.append(server)
        return table, rows

    engine_times, _both, timings, (table, rows) = alternate(lambda: engine.compute(whole, concurrent=True), scan)
    figures.update(summary("assess_all_seconds", engine_times))
    figures["assess_all_organizations"] = whole.assessed_count
    for stage, value in timings.items():  # where the last sample spent its time
        if stage != "total":
            figures[f"assess_stage_{stage}"] = value

    # The whole province's figures said now: the naive way below takes long at the province's scale.
    print(f"assessment, whole: {json.dumps(figures)}", file=sys.stderr, flush=True)

    # A county-sized subtree: the engine and the naive way on the same organizations.
    county = (
        Organization.objects.filter(kind="committee", depth=root.depth + (1 if root.numchild < 30 else 0))
        .exclude(pk=root.pk)
        .order_by("path")
        .first()
        or root
    )
    if Organization.objects.filter(path__startswith=county.path).count() > 3000:
        county = Organization.objects.filter(kind="committee", depth=county.depth + 1).order_by("path").first()
    sub = fresh_run(county)
    # One untimed run first: the whole province just read evicted the county's pages, and the naive way, which
    # alternates with the engine, finds them where the engine's run left them; so both are timed warm.
    engine.compute(sub, concurrent=True)
    from grassroots.assessment.reference import assessed_organizations

    sub.refresh_from_db()
    branches = assessed_organizations(sub)
    county_times, naive_times, _t, outcomes = alternate(
        lambda: engine.compute(sub, concurrent=True), lambda: naive(sub, branches)
    )
    figures.update(summary("assess_county_seconds", county_times))
    figures["assess_county_organizations"] = len(branches)
    figures.update(summary("naive_county_seconds", naive_times))
    figures["naive_engine_max_score_difference"] = disagreement(sub, outcomes)
    figures.update(ratio("naive_over_engine", naive_times, county_times))
    figures.update(summary("bare_scan_seconds", scans))
    figures.update(summary("bare_scan_server_seconds", servers))
    figures["bare_scan_rows"] = rows
    figures["bare_scan_table"] = table
    figures.update(ratio("engine_over_bare_scan", engine_times, scans))
    figures.update(ratio("engine_over_bare_scan_server", engine_times, servers))
    AssessmentRun.objects.filter(pk__in=[whole.pk, sub.pk]).delete()
    return figures
