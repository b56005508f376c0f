"""The assessment engine: set-based SQL over the records, then a roll-up up the tree one depth at a time.

Stages (every one a handful of SQL statements over all organizations at once, never a loop per organization):
  1. own totals: numerator and denominator of each metric per organization, one GROUP BY per record table;
  2. subtree totals: from the deepest level up, own + the children's subtree totals (equi-joins on parent);
  3. leaf scores of every assessed organization (CASE expressions), entered values and fuzzy ratings;
  4. group scores up the indicator tree (weighted means of the children that have a score);
  5. results: weighted total, capped deductions and bonuses, vetoes, grades by bands, ranks by window functions;
  6. TOPSIS closeness and rank sensitivity in numpy over the score matrix.
The SQL is the same on SQLite and PostgreSQL: no recursive CTEs, no range self-joins in the hot path.
"""

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from grassroots.duties.models import Assignment, Claim, Duty, ProgressReport
from grassroots.organizations.models import Member, Organization, Post
from grassroots.orglife.models import (
    Attendance,
    CareCase,
    CareVisit,
    Meeting,
    MeetingRule,
    StudyPlan,
    StudyRecord,
    Talk,
)
from grassroots.orglife.selectors import required_in

from . import methods
from .models import (
    AssessmentRun,
    EnteredValue,
    Grade,
    Indicator,
    IndicatorKind,
    IndicatorValue,
    Metric,
    RaterGroup,
    Rating,
    Result,
    RunState,
    VetoEvent,
)

GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]
GRADE_SCORES = np.array([95.0, 85.0, 75.0, 60.0])
MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}
# PostgreSQL memory for the hash aggregates and sorts of a run (the server default is 4 MB; much more makes the
# planner hash millions of members where merging them in index order is twice as fast).
WORK_MEM = "64MB"


def t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass
class Context:
    run: AssessmentRun
    start: object
    end: object
    asof: object
    months: int
    scope_path: str

    @classmethod
    def of(cls, run: AssessmentRun, asof) -> "Context":
        """The context of a run counted up to `asof` (a day within its period)."""
        period = run.period
        return cls(run, period.start, period.end, asof, months_between(period.start, period.end), run.scope.path)

    @property
    def elapsed_months(self) -> int:
        """Whole months of the period passed by the as-of day (a month counts once its last day is reached)."""
        last = self.asof + dt.timedelta(days=1)
        return max(0, min(self.months, (last.year - self.start.year) * 12 + last.month - self.start.month))

    @property
    def elapsed_share(self) -> float:
        days = (self.end - self.start).days + 1
        return min(1.0, max(0.0, ((self.asof - self.start).days + 1) / days))

    @property
    def in_scope(self) -> str:
        """SQL condition: organization alias `o` in the run's subtree (a path range on the indexed column)."""
        return "o.path >= %s AND o.path < %s"

    @property
    def scope_params(self) -> list:
        return [self.scope_path, self.scope_path + "~"]


class EngineError(Exception):
    pass


def _exec(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def _fetch(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _analyze(*tables: str) -> None:
    """Fresh statistics for tables just filled, so PostgreSQL plans hash joins, not loops over them."""
    if connection.vendor == "postgresql":
        for table in tables:
            _exec(f"ANALYZE {table}")


# Working tables, temporary (per connection, no constraints, dropped at the end of the run):
#   tmp_assess_org  every organization of the scope with its parent and depth;
#   tmp_assess_own  rows of own totals, one row per organization and record source, one num/den column pair
#                   per metric (a source fills its metrics and leaves the others NULL);
#   tmp_assess_sub  own totals, one row per organization, and the sums of the children's rows, one per parent;
#   tmp_assess_tree subtree totals of the assessed organizations, one row each, the same columns;
#   tmp_assessed    the organizations assessed (the system's kind, active);
#   tmp_assess_val  the indicator values as they are computed, written to IndicatorValue in one statement;
#   tmp_assess_res, tmp_assess_top  totals and grades, then TOPSIS and sensitivity, written to Result with the
#                   ranks in one statement (no UPDATE of rows just written).
# Wide rows mean one scan of each record table computes all the metrics it feeds, and the roll-up moves one row
# per organization up the tree instead of one per metric.
METRICS = [m.value for m in Metric]
WORK_TABLES = (
    "tmp_assess_org",
    "tmp_assess_own",
    "tmp_assess_sub",
    "tmp_assess_tree",
    "tmp_assessed",
    "tmp_assess_meet",
    "tmp_assess_val",
    "tmp_assess_res",
    "tmp_assess_top",
)
VALUE_COLUMNS = "org_id, indicator_id, numerator, denominator, raw, score"


def _cols(suffix="") -> list[str]:
    return [f"{m}_{part}{suffix}" for m in METRICS for part in ("n", "d")]


def _work_tables(ctx: Context) -> None:
    o = t(Organization)
    _drop_work_tables()
    columns = ", ".join(f"{c} float" for c in _cols())
    _exec("CREATE TEMPORARY TABLE tmp_assess_org (org_id bigint PRIMARY KEY, parent_id bigint, depth integer)")
    _exec(f"CREATE TEMPORARY TABLE tmp_assess_own (org_id bigint, {columns})")
    _exec(f"CREATE TEMPORARY TABLE tmp_assess_sub (org_id bigint, parent_id bigint, depth integer, {columns})")
    _exec(f"CREATE TEMPORARY TABLE tmp_assess_tree (org_id bigint PRIMARY KEY, {columns})")
    _exec(
        "CREATE TEMPORARY TABLE tmp_assess_val (org_id bigint, indicator_id bigint, numerator float, "
        "denominator float, raw float, score float NOT NULL)"
    )
    _exec(
        "CREATE TEMPORARY TABLE tmp_assess_res (org_id bigint, parent_id bigint, weighted float, ded float, "
        "bonus float, score float, grade varchar(12), vetoed integer)"
    )
    _exec(
        "CREATE TEMPORARY TABLE tmp_assess_top (org_id bigint, closeness float, rank_topsis integer, "
        "rank_low integer, rank_high integer)"
    )
    _exec(
        f"INSERT INTO tmp_assess_org (org_id, parent_id, depth) SELECT o.id, o.parent_id, o.depth FROM {o} o "
        f"WHERE {ctx.in_scope}",
        ctx.scope_params,
    )


def _drop_work_tables() -> None:
    for table in WORK_TABLES:
        _exec(f"DROP TABLE IF EXISTS {table}")


def _insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Many rows of numbers from Python into a working table: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Text COPY of numbers only (ints, floats, None): repr() round-trips a float exactly.
            text = "".join("\t".join(r"\N" if v is None else repr(v) for v in row) + "\n" for row in rows)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(text)
        else:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def _scoped(ctx: Context, column: str) -> tuple[str, str]:
    """(JOIN, condition) keeping the records whose organization (`column`) is in the run's scope (parameters:
    ctx.scope_params). The whole tree joins the organizations, one pass over every record; a subtree asks for its
    organizations by path (IN), so that SQLite finds their records by index instead of scanning all of them."""
    o = t(Organization)
    if ctx.run.scope.depth > 1:
        return "", f"{column} IN (SELECT o.id FROM {o} o WHERE {ctx.in_scope})"
    return f"JOIN {o} o ON o.id = {column}", ctx.in_scope


def _own(metrics: list[str], org: str, exprs: list[str], from_sql: str, params=()) -> None:
    """Own totals of one record source into tmp_assess_own (a row per organization): SELECT `org`, then the num and
    den of each of `metrics` (`exprs`, in that order) `from_sql`."""
    columns = [f"{m}_{part}" for m in metrics for part in ("n", "d")]
    assert len(exprs) == len(columns)
    select = ", ".join(f"{e} AS {c}" for e, c in zip(exprs, columns, strict=True))
    _exec(
        f"INSERT INTO tmp_assess_own (org_id, {', '.join(columns)}) SELECT {org} AS org_id, {select} {from_sql}", params
    )


# ---------------------------------------------------------------- stage 1: own totals


def _duty_totals(ctx: Context, key_w: float, major_w: float) -> None:
    """One scan of the assignments due in the period for five metrics; one of the reviewed reports; one of claims."""
    a, d, o = t(Assignment), t(Duty), t(Organization)
    weight = f"(a.weight * CASE WHEN d.is_major THEN {major_w} WHEN d.is_key THEN {key_w} ELSE 1.0 END)"
    asof = f"'{ctx.asof.isoformat()}'"
    done = f"(a.state = 'accepted' AND (a.accepted_on IS NULL OR a.accepted_on <= {asof}))"
    key = "(d.is_key OR d.is_major)"
    metrics = [Metric.COMPLETION, Metric.KEY_WORK, Metric.ON_TIME, Metric.OVERDUE_KEY]
    sums = [
        # completion: weighted share done
        f"SUM(CASE WHEN {done} THEN {weight} ELSE 0 END)",
        f"SUM({weight})",
        # key work and major tasks (NULL when the organization has none)
        f"SUM(CASE WHEN {key} AND {done} THEN {weight} WHEN {key} THEN 0 END)",
        f"SUM(CASE WHEN {key} THEN {weight} END)",
        # on time: done by the due day
        f"SUM(CASE WHEN {done} AND a.accepted_on <= a.due_on THEN 1 ELSE 0 END)",
        "COUNT(*)",
        # overdue key work (a count)
        f"SUM(CASE WHEN {key} AND NOT {done} AND a.due_on < {asof} THEN 1 END)",
        "NULL",
    ]
    if ctx.asof >= ctx.end:
        metrics.append(Metric.MAJOR_FAILED)
        sums += [f"SUM(CASE WHEN d.is_major AND NOT {done} THEN 1 END)", "NULL"]
    _own(
        metrics,
        "a.organization_id",
        sums,
        f"FROM {a} a JOIN {d} d ON d.id = a.duty_id JOIN {o} o ON o.id = a.organization_id "
        f"WHERE {ctx.in_scope} AND a.due_on >= %s AND a.due_on <= %s AND a.due_on <= %s "
        "AND a.state NOT IN ('draft', 'cancelled') GROUP BY a.organization_id",
        [*ctx.scope_params, ctx.start, ctx.end, ctx.asof],
    )
    r = t(ProgressReport)
    _own(
        [Metric.RETURNED],
        "a.organization_id",
        ["SUM(CASE WHEN r.state = 'accepted' THEN 1 ELSE 0 END)", "COUNT(*)"],
        f"FROM {r} r JOIN {a} a ON a.id = r.assignment_id JOIN {o} o ON o.id = a.organization_id "
        f"WHERE {ctx.in_scope} AND r.state IN ('accepted', 'returned') AND a.due_on >= %s AND a.due_on <= %s "
        "GROUP BY a.organization_id",
        [*ctx.scope_params, ctx.start, ctx.end],
    )
    c, m = t(Claim), t(Member)
    # Claims per member: the claims here, the members in the member scan (_member_totals).
    _own(
        [Metric.CLAIMS],
        "m.organization_id",
        ["COUNT(*)", "NULL"],
        f"FROM {c} c JOIN {m} m ON m.id = c.member_id "
        f"JOIN {o} o ON o.id = m.organization_id WHERE {ctx.in_scope} AND c.state IN ('active', 'completed') "
        "AND c.created_at >= %s AND c.created_at < %s GROUP BY m.organization_id",
        [*ctx.scope_params, _start_dt(ctx), _end_dt(ctx)],
    )


def _start_dt(ctx):
    return timezone.make_aware(dt.datetime.combine(ctx.start, dt.time.min))


def _end_dt(ctx):
    return timezone.make_aware(dt.datetime.combine(ctx.end, dt.time.max))


def _meeting_totals(ctx: Context) -> None:
    """Held meetings against the required count, kind by kind (a surplus of one kind does not cover another)."""
    o, mt = t(Organization), t(Meeting)
    rules = {r.kind: r for r in MeetingRule.objects.filter(organization__isnull=True)}
    rows = []
    for kind, rule in rules.items():
        required = required_in(rule, ctx.elapsed_months)
        if required:
            rows.append(f"SELECT '{kind}' AS kind, {int(required)} AS req, {1 if rule.applies_to_groups else 0} AS grp")
    if rows:
        _exec(
            "CREATE TEMPORARY TABLE tmp_assess_meet (org_id bigint, path varchar(255), kind varchar(20), "
            "req integer, held integer)"
        )
        _exec(
            f"INSERT INTO tmp_assess_meet (org_id, path, kind, req, held) "
            f"SELECT o.id, o.path, k.kind, k.req, COALESCE(h.n, 0) FROM {o} o "
            f"JOIN ({' UNION ALL '.join(rows)}) k ON k.grp = CASE WHEN o.kind = 'group' THEN 1 ELSE 0 END "
            f"LEFT JOIN (SELECT mt.organization_id, mt.kind, COUNT(*) AS n FROM {mt} mt "
            f"  JOIN {o} o ON o.id = mt.organization_id WHERE {ctx.in_scope} AND mt.state = 'held' "
            "  AND mt.held_on >= %s AND mt.held_on <= %s GROUP BY mt.organization_id, mt.kind) h "
            "  ON h.organization_id = o.id AND h.kind = k.kind "
            f"WHERE {ctx.in_scope} AND o.is_active AND o.kind IN ('branch', 'general_branch', 'group')",
            [*ctx.scope_params, ctx.start, ctx.end, *ctx.scope_params],
        )
        # Rules set on an organization override the default below it; deeper ones win (applied last).
        for rule in (
            MeetingRule.objects.filter(organization__isnull=False)
            .select_related("organization")
            .order_by("organization__depth")
        ):
            _exec(
                "UPDATE tmp_assess_meet SET req = %s WHERE kind = %s AND path >= %s AND path < %s",
                [
                    required_in(rule, ctx.elapsed_months),
                    rule.kind,
                    rule.organization.path,
                    rule.organization.path + "~",
                ],
            )
        _own(
            [Metric.MEETINGS, Metric.MISSING_MEETINGS],
            "org_id",
            [
                "SUM(CASE WHEN held < req THEN held ELSE req END)",
                "SUM(req)",
                "SUM(CASE WHEN held < req THEN req - held ELSE 0 END)",
                "NULL",
            ],
            "FROM tmp_assess_meet GROUP BY org_id",
        )
    at = t(Attendance)
    join, where = _scoped(ctx, "mt.organization_id")
    _own(
        [Metric.ATTENDANCE, Metric.UNEXCUSED],
        "mt.organization_id",
        [
            "SUM(CASE WHEN a.status IN ('present', 'late') THEN 1 ELSE 0 END)",
            "COUNT(*)",
            "SUM(CASE WHEN a.status = 'absent' THEN 1 END)",
            "NULL",
        ],
        f"FROM {at} a JOIN {mt} mt ON mt.id = a.meeting_id {join} "
        f"WHERE {where} AND mt.state = 'held' AND mt.held_on >= %s AND mt.held_on <= %s "
        "GROUP BY mt.organization_id",
        [*ctx.scope_params, ctx.start, ctx.end],
    )


def study_required(ctx: Context) -> tuple[float, float]:
    """Hours a member and a cadre must have studied by the as-of day: the yearly plan of the nearest organization
    at or above the scope (32 and 56 hours without one), for the part of the year the period covers and that has
    passed."""
    path = ctx.scope_path
    plan = (
        StudyPlan.objects.filter(
            organization__path__in=[path[:i] for i in range(4, len(path) + 1, 4)],
            period__start__lte=ctx.end,
            period__end__gte=ctx.start,
        )
        .order_by("-organization__depth")
        .first()
    )
    fraction = min(1.0, ctx.months / 12.0) * ctx.elapsed_share
    return float(plan.required_hours if plan else 32) * fraction, float(
        plan.required_hours_cadre if plan else 56
    ) * fraction


def _member_totals(ctx: Context) -> None:
    """One scan of the active members, joined to their study hours, posts and talks; then care and vetoes."""
    o, m, s, p, tk = t(Organization), t(Member), t(StudyRecord), t(Post), t(Talk)
    plain, cadre = study_required(ctx)
    # A subtree reads the study records, posts and talks of its own members only (by the member index); the whole
    # tree reads them all, in member order.
    mine, mine_params = "", []
    if ctx.run.scope.depth > 1:
        mine = (
            f" AND member_id IN (SELECT m2.id FROM {m} m2 JOIN {o} o2 ON o2.id = m2.organization_id "
            "WHERE o2.path >= %s AND o2.path < %s)"
        )
        mine_params = ctx.scope_params
    _own(
        [Metric.STUDY, Metric.TALKS, Metric.CLAIMS],
        # Each active member once, with the study hours, open posts and talks of each member aggregated first
        # (SQLite walks those by their member indexes in order; PostgreSQL merges or hashes them).
        "x.org",
        ["SUM(CASE WHEN x.hours >= x.req THEN 1.0 ELSE x.hours / x.req END)", "COUNT(*)"]
        + ["SUM(x.talked)", "COUNT(*)", "0", "COUNT(*)"],
        "FROM ("
        f"  SELECT m.organization_id AS org, COALESCE(h.hours, 0) AS hours, "
        f"  CASE WHEN c.member_id IS NULL THEN {plain} ELSE {cadre} END AS req, "
        "   CASE WHEN k.member_id IS NULL THEN 0 ELSE 1 END AS talked "
        f"  FROM {m} m JOIN {o} o ON o.id = m.organization_id "
        f"  LEFT JOIN (SELECT member_id, SUM(CAST(hours AS float)) AS hours FROM {s} WHERE state = 'confirmed' "
        f"     AND studied_on >= %s AND studied_on <= %s{mine} GROUP BY member_id) h ON h.member_id = m.id "
        f"  LEFT JOIN (SELECT DISTINCT member_id FROM {p} WHERE ended_on IS NULL{mine}) c ON c.member_id = m.id "
        f"  LEFT JOIN (SELECT DISTINCT member_id FROM {tk} WHERE talked_on >= %s AND talked_on <= %s{mine}) k "
        "     ON k.member_id = m.id "
        f"  WHERE {ctx.in_scope} AND m.status = 'active'"
        ") x GROUP BY x.org",
        [ctx.start, ctx.end, *mine_params, *mine_params, ctx.start, ctx.end, *mine_params, *ctx.scope_params],
    )
    cc, cv = t(CareCase), t(CareVisit)
    join, where = _scoped(ctx, "m.organization_id")
    # A visit is in time when it falls within the case's interval before the as-of date; intervals are few, so
    # their cut-off dates are computed here rather than with date arithmetic that differs between databases.
    intervals = sorted(set(CareCase.objects.values_list("visit_interval_days", flat=True))) or [182]
    cutoff = "CASE " + " ".join(f"WHEN visit_interval_days = {int(d)} THEN %s" for d in intervals) + " END"
    cutoffs = [ctx.asof - dt.timedelta(days=int(d)) for d in intervals]
    _own(
        [Metric.CARE],
        "m.organization_id",
        ["SUM(CASE WHEN cc.last_visit IS NOT NULL AND cc.last_visit >= cc.due_from THEN 1 ELSE 0 END)", "COUNT(*)"],
        # The last visit of each case counted (by the visits' case index), not an aggregate of every visit.
        "FROM ("
        f"  SELECT c0.id, c0.member_id, c0.opened_on, c0.closed_on, {cutoff} AS due_from, "
        f"  (SELECT MAX(v.visited_on) FROM {cv} v WHERE v.case_id = c0.id AND v.visited_on <= %s) AS last_visit "
        f"  FROM {cc} c0"
        f") cc JOIN {m} m ON m.id = cc.member_id {join} "
        f"WHERE {where} AND cc.opened_on <= %s AND (cc.closed_on IS NULL OR cc.closed_on > %s) "
        "GROUP BY m.organization_id",
        [*cutoffs, ctx.asof, *ctx.scope_params, ctx.asof, ctx.asof],
    )
    v = t(VetoEvent)
    _own(
        [Metric.VETO_EVENTS],
        "v.organization_id",
        ["COUNT(*)", "NULL"],
        f"FROM {v} v JOIN {o} o ON o.id = v.organization_id "
        f"WHERE {ctx.in_scope} AND v.occurred_on >= %s AND v.occurred_on <= %s GROUP BY v.organization_id",
        [*ctx.scope_params, ctx.start, ctx.end],
    )


def _objective_totals(ctx: Context) -> None:
    from grassroots.duties.models import BusinessObjective, ObjectiveValue

    bo, ov, o = t(BusinessObjective), t(ObjectiveValue), t(Organization)
    _own(
        [Metric.OBJECTIVES],
        "x.org",
        ["SUM(CASE WHEN x.att < 0 THEN 0 WHEN x.att > 1 THEN 1 ELSE x.att END)", "COUNT(*)"],
        "FROM (SELECT b.organization_id AS org, "
        "  (COALESCE(v.value, b.baseline) - b.baseline) * 1.0 / (b.target - b.baseline) AS att "
        f"  FROM {bo} b JOIN {o} o ON o.id = b.organization_id "
        f"  LEFT JOIN {ov} v ON v.objective_id = b.id AND v.id = (SELECT v2.id FROM {ov} v2 "
        "    WHERE v2.objective_id = b.id AND v2.measured_on <= %s ORDER BY v2.measured_on DESC, v2.id DESC LIMIT 1) "
        f"  WHERE {ctx.in_scope} AND b.period_id IN (SELECT id FROM {t(type(ctx.run.period))} "
        '    WHERE start <= %s AND "end" >= %s)'
        ") x GROUP BY x.org",
        [ctx.asof, *ctx.scope_params, ctx.end, ctx.start],
    )


# ---------------------------------------------------------------- stage 2: subtree totals


def _roll_up(ctx: Context) -> None:
    """Subtree totals from the deepest level up, each level one GROUP BY over the level below it.

    tmp_assess_sub first gets each organization's own totals (one row each); then, level by level, one row per
    parent with the sum of its children's rows, so that the rows of an organization add up to its subtree. The
    assessed organizations' rows are summed into tmp_assess_tree, one row each."""
    cols = _cols()
    names = ", ".join(cols)
    _exec(
        f"INSERT INTO tmp_assess_sub (org_id, parent_id, depth, {names}) "
        f"SELECT g.org_id, g.parent_id, g.depth, {', '.join(f'SUM(w.{c})' for c in cols)} "
        "FROM tmp_assess_own w JOIN tmp_assess_org g ON g.org_id = w.org_id GROUP BY g.org_id, g.parent_id, g.depth"
    )
    _exec("CREATE INDEX tmp_assess_sub_depth ON tmp_assess_sub (depth)")
    _analyze("tmp_assess_sub")
    low, high = _fetch("SELECT MIN(depth), MAX(depth) FROM tmp_assess_org")[0]
    sums = ", ".join(f"SUM(s.{c})" for c in cols)
    for depth in range(high or 0, (low or 0), -1):
        _exec(
            f"INSERT INTO tmp_assess_sub (org_id, parent_id, depth, {names}) "
            f"SELECT s.parent_id, p.parent_id, %s, {sums} FROM tmp_assess_sub s "
            "JOIN tmp_assess_org p ON p.org_id = s.parent_id WHERE s.depth = %s GROUP BY s.parent_id, p.parent_id",
            [depth - 1, depth],
        )
    _exec(
        f"INSERT INTO tmp_assess_tree (org_id, {names}) SELECT s.org_id, {sums} FROM tmp_assess_sub s "
        "JOIN tmp_assessed a ON a.org_id = s.org_id GROUP BY s.org_id"
    )


# ---------------------------------------------------------------- stage 3-4: indicator scores


def _assessed(ctx: Context) -> None:
    o = t(Organization)
    _exec("CREATE TEMPORARY TABLE tmp_assessed (org_id bigint PRIMARY KEY, parent_id bigint, depth integer)")
    _exec(
        f"INSERT INTO tmp_assessed (org_id, parent_id, depth) SELECT o.id, o.parent_id, o.depth FROM {o} o "
        f"WHERE {ctx.in_scope} AND o.is_active AND o.kind = %s",
        [*ctx.scope_params, ctx.run.system.assessed_kind],
    )


def _tree(system) -> tuple[list[Indicator], dict[int, list[Indicator]], dict[int, int]]:
    indicators = list(system.indicators.order_by("position", "id"))
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        children[ind.parent_id].append(ind)
    depth: dict[int, int] = {}

    def walk(parent, d):
        for child in children.get(parent, []):
            depth[child.pk] = d
            walk(child.pk, d + 1)

    walk(None, 1)
    return indicators, children, depth


def _metric_leaves(ctx: Context, indicators: list[Indicator], raw: str, score: str) -> None:
    """One INSERT for the given indicators: each assessed organization's subtree totals of its metric, scored.

    `raw` and `score` are SQL over y.num, y.den and the indicator's constants y.target, y.points, y.cap."""
    if not indicators:
        return
    consts = " UNION ALL ".join(
        f"SELECT {int(i.pk)} AS ind, '{Metric(i.metric).value}' AS metric, {float(i.target) or 1.0} AS target, "
        f"{float(i.points)} AS points, {float(i.cap)} AS cap"
        for i in indicators
    )
    used = sorted({Metric(i.metric).value for i in indicators})

    def pick(part):
        return "CASE i.metric " + " ".join(f"WHEN '{m}' THEN s.{m}_{part}" for m in used) + " END"

    _exec(
        f"INSERT INTO tmp_assess_val ({VALUE_COLUMNS}) SELECT y.org, y.ind, y.num, y.den, {raw}, {score} FROM ("
        f"  SELECT a.org_id AS org, i.ind, i.target, i.points, i.cap, {pick('n')} AS num, {pick('d')} AS den "
        "   FROM tmp_assessed a LEFT JOIN tmp_assess_tree s ON s.org_id = a.org_id "
        f"  CROSS JOIN ({consts}) i"
        ") y",
    )


def _leaf_scores(ctx: Context, indicators: list[Indicator]) -> None:
    # Ratios against a target; nothing required (no duties, no meetings due, nobody in difficulty) earns full marks.
    _metric_leaves(
        ctx,
        [i for i in indicators if i.kind == IndicatorKind.COMPUTED and i.metric],
        "CASE WHEN y.den > 0 THEN y.num * 1.0 / y.den END",
        "CASE WHEN y.den IS NULL OR y.den = 0 THEN 100.0 WHEN y.num * 1.0 / y.den >= y.target THEN 100.0 "
        "ELSE 100.0 * y.num / y.den / y.target END",
    )
    # Counts: points each, up to the cap (no cap: no limit).
    _metric_leaves(
        ctx,
        [i for i in indicators if (i.kind in (IndicatorKind.DEDUCTION, IndicatorKind.BONUS) or i.is_veto) and i.metric],
        "COALESCE(y.num, 0)",
        "CASE WHEN y.cap > 0 AND COALESCE(y.num, 0) * y.points > y.cap THEN y.cap ELSE COALESCE(y.num, 0) * y.points END",
    )
    # Entered scores (0-100), and bonuses entered by hand (points, up to the cap).
    ev = t(EnteredValue)
    for ind in (
        i for i in indicators if i.kind == IndicatorKind.ENTERED or (i.kind == IndicatorKind.BONUS and not i.metric)
    ):
        top = 100.0 if ind.kind == IndicatorKind.ENTERED else float(ind.cap)
        _exec(
            f"INSERT INTO tmp_assess_val ({VALUE_COLUMNS}) SELECT e.organization_id, e.indicator_id, NULL, NULL, "
            f"e.value, CASE WHEN e.value > {top} THEN {top} WHEN e.value < 0 THEN 0.0 ELSE e.value * 1.0 END "
            f"FROM {ev} e JOIN tmp_assessed a ON a.org_id = e.organization_id WHERE e.run_id = %s AND e.indicator_id = %s",
            [ctx.run.pk, ind.pk],
        )
    qualitative = [i for i in indicators if i.kind == IndicatorKind.QUALITATIVE]
    if qualitative:
        _fuzzy_scores(ctx, qualitative)


def _fuzzy_scores(ctx: Context, indicators: list[Indicator]) -> None:
    """Ratings per rater group -> membership rows -> weighted by the groups (M(·,+)) -> a grade vector and score."""
    groups = list(RaterGroup.objects.filter(run=ctx.run).order_by("id"))
    if not groups:
        return
    group_index = {g.pk: i for i, g in enumerate(groups)}
    weights = np.array([float(g.weight) for g in groups])
    rows = _fetch(
        f"SELECT r.organization_id, r.indicator_id, r.group_id, r.grade, COUNT(*) FROM {t(Rating)} r "
        f"JOIN tmp_assessed a ON a.org_id = r.organization_id WHERE r.group_id IN ({','.join(['%s'] * len(groups))}) "
        "GROUP BY r.organization_id, r.indicator_id, r.group_id, r.grade",
        [g.pk for g in groups],
    )
    if not rows:
        return
    keys = sorted({(org, ind) for org, ind, *_rest in rows})
    key_index = {k: i for i, k in enumerate(keys)}
    grade_index = {g: i for i, g in enumerate(GRADE_ORDER)}
    counts = np.zeros((len(keys), len(groups), len(GRADE_ORDER)))
    for org, ind, group, grade, n in rows:
        counts[key_index[(org, ind)], group_index[group], grade_index[grade]] += n
    membership = methods.membership_from_counts(counts.reshape(-1, len(GRADE_ORDER))).reshape(counts.shape)
    # Groups that rated nobody here give way: the other groups' weights are renormalized per organization.
    present = counts.sum(axis=2) > 0
    w = np.where(present, weights[None, :], 0.0)
    w = w / np.where(w.sum(axis=1, keepdims=True) > 0, w.sum(axis=1, keepdims=True), 1.0)
    vectors = np.einsum("kg,kgj->kj", w, membership)
    scores = methods.fuzzy_score(vectors, GRADE_SCORES)
    _insert_rows(
        "tmp_assess_val",
        ["org_id", "indicator_id", "numerator", "raw", "score"],
        [(org, ind, float(counts[i].sum()), float(scores[i]), float(scores[i])) for (org, ind), i in key_index.items()],
    )


def _group_scores(ctx: Context, children: dict, depth: dict) -> None:
    """Each group's score: the weighted mean of its children that have a score (missing ones give way)."""
    groups = [i for kids in children.values() for i in kids if i.kind == IndicatorKind.GROUP]
    for level in sorted({depth[g.pk] for g in groups}, reverse=True):
        edges = []
        for g in (g for g in groups if depth[g.pk] == level):
            for child in children.get(g.pk, []):
                if not child.is_adjustment and float(child.weight) > 0:
                    edges.append(f"SELECT {int(child.pk)} AS child, {int(g.pk)} AS parent, {float(child.weight)} AS w")
        if not edges:
            continue
        _exec(
            f"INSERT INTO tmp_assess_val ({VALUE_COLUMNS}) "
            "SELECT v.org_id, e.parent, NULL, NULL, NULL, SUM(e.w * v.score) / SUM(e.w) "
            f"FROM tmp_assess_val v JOIN ({' UNION ALL '.join(edges)}) e ON e.child = v.indicator_id "
            "GROUP BY v.org_id, e.parent",
        )


def _store_values(ctx: Context) -> None:
    """Every indicator value of the run into IndicatorValue, in one statement."""
    if connection.vendor == "postgresql":
        _exec("SET LOCAL work_mem = '256MB'")  # the sort below in memory (20 values per organization)
    _exec(
        f"INSERT INTO {t(IndicatorValue)} (run_id, organization_id, indicator_id, numerator, denominator, raw, score) "
        # In the order of the key, so each row lands next to the last (not in a random page of the index).
        f"SELECT %s, {VALUE_COLUMNS} FROM tmp_assess_val ORDER BY org_id, indicator_id",
        [ctx.run.pk],
    )
    if connection.vendor == "postgresql":
        _exec(f"SET LOCAL work_mem = '{WORK_MEM}'")


# ---------------------------------------------------------------- stage 5: results


def _results(ctx: Context, children: dict) -> None:
    top = [i for i in children.get(None, []) if not i.is_adjustment and float(i.weight) > 0]
    adjustments = [i for kids in children.values() for i in kids if i.is_adjustment]
    deductions = [i.pk for i in adjustments if i.kind == IndicatorKind.DEDUCTION]
    bonuses = [i.pk for i in adjustments if i.kind == IndicatorKind.BONUS]
    vetoes = [i.pk for i in adjustments if i.is_veto]
    if not top:
        raise EngineError("the indicator system has no weighted indicators at its top level")
    top_edges = " UNION ALL ".join(f"SELECT {int(i.pk)} AS ind, {float(i.weight)} AS w" for i in top)

    def id_list(ids):
        return ",".join(str(int(i)) for i in ids) or "NULL"

    bands = ctx.run.system.bands()
    grade_case = (
        "CASE "
        + " ".join(f"WHEN x.total >= {float(b['min'])} THEN '{b['grade']}'" for b in bands[:-1])
        + f" ELSE '{bands[-1]['grade']}' END"
    )
    lowest = bands[-1]["grade"]
    _exec(
        "INSERT INTO tmp_assess_res (org_id, parent_id, weighted, ded, bonus, score, grade, vetoed) "
        "SELECT x.org, x.parent, x.weighted, x.ded, x.bonus, x.total, "
        f"CASE WHEN x.veto > 0 THEN '{lowest}' ELSE {grade_case} END, "
        "CASE WHEN x.veto > 0 THEN 1 ELSE 0 END FROM ("
        "  SELECT y.org, y.parent, y.weighted, y.ded, y.bonus, y.veto, "
        "  CASE WHEN y.weighted - y.ded + y.bonus > 100 THEN 100.0 WHEN y.weighted - y.ded + y.bonus < 0 THEN 0.0 "
        "       ELSE y.weighted - y.ded + y.bonus END AS total FROM ("
        "    SELECT a.org_id AS org, a.parent_id AS parent, COALESCE(w.weighted, 0) AS weighted, COALESCE(j.ded, 0) AS ded, "
        "    COALESCE(j.bonus, 0) AS bonus, COALESCE(j.veto, 0) AS veto FROM tmp_assessed a "
        "    LEFT JOIN (SELECT v.org_id AS org, SUM(e.w * v.score) / SUM(e.w) AS weighted "
        f"      FROM tmp_assess_val v JOIN ({top_edges}) e ON e.ind = v.indicator_id "
        "      GROUP BY v.org_id) w ON w.org = a.org_id "
        "    LEFT JOIN (SELECT v.org_id AS org, "
        f"      SUM(CASE WHEN v.indicator_id IN ({id_list(deductions)}) THEN v.score ELSE 0 END) AS ded, "
        f"      SUM(CASE WHEN v.indicator_id IN ({id_list(bonuses)}) THEN v.score ELSE 0 END) AS bonus, "
        f"      SUM(CASE WHEN v.indicator_id IN ({id_list(vetoes)}) THEN v.raw ELSE 0 END) AS veto "
        f"      FROM tmp_assess_val v WHERE v.indicator_id IN ({id_list(deductions + bonuses + vetoes)}) "
        "      GROUP BY v.org_id) j ON j.org = a.org_id"
        "  ) y"
        ") x",
    )


def _veto_reasons(ctx: Context, veto_ids) -> None:
    """Say why each vetoed organization was vetoed: the events recorded and the veto indicators that fired."""
    vetoed = list(Result.objects.filter(run=ctx.run, vetoed=True).values_list("id", "organization_id"))
    if not vetoed:
        return
    org_ids = [org for _id, org in vetoed]
    reasons: dict[int, list[str]] = defaultdict(list)
    for event in VetoEvent.objects.filter(
        organization_id__in=org_ids, occurred_on__gte=ctx.start, occurred_on__lte=ctx.end
    ):
        reasons[event.organization_id].append(event.reason)
    fired = {i.pk: i for i in Indicator.objects.filter(pk__in=veto_ids).exclude(metric=Metric.VETO_EVENTS)}
    for value in IndicatorValue.objects.filter(
        run=ctx.run, organization_id__in=org_ids, indicator_id__in=list(fired), raw__gt=0
    ):
        reasons[value.organization_id].append(f"{fired[value.indicator_id].display_name()} ×{int(value.raw)}")
    updates = [Result(id=rid, veto_reason="; ".join(reasons.get(org, []))[:300]) for rid, org in vetoed]
    Result.objects.bulk_update(updates, ["veto_reason"], batch_size=2000)


def _store_results(ctx: Context, children: dict) -> None:
    """Every result of the run into Result in one statement, ranked by window functions, with its TOPSIS figures;
    then the reasons of the vetoes (few rows)."""
    order = "r.vetoed, r.score DESC"
    _exec(
        f"INSERT INTO {t(Result)} (run_id, organization_id, weighted, deductions, bonus, score, grade, vetoed, "
        "veto_reason, rank_siblings, rank_level, closeness, rank_topsis, rank_low, rank_high) "
        "SELECT %s, r.org_id, r.weighted, r.ded, r.bonus, r.score, r.grade, CASE WHEN r.vetoed = 1 THEN %s ELSE %s END, "
        f"'', RANK() OVER (PARTITION BY r.parent_id ORDER BY {order}), "
        # The level is the whole set assessed together (every branch of the scope, however deep it sits).
        f"RANK() OVER (ORDER BY {order}), x.closeness, x.rank_topsis, x.rank_low, x.rank_high "
        "FROM tmp_assess_res r LEFT JOIN tmp_assess_top x ON x.org_id = r.org_id",
        [ctx.run.pk, True, False],
    )
    adjustments = [i for kids in children.values() for i in kids if i.is_adjustment]
    _veto_reasons(ctx, [i.pk for i in adjustments if i.is_veto])


# ---------------------------------------------------------------- stage 6: TOPSIS and sensitivity


def global_leaf_weights(children: dict) -> dict[int, float]:
    """Each weighted leaf's share of the total: the product of the weights along its path."""
    out = {}

    def walk(parent, share):
        kids = [k for k in children.get(parent, []) if not k.is_adjustment and float(k.weight) > 0]
        total = sum(float(k.weight) for k in kids) or 1.0
        for k in kids:
            w = share * float(k.weight) / total
            if k.kind == IndicatorKind.GROUP:
                walk(k.pk, w)
            else:
                out[k.pk] = w

    walk(None, 1.0)
    return out


def _topsis_and_sensitivity(ctx: Context, children: dict) -> None:
    leaf_weights = global_leaf_weights(children)
    top = [i for i in children.get(None, []) if not i.is_adjustment and float(i.weight) > 0]
    results = _fetch("SELECT org_id, ded, bonus, vetoed FROM tmp_assess_res")
    if not results or not leaf_weights:
        return
    org_ids = np.array([r[0] for r in results])
    order = np.argsort(org_ids)
    sorted_orgs = org_ids[order]

    wanted = [*leaf_weights, *(i.pk for i in top)]
    data = np.array(
        _fetch(
            "SELECT org_id, indicator_id, score FROM tmp_assess_val "
            f"WHERE indicator_id IN ({','.join(str(int(i)) for i in wanted)})"
        ),
        dtype=float,
    ).reshape(-1, 3)
    data_orgs, data_inds = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64)

    def matrix(indicator_ids):
        """Organizations x indicators, NaN where an organization has no score."""
        ids = np.array(list(indicator_ids), dtype=np.int64)
        m = np.full((len(results), len(ids)), np.nan)
        id_order = np.argsort(ids)
        j = np.searchsorted(ids[id_order], data_inds).clip(0, len(ids) - 1)
        mine = ids[id_order][j] == data_inds
        pos = order[np.searchsorted(sorted_orgs, data_orgs[mine])]
        m[pos, id_order[j[mine]]] = data[mine, 2]
        return m

    leaves = matrix(leaf_weights)
    # A missing leaf score (nobody rated it) takes its column's mean, so it neither helps nor hurts.
    present = ~np.isnan(leaves)
    sums = np.where(present, leaves, 0.0).sum(axis=0)
    means = np.where(present.sum(axis=0) > 0, sums / np.maximum(present.sum(axis=0), 1), 100.0)
    filled = np.where(present, leaves, means[None, :])
    weights = np.array(list(leaf_weights.values()))
    closeness = methods.topsis(filled + 1e-9, weights / weights.sum(), np.ones(len(weights), bool)).closeness
    topsis_rank = methods.rank(closeness)  # one level: everything assessed together

    groups = matrix([i.pk for i in top])
    gw = np.array([float(i.weight) for i in top])
    ded = np.array([r[1] for r in results])
    bonus = np.array([r[2] for r in results])
    vetoed = np.array([r[3] for r in results], dtype=bool)
    low = np.full(len(results), np.iinfo(np.int64).max)
    high = np.zeros(len(results), dtype=np.int64)
    for j in range(len(gw)):
        for factor in (0.9, 1.1):
            w = gw.copy()
            w[j] *= factor
            present = ~np.isnan(groups)
            totals = np.where(present, groups, 0.0) @ w / np.maximum((present * w).sum(axis=1), 1e-12)
            totals = np.clip(totals - ded + bonus, 0, 100) - vetoed * 1000.0
            ranks = methods.rank(totals)
            low = np.minimum(low, ranks)
            high = np.maximum(high, ranks)
    _insert_rows(
        "tmp_assess_top",
        ["org_id", "closeness", "rank_topsis", "rank_low", "rank_high"],
        [
            (int(r[0]), float(closeness[i]), int(topsis_rank[i]), int(low[i]), int(high[i]))
            for i, r in enumerate(results)
        ],
    )


# ---------------------------------------------------------------- the run


def months_between(start, end) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


@transaction.atomic
def compute(run: AssessmentRun, *, asof=None) -> dict:
    """Compute a run in place (the caller checks that it is not closed); returns timings per stage."""
    started = time.perf_counter()
    timings = {}
    period = run.period
    asof = min(asof or timezone.localdate(), period.end)
    ctx = Context.of(run, asof)
    system = run.system
    IndicatorValue.objects.filter(run=run).delete()
    Result.objects.filter(run=run).delete()
    if connection.vendor == "postgresql":
        _exec(f"SET LOCAL work_mem = '{WORK_MEM}'")

    def stage(name, fn, *args):
        t0 = time.perf_counter()
        fn(*args)
        timings[name] = time.perf_counter() - t0

    stage("scope", _work_tables, ctx)
    stage("duties", _duty_totals, ctx, float(system.key_work_weight), float(system.major_task_weight))
    stage("meetings", _meeting_totals, ctx)
    stage("members", _member_totals, ctx)
    stage("objectives", _objective_totals, ctx)
    _analyze("tmp_assess_org", "tmp_assess_own")
    stage("assessed", _assessed, ctx)
    _analyze("tmp_assessed")
    stage("roll_up", _roll_up, ctx)
    _analyze("tmp_assess_tree")
    indicators, children, depth = _tree(system)
    stage("leaves", _leaf_scores, ctx, indicators)
    _analyze("tmp_assess_val")
    stage("groups", _group_scores, ctx, children, depth)
    _analyze("tmp_assess_val")
    stage("store", _store_values, ctx)
    stage("results", _results, ctx, children)
    _analyze("tmp_assess_res")
    stage("topsis", _topsis_and_sensitivity, ctx, children)
    stage("store_results", _store_results, ctx, children)
    _drop_work_tables()
    run.assessed_count = Result.objects.filter(run=run).count()
    run.computed_at = timezone.now()
    run.asof = asof
    run.computed_seconds = time.perf_counter() - started
    if run.state in (RunState.OPEN, RunState.COLLECTING):
        run.state = RunState.COMPUTED
    run.save(update_fields=["assessed_count", "computed_at", "asof", "computed_seconds", "state", "updated_at"])
    timings["total"] = run.computed_seconds
    return timings
