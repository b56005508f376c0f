"""Stage 1 of the engine: the own totals of each organization, one scan of each record table."""

import contextlib
import datetime as dt
import queue
import time
from collections import defaultdict

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from grassroots.duties.models import Assignment, Claim, ClaimState, Duty, ProgressReport
from grassroots.organizations.models import Member, Post, ancestor_paths
from grassroots.orglife.models import (
    CADRE_POSTS,
    Attendance,
    CareCase,
    CareVisit,
    Meeting,
    MeetingRule,
    RecordState,
    StudyPlan,
    StudyRecord,
    Talk,
)
from grassroots.orglife.selectors import COMMITTEE_MIN_MEMBERS, required_in

from .. import outside
from ..membership import Moves, chunks, moves_in
from ..models import (
    Metric,
    VetoEvent,
)
from ..rules import OFFERED
from .base import (
    Context,
    _analyze,
    _exec,
    _fetch,
    _insert_own,
    _metric_columns,
    _own,
    _own_select,
    _scope_table,
    _scoped,
    _settings,
    _source,
    citus,
    exact,
    exact_value,
    t,
)
from .store import _insert_columns


def _duty_totals(ctx: Context, key_w: float, major_w: float, moves: Moves | None = None) -> None:
    """One scan of the assignments due in the period for five metrics; one of the reviewed reports; one of claims."""
    a, d = t(Assignment), t(Duty)
    # Weights summed as floats, as the reference sums them (decimal sums also cost PostgreSQL a fifth more time and
    # a hash that spills to disk), each kept to a multiple of 1 / QUANTUM so that they add the same in any order.
    weight = exact(
        f"CAST(a.weight AS float) * CASE WHEN d.is_major THEN {major_w} WHEN d.is_key THEN {key_w} ELSE 1.0 END"
    )
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
    # Claims per member: the claims made from the first day to the as-of day here, each where its member is now
    # (those of the members who moved or left, where they were on its day: _moved_rows), the members in the members
    # statement (_member_query).
    _own(
        ctx,
        [Metric.CLAIMS],
        "m.organization_id",
        ["COUNT(*)", "NULL"],
        f"FROM {c} c JOIN {m} m ON m.id = c.member_id "
        f"WHERE {where} AND c.state IN ('active', 'completed'){_not_moved('c.member_id', moves)} "
        "AND c.created_at >= %s AND c.created_at < %s GROUP BY m.organization_id",
        # (Adapted as the database stores them: SQLite compares the text, UTC without an offset.)
        [connection.ops.adapt_datetimefield_value(at) for at in (_start_dt(ctx), _after_asof_dt(ctx))],
    )


def _start_dt(ctx):
    return timezone.make_aware(dt.datetime.combine(ctx.start, dt.time.min))


def _after_asof_dt(ctx):
    """The first moment after the as-of day."""
    return timezone.make_aware(dt.datetime.combine(ctx.asof + dt.timedelta(days=1), dt.time.min))


def members_moved(ctx: Context) -> Moves:
    """The members of the scope who moved or left after the period's first day (few), with where they were when."""
    return moves_in(ctx.start, ctx.asof, ctx.scope_path)


def _not_moved(column: str, moves: Moves | None) -> str:
    """SQL condition (with its leading AND) leaving out the members who moved or left: they are counted where they
    were (_moved_rows, _moved_care). An IN list of their ids (few, hashed by PostgreSQL, indexed by SQLite for the
    statement), which the second connection's statements carry with them."""
    if not moves or not moves.stays:
        return ""
    return f" AND NOT ({column} IN ({', '.join(str(int(i)) for i in moves.members)}))"


def _meeting_totals(ctx: Context) -> None:
    """Held meetings against the required count, kind by kind (a surplus of one kind does not cover another).

    For each organization and kind the rule in force is the one set nearest above it, else the default, and it
    requires nothing of a party group unless it applies to groups, nor of anything else if it does (as
    `orglife.selectors.rules_for` finds it for one organization). The rules set at each depth are joined on the
    organization's path cut to that depth (equi-joins, one per depth that has rules, however many rules there are);
    the deepest found wins."""
    _meeting_rule_totals(ctx)
    _attendance_totals(ctx)


def _meeting_rule_totals(ctx: Context) -> None:
    """Held meetings against the count the rule in force requires (nothing without any rule)."""
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
        # A rule applies to groups or to the rest; a branch committee meeting only to a branch with a committee
        # (COMMITTEE_MIN_MEMBERS members or more).
        applies = (
            "CASE WHEN {r}.grp <> o.grp THEN 0 "
            f"WHEN k.kind = 'committee' AND o.kind = 'branch' AND COALESCE(mc.n, 0) < {COMMITTEE_MIN_MEMBERS} THEN 0 "
            "ELSE {r}.req END"
        )
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
            "  FROM (SELECT org_id, path, kind, CASE WHEN kind = 'group' THEN 1 ELSE 0 END AS grp FROM tmp_assess_org "
            "    WHERE is_active AND kind IN ('branch', 'general_branch', 'group')) o "
            "  CROSS JOIN (SELECT DISTINCT kind FROM tmp_assess_rule) k "
            f"  LEFT JOIN (SELECT m.organization_id, COUNT(*) AS n FROM {t(Member)} m "
            f"    WHERE {_scoped(ctx, 'm.organization_id')} AND m.status = 'active' GROUP BY m.organization_id) mc "
            "    ON mc.organization_id = o.org_id "
            f"  LEFT JOIN tmp_assess_rule r0 ON r0.kind = k.kind AND r0.path = '' {joins}"
            f"  LEFT JOIN (SELECT mt.organization_id, mt.kind, COUNT(*) AS n FROM {mt} mt "
            f"    WHERE {where} AND mt.state = 'held' AND mt.held_on >= %s AND mt.held_on <= %s "
            "    GROUP BY mt.organization_id, mt.kind) h ON h.organization_id = o.org_id AND h.kind = k.kind"
            ") y WHERE y.req > 0 GROUP BY y.org_id",
            [ctx.start, ctx.end],
        )


def _attendance_totals(ctx: Context) -> None:
    """Attendance at the meetings held, and absences without excuse."""
    mt = t(Meeting)
    where = _scoped(ctx, "mt.organization_id")
    at = t(Attendance)
    counts = [
        "SUM(CASE WHEN a.status IN ('present', 'late') THEN 1 ELSE 0 END)",
        # Absence with leave does not count against attendance.
        "SUM(CASE WHEN a.status = 'excused' THEN 0 ELSE 1 END)",
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


def _member_query(ctx: Context, required: tuple[float, float], part=None, moves: Moves | None = None):
    """The members statement: one scan of the active members who did not move or leave in the period (those who did
    are counted where they were: _moved_rows), joined to their study hours, cadre posts and talks (columns, SELECT,
    parameters), of all of them or of one part (see _member_parts); the heaviest of the run.

    A member's hours are those recorded from the first day to the as-of day, confirmed or waiting for confirmation
    (not rejected), against the plan's hours by the as-of day (a cadre's, for one who holds a post of CADRE_POSTS on
    the as-of day); talked: at least one talk in those days."""
    m, s, p, tk = t(Member), t(StudyRecord), t(Post), t(Talk)
    # Float constants: a numeric literal would be turned to float (through text, on PostgreSQL) for each member
    # where it is compared with and divides the hours, a sixth of the statement.
    plain, cadre = (f"CAST({float(hours)!r} AS float)" for hours in required)
    counted = f"('{RecordState.CONFIRMED.value}', '{RecordState.PENDING.value}')"
    cadres = "(" + ", ".join(f"'{title}'" for title in CADRE_POSTS) + ")"
    where = _scoped(ctx, "m.organization_id")
    # Citus runs no correlated subquery on distributed records beside the members (a reference table): a subtree
    # there takes the form below too, its records kept to its members by one uncorrelated subquery.
    on_citus = ctx.below_top and citus()
    if (ctx.below_top and not on_citus) or connection.vendor == "sqlite":
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
            f"AND s.state IN {counted} AND s.studied_on >= %s AND s.studied_on <= %s), 0) AS hours, "
            f"CASE WHEN (SELECT 1 FROM {p} p WHERE p.member_id = m.id AND p.title IN {cadres} "
            "AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on >= %s) LIMIT 1) IS NULL "
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
        if on_citus:
            if part is not None:
                where = (
                    f"m.organization_id IN (SELECT org_id FROM tmp_assess_org WHERE org_id %% {MEMBER_PARTS} = {part})"
                )
            ids = f"member_id IN (SELECT m2.id FROM {m} m2 WHERE {where.replace('m.organization_id', 'm2.organization_id')})"
        elif part is not None:
            ids = f"member_id >= {int(part[0])} AND member_id < {int(part[1])}"
            where += f" AND m.id >= {int(part[0])} AND m.id < {int(part[1])}"
        # The whole tree: the study hours, cadre posts and talks of every member aggregated first, and merged with
        # the members in member order.
        member = (
            "COALESCE(h.hours, 0) AS hours, "
            f"CASE WHEN c.member_id IS NULL THEN {plain} ELSE {cadre} END AS req, "
            "CASE WHEN k.member_id IS NULL THEN 0 ELSE 1 END AS talked "
            f"FROM {m} m"
            f"  LEFT JOIN (SELECT member_id, CAST(SUM(hours) AS float) AS hours FROM {s} WHERE {ids} "
            f"     AND state IN {counted} AND studied_on >= %s AND studied_on <= %s GROUP BY member_id) h "
            "     ON h.member_id = m.id "
            f"  LEFT JOIN (SELECT DISTINCT member_id FROM {p} WHERE {ids} AND title IN {cadres} "
            "     AND started_on <= %s AND (ended_on IS NULL OR ended_on >= %s)) c "
            "     ON c.member_id = m.id "
            f"  LEFT JOIN (SELECT DISTINCT member_id FROM {tk} WHERE {ids} AND talked_on >= %s AND talked_on <= %s) k "
            "     ON k.member_id = m.id "
        )
    columns, select = _own_select(
        MEMBER_METRICS,
        "x.org",
        [f"SUM(CASE WHEN x.hours >= x.req THEN 1.0 ELSE {exact('x.hours / x.req')} END)", "COUNT(*)"]
        + ["SUM(x.talked)", "COUNT(*)", "0", "COUNT(*)"],
        f"FROM (SELECT m.organization_id AS org, {member} WHERE {where} AND m.status = 'active'"
        f"{_not_moved('m.id', moves)}{once}) x GROUP BY x.org",
    )
    asof = ctx.asof
    return columns, select, [ctx.start, asof, asof, asof, ctx.start, asof]


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


def _member_rows(ctx: Context, required, parts, helper, moves: Moves | None = None) -> float | None:
    """The members' rows into their table of own totals: alone, all by one INSERT ... SELECT; with the second
    connection, the parts it has not taken yet one INSERT each, then the rows it has read (an organization whose
    members fall in two parts has two rows); then the rows of the members who moved or left (_moved_rows). Returns
    the second connection's time."""
    columns = _metric_columns(MEMBER_METRICS)
    moved = _moved_rows(ctx, required, moves)
    table = _source(ctx, columns, repeated=helper is not None or bool(moved))
    if helper is None:
        _insert_own(ctx, *_member_query(ctx, required, moves=moves))
        seconds = None
    else:
        while (query := _take(parts)) is not None:
            _insert_own(ctx, *query)
        rows, seconds = helper.result()
        if rows:
            numbers = np.array(rows, dtype=float)
            _insert_columns(table, ["org_id", *columns], [numbers[:, 0].astype(np.int64), *numbers[:, 1:].T.copy()])
    if moved:
        orgs = sorted(moved)
        numbers = np.array([moved[o] for o in orgs], dtype=float)
        _insert_columns(table, ["org_id", *columns], [np.array(orgs, dtype=np.int64), *numbers.T.copy()])
    return seconds


def _moved_rows(ctx: Context, required, moves: Moves | None) -> dict[int, list[float]]:
    """The members statement's columns for the members who moved or left (few), per organization they were in, by
    the same rules: each stay of a member in an organization of the scope counts for its share of the days counted
    (its days over those from the first day to the as-of day) as a member there (members, talks' and claims'
    denominators); its hours are those the member recorded in the stay, against the plan's hours by the as-of day
    times the share (a cadre's, for one who held a post of CADRE_POSTS on the stay's last day), credited at most the
    share; talked: a talk in the stay; and each claim counts where its member was on its day."""
    stays = moves.within(ctx.scope_path) if moves else []
    if not stays:
        return {}
    plain, cadre = required
    hours, talks, posts, claims = (defaultdict(list) for _ in range(4))
    first = ctx.start
    for chunk in chunks({stay.member_id for stay in stays}):
        for member_id, day, h in StudyRecord.objects.filter(
            member_id__in=chunk,
            state__in=[RecordState.CONFIRMED, RecordState.PENDING],
            studied_on__gte=first,
            studied_on__lte=ctx.asof,
        ).values_list("member_id", "studied_on", "hours"):
            hours[member_id].append((day, h))
        for member_id, day in Talk.objects.filter(
            member_id__in=chunk, talked_on__gte=first, talked_on__lte=ctx.asof
        ).values_list("member_id", "talked_on"):
            talks[member_id].append(day)
        for member_id, since, until in Post.objects.filter(member_id__in=chunk, title__in=CADRE_POSTS).values_list(
            "member_id", "started_on", "ended_on"
        ):
            posts[member_id].append((since, until))
        for member_id, at in Claim.objects.filter(
            member_id__in=chunk,
            state__in=[ClaimState.ACTIVE, ClaimState.COMPLETED],
            created_at__gte=_start_dt(ctx),
            created_at__lt=_after_asof_dt(ctx),
        ).values_list("member_id", "created_at"):
            claims[member_id].append(timezone.localdate(at))
    out = defaultdict(lambda: [0.0] * 6)
    for stay in stays:
        m, share = stay.member_id, exact_value(moves.share(stay))
        got = float(sum((h for day, h in hours[m] if stay.holds(day)), 0))
        held = any(since <= stay.last and (until is None or until >= stay.last) for since, until in posts[m])
        need = (cadre if held else plain) * share
        row = out[stay.organization_id]
        row[0] += exact_value(share * (1.0 if got >= need else got / need))
        row[1] += share
        row[2] += share if any(stay.holds(day) for day in talks[m]) else 0.0
        row[3] += share
        row[5] += share
    for m, days in claims.items():
        for day in days:
            org = moves.where(m, day)
            if moves.inside(org, ctx.scope_path):
                out[org][4] += 1
    return dict(out)


def _care_and_vetoes(ctx: Context, moves: Moves | None = None) -> None:
    """Care coverage and veto events, each one scan of its records."""
    m = t(Member)
    where = _scoped(ctx, "m.organization_id")
    cc, cv = t(CareCase), t(CareVisit)
    # A visit is in time when it falls within the case's interval before the as-of date; intervals are few, so
    # their cut-off dates are computed here rather than with date arithmetic that differs between databases.
    intervals = sorted(CareCase.objects.order_by().values_list("visit_interval_days", flat=True).distinct()) or [182]
    cutoff = "CASE " + " ".join(f"WHEN visit_interval_days = {int(d)} THEN %s" for d in intervals) + " END"
    cutoffs = [ctx.asof - dt.timedelta(days=int(d)) for d in intervals]
    moved = _moved_care(ctx, moves)
    columns = _metric_columns([Metric.CARE])
    table = _source(ctx, columns, repeated=bool(moved))
    # The cases open on the as-of day of the members who are members then: those who did not move or leave where
    # they are now (active), the others where they were that day (_moved_care).
    _own(
        ctx,
        [Metric.CARE],
        "m.organization_id",
        # (NULL >= a day is not true: a case never visited is not in time.)
        ["SUM(CASE WHEN cc.last_visit >= cc.due_from THEN 1 ELSE 0 END)", "COUNT(*)"],
        # The last visit of each case, grouped by case (not a subquery per case: Citus runs no correlated subquery
        # beside a reference table, and grouping by the visits' distribution column runs on every shard at once).
        "FROM ("
        f"  SELECT c0.id, c0.member_id, c0.opened_on, c0.closed_on, {cutoff} AS due_from, lv.last_visit "
        f"  FROM {cc} c0 LEFT JOIN ("
        f"    SELECT v.case_id, MAX(v.visited_on) AS last_visit FROM {cv} v WHERE v.visited_on <= %s GROUP BY v.case_id"
        "  ) lv ON lv.case_id = c0.id"
        f") cc JOIN {m} m ON m.id = cc.member_id "
        f"WHERE {where} AND m.status = 'active'{_not_moved('m.id', moves)} "
        "AND cc.opened_on <= %s AND (cc.closed_on IS NULL OR cc.closed_on > %s) "
        "GROUP BY m.organization_id",
        [*cutoffs, ctx.asof, ctx.asof, ctx.asof],
    )
    if moved:
        orgs = sorted(moved)
        numbers = np.array([moved[o] for o in orgs], dtype=float)
        _insert_columns(table, ["org_id", *columns], [np.array(orgs, dtype=np.int64), *numbers.T.copy()])
    v = t(VetoEvent)
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


def _moved_care(ctx: Context, moves: Moves | None) -> dict[int, list[float]]:
    """The care cases open on the as-of day of the members who moved or left (few), in the organization each was in
    that day (none for one who had left by then), visited in time or not, as the care statement counts them."""
    members = [m for m in (moves.members if moves else []) if moves.inside(moves.where(m, ctx.asof), ctx.scope_path)]
    out = defaultdict(lambda: [0.0, 0.0])
    asof = ctx.asof
    for chunk in chunks(members):
        cases = (
            CareCase.objects.filter(member_id__in=chunk, opened_on__lte=asof)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=asof))
            .annotate(last_visit=Max("visits__visited_on", filter=Q(visits__visited_on__lte=asof)))
            .values_list("member_id", "visit_interval_days", "last_visit")
        )
        for member_id, interval, last_visit in cases:
            row = out[moves.where(member_id, asof)]
            row[0] += 1 if last_visit is not None and last_visit >= asof - dt.timedelta(days=interval) else 0
            row[1] += 1
    return dict(out)


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


def _outside_totals(ctx: Context) -> None:
    """The own totals of the outside metrics the run counts (outside.py), one statement per record source, as
    its app writes it: the scope's records grouped by organization."""
    for source in outside.sources():
        if not set(source.codes) & set(ctx.outside):
            continue
        statement = source.totals(ctx, _scoped(ctx, source.organization))
        _own(ctx, source.codes, source.organization, statement.exprs, statement.from_sql, statement.params)


def _offered_totals(ctx: Context) -> None:
    """The duties open for claiming to each organization in the period: those of the organizations at or above it
    (as members see them to claim) due in the period. Few duties are claimable: their places are joined on the
    organization's path cut to each of their lengths (equi-joins, one per length)."""
    places = list(
        Duty.objects.filter(claimable=True, due_on__gte=ctx.start, due_on__lte=ctx.end)
        .exclude(state="cancelled")
        .values_list("organization__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    if not places:
        return
    _exec("CREATE TEMPORARY TABLE tmp_assess_offer (path varchar(255), n integer)")
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO tmp_assess_offer (path, n) VALUES (%s, %s)", places)
    lengths = sorted({len(path) for path, _n in places})
    offered = " + ".join(f"COALESCE(f{k}.n, 0)" for k in lengths)
    joins = " ".join(f"LEFT JOIN tmp_assess_offer f{k} ON f{k}.path = SUBSTR(o.path, 1, {k})" for k in lengths)
    _own(
        ctx,
        [OFFERED],
        "o.org_id",
        [offered, "NULL"],
        f"FROM tmp_assess_org o {joins} WHERE {offered} > 0",
    )
