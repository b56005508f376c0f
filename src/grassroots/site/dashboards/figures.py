"""The figures of a dashboard: one organization's subtree in one period, each computed by a grouped query over the
subtree's path range (never a loop over its organizations), cached for a short while.

Figures are plain data (numbers, codes, labels' keys), the same for the page, the data screen and the API; who may
see them is decided before (`may_view`), and the list behind each figure is read through the apps' selectors.
"""

import datetime as dt
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from grassroots.accountability.models import OPEN_CASE_STATES, Case, CaseState
from grassroots.assessment.models import AssessmentRun, Grade, Result, RunState, Standing
from grassroots.core.models import Period, PeriodKind
from grassroots.core.policy import Action, subject
from grassroots.duties import selectors as duty_selectors
from grassroots.duties.models import AssignmentState, Dimension, Light
from grassroots.organizations.models import Member, MemberStatus, Organization, OrgKind, ancestor_paths, subtree_q
from grassroots.orglife import selectors as life_selectors
from grassroots.orglife.models import (
    CareCase,
    CareVisit,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingState,
    RecordState,
    StudyRecord,
)

# How long a dashboard's figures are kept in the cache: short enough that a report accepted a minute ago shows, long
# enough that a data screen polling every half minute, or a committee opening its dashboard, computes them once.
CACHE_SECONDS = 60
LIGHTS = (Light.DONE, Light.GREEN, Light.YELLOW, Light.RED)
GRADES = (Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR)
TREND_YEARS = 3  # the periods a trend across periods shows: this year and the two before
DEFAULT_STUDY_HOURS = Decimal(32)  # as orglife.selectors.study_totals, where no plan is set


def may_view(user, organization: Organization) -> bool:
    """Whether the user may open the organization's dashboard: a role (not a member's own view) over its subtree,
    since the figures count the whole subtree."""
    subj = subject(user)
    if subj.is_superuser:
        return True
    return any(organization.path.startswith(root) for root in subj.paths_for(Action.VIEW))


def may_view_cases(user, organization: Organization) -> bool:
    subj = subject(user)
    return subj.is_superuser or any(organization.path.startswith(r) for r in subj.paths_for(Action.VIEW_CASES))


def figures(*, organization: Organization, period: Period, today: dt.date | None = None) -> dict:
    """Every figure of the organization's dashboard for the period, from the cache when computed in the last
    CACHE_SECONDS."""
    today = today or timezone.localdate()
    key = f"dashboard:{organization.pk}:{organization.path}:{period.code}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = compute(organization=organization, period=period, today=today)
        cache.set(key, found, CACHE_SECONDS)
    return found


def compute(*, organization: Organization, period: Period, today: dt.date) -> dict:
    return {
        "organization": {"pk": organization.pk, "code": organization.code, "path": organization.path},
        "period": period.code,
        "today": today.isoformat(),
        "duties": duty_figures(organization, period, today),
        "children": child_figures(organization, period, today),
        "meetings": meeting_figures(organization, period),
        "study": study_figures(organization, period),
        "care": care_figures(organization, period),
        "cases": case_figures(organization),
        "rectifications": rectification_figures(organization, today),
        "assessment": assessment_figures(organization, period),
        "trends": trend_figures(organization, period),
    }


# --- duties ----------------------------------------------------------------------------------------------------------


def _assignments(organization: Organization, today: dt.date):
    return (
        duty_selectors.counted_assignments()
        .filter(subtree_q(organization.path, "organization__path"))
        .annotate(light_code=duty_selectors.light_expression(today))
    )


def duty_figures(organization: Organization, period: Period, today: dt.date) -> dict:
    """Counted assignments of the subtree in the period, by light and by area of construction × light; completion is
    the share of the counted weight accepted (duties.selectors.ROLLUP_RULE)."""
    rows = (
        _assignments(organization, today)
        .filter(duty__duty_list__period=period)
        .order_by()
        .values("duty__dimension", "light_code")
        .annotate(
            n=Count("id"),
            counted_weight=Coalesce(Sum("weight"), Value(0), output_field=DecimalField()),
            done_weight=Coalesce(
                Sum("weight", filter=Q(state=AssignmentState.ACCEPTED)), Value(0), output_field=DecimalField()
            ),
        )
    )
    by_light = dict.fromkeys(LIGHTS, 0)
    by_dimension = {d: dict.fromkeys(LIGHTS, 0) for d in Dimension.values}
    weight = done = Decimal(0)
    for row in rows:
        by_light[row["light_code"]] += row["n"]
        by_dimension.setdefault(row["duty__dimension"], dict.fromkeys(LIGHTS, 0))[row["light_code"]] += row["n"]
        weight += row["counted_weight"]
        done += row["done_weight"]
    total = sum(by_light.values())
    return {
        "total": total,
        "by_light": by_light,
        "by_dimension": by_dimension,
        "completion": round(float(100 * done / weight), 1) if weight else 0.0,
    }


def child_figures(organization: Organization, period: Period, today: dt.date) -> list[dict]:
    """Each child's roll-up over its own subtree (one grouped query, duties.selectors.progress_by_child)."""
    rollup = duty_selectors.progress_by_child(organization=organization, period=period, today=today)
    children = Organization.objects.filter(parent=organization, is_active=True).order_by("path")
    out = []
    for child in children.only("id", "code", "name", "name_en", "path", "kind"):
        row = rollup.get(child.path, {})
        total, accepted = row.get("total", 0), row.get("accepted", 0)
        red, yellow = row.get("red", 0), row.get("yellow", 0)
        out.append(
            {
                "pk": child.pk,
                "code": child.code,
                "name": child.name,
                "name_en": child.name_en,
                "kind": child.kind,
                "total": total,
                "completion": row.get("completion", 0.0),
                "by_light": {
                    Light.DONE: accepted,
                    Light.GREEN: total - accepted - red - yellow,
                    Light.YELLOW: yellow,
                    Light.RED: red,
                },
            }
        )
    return out


# --- organizational life ---------------------------------------------------------------------------------------------


def _rules_in_force(organization: Organization) -> tuple[dict, list]:
    """The rules applying at the organization (the nearest set at or above it, else the default) and the rules set
    on organizations below it, which apply in their own subtrees instead."""
    above: dict[str, MeetingRule] = {}
    below: list[MeetingRule] = []
    rules = MeetingRule.objects.filter(
        Q(organization__isnull=True)
        | Q(organization__path__in=ancestor_paths(organization.path))
        | Q(organization__path__gt=organization.path, organization__path__lt=organization.path + "~")
    ).select_related("organization")
    for rule in rules:
        if (
            rule.organization is not None
            and rule.organization.path > organization.path
            and rule.organization.path.startswith(organization.path)
        ):
            below.append(rule)
            continue
        depth = rule.organization.depth if rule.organization else 0
        current = above.get(rule.kind)
        if current is None or depth > (current.organization.depth if current.organization else 0):
            above[rule.kind] = rule
    return above, below


def _holders(organization: Organization, kind: str, paths: list[str]) -> dict[str, int]:
    """How many organizations of the subtree hold a kind of meeting, in all and within each of `paths` (one query):
    branches (groups for a group meeting), and for the committee meeting only branches large enough to have one."""
    rule_kind_groups = kind == MeetingKind.GROUP
    qs = Organization.objects.filter(subtree_q(organization.path), is_active=True)
    qs = qs.filter(kind=OrgKind.GROUP if rule_kind_groups else OrgKind.BRANCH)
    if kind == MeetingKind.COMMITTEE:
        qs = qs.annotate(active=Count("members", filter=Q(members__status=MemberStatus.ACTIVE))).filter(
            active__gte=life_selectors.COMMITTEE_MIN_MEMBERS
        )
        qs = Organization.objects.filter(pk__in=qs.values("pk"))
    counts = {"all": Count("id")}
    for i, path in enumerate(paths):
        counts[f"p{i}"] = Count("id", filter=subtree_q(path))
    row = qs.aggregate(**counts)
    return {"all": row["all"], **{path: row[f"p{i}"] for i, path in enumerate(paths)}}


def meeting_figures(organization: Organization, period: Period) -> dict:
    """Meetings held in the subtree in the period by kind, against those the rules require of its organizations."""
    held = dict(
        Meeting.objects.filter(
            subtree_q(organization.path, "organization__path"),
            state=MeetingState.HELD,
            held_on__range=(period.start, period.end),
        )
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    above, below = _rules_in_force(organization)
    rows = []
    for kind in MeetingKind.values:
        rule = above.get(kind)
        nested = sorted((r for r in below if r.kind == kind), key=lambda r: r.organization.path)
        # The outermost rules set below govern their subtrees (a rule nested in another's subtree is inside it).
        outer = [
            r
            for r in nested
            if not any(r.organization.path.startswith(o.organization.path) and r is not o for o in nested)
        ]
        if rule is None and not outer:
            if held.get(kind):
                rows.append({"kind": kind, "held": held[kind], "required": 0})
            continue
        counts = _holders(organization, kind, [r.organization.path for r in outer])
        outside = counts["all"] - sum(counts[r.organization.path] for r in outer)
        required = (life_selectors.required_count(rule, period) * outside) if rule else 0
        required += sum(life_selectors.required_count(r, period) * counts[r.organization.path] for r in outer)
        rows.append({"kind": kind, "held": held.get(kind, 0), "required": required})
    return {
        "by_kind": rows,
        "held": sum(held.values()),
        "required": sum(r["required"] for r in rows),
    }


def study_figures(organization: Organization, period: Period) -> dict:
    """Confirmed study hours of the subtree's members in the period against the plan in force at the organization
    (its hours per member times the active members)."""
    plan = life_selectors.plan_for(organization, period.start) or life_selectors.plan_for(organization, period.end)
    per_member = plan.required_hours if plan else DEFAULT_STUDY_HOURS
    members = Member.objects.filter(subtree_q(organization.path, "organization__path"), status=MemberStatus.ACTIVE)
    count = members.count()
    hours = StudyRecord.objects.filter(
        subtree_q(organization.path, "member__organization__path"),
        state=RecordState.CONFIRMED,
        studied_on__range=(period.start, period.end),
    ).aggregate(total=Coalesce(Sum("hours"), Value(0), output_field=DecimalField()))["total"]
    required = per_member * count
    return {
        "members": count,
        "hours": float(hours),
        "per_member": float(per_member),
        "required": float(required),
        "share": round(float(100 * hours / required), 1) if required else 0.0,
    }


def care_figures(organization: Organization, period: Period) -> dict:
    """Members in the care ledger during the period and how many of them were visited in it."""
    seen = CareVisit.objects.filter(case=OuterRef("pk"), visited_on__range=(period.start, period.end))
    row = (
        CareCase.objects.filter(subtree_q(organization.path, "member__organization__path"), opened_on__lte=period.end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
        .annotate(seen=Exists(seen))
        .aggregate(cases=Count("id"), visited=Count("id", filter=Q(seen=True)))
    )
    cases, visited = row["cases"], row["visited"]
    return {"cases": cases, "visited": visited, "coverage": round(100 * visited / cases, 1) if cases else 0.0}


# --- pursuit ---------------------------------------------------------------------------------------------------------


def case_figures(organization: Organization) -> dict:
    """Cases concerning the subtree, by state (every period)."""
    counts = dict(
        Case.objects.filter(subtree_q(organization.path, "organization__path"))
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    by_state = {state: counts.get(state, 0) for state in CaseState.values}
    return {
        "by_state": by_state,
        "open": sum(by_state[s] for s in OPEN_CASE_STATES),
        "total": sum(by_state.values()),
    }


def rectification_figures(organization: Organization, today: dt.date) -> dict:
    """Rectifications of the cases concerning the subtree, by the light of the assignment that carries each."""
    from grassroots.duties.models import Assignment

    counts = dict(
        Assignment.objects.filter(
            subtree_q(organization.path, "rectification__case__organization__path"), rectification__isnull=False
        )
        .annotate(light_code=duty_selectors.light_expression(today))
        .order_by()
        .values_list("light_code")
        .annotate(n=Count("id"))
    )
    by_light = {light: counts.get(light, 0) for light in LIGHTS}
    return {"by_light": by_light, "total": sum(by_light.values())}


# --- assessment ------------------------------------------------------------------------------------------------------


SHOWN_RUN_STATES = (RunState.COMPUTED, RunState.PUBLISHED, RunState.CLOSED)


def shown_run(organization: Organization, period: Period) -> AssessmentRun | None:
    """The assessment whose results the dashboard shows: of a scope at or above the organization, for the period (or
    the latest before it); a final one (published or closed) before a provisional one (computed only)."""
    runs = (
        AssessmentRun.objects.filter(
            scope__path__in=ancestor_paths(organization.path), state__in=SHOWN_RUN_STATES, period__end__lte=period.end
        )
        .select_related("period", "system", "scope")
        .order_by("-period__end", "-period__start")
    )
    candidates = list(runs[:20])
    for run in candidates:
        if run.state in (RunState.PUBLISHED, RunState.CLOSED):
            return run
    return candidates[0] if candidates else None


def assessment_figures(organization: Organization, period: Period) -> dict:
    run = shown_run(organization, period)
    if run is None:
        return {"run": None}
    results = Result.objects.filter(run=run).filter(subtree_q(organization.path, "organization__path"))
    counts = dict(results.order_by().values_list("grade").annotate(n=Count("id")))
    scores = results.filter(score__isnull=False).aggregate(n=Count("id"), total=Sum("score"))
    return {
        "run": {
            "pk": run.pk,
            "period": run.period.code,
            "state": run.state,
            "final": run.state in (RunState.PUBLISHED, RunState.CLOSED),
            "provisional": run.state == RunState.COMPUTED or run.is_provisional,
            "scope_code": run.scope.code,
        },
        "by_grade": {g: counts.get(g, 0) for g in (*GRADES, Standing.NOT_ASSESSED)},
        "total": sum(counts.values()),
        "average": round(scores["total"] / scores["n"], 1) if scores["n"] else None,
    }


# --- trends ----------------------------------------------------------------------------------------------------------


def _months(period: Period) -> list[tuple[int, int]]:
    out, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _by_month(qs, field: str, value) -> dict[tuple[int, int], float]:
    rows = qs.annotate(y=ExtractYear(field), m=ExtractMonth(field)).order_by().values("y", "m").annotate(v=value)
    return {(r["y"], r["m"]): float(r["v"] or 0) for r in rows}


def trend_figures(organization: Organization, period: Period) -> dict:
    """Month by month within the period (meetings held, study hours, assignments accepted), and completion in each
    yearly period of the last TREND_YEARS (one grouped query each)."""
    months = _months(period)
    span = (period.start, period.end)
    meetings = _by_month(
        Meeting.objects.filter(
            subtree_q(organization.path, "organization__path"), state=MeetingState.HELD, held_on__range=span
        ),
        "held_on",
        Count("id"),
    )
    study = _by_month(
        StudyRecord.objects.filter(
            subtree_q(organization.path, "member__organization__path"),
            state=RecordState.CONFIRMED,
            studied_on__range=span,
        ),
        "studied_on",
        Sum("hours"),
    )
    accepted = _by_month(
        duty_selectors.counted_assignments().filter(
            subtree_q(organization.path, "organization__path"),
            state=AssignmentState.ACCEPTED,
            accepted_on__range=span,
        ),
        "accepted_on",
        Count("id"),
    )
    first_year = period.end.year - TREND_YEARS + 1
    yearly = (
        duty_selectors.counted_assignments()
        .filter(
            subtree_q(organization.path, "organization__path"),
            duty__duty_list__period__kind=PeriodKind.YEAR,
            duty__duty_list__period__start__year__gte=first_year,
            duty__duty_list__period__end__lte=period.end,
        )
        .order_by()
        .values(code=F("duty__duty_list__period__code"))
        .annotate(
            total=Count("id"),
            counted_weight=Coalesce(Sum("weight"), Value(0), output_field=DecimalField()),
            done_weight=Coalesce(
                Sum("weight", filter=Q(state=AssignmentState.ACCEPTED)), Value(0), output_field=DecimalField()
            ),
        )
        .order_by("code")
    )
    return {
        "months": [f"{y}-{m:02d}" for y, m in months],
        "meetings": [int(meetings.get(ym, 0)) for ym in months],
        "study_hours": [round(study.get(ym, 0), 1) for ym in months],
        "accepted": [int(accepted.get(ym, 0)) for ym in months],
        "periods": [
            {
                "code": row["code"],
                "total": row["total"],
                "completion": round(float(100 * row["done_weight"] / row["counted_weight"]), 1)
                if row["counted_weight"]
                else 0.0,
            }
            for row in yearly
        ],
    }
