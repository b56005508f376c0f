"""The engine's ground: its constants, the context of a run, SQL helpers and the working tables."""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from django.db import connection

from grassroots.organizations.models import PATH_END, Organization

from .. import outside
from ..models import (
    AssessmentRun,
    Grade,
    Metric,
)

GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]
# The score of each grade of a rating: the top grade reaches the top of the scale.
GRADE_SCORES = np.array([100.0, 85.0, 75.0, 60.0])
# PostgreSQL memory for the hash aggregates and sorts of a run (the server default is 4 MB; much more makes the
# planner hash millions of members where merging them in index order is twice as fast).
WORK_MEM = "64MB"
# Totals are kept to this many decimals before they are graded and ranked: a sum of weighted scores can land a
# rounding error below a band (89.99999999999999 for an even 90).
SCORE_DECIMALS = 6
# The fractions the engine sums (a duty's weight times its key-work weight, a member's share of the study hours, a
# moved member's share of the period) are kept to multiples of 1 / QUANTUM (1.5e-8) before they are summed. Such
# numbers add exactly in a double, in any order, up to 2**27 (134 million): the totals, and so the grades and ranks,
# are the same whichever order the database takes the rows in (PostgreSQL's parallel workers, Citus's shards),
# where float sums taken in another order differ in their last bits.
QUANTUM = 2**26


def exact(expression: str) -> str:
    """SQL: the expression's value kept to a multiple of 1 / QUANTUM."""
    return f"(ROUND(({expression}) * {QUANTUM}) / {QUANTUM}.0)"


def exact_value(value: float) -> float:
    """The same in Python."""
    return round(value * QUANTUM) / QUANTUM


# TOPSIS closeness (0-1) is ranked to this many decimals, for the same reason: the province's 111,428 closenesses lie
# about 1e-5 apart, and float sums taken in another order differ near 1e-16.
CLOSENESS_DECIMALS = 9


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
    # The moment whose vetoes count: those recorded by then and not taken back by then; the service stores it as the
    # run's computed_at, so that its explanation lists the same vetoes later (VetoEvent.objects.in_force(computed_at)).
    vetoes_at: object = None
    # The outside metrics (outside.py) whose totals the run makes: those of the sources of the metrics its system
    # uses (none: the engine's statements are the built-in metrics' alone).
    outside: tuple = ()

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
# (And the engine's own column of the duties open for claiming, rules.OFFERED; then the outside metrics the system
# uses, outside.py.)
BUILT_IN = [*(m.value for m in Metric), "offered"]


def metrics(used=None) -> list[str]:
    """The metrics whose totals the engine makes: the built-in ones, then the outside metrics registered (all of
    them, or those in `used`: a run makes the columns of the outside metrics its system uses, Context.outside)."""
    return [*BUILT_IN, *(code for code in outside.codes() if used is None or code in used)]


def outside_used(indicators) -> tuple[str, ...]:
    """The outside metrics whose totals a run of these indicators makes: every metric of each source one of them
    is computed from (one statement makes them all)."""
    used = {i.metric for i in indicators if i.metric}
    return tuple(code for source in outside.sources() if used & set(source.codes) for code in source.codes)


def work_tables(ctx: Context) -> tuple[str, ...]:
    """The working tables a run may make (the own totals of the outside metrics only where its system uses them: a
    run without them drops and makes exactly the built-in metrics' tables)."""
    return (
        "tmp_assess_org",
        *(f"tmp_own_{m}" for m in metrics(ctx.outside)),
        "tmp_assess_sub",
        "tmp_assessed",
        "tmp_assess_rule",
        "tmp_assess_offer",
        "tmp_assess_res",
        "tmp_assess_veto",
    )


def _cols(ctx: Context) -> list[str]:
    return [f"{m}_{part}" for m in metrics(ctx.outside) for part in ("n", "d")]


def _work_tables(ctx: Context) -> None:
    _drop_work_tables(ctx)
    columns = ", ".join(f"{c} float" for c in _cols(ctx))
    _exec(f"CREATE TEMPORARY TABLE tmp_assess_sub (org_id bigint, parent_id bigint, depth integer, {columns})")
    # Numbers only, 64-bit, as the binary COPY of _insert_columns writes them.
    _exec(
        "CREATE TEMPORARY TABLE tmp_assess_res (org_id bigint, weighted float, ded float, bonus float, score float, "
        "vetoed bigint, coverage float, unassessed bigint, closeness float, rank_topsis float, rank_low float, "
        "rank_high float)"
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


def _drop_work_tables(ctx: Context) -> None:
    for table in work_tables(ctx):
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


def months_between(start, end) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def citus() -> bool:
    """Whether the database is a Citus cluster (distributed PostgreSQL, docs/citus.md): a few statements take the form
    it runs, the same rows either way."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        return cursor.fetchone() is not None


def _settings() -> None:
    """Per-transaction settings of the engine's connections."""
    if connection.vendor == "postgresql":
        _exec(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # No JIT compilation: the statements are index probes, merges and hashes, where it gains nothing at
        # province scale and costs ~0.3 s per statement that the planner thinks large (a subtree's per-member
        # lookups are).
        _exec("SET LOCAL jit = off")
