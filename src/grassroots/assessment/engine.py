"""The assessment engine: set-based SQL over the records, then a roll-up up the tree one depth at a time.

Stages (every one a handful of SQL statements or numpy operations over all organizations at once, never a loop per
organization):
  1. own totals: numerator and denominator of each metric per organization, one GROUP BY per record table (the
     members statement, the heaviest, in parts on a second connection in a second thread when the caller's records
     are committed, while the run's connection reads the other tables and then takes the parts left);
  2. subtree totals: own totals side by side, then from the deepest level up the sums of the children's rows
     (equi-joins on parent);
  3. one fetch of the assessed organizations' subtree totals (the sum of their rows); in numpy, one array per
     indicator: leaf scores (ratios against targets, capped counts), entered values and fuzzy ratings, then group
     scores up the indicator tree (weighted means of the children that have a score);
  4. totals: weighted total, capped deductions and bonuses, vetoes; TOPSIS closeness and rank sensitivity;
  5. each organization's indicator values packed into one sheet; the results with their grades by bands and ranks
     by window functions in one INSERT (binary COPY from numpy on PostgreSQL).
The SQL is portable, the same on SQLite and PostgreSQL: no recursive CTEs, no range self-joins in the hot path. The
bulk moves of numbers between the database and numpy differ (binary COPY on PostgreSQL), and the whole tree's
members statement takes the form each database runs best (merged in member order on PostgreSQL, looked up member
by member on SQLite, which has no merge join).
"""

import contextlib
import datetime as dt
import queue
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from grassroots.duties.models import Assignment, Claim, Duty, ProgressReport
from grassroots.organizations.models import PATH_END, Member, Organization, Post, ancestor_paths, subtree_q
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
    Metric,
    RaterGroup,
    Rating,
    Result,
    RunState,
    ValueSheet,
    VetoEvent,
    pack_sheets,
)

GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]
GRADE_SCORES = np.array([95.0, 85.0, 75.0, 60.0])
MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}
# PostgreSQL memory for the hash aggregates and sorts of a run (the server default is 4 MB; much more makes the
# planner hash millions of members where merging them in index order is twice as fast).
WORK_MEM = "64MB"
# Totals are kept to this many decimals before they are graded and ranked: a sum of weighted scores can land a
# rounding error below a band (89.99999999999999 for an even 90).
SCORE_DECIMALS = 6


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
    # The tables of own totals made so far, one per record source: name -> (its columns, whether an organization
    # may have more than one row in it).
    sources: dict = field(default_factory=dict)
    # The moment the vetoes were read: those recorded by then and not taken back by then count; stored as the run's
    # computed_at, so that its explanation lists the same vetoes later (VetoEvent.objects.in_force(computed_at)).
    vetoes_at: object = None

    @classmethod
    def of(cls, run: AssessmentRun, asof) -> "Context":
        """The context of a run counted up to `asof` (a day within its period)."""
        period = run.period
        return cls(run, period.start, period.end, asof, months_between(period.start, period.end), run.scope.path)

    @cached_property
    def everything(self) -> bool:
        """Whether the scope is the only root, so that every organization is in it (asked by the engine's
        statements only, not by the explanation's uses of the context)."""
        scope = self.run.scope
        return scope.depth == 1 and not Organization.objects.filter(depth=1).exclude(pk=scope.pk).exists()

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
        return [self.scope_path, self.scope_path + PATH_END]

    @property
    def below_top(self) -> bool:
        """Whether the scope lies below the top of the tree (a county, a township): its members are looked up one
        by one by the member indexes, where the whole tree's are merged with their records in id order."""
        return self.run.scope.depth > 1


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
#   tmp_assess_org  every organization of the scope with its parent, depth, path, kind and whether it is active:
#                   what the statements of a subtree ask for by IN (with its statistics known to the planner, where a
#                   range of paths may be estimated at a single row and planned as one);
#   tmp_own_<metric> own totals of one record source (named after its first metric), one row per organization (the
#                   members statement's parts may give one two), one num/den column pair per metric it feeds;
#   tmp_assess_sub  own totals, one row per organization (the sources' rows side by side, joined on the
#                   organization), and the sums of the children's rows, one per parent: an organization's rows add
#                   up to its subtree's totals;
#   tmp_assessed    the organizations assessed (the system's kind, active);
#   tmp_assess_res  the totals, TOPSIS and sensitivity of the assessed organizations, computed in numpy and written
#                   to Result with their grades and ranks in one statement (no UPDATE of rows just written);
#   tmp_assess_veto the reasons of the vetoes (few rows);
#   tmp_assess_rule the meeting rules with the count each requires by the as-of day (made only when there are any).
# Wide rows mean one scan of each record table computes all the metrics it feeds, and the roll-up moves one row
# per organization up the tree instead of one per metric.
METRICS = [m.value for m in Metric]
WORK_TABLES = (
    "tmp_assess_org",
    *(f"tmp_own_{m}" for m in METRICS),
    "tmp_assess_sub",
    "tmp_assessed",
    "tmp_assess_rule",
    "tmp_assess_res",
    "tmp_assess_veto",
)


def _cols() -> list[str]:
    return [f"{m}_{part}" for m in METRICS for part in ("n", "d")]


def _work_tables(ctx: Context) -> None:
    _drop_work_tables()
    columns = ", ".join(f"{c} float" for c in _cols())
    _exec(f"CREATE TEMPORARY TABLE tmp_assess_sub (org_id bigint, parent_id bigint, depth integer, {columns})")
    # Numbers only, 64-bit, as the binary COPY of _insert_columns writes them.
    _exec(
        "CREATE TEMPORARY TABLE tmp_assess_res (org_id bigint, weighted float, ded float, bonus float, score float, "
        "vetoed bigint, closeness float, rank_topsis float, rank_low float, rank_high float)"
    )
    _exec("CREATE TEMPORARY TABLE tmp_assess_veto (org_id bigint, reason varchar(300))")
    _scope_table(ctx)


def _scope_table(ctx: Context) -> None:
    """tmp_assess_org, the organizations of the scope (on each connection that asks for them by IN)."""
    o = t(Organization)
    _exec(
        "CREATE TEMPORARY TABLE tmp_assess_org (org_id bigint PRIMARY KEY, parent_id bigint, depth integer, "
        "path varchar(255), kind varchar(20), is_active boolean)"
    )
    _exec(
        "INSERT INTO tmp_assess_org (org_id, parent_id, depth, path, kind, is_active) "
        f"SELECT o.id, o.parent_id, o.depth, o.path, o.kind, o.is_active FROM {o} o WHERE {ctx.in_scope}",
        ctx.scope_params,
    )
    _analyze("tmp_assess_org")


def _drop_work_tables() -> None:
    for table in WORK_TABLES:
        _exec(f"DROP TABLE IF EXISTS {table}")


def _scoped(ctx: Context, column: str) -> str:
    """SQL condition keeping the records whose organization (`column`) is in the run's scope: always true when every
    organization is in it; else the scope's organizations asked for by IN (tmp_assess_org, whose size the planners
    know), so that a subtree's records are found by their organization index."""
    if ctx.everything:
        return "1 = 1"
    return f"{column} IN (SELECT org_id FROM tmp_assess_org)"


def _metric_columns(metrics: list[str]) -> list[str]:
    """The columns of own totals that a record source feeding `metrics` fills: num and den of each."""
    return [f"{m}_{part}" for m in metrics for part in ("n", "d")]


def _own_select(metrics: list[str], org: str, exprs: list[str], from_sql: str) -> tuple[list[str], str]:
    """The columns of own totals that one record source fills, and the SELECT of its rows (a row per
    organization): `org`, then the num and den of each of `metrics` (`exprs`, in that order) `from_sql`."""
    columns = _metric_columns(metrics)
    assert len(exprs) == len(columns)
    select = ", ".join(f"{e} AS {c}" for e, c in zip(exprs, columns, strict=True))
    return columns, f"SELECT {org} AS org_id, {select} {from_sql}"


def _source(ctx: Context, columns: list[str], repeated: bool = False) -> str:
    """The table of the own totals of the record source that fills `columns`, made on its first use; `repeated`:
    an organization may have more than one row in it (summed when the sources are joined)."""
    table = f"tmp_own_{columns[0].removesuffix('_n')}"
    if table not in ctx.sources:
        _exec(f"CREATE TEMPORARY TABLE {table} (org_id bigint, {', '.join(f'{c} float' for c in columns)})")
        ctx.sources[table] = (columns, repeated)
    return table


def _insert_own(ctx: Context, columns: list[str], select: str, params=()) -> None:
    _exec(f"INSERT INTO {_source(ctx, columns)} (org_id, {', '.join(columns)}) {select}", params)


def _own(ctx: Context, metrics: list[str], org: str, exprs: list[str], from_sql: str, params=()) -> None:
    """Own totals of one record source into its table (see _own_select)."""
    _insert_own(ctx, *_own_select(metrics, org, exprs, from_sql), params)


# ---------------------------------------------------------------- stage 1: own totals


def _duty_totals(ctx: Context, key_w: float, major_w: float) -> None:
    """One scan of the assignments due in the period for five metrics; one of the reviewed reports; one of claims."""
    a, d = t(Assignment), t(Duty)
    # Weights summed as floats, as the reference sums them (decimal sums also cost PostgreSQL a fifth more time and
    # a hash that spills to disk).
    weight = f"(CAST(a.weight AS float) * CASE WHEN d.is_major THEN {major_w} WHEN d.is_key THEN {key_w} ELSE 1.0 END)"
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
    where = _scoped(ctx, "a.organization_id")
    _own(
        ctx,
        metrics,
        "a.organization_id",
        sums,
        f"FROM {a} a JOIN {d} d ON d.id = a.duty_id "
        f"WHERE {where} AND a.due_on >= %s AND a.due_on <= %s AND a.due_on <= %s "
        "AND a.state NOT IN ('draft', 'cancelled') GROUP BY a.organization_id",
        [ctx.start, ctx.end, ctx.asof],
    )
    r = t(ProgressReport)
    _own(
        ctx,
        [Metric.RETURNED],
        "a.organization_id",
        ["SUM(CASE WHEN r.state = 'accepted' THEN 1 ELSE 0 END)", "COUNT(*)"],
        f"FROM {r} r JOIN {a} a ON a.id = r.assignment_id "
        f"WHERE {where} AND r.state IN ('accepted', 'returned') AND a.due_on >= %s AND a.due_on <= %s "
        "GROUP BY a.organization_id",
        [ctx.start, ctx.end],
    )
    c, m = t(Claim), t(Member)
    where = _scoped(ctx, "m.organization_id")
    # Claims per member: the claims here, the members in the members statement (_member_query).
    _own(
        ctx,
        [Metric.CLAIMS],
        "m.organization_id",
        ["COUNT(*)", "NULL"],
        f"FROM {c} c JOIN {m} m ON m.id = c.member_id "
        f"WHERE {where} AND c.state IN ('active', 'completed') "
        "AND c.created_at >= %s AND c.created_at < %s GROUP BY m.organization_id",
        [_start_dt(ctx), _end_dt(ctx)],
    )


def _start_dt(ctx):
    return timezone.make_aware(dt.datetime.combine(ctx.start, dt.time.min))


def _end_dt(ctx):
    return timezone.make_aware(dt.datetime.combine(ctx.end, dt.time.max))


def _meeting_totals(ctx: Context) -> None:
    """Held meetings against the required count, kind by kind (a surplus of one kind does not cover another).

    For each organization and kind the rule in force is the one set nearest above it, else the default, and it
    requires nothing of a party group unless it applies to groups, nor of anything else if it does (as
    `orglife.selectors.rules_for` finds it for one organization). The rules set at each depth are joined on the
    organization's path cut to that depth (equi-joins, one per depth that has rules, however many rules there are);
    the deepest found wins."""
    mt = t(Meeting)
    rules = list(MeetingRule.objects.select_related("organization"))
    where = _scoped(ctx, "mt.organization_id")
    if rules:
        _exec("CREATE TEMPORARY TABLE tmp_assess_rule (kind varchar(20), path varchar(255), req integer, grp integer)")
        # One rule per kind and place (the model's constraints), the default's place the empty path.
        rows = [
            (
                r.kind,
                r.organization.path if r.organization else "",
                int(required_in(r, ctx.elapsed_months)),
                1 if r.applies_to_groups else 0,
            )
            for r in rules
        ]
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO tmp_assess_rule (kind, path, req, grp) VALUES (%s, %s, %s, %s)", rows)
        _analyze("tmp_assess_rule")
        lengths = sorted({len(r.organization.path) for r in rules if r.organization}, reverse=True)
        joins = "".join(
            f"LEFT JOIN tmp_assess_rule r{n} ON r{n}.kind = k.kind AND r{n}.path = SUBSTR(o.path, 1, {n}) "
            for n in lengths
        )
        applies = "CASE WHEN {r}.grp = o.grp THEN {r}.req ELSE 0 END"
        required = applies.format(r="r0")
        if lengths:
            required = (
                "CASE "
                + "".join(f"WHEN r{n}.kind IS NOT NULL THEN {applies.format(r=f'r{n}')} " for n in lengths)
                + f"ELSE {required} END"
            )
        _own(
            ctx,
            [Metric.MEETINGS, Metric.MISSING_MEETINGS],
            "y.org_id",
            [
                "SUM(CASE WHEN y.held < y.req THEN y.held ELSE y.req END)",
                "SUM(y.req)",
                "SUM(CASE WHEN y.held < y.req THEN y.req - y.held ELSE 0 END)",
                "NULL",
            ],
            f"FROM (SELECT o.org_id, {required} AS req, COALESCE(h.n, 0) AS held "
            "  FROM (SELECT org_id, path, CASE WHEN kind = 'group' THEN 1 ELSE 0 END AS grp FROM tmp_assess_org "
            "    WHERE is_active AND kind IN ('branch', 'general_branch', 'group')) o "
            "  CROSS JOIN (SELECT DISTINCT kind FROM tmp_assess_rule) k "
            f"  LEFT JOIN tmp_assess_rule r0 ON r0.kind = k.kind AND r0.path = '' {joins}"
            f"  LEFT JOIN (SELECT mt.organization_id, mt.kind, COUNT(*) AS n FROM {mt} mt "
            f"    WHERE {where} AND mt.state = 'held' AND mt.held_on >= %s AND mt.held_on <= %s "
            "    GROUP BY mt.organization_id, mt.kind) h ON h.organization_id = o.org_id AND h.kind = k.kind"
            ") y WHERE y.req > 0 GROUP BY y.org_id",
            [ctx.start, ctx.end],
        )
    at = t(Attendance)
    counts = [
        "SUM(CASE WHEN a.status IN ('present', 'late') THEN 1 ELSE 0 END)",
        "COUNT(*)",
        "SUM(CASE WHEN a.status = 'absent' THEN 1 END)",
    ]
    if ctx.everything:
        # Every meeting's attendance counted first, in meeting order from the (meeting, status) index, then summed
        # per organization: one row per meeting to join, not one per member (a third less time than joining every
        # attendance row to its meeting, on either database).
        attended = ", ".join(f"{c} AS {name}" for c, name in zip(counts, ("present", "n", "absent"), strict=True))
        sums, from_sql = (
            ["SUM(a.present)", "SUM(a.n)", "SUM(a.absent)"],
            f"FROM {mt} mt JOIN (SELECT a.meeting_id, {attended} FROM {at} a GROUP BY a.meeting_id) a "
            "ON a.meeting_id = mt.id ",
        )
    else:
        # A subtree's meetings, each one's attendance looked up by the index.
        sums, from_sql = counts, f"FROM {at} a JOIN {mt} mt ON mt.id = a.meeting_id "
    _own(
        ctx,
        [Metric.ATTENDANCE, Metric.UNEXCUSED],
        "mt.organization_id",
        [*sums, "NULL"],
        f"{from_sql}WHERE {where} AND mt.state = 'held' AND mt.held_on >= %s AND mt.held_on <= %s "
        "GROUP BY mt.organization_id",
        [ctx.start, ctx.end],
    )


def study_required(ctx: Context) -> tuple[float, float]:
    """Hours a member and a cadre must have studied by the as-of day: the yearly plan of the nearest organization
    at or above the scope (32 and 56 hours without one), for the part of the year the period covers and that has
    passed."""
    path = ctx.scope_path
    plan = (
        StudyPlan.objects.filter(
            organization__path__in=ancestor_paths(path),
            period__start__lte=ctx.end,
            period__end__gte=ctx.start,
        )
        .order_by("-organization__depth")
        .first()
    )
    fraction = min(1.0, ctx.months / 12.0) * ctx.elapsed_share
    plain = float(plan.required_hours if plan else 32)
    cadre = float(plan.required_hours_cadre if plan else 56)
    return plain * fraction, cadre * fraction


# With a second connection, the members statement is cut into this many parts, which the two connections take in
# turn (the second from the start, the run's own once it has read the other record tables), so that both finish
# together whatever the share of the members in the work.
MEMBER_PARTS = 8
MEMBER_METRICS = [Metric.STUDY, Metric.TALKS, Metric.CLAIMS]


def _member_parts(ctx: Context) -> list:
    """The parts of the members statement: for a subtree, the scope's organizations by the remainder of their id
    (its statement looks each member up by organization); for the whole tree, ranges of member ids of about the same
    size (its statement merges the members with their records in id order, a range at a time; on SQLite it looks
    them up in id order)."""
    if ctx.below_top:
        return list(range(MEMBER_PARTS))
    # Two subqueries: SQLite reads a single MIN or MAX off the index, both in one SELECT by scanning the table.
    low, high = _fetch(f"SELECT (SELECT MIN(id) FROM {t(Member)}), (SELECT MAX(id) FROM {t(Member)})")[0]
    if low is None:
        return []
    step = (high - low) // MEMBER_PARTS + 1
    return [(low + i * step, low + (i + 1) * step) for i in range(MEMBER_PARTS)]


def _member_query(ctx: Context, required: tuple[float, float], part=None) -> tuple[list[str], str, list]:
    """The members statement: one scan of the active members, joined to their study hours, posts and talks
    (columns, SELECT, parameters), of all of them or of one part (see _member_parts); the heaviest of the run."""
    m, s, p, tk = t(Member), t(StudyRecord), t(Post), t(Talk)
    # Float constants: a numeric literal would be turned to float (through text, on PostgreSQL) for each member
    # where it is compared with and divides the hours, a sixth of the statement.
    plain, cadre = (f"CAST({float(hours)!r} AS float)" for hours in required)
    where = _scoped(ctx, "m.organization_id")
    if ctx.below_top or connection.vendor == "sqlite":
        if part is not None and ctx.below_top:
            where = f"m.organization_id IN (SELECT org_id FROM tmp_assess_org WHERE org_id %% {MEMBER_PARTS} = {part})"
        elif part is not None:
            where += f" AND m.id >= {int(part[0])} AND m.id < {int(part[1])}"
        # A subtree looks up each of its members' study hours, posts and talks by the member indexes (a few
        # thousand members: three index probes each, no aggregate over other subtrees' records). Scalar subqueries,
        # not EXISTS, which PostgreSQL would turn into a semi-join hashing every talk and post. SQLite looks up
        # the whole tree's members so too, in id order (it has no merge join: the aggregates of the form below
        # would each be materialized and indexed again, a quarter slower).
        member = (
            f"COALESCE((SELECT CAST(SUM(s.hours) AS float) FROM {s} s WHERE s.member_id = m.id "
            "AND s.state = 'confirmed' AND s.studied_on >= %s AND s.studied_on <= %s), 0) AS hours, "
            f"CASE WHEN (SELECT 1 FROM {p} p WHERE p.member_id = m.id AND p.ended_on IS NULL LIMIT 1) IS NULL "
            f"THEN {plain} ELSE {cadre} END AS req, "
            f"CASE WHEN (SELECT 1 FROM {tk} k WHERE k.member_id = m.id AND k.talked_on >= %s "
            "AND k.talked_on <= %s LIMIT 1) IS NULL THEN 0 ELSE 1 END AS talked "
            f"FROM {m} m"
        )
        # Grouped by member, so that PostgreSQL and SQLite keep this a subquery and look each member up once,
        # instead of inlining the lookups into every use of hours and req below.
        once = " GROUP BY m.id, m.organization_id"
    else:
        once = ""
        ids = "1 = 1"
        if part is not None:
            ids = f"member_id >= {int(part[0])} AND member_id < {int(part[1])}"
            where += f" AND m.id >= {int(part[0])} AND m.id < {int(part[1])}"
        # The whole tree: the study hours, open posts and talks of every member aggregated first, and merged with
        # the members in member order.
        member = (
            "COALESCE(h.hours, 0) AS hours, "
            f"CASE WHEN c.member_id IS NULL THEN {plain} ELSE {cadre} END AS req, "
            "CASE WHEN k.member_id IS NULL THEN 0 ELSE 1 END AS talked "
            f"FROM {m} m"
            f"  LEFT JOIN (SELECT member_id, CAST(SUM(hours) AS float) AS hours FROM {s} WHERE {ids} "
            "     AND state = 'confirmed' AND studied_on >= %s AND studied_on <= %s GROUP BY member_id) h "
            "     ON h.member_id = m.id "
            f"  LEFT JOIN (SELECT DISTINCT member_id FROM {p} WHERE {ids} AND ended_on IS NULL) c "
            "     ON c.member_id = m.id "
            f"  LEFT JOIN (SELECT DISTINCT member_id FROM {tk} WHERE {ids} AND talked_on >= %s AND talked_on <= %s) k "
            "     ON k.member_id = m.id "
        )
    columns, select = _own_select(
        MEMBER_METRICS,
        "x.org",
        ["SUM(CASE WHEN x.hours >= x.req THEN 1.0 ELSE x.hours / x.req END)", "COUNT(*)"]
        + ["SUM(x.talked)", "COUNT(*)", "0", "COUNT(*)"],
        f"FROM (SELECT m.organization_id AS org, {member} WHERE {where} AND m.status = 'active'{once}) x GROUP BY x.org",
    )
    return columns, select, [ctx.start, ctx.end, ctx.start, ctx.end]


def _take(parts: queue.SimpleQueue):
    try:
        return parts.get_nowait()
    except queue.Empty:
        return None


def _members_elsewhere(ctx: Context, parts: queue.SimpleQueue) -> tuple[list[tuple], float]:
    """Parts of the members statement on a connection of its own, in a second thread, as long as any is left, while
    the run's own connection reads the other record tables (both cores at work). Their rows come back to be written
    into the members' table of own totals. It reads committed records only: the caller asks for it only when the
    run's transaction has written none (see compute), and the run's connection writes none of the tables read here
    meanwhile (it writes only its working tables, Result, ValueSheet and the run; SQLite's shared-cache test
    database would refuse a read of a table written and not yet committed). A subtree's scope is made again on this
    connection (working tables are per connection)."""
    started = time.perf_counter()
    # On PostgreSQL a transaction of its own holds the settings; SQLite's transactions begin IMMEDIATE here (with
    # the write lock, which the run's connection holds), and its reads need none.
    postgres = connection.vendor == "postgresql"
    rows = []
    try:
        with transaction.atomic() if postgres else contextlib.nullcontext():
            _settings()
            if postgres:
                # This connection's statements in one process: the other core is the run's connection's.
                _exec("SET LOCAL max_parallel_workers_per_gather = 0")
            if not ctx.everything:
                _scope_table(ctx)
            while (query := _take(parts)) is not None:
                _columns, select, params = query
                rows += _fetch(select, params)
        return rows, time.perf_counter() - started
    finally:
        connection.close()  # this thread's connection, with its working table


def _member_rows(ctx: Context, required, parts, helper) -> float | None:
    """The members' rows into their table of own totals: alone, all by one INSERT ... SELECT; with the second
    connection, the parts it has not taken yet one INSERT each, then the rows it has read (an organization whose
    members fall in two parts has two rows). Returns the second connection's time."""
    if helper is None:
        _insert_own(ctx, *_member_query(ctx, required))
        return None
    columns = _metric_columns(MEMBER_METRICS)
    table = _source(ctx, columns, repeated=True)
    while (query := _take(parts)) is not None:
        _insert_own(ctx, *query)
    rows, seconds = helper.result()
    if rows:
        numbers = np.array(rows, dtype=float)
        _insert_columns(table, ["org_id", *columns], [numbers[:, 0].astype(np.int64), *numbers[:, 1:].T.copy()])
    return seconds


def _care_and_vetoes(ctx: Context) -> None:
    """Care coverage and veto events, each one scan of its records."""
    m = t(Member)
    where = _scoped(ctx, "m.organization_id")
    cc, cv = t(CareCase), t(CareVisit)
    # A visit is in time when it falls within the case's interval before the as-of date; intervals are few, so
    # their cut-off dates are computed here rather than with date arithmetic that differs between databases.
    intervals = sorted(CareCase.objects.order_by().values_list("visit_interval_days", flat=True).distinct()) or [182]
    cutoff = "CASE " + " ".join(f"WHEN visit_interval_days = {int(d)} THEN %s" for d in intervals) + " END"
    cutoffs = [ctx.asof - dt.timedelta(days=int(d)) for d in intervals]
    _own(
        ctx,
        [Metric.CARE],
        "m.organization_id",
        # (NULL >= a day is not true: a case never visited is not in time; last_visit is named once, so that the
        # planner runs its subquery once per case.)
        ["SUM(CASE WHEN cc.last_visit >= cc.due_from THEN 1 ELSE 0 END)", "COUNT(*)"],
        # The last visit of each case counted (by the visits' case index), not an aggregate of every visit.
        "FROM ("
        f"  SELECT c0.id, c0.member_id, c0.opened_on, c0.closed_on, {cutoff} AS due_from, "
        f"  (SELECT MAX(v.visited_on) FROM {cv} v WHERE v.case_id = c0.id AND v.visited_on <= %s) AS last_visit "
        f"  FROM {cc} c0"
        f") cc JOIN {m} m ON m.id = cc.member_id "
        f"WHERE {where} AND cc.opened_on <= %s AND (cc.closed_on IS NULL OR cc.closed_on > %s) "
        "GROUP BY m.organization_id",
        [*cutoffs, ctx.asof, ctx.asof, ctx.asof],
    )
    v = t(VetoEvent)
    ctx.vetoes_at = timezone.now()
    at = connection.ops.adapt_datetimefield_value(ctx.vetoes_at)
    _own(
        ctx,
        [Metric.VETO_EVENTS],
        "v.organization_id",
        ["COUNT(*)", "NULL"],
        f"FROM {v} v WHERE {_scoped(ctx, 'v.organization_id')} AND v.created_at <= %s "
        "AND (v.withdrawn_at IS NULL OR v.withdrawn_at > %s) AND v.occurred_on >= %s AND v.occurred_on <= %s "
        "GROUP BY v.organization_id",
        [at, at, ctx.start, ctx.end],
    )


def _objective_totals(ctx: Context) -> None:
    from grassroots.duties.models import BusinessObjective, ObjectiveValue

    bo, ov = t(BusinessObjective), t(ObjectiveValue)
    _own(
        ctx,
        [Metric.OBJECTIVES],
        "x.org",
        ["SUM(CASE WHEN x.att < 0 THEN 0 WHEN x.att > 1 THEN 1 ELSE x.att END)", "COUNT(*)"],
        "FROM (SELECT b.organization_id AS org, "
        "  (COALESCE(v.value, b.baseline) - b.baseline) * 1.0 / (b.target - b.baseline) AS att "
        f"  FROM {bo} b "
        f"  LEFT JOIN {ov} v ON v.objective_id = b.id AND v.id = (SELECT v2.id FROM {ov} v2 "
        "    WHERE v2.objective_id = b.id AND v2.measured_on <= %s ORDER BY v2.measured_on DESC, v2.id DESC LIMIT 1) "
        f"  WHERE {_scoped(ctx, 'b.organization_id')} AND b.period_id IN (SELECT id FROM {t(type(ctx.run.period))} "
        '    WHERE start <= %s AND "end" >= %s)'
        ") x GROUP BY x.org",
        [ctx.asof, ctx.end, ctx.start],
    )


# ---------------------------------------------------------------- stage 2: subtree totals


def _added(terms: list[str]) -> str:
    """The sum of the columns of the sources that fill one column (claims count here, their members there), NULL
    when every one is NULL, as SUM adds them."""
    if len(terms) <= 1:
        return terms[0] if terms else "NULL"
    nothing = " AND ".join(f"{term} IS NULL" for term in terms)
    return f"CASE WHEN {nothing} THEN NULL ELSE {' + '.join(f'COALESCE({term}, 0)' for term in terms)} END"


def _roll_up(ctx: Context) -> None:
    """Subtree totals from the deepest level up, each level one GROUP BY over the level below it.

    tmp_assess_sub first gets each organization's own totals, one row each: the rows of the record sources side by
    side, joined on the organization (no sum over rows of mostly empty columns); then, level by level, one row per
    parent with the sum of its children's rows, so that the rows of an organization add up to its subtree (they are
    summed as the assessed organizations' totals are fetched). Nothing above the highest assessed organization is
    summed: no total there is read (a province's branches need no township's, county's or city's)."""
    low = _fetch("SELECT MIN(depth) FROM tmp_assessed")[0][0]
    if low is None:
        return
    cols = _cols()
    names = ", ".join(cols)
    own, joins = defaultdict(list), []
    for k, (table, (columns, repeated)) in enumerate(ctx.sources.items()):
        source = table
        if repeated:
            sums = ", ".join(f"SUM({c}) AS {c}" for c in columns)
            source = f"(SELECT org_id, {sums} FROM {table} GROUP BY org_id)"
        joins.append(f"LEFT JOIN {source} s{k} ON s{k}.org_id = g.org_id")
        for c in columns:
            own[c].append(f"s{k}.{c}")
    _exec(
        f"INSERT INTO tmp_assess_sub (org_id, parent_id, depth, {names}) "
        f"SELECT g.org_id, g.parent_id, g.depth, {', '.join(_added(own.get(c, [])) for c in cols)} "
        f"FROM tmp_assess_org g {' '.join(joins)} WHERE g.depth >= %s",
        [low],
    )
    _exec("CREATE INDEX tmp_assess_sub_depth ON tmp_assess_sub (depth)")
    _analyze("tmp_assess_sub")
    high = _fetch("SELECT MAX(depth) FROM tmp_assess_org")[0][0]
    sums = ", ".join(f"SUM(s.{c})" for c in cols)
    for depth in range(high, low, -1):
        _exec(
            f"INSERT INTO tmp_assess_sub (org_id, parent_id, depth, {names}) "
            f"SELECT s.parent_id, p.parent_id, %s, {sums} FROM tmp_assess_sub s "
            "JOIN tmp_assess_org p ON p.org_id = s.parent_id WHERE s.depth = %s GROUP BY s.parent_id, p.parent_id",
            [depth - 1, depth],
        )
    # For the fetch of the assessed organizations' rows (SQLite would otherwise index every column it sums).
    _exec("CREATE INDEX tmp_assess_sub_org ON tmp_assess_sub (org_id)")


# ---------------------------------------------------------------- stage 3-4: indicator scores


def _assessed(ctx: Context) -> None:
    _exec("CREATE TEMPORARY TABLE tmp_assessed (org_id bigint PRIMARY KEY, parent_id bigint, depth integer)")
    _exec(
        "INSERT INTO tmp_assessed (org_id, parent_id, depth) SELECT org_id, parent_id, depth FROM tmp_assess_org "
        "WHERE is_active AND kind = %s",
        [ctx.run.system.assessed_kind],
    )


def _tree(system) -> tuple[list[Indicator], dict[int, list[Indicator]]]:
    """The system's indicators in their order, and the children of each (None: the top level)."""
    indicators = list(system.indicators.order_by("position", "id"))
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        children[ind.parent_id].append(ind)
    return indicators, children


# The scores of the assessed organizations are computed in numpy over their subtree totals, all at once: one
# array per indicator and column, one element per organization (NaN where SQL would have NULL, and a NaN score
# where the organization has no value for the indicator). Grades and ranks are then given in SQL, as the results
# are written, by a CASE over the bands and window functions.
NUM, DEN, RAW, SCORE = range(4)


@dataclass
class Sheet:
    """The assessed organizations (sorted by id) and, per indicator, an (organizations x 4) array of numerator,
    denominator, raw value and score."""

    orgs: np.ndarray
    values: dict[int, np.ndarray]

    def new(self) -> np.ndarray:
        return np.full((len(self.orgs), 4), np.nan)

    def positions(self, org_ids) -> np.ndarray:
        return np.searchsorted(self.orgs, np.asarray(org_ids, dtype=np.int64))

    def scores(self, indicator_ids) -> np.ndarray:
        """Organizations x indicators, NaN where an organization has no score."""
        empty = np.full(len(self.orgs), np.nan)
        return np.column_stack([self.values[i][:, SCORE] if i in self.values else empty for i in indicator_ids])


def _sheet(ctx: Context, indicators: list[Indicator]) -> tuple[Sheet, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The assessed organizations and the subtree totals of the metrics the indicators use, in one fetch: the sum
    of each one's rows in tmp_assess_sub (its own, and its children's subtrees)."""
    used = sorted({Metric(i.metric).value for i in indicators if i.metric})
    orgs, data = _fetch_numbers(
        "a.org_id",
        [f"SUM(s.{m}_{part})" for m in used for part in ("n", "d")],
        "FROM tmp_assessed a LEFT JOIN tmp_assess_sub s ON s.org_id = a.org_id GROUP BY a.org_id ORDER BY a.org_id",
    )
    totals = {m: (data[:, 2 * k], data[:, 2 * k + 1]) for k, m in enumerate(used)}
    return Sheet(orgs, {}), totals


def _fetch_numbers(key: str, columns: list[str], from_sql: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a bigint key and float columns as numpy arrays (NULL -> NaN): by binary COPY on PostgreSQL, one
    fixed-width record per row read straight into numpy; by fetchall on SQLite."""
    if connection.vendor == "postgresql":
        select = ", ".join([key, *(f"COALESCE({c}, 'NaN')" for c in columns)])
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY (SELECT {select} {from_sql}) TO STDOUT (FORMAT BINARY)") as copy,
        ):
            data = b"".join(bytes(block) for block in copy)
        # Signature (11 bytes), flags (4), header extension length (4, then that many bytes); trailer (2).
        start = 19 + int.from_bytes(data[15:19], "big")
        record = np.dtype(
            [("count", ">i2"), ("key_length", ">i4"), ("key", ">i8")]
            + [field for j in range(len(columns)) for field in ((f"length{j}", ">i4"), (f"value{j}", ">f8"))]
        )
        rows = np.frombuffer(data, dtype=record, count=(len(data) - start - 2) // record.itemsize, offset=start)
        values = np.empty((len(rows), len(columns)))
        for j in range(len(columns)):
            values[:, j] = rows[f"value{j}"]
        return rows["key"].astype(np.int64), values
    rows = _fetch(f"SELECT {', '.join([key, *columns])} {from_sql}")
    # One conversion of the rows as they come (None -> NaN); the keys, ids well below 2**53, exact as floats.
    table = np.array(rows, dtype=float).reshape(len(rows), len(columns) + 1)
    return table[:, 0].astype(np.int64), table[:, 1:]


def from_records(indicator: Indicator) -> bool:
    """Whether the indicator's value is computed from its metric's records: a computed indicator, or a deduction,
    bonus or veto counted from records. Any other indicator takes an entered value, else its ratings."""
    return bool(indicator.metric) and (indicator.kind == IndicatorKind.COMPUTED or indicator.is_adjustment)


def _leaf_scores(ctx: Context, sheet: Sheet, totals: dict, indicators: list[Indicator]) -> None:
    """Every leaf of every assessed organization: ratios and counts from its totals, then entered values, then
    ratings (an organization's entered value of an indicator comes before its ratings)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        for ind in filter(from_records, indicators):
            num, den = totals[Metric(ind.metric).value]
            out = sheet.new()
            out[:, NUM], out[:, DEN] = num, den
            if ind.kind == IndicatorKind.COMPUTED:
                # A ratio against the target; nothing required (no duties, no meetings due, nobody in difficulty)
                # earns full marks.
                target = float(ind.target) or 1.0
                ratio = np.where(den > 0, num / den, np.nan)
                out[:, RAW] = ratio
                out[:, SCORE] = np.where(
                    np.isnan(den) | (den == 0), 100.0, np.where(ratio >= target, 100.0, 100.0 * num / den / target)
                )
            else:
                # A count: points each, up to the cap (no cap: no limit).
                count = np.nan_to_num(num, nan=0.0)
                points, cap = float(ind.points), float(ind.cap)
                out[:, RAW] = count
                out[:, SCORE] = np.minimum(count * points, cap) if cap > 0 else count * points
            sheet.values[ind.pk] = out
    # Entered values: a score (0-100), or points of a bonus entered by hand (up to the cap).
    others = {i.pk: i for i in indicators if i.kind != IndicatorKind.GROUP and not from_records(i)}
    if others:
        rows = _fetch(
            f"SELECT e.organization_id, e.indicator_id, e.value FROM {t(EnteredValue)} e "
            "JOIN tmp_assessed a ON a.org_id = e.organization_id "
            f"WHERE e.run_id = %s AND e.indicator_id IN ({','.join(str(int(i)) for i in others)})",
            [ctx.run.pk],
        )
        by_indicator = defaultdict(list)
        for org, pk, value in rows:
            by_indicator[pk].append((org, float(value)))
        for pk, entries in by_indicator.items():
            ind = others[pk]
            top = 100.0 if ind.kind == IndicatorKind.ENTERED else float(ind.cap)
            orgs, values = zip(*entries, strict=True)
            out = sheet.new()
            pos = sheet.positions(orgs)
            out[pos, RAW] = values
            out[pos, SCORE] = np.minimum(top, np.maximum(0.0, np.array(values)))
            sheet.values[pk] = out
    qualitative = [pk for pk, i in others.items() if i.kind == IndicatorKind.QUALITATIVE]
    if qualitative:
        _fuzzy_scores(ctx, sheet, qualitative)


def _fuzzy_scores(ctx: Context, sheet: Sheet, indicator_ids: list[int]) -> None:
    """Ratings per rater group -> membership rows -> weighted by the groups (M(·,+)) -> a grade vector and score;
    where an organization has an entered value for the indicator, that value stands."""
    groups = list(RaterGroup.objects.filter(run=ctx.run).order_by("id"))
    if not groups:
        return
    group_index = {g.pk: i for i, g in enumerate(groups)}
    weights = np.array([float(g.weight) for g in groups])
    rows = _fetch(
        f"SELECT r.organization_id, r.indicator_id, r.group_id, r.grade, COUNT(*) FROM {t(Rating)} r "
        f"JOIN tmp_assessed a ON a.org_id = r.organization_id WHERE r.group_id IN ({','.join(['%s'] * len(groups))}) "
        f"AND r.indicator_id IN ({','.join(str(int(i)) for i in indicator_ids)}) "
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
    scores = methods.fuzzy_score(np.einsum("kg,kgj->kj", w, membership), GRADE_SCORES)
    votes = counts.sum(axis=(1, 2))
    pairs = np.array(keys, dtype=np.int64)  # (organization, indicator), in the order of key_index
    for ind in np.unique(pairs[:, 1]):
        out = sheet.values.get(int(ind))
        if out is None:
            out = sheet.values[int(ind)] = sheet.new()
        mine = np.nonzero(pairs[:, 1] == ind)[0]
        pos = sheet.positions(pairs[mine, 0])
        rated = np.isnan(out[pos, SCORE])  # no entered value there
        mine, pos = mine[rated], pos[rated]
        out[pos, NUM] = votes[mine]
        out[pos, RAW] = out[pos, SCORE] = scores[mine]


def _weighted_mean(scores: np.ndarray, weights) -> np.ndarray:
    """Per organization, the weighted mean of the scores present (organizations x indicators, NaN where missing:
    missing ones give way); NaN where none is."""
    # Summed indicator by indicator in their order, as a sum over them would be (a matrix product rounds
    # differently, enough to turn an even 90.0 into 89.99999999999999).
    total, weight = np.zeros(len(scores)), np.zeros(len(scores))
    for column, w in zip(scores.T, weights, strict=True):
        present = ~np.isnan(column)
        total += np.where(present, w * column, 0.0)
        weight += np.where(present, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, np.nan)


def _weighted(children: dict, parent) -> list[Indicator]:
    return [k for k in children.get(parent, []) if not k.is_adjustment and float(k.weight) > 0]


def _group_scores(sheet: Sheet, children: dict, parent=None) -> None:
    """Each group's score, its subgroups first: the weighted mean of its children that have a score."""
    for group in (k for k in children.get(parent, []) if k.kind == IndicatorKind.GROUP):
        _group_scores(sheet, children, group.pk)
        kids = _weighted(children, group.pk)
        if kids:
            score = _weighted_mean(sheet.scores([k.pk for k in kids]), [float(k.weight) for k in kids])
            if not np.isnan(score).all():
                out = sheet.new()
                out[:, SCORE] = score
                sheet.values[group.pk] = out


@dataclass
class Totals:
    weighted: np.ndarray
    deductions: np.ndarray
    bonus: np.ndarray
    score: np.ndarray
    vetoed: np.ndarray


def _totals(sheet: Sheet, indicators: list[Indicator], children: dict) -> Totals:
    """The weighted total of the top level, minus the deductions, plus the bonuses (0-100, to SCORE_DECIMALS, so
    that a band is not missed by a rounding error); vetoes. Adjustments are taken in the system's order."""
    top = _weighted(children, None)
    if not top:
        raise EngineError("the indicator system has no weighted indicators at its top level")
    weighted = np.nan_to_num(_weighted_mean(sheet.scores([i.pk for i in top]), [float(i.weight) for i in top]), nan=0.0)
    n = len(sheet.orgs)
    deductions, bonus, vetoed = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    for ind in (i for i in indicators if i.is_adjustment and i.pk in sheet.values):
        value = sheet.values[ind.pk]
        if ind.kind == IndicatorKind.DEDUCTION:
            deductions += np.nan_to_num(value[:, SCORE], nan=0.0)
        elif ind.kind == IndicatorKind.BONUS:
            bonus += np.nan_to_num(value[:, SCORE], nan=0.0)
        if ind.is_veto:
            vetoed |= np.nan_to_num(value[:, RAW], nan=0.0) > 0
    score = np.round(np.clip(weighted - deductions + bonus, 0.0, 100.0), SCORE_DECIMALS)
    return Totals(weighted, deductions, bonus, score, vetoed)


def _veto_reasons(ctx: Context, sheet: Sheet, totals: Totals, indicators: list[Indicator]) -> list[tuple[int, str]]:
    """Why each vetoed organization was vetoed: the events recorded and the veto indicators that fired."""
    vetoed = sheet.orgs[totals.vetoed]
    if not len(vetoed):
        return []
    org_ids = [int(o) for o in vetoed]
    reasons: dict[int, list[str]] = defaultdict(list)
    # The events are counted over each organization's subtree (a discipline case in one of its groups vetoes the
    # branch), so they are told over it too: each event goes to the vetoed organizations at or above its own.
    vetoed_at = dict(Organization.objects.filter(pk__in=org_ids).values_list("path", "pk"))
    for path, reason in (
        VetoEvent.objects.in_force(ctx.vetoes_at)
        .filter(subtree_q(ctx.scope_path, "organization__path"), occurred_on__gte=ctx.start, occurred_on__lte=ctx.end)
        .order_by("-occurred_on", "id")
        .values_list("organization__path", "reason")
    ):
        for above in ancestor_paths(path):
            if above in vetoed_at:
                reasons[vetoed_at[above]].append(reason)
    positions = sheet.positions(org_ids)
    for ind in (i for i in indicators if i.is_adjustment and i.is_veto):
        if ind.metric == Metric.VETO_EVENTS or ind.pk not in sheet.values:
            continue
        raw = sheet.values[ind.pk][positions, RAW]
        for org, count in zip(org_ids, raw, strict=True):
            if count > 0:
                reasons[org].append(f"{ind.display_name()} ×{int(count)}")
    return [(org, "; ".join(reasons.get(org, []))[:300]) for org in org_ids]


def global_leaf_weights(children: dict) -> dict[int, float]:
    """Each weighted leaf's share of the total: the product of the weights along its path."""
    out = {}

    def walk(parent, share):
        kids = _weighted(children, parent)
        total = sum(float(k.weight) for k in kids) or 1.0
        for k in kids:
            w = share * float(k.weight) / total
            if k.kind == IndicatorKind.GROUP:
                walk(k.pk, w)
            else:
                out[k.pk] = w

    walk(None, 1.0)
    return out


def _topsis_and_sensitivity(sheet: Sheet, totals: Totals, children: dict) -> dict[str, np.ndarray]:
    """TOPSIS closeness over the weighted leaves, and the range of ranks when each top-level weight moves ±10%."""
    leaf_weights = global_leaf_weights(children)
    n = len(sheet.orgs)
    if not n or not leaf_weights:
        return {}
    leaves = sheet.scores(leaf_weights)
    # A missing leaf score (nobody rated it) takes its column's mean, so it neither helps nor hurts.
    present = ~np.isnan(leaves)
    sums = np.where(present, leaves, 0.0).sum(axis=0)
    means = np.where(present.sum(axis=0) > 0, sums / np.maximum(present.sum(axis=0), 1), 100.0)
    filled = np.where(present, leaves, means[None, :])
    weights = np.array(list(leaf_weights.values()))
    closeness = methods.topsis(filled + 1e-9, weights / weights.sum(), np.ones(len(weights), bool)).closeness

    top = _weighted(children, None)
    groups = sheet.scores([i.pk for i in top])
    gw = np.array([float(i.weight) for i in top])
    low = np.full(n, np.iinfo(np.int64).max)
    high = np.zeros(n, dtype=np.int64)
    for j in range(len(gw)):
        for factor in (0.9, 1.1):
            w = gw.copy()
            w[j] *= factor
            moved = np.nan_to_num(_weighted_mean(groups, w), nan=0.0)
            moved = np.clip(moved - totals.deductions + totals.bonus, 0, 100) - totals.vetoed * 1000.0
            ranks = methods.rank(moved)
            low = np.minimum(low, ranks)
            high = np.maximum(high, ranks)
    return {"closeness": closeness, "rank_topsis": methods.rank(closeness), "rank_low": low, "rank_high": high}


# ---------------------------------------------------------------- stage 5: writing values and results


def _copy_binary(table: str, columns: list[str], arrays: list[np.ndarray], chunk: int = 4096) -> None:
    """Rows of int64, float64 (NaN = NULL) and fixed-width bytes columns into a PostgreSQL table by binary COPY.

    A bytes column is an (rows x width) uint8 array, written as bytea. A row is a field count, then per field a
    length and its bytes (8 big-endian for a number), or length -1 for a NULL. Rows with the same NULLs have the
    same layout, so each such pattern is laid out as one fixed-width block in numpy (no Python work per row); the
    stream takes the rows in their given order chunk by chunk (`chunk` rows), and within a chunk pattern by
    pattern."""
    n, k = len(arrays[0]), len(arrays)
    sizes = [a.shape[1] if a.ndim == 2 else 8 for a in arrays]  # bytes of each field when present
    null = np.column_stack([np.isnan(a) if a.dtype.kind == "f" else np.zeros(n, bool) for a in arrays])
    code = null.astype(np.int64) @ (1 << np.arange(k, dtype=np.int64))
    order = np.lexsort((code, np.arange(n) // chunk))  # by chunk, then pattern; the given order within
    code_sorted = code[order]
    place = np.empty(n, dtype=np.int64)  # each sorted row's place in its pattern's block
    blocks, widths = {}, {}
    for pattern in np.unique(code):
        where = np.nonzero(code_sorted == pattern)[0]
        place[where] = np.arange(len(where))
        rows = order[where]
        present = [j for j in range(k) if not (int(pattern) >> j) & 1]
        width = 2 + 4 * k + sum(sizes[j] for j in present)
        block = np.empty((len(rows), width), dtype=np.uint8)
        block[:, 0:2] = np.frombuffer(np.array(k, dtype=">i2").tobytes(), dtype=np.uint8)
        at = 2
        for j, a in enumerate(arrays):
            if j not in present:
                block[:, at : at + 4] = 0xFF  # length -1: NULL
                at += 4
                continue
            size = sizes[j]
            block[:, at : at + 4] = np.frombuffer(np.array(size, dtype=">i4").tobytes(), dtype=np.uint8)
            if a.ndim == 2:
                block[:, at + 4 : at + 4 + size] = a[rows]
            else:
                big = a[rows].astype(">i8" if a.dtype.kind == "i" else ">f8")
                block[:, at + 4 : at + 4 + size] = big.view(np.uint8).reshape(-1, 8)
            at += 4 + size
        blocks[int(pattern)], widths[int(pattern)] = memoryview(block.reshape(-1)), width
    # Segments of the sorted rows with one chunk and one pattern: each is a contiguous slice of its block.
    breaks = np.nonzero((np.diff(code_sorted) != 0) | (np.diff(order // chunk) != 0))[0] + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, n]
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8)  # signature, flags, no header extension
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            pattern = int(code_sorted[start])
            width, first = widths[pattern], int(place[start])
            copy.write(blocks[pattern][first * width : (first + end - start) * width])
        copy.write(b"\xff\xff")  # trailer


def _sqlite_values(column: np.ndarray) -> list:
    """A column as SQLite takes it: bytes for a bytes column, None for NaN."""
    if column.ndim == 2:
        return [bytes(row) for row in column]
    if column.dtype.kind == "f":
        return [None if v != v else v for v in column.tolist()]
    return column.tolist()


def _insert_columns(table: str, columns: list[str], arrays: list[np.ndarray]) -> None:
    """Columns of numbers (NaN = NULL) and of fixed-width bytes into a table: binary COPY on PostgreSQL,
    executemany on SQLite."""
    if not len(arrays[0]):
        return
    if connection.vendor == "postgresql":
        _copy_binary(table, columns, arrays)
        return
    lists = [_sqlite_values(a) for a in arrays]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            zip(*lists, strict=True),
        )


def _store_sheets(ctx: Context, sheet: Sheet) -> None:
    """Every indicator value of the run into ValueSheet, one packed sheet per organization (models.pack_sheets),
    in the order of the key; the run's `sheet_layout` set to the sheets' layout."""
    ctx.run.sheet_layout, sheets = pack_sheets(sheet.values, len(sheet.orgs))
    _insert_columns(
        t(ValueSheet),
        ["run_id", "organization_id", "data"],
        [np.full(len(sheet.orgs), ctx.run.pk, dtype=np.int64), sheet.orgs, sheets],
    )


def _store_results(ctx: Context, sheet: Sheet, totals: Totals, figures: dict, reasons: list) -> None:
    """Every result of the run into Result in one statement: grades by the bands (a veto gives the lowest), ranks
    among siblings and in the level by window functions, the TOPSIS figures and the reasons of the vetoes."""
    n = len(sheet.orgs)
    nothing = np.full(n, np.nan)
    _insert_columns(
        "tmp_assess_res",
        ["org_id", "weighted", "ded", "bonus", "score", "vetoed", "closeness", "rank_topsis", "rank_low", "rank_high"],
        [
            sheet.orgs,
            totals.weighted,
            totals.deductions,
            totals.bonus,
            totals.score,
            totals.vetoed.astype(np.int64),
            *(
                figures.get(name, nothing).astype(float)
                for name in ("closeness", "rank_topsis", "rank_low", "rank_high")
            ),
        ],
    )
    if reasons:
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO tmp_assess_veto (org_id, reason) VALUES (%s, %s)", reasons)
    bands = ctx.run.system.bands()
    grade = (
        f"CASE WHEN r.vetoed = 1 THEN '{bands[-1]['grade']}' "
        + " ".join(f"WHEN r.score >= {float(b['min'])} THEN '{b['grade']}'" for b in bands[:-1])
        + f" ELSE '{bands[-1]['grade']}' END"
    )
    order = "r.vetoed, r.score DESC"
    _exec(
        f"INSERT INTO {t(Result)} (run_id, organization_id, weighted, deductions, bonus, score, grade, vetoed, "
        "veto_reason, rank_siblings, rank_level, closeness, rank_topsis, rank_low, rank_high) "
        f"SELECT %s, r.org_id, r.weighted, r.ded, r.bonus, r.score, {grade}, "
        "CASE WHEN r.vetoed = 1 THEN %s ELSE %s END, COALESCE(v.reason, ''), "
        f"RANK() OVER (PARTITION BY a.parent_id ORDER BY {order}), "
        # The level is the whole set assessed together (every branch of the scope, however deep it sits).
        f"RANK() OVER (ORDER BY {order}), r.closeness, CAST(r.rank_topsis AS integer), "
        "CAST(r.rank_low AS integer), CAST(r.rank_high AS integer) "
        "FROM tmp_assess_res r JOIN tmp_assessed a ON a.org_id = r.org_id "
        # In organization order, as the (run, organization) and organization indexes take them.
        "LEFT JOIN tmp_assess_veto v ON v.org_id = r.org_id ORDER BY r.org_id",
        [ctx.run.pk, True, False],
    )


# ---------------------------------------------------------------- the run


def months_between(start, end) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _settings() -> None:
    """Per-transaction settings of the engine's connections."""
    if connection.vendor == "postgresql":
        _exec(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # No JIT compilation: the statements are index probes, merges and hashes, where it gains nothing at
        # province scale and costs ~0.3 s per statement that the planner thinks large (a subtree's per-member
        # lookups are).
        _exec("SET LOCAL jit = off")


def compute(run: AssessmentRun, *, asof=None, concurrent: bool = False) -> dict:
    """Compute a run in place (the caller checks that it is not closed); returns timings per stage.

    `concurrent`: run the members statement, the heaviest, in parts on a second connection in a second thread
    while this one reads the other record tables, then takes the parts left. Only for a caller whose transaction
    has written no record the run reads (the second connection sees committed rows only): a service called outside
    any transaction, the command line, the bench; never within a test's transaction or the demo's bulk load."""
    parts = queue.SimpleQueue()
    if not concurrent:
        with transaction.atomic():
            return _compute(run, asof, None, parts)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="assess") as pool:
        try:
            with transaction.atomic():
                return _compute(run, asof, pool, parts)
        except BaseException:
            # The run failed: the second connection takes no further part (the pool waits for the one under way).
            while _take(parts) is not None:
                pass
            raise


def _compute(run: AssessmentRun, asof, pool, parts: queue.SimpleQueue) -> dict:
    started = time.perf_counter()
    timings = {}
    period = run.period
    asof = min(asof or timezone.localdate(), period.end)
    ctx = Context.of(run, asof)
    system = run.system
    required = study_required(ctx)
    helper = None
    if pool:
        for part in _member_parts(ctx):
            parts.put(_member_query(ctx, required, part))
        helper = pool.submit(_members_elsewhere, ctx, parts)
    ValueSheet.objects.filter(run=run).delete()
    Result.objects.filter(run=run).delete()
    _settings()

    def stage(name, fn, *args):
        t0 = time.perf_counter()
        value = fn(*args)
        timings[name] = time.perf_counter() - t0
        return value

    stage("scope", _work_tables, ctx)
    stage("duties", _duty_totals, ctx, float(system.key_work_weight), float(system.major_task_weight))
    stage("meetings", _meeting_totals, ctx)
    stage("care", _care_and_vetoes, ctx)
    stage("objectives", _objective_totals, ctx)
    elsewhere = stage("members", _member_rows, ctx, required, parts, helper)
    if elsewhere is not None:
        timings["members_elsewhere"] = elsewhere
    stage("assessed", _assessed, ctx)
    _analyze("tmp_assessed")
    stage("roll_up", _roll_up, ctx)
    indicators, children = _tree(system)
    sheet, totals = stage("fetch", _sheet, ctx, indicators)
    stage("leaves", _leaf_scores, ctx, sheet, totals, indicators)
    stage("groups", _group_scores, sheet, children)
    outcome = stage("results", _totals, sheet, indicators, children)
    if pool:
        # TOPSIS and the sensitivity (numpy only) in the second thread while this one writes the value sheets.
        figures = pool.submit(_topsis_and_sensitivity, sheet, outcome, children)
        stage("store", _store_sheets, ctx, sheet)
        figures = stage("topsis", figures.result)
    else:
        figures = stage("topsis", _topsis_and_sensitivity, sheet, outcome, children)
        stage("store", _store_sheets, ctx, sheet)
    reasons = stage("veto_reasons", _veto_reasons, ctx, sheet, outcome, indicators)
    stage("store_results", _store_results, ctx, sheet, outcome, figures, reasons)
    _drop_work_tables()
    run.assessed_count = Result.objects.filter(run=run).count()
    run.computed_at = ctx.vetoes_at
    run.asof = asof
    run.computed_seconds = time.perf_counter() - started
    if run.state in (RunState.OPEN, RunState.COLLECTING):
        run.state = RunState.COMPUTED
    run.save(
        update_fields=[
            "assessed_count",
            "computed_at",
            "asof",
            "computed_seconds",
            "state",
            "sheet_layout",
            "updated_at",
        ]
    )
    timings["total"] = run.computed_seconds
    return timings
