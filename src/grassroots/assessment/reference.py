"""The assessment computed the plain way: one organization at a time, its records read through the ORM.

This is slow by design. It is the yardstick the engine is measured against (`make bench` runs both on a county)
and the oracle the tests hold it to: for every assessed organization and every indicator the engine's numerator,
denominator and score must equal what this module finds by walking the records in Python, and so must the
weighted total, deductions, bonus, score, grade and veto. Ranks, TOPSIS and sensitivity are left to the engine.

The record queries are the explanation's (`selectors.RECORD_QUERIES`), so what a reader drills down to is what
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

from . import methods, selectors
from .engine import GRADE_ORDER, GRADE_SCORES, SCORE_DECIMALS, Context, study_required
from .models import EnteredValue, IndicatorKind, Metric, RaterGroup, Rating


@dataclass
class Outcome:
    """One organization: (numerator, denominator, raw, score) per indicator, and the result."""

    values: dict = field(default_factory=dict)
    weighted: float = 0.0
    deductions: float = 0.0
    bonus: float = 0.0
    score: float = 0.0
    grade: str = ""
    vetoed: bool = False


def metric_totals(ctx: Context, organization: Organization, key_w: float, major_w: float) -> dict:
    """Numerator and denominator of every metric over the organization's subtree (None where nothing counts)."""
    out = {}
    _duty_totals(ctx, organization, key_w, major_w, out)
    _member_totals(ctx, organization, out)
    _meeting_totals(ctx, organization, out)
    _care_veto_objective_totals(ctx, organization, out)
    return out


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
        out[Metric.ATTENDANCE] = (present, len(statuses))
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


def _score(indicator, num, den) -> tuple:
    if indicator.kind == IndicatorKind.COMPUTED:
        target = float(indicator.target) or 1.0
        if den is None or den == 0:
            return num, den, None, 100.0
        raw = num / den
        return num, den, raw, 100.0 if raw >= target else 100.0 * num / den / target
    points, cap = float(indicator.points), float(indicator.cap)
    count = num or 0
    score = count * points
    return num, None, float(count), min(score, cap) if cap > 0 else score


def _score_of(indicator, children, outcome: Outcome) -> float | None:
    """An indicator's score; a group's is the weighted mean of its children that have one (it is recorded)."""
    if indicator.kind != IndicatorKind.GROUP:
        value = outcome.values.get(indicator.pk)
        return None if value is None else value[3]
    kids = [k for k in children.get(indicator.pk, []) if not k.is_adjustment and float(k.weight) > 0]
    scored = [(float(k.weight), _score_of(k, children, outcome)) for k in kids]
    scored = [(w, s) for w, s in scored if s is not None]
    if not scored:
        return None
    value = sum(w * s for w, s in scored) / sum(w for w, _s in scored)
    outcome.values[indicator.pk] = (None, None, None, value)
    return value


def rated_score(run, organization, indicator, groups) -> float | None:
    """A qualitative indicator: the votes per rater group and grade, made memberships, weighted by the groups."""
    counts = np.zeros((len(groups), len(GRADE_ORDER)))
    for group_id, grade, n in (
        Rating.objects.filter(organization=organization, indicator=indicator, group__in=groups)
        .values_list("group_id", "grade")
        .annotate(n=Count("id"))
    ):
        counts[[g.pk for g in groups].index(group_id), GRADE_ORDER.index(grade)] += n
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
    outcomes = {}
    for org in organizations:
        totals = metric_totals(ctx, org, key_w, major_w)
        outcome = Outcome()
        for ind in indicators:
            if ind.metric and (ind.kind == IndicatorKind.COMPUTED or ind.is_adjustment):
                num, den = totals.get(ind.metric, (None, None))
                outcome.values[ind.pk] = _score(ind, num, den)
            elif (org.pk, ind.pk) in entered:
                top = 100.0 if ind.kind == IndicatorKind.ENTERED else float(ind.cap)
                value = entered[(org.pk, ind.pk)]
                outcome.values[ind.pk] = (None, None, value, min(top, max(0.0, value)))
            elif ind.kind == IndicatorKind.QUALITATIVE and groups:
                rated = rated_score(run, org, ind, groups)
                if rated is not None:
                    score, votes = rated
                    outcome.values[ind.pk] = (votes, None, score, score)

        top = [
            (float(i.weight), _score_of(i, children, outcome)) for i in children.get(None, []) if not i.is_adjustment
        ]
        top = [(w, s) for w, s in top if w > 0 and s is not None]
        outcome.weighted = sum(w * s for w, s in top) / sum(w for w, _s in top) if top else 0.0
        for ind in indicators:
            if not ind.is_adjustment or ind.pk not in outcome.values:
                continue
            _num, _den, raw, score = outcome.values[ind.pk]
            if ind.kind == IndicatorKind.DEDUCTION:
                outcome.deductions += score
            elif ind.kind == IndicatorKind.BONUS:
                outcome.bonus += score
            if ind.is_veto and (raw or 0) > 0:
                outcome.vetoed = True
        outcome.score = float(
            np.round(min(100.0, max(0.0, outcome.weighted - outcome.deductions + outcome.bonus)), SCORE_DECIMALS)
        )
        outcome.grade = bands[-1]["grade"]
        if not outcome.vetoed:
            outcome.grade = next((b["grade"] for b in bands[:-1] if outcome.score >= float(b["min"])), outcome.grade)
        outcomes[org.pk] = outcome
    return outcomes


def assessed_organizations(run):
    """The organizations a run assesses, as the engine picks them."""
    return list(Organization.objects.filter(run.assessed_q()).order_by("path"))
