"""Stage 2 of the engine: the assessed organizations and the subtree totals, rolled up the tree."""

from collections import defaultdict

from .base import Context, _analyze, _cols, _exec, _fetch


def _assessed(ctx: Context) -> None:
    _exec("CREATE TEMPORARY TABLE tmp_assessed (org_id bigint PRIMARY KEY, parent_id bigint, depth integer)")
    _exec(
        "INSERT INTO tmp_assessed (org_id, parent_id, depth) SELECT org_id, parent_id, depth FROM tmp_assess_org "
        "WHERE is_active AND kind = %s",
        [ctx.run.system.assessed_kind],
    )


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
    cols = _cols(ctx)
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
