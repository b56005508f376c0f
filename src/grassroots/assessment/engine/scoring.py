"""Stages 3-4 of the engine: indicator scores, totals, vetoes, TOPSIS and sensitivity, in numpy."""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import connection

from grassroots.organizations.models import Organization, ancestor_paths, subtree_q

from .. import methods, rules
from ..models import (
    MIN_COVERAGE,
    STATUS_CODES,
    EnteredValue,
    Indicator,
    IndicatorKind,
    LeafStatus,
    Metric,
    RaterGroup,
    Rating,
    VetoEvent,
)
from .base import CLOSENESS_DECIMALS, GRADE_ORDER, GRADE_SCORES, SCORE_DECIMALS, Context, EngineError, _fetch, t


def _tree(system) -> tuple[list[Indicator], dict[int, list[Indicator]]]:
    """The system's indicators in their order, and the children of each (None: the top level)."""
    indicators = list(system.indicators.order_by("position", "id"))
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        children[ind.parent_id].append(ind)
    return indicators, children


# The scores of the assessed organizations are computed in numpy over their subtree totals, all at once: one
# array per indicator and column, one element per organization (NaN where SQL would have NULL, and a NaN score
# where the organization has no score for the indicator: it does not apply, or is not evaluated yet, as its status
# says). Grades and ranks are then given in SQL, as the results are written, by a CASE over the bands and window
# functions.
NUM, DEN, RAW, SCORE, STATUS = range(5)
SCORED, NOT_APPLICABLE, NO_DATA, NOT_EVALUATED = (STATUS_CODES.index(s) for s in LeafStatus)


@dataclass
class Sheet:
    """The assessed organizations (sorted by id) and, per indicator, an (organizations x 5) array of numerator,
    denominator, raw value, score and status (its index in STATUS_CODES); the organizations' members in the
    period (subtree totals)."""

    orgs: np.ndarray
    values: dict[int, np.ndarray]
    members: np.ndarray | None = None

    def new(self) -> np.ndarray:
        return np.full((len(self.orgs), 5), np.nan)

    def statuses(self, indicator_ids) -> np.ndarray:
        """Organizations x indicators, the status codes (NaN where an organization has no value)."""
        empty = np.full(len(self.orgs), np.nan)
        return np.column_stack([self.values[i][:, STATUS] if i in self.values else empty for i in indicator_ids])

    def positions(self, org_ids) -> np.ndarray:
        return np.searchsorted(self.orgs, np.asarray(org_ids, dtype=np.int64))

    def scores(self, indicator_ids) -> np.ndarray:
        """Organizations x indicators, NaN where an organization has no score."""
        empty = np.full(len(self.orgs), np.nan)
        return np.column_stack([self.values[i][:, SCORE] if i in self.values else empty for i in indicator_ids])


def _sheet(ctx: Context, indicators: list[Indicator]) -> tuple[Sheet, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The assessed organizations and the subtree totals of the metrics the indicators use, in one fetch: the sum
    of each one's rows in tmp_assess_sub (its own, and its children's subtrees)."""
    used = {str(i.metric) for i in indicators if i.metric}
    # The members in the period (the study statement's denominator) always: an organization without any is not
    # assessed; the duties open for claiming where claims are scored.
    used = sorted(used | {Metric.STUDY.value} | ({rules.OFFERED} if Metric.CLAIMS.value in used else set()))
    orgs, data = _fetch_numbers(
        "a.org_id",
        [f"SUM(s.{m}_{part})" for m in used for part in ("n", "d")],
        "FROM tmp_assessed a LEFT JOIN tmp_assess_sub s ON s.org_id = a.org_id GROUP BY a.org_id ORDER BY a.org_id",
    )
    totals = {m: (data[:, 2 * k], data[:, 2 * k + 1]) for k, m in enumerate(used)}
    return Sheet(orgs, {}, np.nan_to_num(totals[Metric.STUDY.value][1], nan=0.0)), totals


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
    """Every leaf of every assessed organization, with its status (rules.py states each rule): ratios and counts
    from its totals, then entered values, then ratings (an organization's entered value of an indicator comes before
    its ratings)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        for ind in filter(from_records, indicators):
            metric = str(ind.metric)  # a Metric's value, or an outside metric's code (outside.py)
            num, den = totals[metric]
            out = sheet.new()
            out[:, NUM], out[:, DEN] = num, den
            if ind.kind == IndicatorKind.COMPUTED:
                _ratio(out, ind, metric, num, den, totals)
            elif metric in rules.AT_PERIOD_END and ctx.asof < ctx.end:
                # A count only made at the period's end (a major task not done by then): not evaluated yet.
                out[:, STATUS] = NOT_EVALUATED
            else:
                # A count: points each, up to the cap (no cap: no limit).
                count = np.nan_to_num(num, nan=0.0)
                points, cap = float(ind.points), float(ind.cap)
                out[:, RAW] = count
                out[:, SCORE] = np.minimum(count * points, cap) if cap > 0 else count * points
                out[:, STATUS] = SCORED
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
            out[pos, STATUS] = SCORED
            sheet.values[pk] = out
    qualitative = [pk for pk, i in others.items() if i.kind == IndicatorKind.QUALITATIVE]
    rated = _fuzzy_scores(ctx, sheet, qualitative) if qualitative else set()
    # An entered indicator without its value, or a rated one that the run rates but an organization has too few
    # raters for: nothing recorded (0), or, counted to a day before the period's end while ratings may still come,
    # not evaluated yet; a rated indicator the run rates for nobody does not apply.
    collecting = ctx.asof < ctx.end
    for pk, ind in others.items():
        if ind.kind not in (IndicatorKind.ENTERED, IndicatorKind.QUALITATIVE):
            continue
        out = sheet.values.get(pk)
        if out is None:
            out = sheet.values[pk] = sheet.new()
        missing = np.isnan(out[:, SCORE])
        if ind.kind == IndicatorKind.QUALITATIVE and pk not in rated:
            out[missing, STATUS] = NOT_APPLICABLE
        elif ind.kind == IndicatorKind.QUALITATIVE and collecting:
            out[missing, STATUS] = NOT_EVALUATED
        else:
            out[missing, SCORE], out[missing, STATUS] = 0.0, NO_DATA


def _ratio(out: np.ndarray, ind: Indicator, metric: str, num, den, totals: dict) -> None:
    """A ratio against the indicator's target: not applicable where nothing was due (its denominator empty, or as
    the metric's rule says), nothing recorded (0) where something was due and the metric counts no record of it,
    else scored (full marks from the target up)."""
    target = float(ind.target) or 1.0
    due = ~np.isnan(den) & (den > 0)
    if metric == Metric.CLAIMS:
        # Claims per member apply only where a duty was open for claiming.
        offered = np.nan_to_num(totals[rules.OFFERED][0], nan=0.0)
        due &= offered > 0
    ratio = np.where(due, num / den, np.nan)
    out[:, RAW] = ratio
    out[:, SCORE] = np.where(due, np.where(ratio >= target, 100.0, 100.0 * ratio / target), np.nan)
    nothing = due & (np.nan_to_num(num, nan=0.0) == 0) & (metric in rules.ZERO_IS_NOTHING_RECORDED)
    out[:, STATUS] = np.where(due, np.where(nothing, NO_DATA, SCORED), NOT_APPLICABLE)


def _fuzzy_scores(ctx: Context, sheet: Sheet, indicator_ids: list[int]) -> set[int]:
    """Ratings per rater group -> membership rows -> weighted by the groups (M(·,+)) -> a grade vector and score;
    where an organization has an entered value for the indicator, that value stands. A group's ratings of an
    organization count only from its fewest raters up. Returns the indicators the run rates (any rating of them)."""
    groups = list(RaterGroup.objects.filter(run=ctx.run).order_by("id"))
    if not groups:
        return set()
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
        return set()
    keys = sorted({(org, ind) for org, ind, *_rest in rows})
    key_index = {k: i for i, k in enumerate(keys)}
    grade_index = {g: i for i, g in enumerate(GRADE_ORDER)}
    counts = np.zeros((len(keys), len(groups), len(GRADE_ORDER)))
    for org, ind, group, grade, n in rows:
        counts[key_index[(org, ind)], group_index[group], grade_index[grade]] += n
    fewest = np.array([g.min_raters for g in groups])
    # A group with fewer raters of an organization than its fewest gives no opinion of it.
    counts = np.where(counts.sum(axis=2, keepdims=True) >= fewest[None, :, None], counts, 0.0)
    membership = methods.membership_from_counts(counts.reshape(-1, len(GRADE_ORDER))).reshape(counts.shape)
    # Groups that gave no opinion here give way: the other groups' weights are renormalized per organization.
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
        mine = np.nonzero((pairs[:, 1] == ind) & present.any(axis=1))[0]
        pos = sheet.positions(pairs[mine, 0])
        rated = np.isnan(out[pos, SCORE])  # no entered value there
        mine, pos = mine[rated], pos[rated]
        out[pos, NUM] = votes[mine]
        out[pos, RAW] = out[pos, SCORE] = scores[mine]
        out[pos, STATUS] = SCORED
    return {int(i) for i in np.unique(pairs[:, 1])}


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
    """Each group's score, its subgroups first: the weighted mean of its children that have a score (those that
    do not apply, or are not evaluated yet, give their weight to the others); its status: scored where a child has
    a score, else not evaluated where a child is not evaluated yet, else not applicable."""
    for group in (k for k in children.get(parent, []) if k.kind == IndicatorKind.GROUP):
        _group_scores(sheet, children, group.pk)
        kids = _weighted(children, group.pk)
        if kids:
            score = _weighted_mean(sheet.scores([k.pk for k in kids]), [float(k.weight) for k in kids])
            statuses = sheet.statuses([k.pk for k in kids])
            out = sheet.new()
            out[:, SCORE] = score
            waiting = (statuses == NOT_EVALUATED).any(axis=1)
            out[:, STATUS] = np.where(~np.isnan(score), SCORED, np.where(waiting, NOT_EVALUATED, NOT_APPLICABLE))
            sheet.values[group.pk] = out


@dataclass
class Totals:
    weighted: np.ndarray
    deductions: np.ndarray
    bonus: np.ndarray
    score: np.ndarray  # NaN where not assessed
    vetoed: np.ndarray
    coverage: np.ndarray
    not_assessed: np.ndarray  # 0: assessed; else the index + 1 of its reason in NOT_ASSESSED_REASONS

    @property
    def assessed(self) -> np.ndarray:
        return self.not_assessed == 0


# The reasons for not assessing an organization, in the order the engine numbers them (from 1).
NOT_ASSESSED_REASONS = ["no_members", "coverage"]


def coverage(sheet: Sheet, children: dict) -> np.ndarray:
    """Per organization, the share of the system's weight carried by the leaves that apply to it: scored, or due
    with nothing recorded (each leaf weighing the product of the weights along its path)."""
    weights = global_leaf_weights(children)
    if not weights:
        return np.ones(len(sheet.orgs))
    statuses = sheet.statuses(list(weights))
    applies = (statuses == SCORED) | (statuses == NO_DATA)
    w = np.array(list(weights.values()))
    return (applies * w[None, :]).sum(axis=1) / w.sum()


def _totals(sheet: Sheet, indicators: list[Indicator], children: dict) -> Totals:
    """The weighted total of the top level, minus the deductions, plus the bonuses (0-100, to SCORE_DECIMALS, so
    that a band is not missed by a rounding error); vetoes. Adjustments are taken in the system's order. An
    organization without members in the period, or whose applicable indicators carry less than MIN_COVERAGE of the
    weight, is not assessed (no score, unless a veto grades it)."""
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
    covered = coverage(sheet, children)
    members = sheet.members if sheet.members is not None else np.ones(n)
    not_assessed = np.where(members <= 0, 1, np.where(covered < MIN_COVERAGE - 1e-9, 2, 0))
    not_assessed = np.where(vetoed, 0, not_assessed)  # a veto grades the organization whatever else
    score = np.where(not_assessed > 0, np.nan, score)
    return Totals(weighted, deductions, bonus, score, vetoed, covered, not_assessed)


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
    """TOPSIS closeness over the weighted leaves, and the range of ranks when each top-level weight moves ±10%, of
    the organizations assessed (the others have neither: NaN)."""
    leaf_weights = global_leaf_weights(children)
    n = len(sheet.orgs)
    chosen = np.nonzero(totals.assessed)[0]
    if not len(chosen) or not leaf_weights:
        return {}
    figures = _topsis_and_sensitivity_of(
        sheet.scores(leaf_weights)[chosen], leaf_weights, sheet, totals, children, chosen
    )
    out = {}
    for name, values in figures.items():
        full = np.full(n, np.nan)
        full[chosen] = values
        out[name] = full
    return out


def _topsis_and_sensitivity_of(leaves, leaf_weights, sheet, totals, children, chosen) -> dict[str, np.ndarray]:
    n = len(chosen)
    # rules.TOPSIS_MISSING: a leaf that does not apply (or is not evaluated yet) takes its column's mean, so it
    # neither helps nor hurts.
    present = ~np.isnan(leaves)
    sums = np.where(present, leaves, 0.0).sum(axis=0)
    means = np.where(present.sum(axis=0) > 0, sums / np.maximum(present.sum(axis=0), 1), 100.0)
    filled = np.where(present, leaves, means[None, :])
    weights = np.array(list(leaf_weights.values()))
    closeness = methods.topsis(filled + 1e-9, weights / weights.sum(), np.ones(len(weights), bool)).closeness

    top = _weighted(children, None)
    groups = sheet.scores([i.pk for i in top])[chosen]
    gw = np.array([float(i.weight) for i in top])
    low = np.full(n, np.iinfo(np.int64).max)
    high = np.zeros(n, dtype=np.int64)
    deductions, bonus, vetoed = totals.deductions[chosen], totals.bonus[chosen], totals.vetoed[chosen]
    for j in range(len(gw)):
        for factor in (0.9, 1.1):
            w = gw.copy()
            w[j] *= factor
            moved = np.nan_to_num(_weighted_mean(groups, w), nan=0.0)
            # Kept to SCORE_DECIMALS as the score is before it is ranked: values that differ only in their last bits
            # (sums taken in another order, as a distributed database does) are the tie they are.
            moved = np.round(np.clip(moved - deductions + bonus, 0, 100), SCORE_DECIMALS) - vetoed * 1000.0
            ranks = methods.rank(moved)
            low = np.minimum(low, ranks)
            high = np.maximum(high, ranks)
    return {
        "closeness": closeness,
        "rank_topsis": methods.rank(np.round(closeness, CLOSENESS_DECIMALS)),
        "rank_low": low,
        "rank_high": high,
    }
