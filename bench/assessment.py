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


def bare_scan() -> tuple[float, str, int]:
    """One GROUP BY over the largest record table: the floor under any set-based engine."""
    model, rows = _largest_record_table()
    table = connection.ops.quote_name(model._meta.db_table)
    column = "member_id" if "member_id" in [f.attname for f in model._meta.fields] else "organization_id"

    def scan():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column}, COUNT(*) FROM {table} GROUP BY {column}")
            return len(cursor.fetchall())

    seconds, _groups = _timed(scan)
    return seconds, model._meta.db_table, rows


def naive(run, organizations) -> dict:
    """The naive way: for each organization, ORM queries per metric and the weighted sum in Python."""
    from grassroots.assessment.engine import global_leaf_weights
    from grassroots.assessment.models import Metric
    from grassroots.duties.models import Assignment
    from grassroots.organizations.models import Member
    from grassroots.orglife.models import Attendance, Meeting, StudyRecord

    indicators = list(run.system.indicators.all())
    children = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)
    weights = global_leaf_weights(children)
    by_id = {i.pk: i for i in indicators}
    start, end = run.period.start, run.period.end
    scores = {}
    for org in organizations:
        inside = {"organization__path__gte": org.path, "organization__path__lt": org.path + "~"}
        assignments = Assignment.objects.filter(due_on__range=(start, end), **inside).exclude(
            state__in=["draft", "cancelled"]
        )
        total = assignments.count()
        accepted = assignments.filter(state="accepted").count()
        meetings = Meeting.objects.filter(state="held", held_on__range=(start, end), **inside).count()
        attendance = Attendance.objects.filter(
            meeting__held_on__range=(start, end),
            meeting__organization__path__gte=org.path,
            meeting__organization__path__lt=org.path + "~",
        )
        present = attendance.filter(status__in=["present", "late"]).count()
        rows = attendance.count()
        members = Member.objects.filter(status="active", **inside).count()
        hours = sum(
            float(r.hours)
            for r in StudyRecord.objects.filter(
                state="confirmed",
                studied_on__range=(start, end),
                member__organization__path__gte=org.path,
                member__organization__path__lt=org.path + "~",
            )
        )
        values = {
            Metric.COMPLETION: accepted / total if total else 1,
            Metric.MEETINGS: min(1, meetings / 20),
            Metric.ATTENDANCE: present / rows if rows else 1,
            Metric.STUDY: min(1, hours / (32 * members)) if members else 1,
        }
        scores[org.pk] = sum(100 * values.get(by_id[pk].metric, 1) * w for pk, w in weights.items())
    return scores


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
    seconds, timings = _timed(lambda: engine.compute(whole))
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
    figures["assess_county_seconds"], _t = _timed(lambda: engine.compute(sub))
    branches = list(Organization.objects.filter(path__gte=county.path, path__lt=county.path + "~", kind="branch"))
    figures["assess_county_organizations"] = len(branches)
    figures["naive_county_seconds"], _scores = _timed(lambda: naive(sub, branches))
    figures["naive_over_engine"] = figures["naive_county_seconds"] / max(figures["assess_county_seconds"], 1e-9)
    scan, table, rows = bare_scan()
    figures["bare_scan_seconds"] = scan
    figures["bare_scan_rows"] = rows
    figures["engine_over_bare_scan"] = seconds / max(scan, 1e-9)
    AssessmentRun.objects.filter(pk__in=[whole.pk, sub.pk]).delete()
    return figures
