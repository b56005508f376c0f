"""The assessment computed the plain way: one organization at a time, its records read through the ORM.

This is slow by design. It is the yardstick the engine is measured against (`make bench` runs both on a county)
and the oracle the tests hold it to: for every assessed organization and every indicator the engine's numerator,
denominator and score must equal what this module finds by walking the records in Python, and so must the
weighted total, deductions, bonus, score, grade and veto. Ranks, TOPSIS and sensitivity are left to the engine.

The record queries are the explanation's (`selectors.record_query`), so what a reader drills down to is what
the scores were computed from.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count
from django.utils import timezone

from grassroots.duties.models import AssignmentState, ReportState
from grassroots.organizations.models import Organization
from grassroots.orglife.models import Attendance, AttendanceStatus, MeetingState

from . import methods, outside, rules, selectors
from .engine import GRADE_ORDER, GRADE_SCORES, SCORE_DECIMALS, Context, global_leaf_weights, study_required
from .models import (
    MIN_COVERAGE,
    EnteredValue,
    IndicatorKind,
    LeafStatus,
    Metric,
    NotAssessed,
    RaterGroup,
    Rating,
    Standing,
)


@dataclass
class Outcome:
    """One organization: (numerator, denominator, raw, score, status) per indicator, and the result."""

    values: dict = field(default_factory=dict)
    weighted: float = 0.0
    deductions: float = 0.0
    bonus: float = 0.0
    score: float | None = 0.0
    grade: str = ""
    vetoed: bool = False
    coverage: float = 1.0
    not_assessed: str = ""


def metric_totals(ctx: Context, organization: Organization, key_w: float, major_w: float) -> dict:
    """Numerator and denominator of every metric over the organization's subtree (None where nothing counts)."""
    out = {}
    _duty_totals(ctx, organization, key_w, major_w, out)
    _member_totals(ctx, organization, out)
    _meeting_totals(ctx, organization, out)
    _care_veto_objective_totals(ctx, organization, out)
    out[rules.OFFERED] = _offered(ctx, organization)
    # The outside metrics (outside.py), as each source computes them from its records in Python.
    for source in outside.sources():
        out.update(source.reference(ctx, organization))
    return out


def _offered(ctx: Context, organization: Organization) -> int:
    """Duties open for claiming in the period to the organization or any under it: those of the organizations at or
    above them."""
    from django.db.models import Q

    from grassroots.duties.models import Duty
    from grassroots.organizations.models import ancestor_paths, subtree_q

    return (
        Duty.objects.filter(
            Q(organization__path__in=ancestor_paths(organization.path))
            | subtree_q(organization.path, "organization__path"),
            claimable=True,
            due_on__gte=ctx.start,
            due_on__lte=ctx.end,
        )
        .exclude(state="cancelled")
        .count()
    )


def _duty_totals(ctx: Context, organization: Organization, key_w: float, major_w: float, out: dict) -> None:
    """The duties' metrics into `out`."""
    run = ctx.run
    asof = ctx.asof
    # Duties: assignments due in the period, by the as-of day.
    rows = list(selectors.completion_records(run, organization).filter(due_on__lte=asof))
    if rows:
        completion = [0.0, 0.0]
        key = [0.0, 0.0]
        on_time = [0, 0]
        overdue = major_failed = 0
        any_key = False
        for a in rows:
            duty = a.duty
            weight = float(a.weight) * (major_w if duty.is_major else key_w if duty.is_key else 1.0)
            done = a.state == AssignmentState.ACCEPTED and (a.accepted_on is None or a.accepted_on <= asof)
            completion[0] += weight if done else 0.0
            completion[1] += weight
            on_time[0] += 1 if done and a.accepted_on is not None and a.accepted_on <= a.due_on else 0
            on_time[1] += 1
            if duty.is_key or duty.is_major:
                any_key = True
                key[0] += weight if done else 0.0
                key[1] += weight
                overdue += 1 if not done and a.due_on < asof else 0
            major_failed += 1 if duty.is_major and not done else 0
        out[Metric.COMPLETION] = tuple(completion)
        out[Metric.ON_TIME] = tuple(on_time)
        out[Metric.KEY_WORK] = tuple(key) if any_key else (None, None)
        out[Metric.OVERDUE_KEY] = (overdue or None, None)
        if asof >= ctx.end:
            out[Metric.MAJOR_FAILED] = (major_failed or None, None)
    reviewed = list(selectors.returned_records(run, organization).values_list("state", flat=True))
    if reviewed:
        out[Metric.RETURNED] = (sum(1 for s in reviewed if s == ReportState.ACCEPTED), len(reviewed))


def _member_totals(ctx: Context, organization: Organization, out: dict) -> None:
    """The members' metrics into `out`: each member counted in the subtree for the share of the days counted that
    they were in it (1 for one who stayed), with the hours they recorded there (confirmed or waiting) against the
    plan's hours by the as-of day times that share, talked with there or not; the claims made there."""
    run = ctx.run
    lines = selectors.member_lines(run, organization)
    claims = selectors.claim_records(run, organization).count()
    if lines:
        plain, cadre = study_required(ctx)
        study = members = talked = 0.0
        for line in lines:
            need = (cadre if line.is_cadre else plain) * line.share
            study += line.share * (1.0 if line.hours >= need else line.hours / need)
            members += line.share
            talked += line.share if line.talked else 0.0
        out[Metric.STUDY] = (study, members)
        out[Metric.TALKS] = (talked, members)
        out[Metric.CLAIMS] = (claims, members)
    elif claims:
        out[Metric.CLAIMS] = (claims, None)


def _meeting_totals(ctx: Context, organization: Organization, out: dict) -> None:
    """The meetings' metrics into `out`."""
    run = ctx.run
    # Meetings: each organization that holds them, kind by kind, against the months passed by the as-of day (the
    # rows the explanation shows, all of them).
    held_total = required_total = missing = 0
    any_meeting_org = False
    for row in selectors.meeting_records(run, organization, limit=None):
        any_meeting_org = True
        held_total += min(row["held"], row["required"])
        required_total += row["required"]
        missing += row["missing"]
    if any_meeting_org:
        out[Metric.MEETINGS] = (held_total, required_total)
        out[Metric.MISSING_MEETINGS] = (missing, None)
    statuses = list(
        Attendance.objects.filter(
            selectors.Scope(run, organization, None).q("meeting__organization__path"),
            meeting__state=MeetingState.HELD,
            meeting__held_on__gte=ctx.start,
            meeting__held_on__lte=ctx.end,
        ).values_list("status", flat=True)
    )
    if statuses:
        present = sum(1 for s in statuses if s in (AttendanceStatus.PRESENT, AttendanceStatus.LATE))
        out[Metric.ATTENDANCE] = (present, sum(1 for s in statuses if s != AttendanceStatus.EXCUSED))
        out[Metric.UNEXCUSED] = (sum(1 for s in statuses if s == AttendanceStatus.ABSENT) or None, None)


def _care_veto_objective_totals(ctx: Context, organization: Organization, out: dict) -> None:
    """Care, vetoes and objectives into `out`."""
    run = ctx.run
    asof = ctx.asof
    # Care: cases open on the as-of day, visited within their interval before it.
    cases = list(selectors.care_records(run, organization))
    if cases:
        in_time = sum(
            1
            for c in cases
            if c.last_visit is not None and (asof - c.last_visit).days <= c.visit_interval_days  # visited in time
        )
        out[Metric.CARE] = (in_time, len(cases))
    vetoes = selectors.veto_records(run, organization).count()
    if vetoes:
        out[Metric.VETO_EVENTS] = (vetoes, None)
    objectives = list(selectors.objective_records(run, organization))
    if objectives:
        attained = 0.0
        for b in objectives:
            value = b.latest_value if b.latest_value is not None else b.baseline
            share = float(value - b.baseline) / float(b.target - b.baseline)
            attained += min(1.0, max(0.0, share))
        out[Metric.OBJECTIVES] = (attained, len(objectives))


def _score(ctx: Context, indicator, num, den, totals: dict) -> tuple:
    """(numerator, denominator, raw, score, status) of an indicator computed from records, by rules.py."""
    metric = str(indicator.metric)  # a Metric's value, or an outside metric's code
    if indicator.kind == IndicatorKind.COMPUTED:
        target = float(indicator.target) or 1.0
        due = den is not None and den > 0
        if metric == Metric.CLAIMS:
            due = due and totals.get(rules.OFFERED, 0) > 0
        if not due:
            return num, den, None, None, LeafStatus.NOT_APPLICABLE
        raw = num / den
        status = LeafStatus.SCORED
        if not num and metric in rules.ZERO_IS_NOTHING_RECORDED:
            status = LeafStatus.NO_DATA
        return num, den, raw, 100.0 if raw >= target else 100.0 * num / den / target, status
    if metric in rules.AT_PERIOD_END and ctx.asof < ctx.end:
        return num, None, None, None, LeafStatus.NOT_EVALUATED
    points, cap = float(indicator.points), float(indicator.cap)
    count = num or 0
    score = count * points
    return num, None, float(count), min(score, cap) if cap > 0 else score, LeafStatus.SCORED


def _score_of(indicator, children, outcome: Outcome) -> float | None:
    """An indicator's score; a group's is the weighted mean of its children that have one (it is recorded, with
    its status)."""
    if indicator.kind != IndicatorKind.GROUP:
        value = outcome.values.get(indicator.pk)
        return None if value is None else value[3]
    kids = [k for k in children.get(indicator.pk, []) if not k.is_adjustment and float(k.weight) > 0]
    if not kids:
        return None
    scored = [(float(k.weight), _score_of(k, children, outcome)) for k in kids]
    scored = [(w, s) for w, s in scored if s is not None]
    if scored:
        value = sum(w * s for w, s in scored) / sum(w for w, _s in scored)
        outcome.values[indicator.pk] = (None, None, None, value, LeafStatus.SCORED)
        return value
    waiting = any(outcome.values.get(k.pk, (None,) * 5)[4] == LeafStatus.NOT_EVALUATED for k in kids)
    status = LeafStatus.NOT_EVALUATED if waiting else LeafStatus.NOT_APPLICABLE
    outcome.values[indicator.pk] = (None, None, None, None, status)
    return None


def rated_score(run, organization, indicator, groups) -> float | None:
    """A qualitative indicator: the votes per rater group and grade, made memberships, weighted by the groups (a
    group with fewer raters than its fewest gives no opinion)."""
    counts = np.zeros((len(groups), len(GRADE_ORDER)))
    for group_id, grade, n in (
        Rating.objects.filter(organization=organization, indicator=indicator, group__in=groups)
        .values_list("group_id", "grade")
        .annotate(n=Count("id"))
    ):
        counts[[g.pk for g in groups].index(group_id), GRADE_ORDER.index(grade)] += n
    for k, group in enumerate(groups):
        if counts[k].sum() < group.min_raters:
            counts[k] = 0
    present = counts.sum(axis=1) > 0
    if not present.any():
        return None
    weights = np.array([float(g.weight) for g in groups]) * present
    vector = methods.fuzzy_evaluate(weights / weights.sum(), methods.membership_from_counts(counts))
    return float(methods.fuzzy_score(vector, GRADE_SCORES)), float(counts.sum())


def assess(run, organizations, *, asof=None) -> dict[int, Outcome]:
    """The outcome of each organization given, computed from its own records, ratings and entered values."""
    period = run.period
    asof = min(asof or run.asof or timezone.localdate(), period.end)
    ctx = Context.of(run, asof)
    system = run.system
    indicators = list(system.indicators.order_by("position", "id"))
    children = defaultdict(list)
    for ind in indicators:
        children[ind.parent_id].append(ind)
    entered = {
        (e.organization_id, e.indicator_id): float(e.value) for e in EnteredValue.objects.filter(run=run)
    }  # entered scores and hand-entered bonuses
    key_w, major_w = float(system.key_work_weight), float(system.major_task_weight)
    bands = system.bands()
    groups = list(RaterGroup.objects.filter(run=run).order_by("id"))
    # The rated indicators the run rates: any rating of them.
    rated_here = set(Rating.objects.filter(group__run=run).values_list("indicator_id", flat=True).distinct())
    collecting = ctx.asof < ctx.end
    leaf_weights = global_leaf_weights(children)
    outcomes = {}
    for org in organizations:
        totals = metric_totals(ctx, org, key_w, major_w)
        outcome = Outcome()
        for ind in indicators:
            if ind.metric and (ind.kind == IndicatorKind.COMPUTED or ind.is_adjustment):
                num, den = totals.get(ind.metric, (None, None))
                outcome.values[ind.pk] = _score(ctx, ind, num, den, totals)
            elif (org.pk, ind.pk) in entered:
                top = 100.0 if ind.kind == IndicatorKind.ENTERED else float(ind.cap)
                value = entered[(org.pk, ind.pk)]
                outcome.values[ind.pk] = (None, None, value, min(top, max(0.0, value)), LeafStatus.SCORED)
            elif ind.kind == IndicatorKind.QUALITATIVE:
                rated = rated_score(run, org, ind, groups) if groups else None
                if rated is not None:
                    score, votes = rated
                    outcome.values[ind.pk] = (votes, None, score, score, LeafStatus.SCORED)
                elif ind.pk not in rated_here:
                    outcome.values[ind.pk] = (None, None, None, None, LeafStatus.NOT_APPLICABLE)
                elif collecting:
                    outcome.values[ind.pk] = (None, None, None, None, LeafStatus.NOT_EVALUATED)
                else:
                    outcome.values[ind.pk] = (None, None, None, 0.0, LeafStatus.NO_DATA)
            elif ind.kind == IndicatorKind.ENTERED:
                outcome.values[ind.pk] = (None, None, None, 0.0, LeafStatus.NO_DATA)

        top = [
            (float(i.weight), _score_of(i, children, outcome)) for i in children.get(None, []) if not i.is_adjustment
        ]
        top = [(w, s) for w, s in top if w > 0 and s is not None]
        outcome.weighted = sum(w * s for w, s in top) / sum(w for w, _s in top) if top else 0.0
        for ind in indicators:
            if not ind.is_adjustment or ind.pk not in outcome.values:
                continue
            _num, _den, raw, score, _status = outcome.values[ind.pk]
            if ind.kind == IndicatorKind.DEDUCTION:
                outcome.deductions += score or 0.0
            elif ind.kind == IndicatorKind.BONUS:
                outcome.bonus += score or 0.0
            if ind.is_veto and (raw or 0) > 0:
                outcome.vetoed = True
        outcome.score = float(
            np.round(min(100.0, max(0.0, outcome.weighted - outcome.deductions + outcome.bonus)), SCORE_DECIMALS)
        )
        applies = sum(
            w
            for pk, w in leaf_weights.items()
            if pk in outcome.values and outcome.values[pk][4] in (LeafStatus.SCORED, LeafStatus.NO_DATA)
        )
        outcome.coverage = applies / sum(leaf_weights.values()) if leaf_weights else 1.0
        members = totals.get(Metric.STUDY, (None, None))[1]
        if not outcome.vetoed and not members:
            outcome.not_assessed = NotAssessed.NO_MEMBERS
        elif not outcome.vetoed and outcome.coverage < MIN_COVERAGE - 1e-9:
            outcome.not_assessed = NotAssessed.COVERAGE
        outcome.grade = bands[-1]["grade"]
        if outcome.not_assessed:
            outcome.score, outcome.grade = None, Standing.NOT_ASSESSED
        elif not outcome.vetoed:
            outcome.grade = next((b["grade"] for b in bands[:-1] if outcome.score >= float(b["min"])), outcome.grade)
        outcomes[org.pk] = outcome
    return outcomes


def assessed_organizations(run):
    """The organizations a run assesses, as the engine picks them."""
    return list(Organization.objects.filter(run.assessed_q()).order_by("path"))
