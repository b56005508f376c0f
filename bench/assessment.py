"""The assessment engine at scale, against a naive ORM baseline (county subset) and the bare scan."""

import time

from django.db import connection


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


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

    seconds, _groups = _timed(lambda: scan(group_by))
    server, _one = _timed(lambda: scan(f"SELECT COUNT(*) FROM ({group_by}) g"))
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
        AssessmentRun.objects.filter(system=system, period=period, scope=scope).delete()
        return AssessmentRun.objects.create(system=system, period=period, scope=scope)

    whole = fresh_run(root)
    # Timed twice: first as the pages lie (after generating the data or other runs, some may have left the cache),
    # then again warm, as the bare scan below and the county are timed; the ratios are the warm run's.
    figures["assess_all_first_seconds"], _t = _timed(lambda: engine.compute(whole, concurrent=True))
    seconds, timings = _timed(lambda: engine.compute(whole, concurrent=True))  # the data is committed
    figures["assess_all_seconds"] = seconds
    figures["assess_all_organizations"] = whole.assessed_count
    for stage, value in timings.items():
        if stage != "total":
            figures[f"assess_stage_{stage}"] = value

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
    # Timed after one untimed run: the whole province just read evicted the county's pages, and the naive way,
    # which comes next, finds them where the engine's run left them; so both are timed warm.
    engine.compute(sub, concurrent=True)
    figures["assess_county_seconds"], _t = _timed(lambda: engine.compute(sub, concurrent=True))
    from grassroots.assessment.reference import assessed_organizations

    sub.refresh_from_db()
    branches = assessed_organizations(sub)
    figures["assess_county_organizations"] = len(branches)
    figures["naive_county_seconds"], outcomes = _timed(lambda: naive(sub, branches))
    figures["naive_engine_max_score_difference"] = disagreement(sub, outcomes)
    figures["naive_over_engine"] = figures["naive_county_seconds"] / max(figures["assess_county_seconds"], 1e-9)
    scan, server, table, rows = bare_scan()
    figures["bare_scan_seconds"] = scan
    figures["bare_scan_server_seconds"] = server
    figures["bare_scan_rows"] = rows
    figures["engine_over_bare_scan"] = seconds / max(scan, 1e-9)
    figures["engine_over_bare_scan_server"] = seconds / max(server, 1e-9)
    AssessmentRun.objects.filter(pk__in=[whole.pk, sub.pk]).delete()
    return figures
