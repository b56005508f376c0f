"""The figures of a dashboard counted the long way, from the records: each a grouped query over the subtree's path
range, the roll-up's rule tested on every assignment (duties.selectors.counted_assignments). This is how the
dashboards counted before they kept totals (figures.py, totals.py); the tests hold the kept totals to it, figure for
figure, and the bench times both in one run. Nothing else uses it.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr

from grassroots.accountability.models import OPEN_CASE_STATES, Case, CaseState
from grassroots.assessment.models import AssessmentRun, Grade, Result, RunState, Standing
from grassroots.core.models import Period, PeriodKind
from grassroots.duties import selectors as duty_selectors
from grassroots.duties.models import AssignmentState, Dimension, Light
from grassroots.organizations.models import Member, MemberStatus, Organization, OrgKind, ancestor_paths, subtree_q
from grassroots.orglife import selectors as life_selectors
from grassroots.orglife.models import (
    CareCase,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingState,
    RecordState,
    StudyRecord,
)

# How long a dashboard's figures are kept in the cache: short enough that a report accepted a minute ago shows, long
# enough that a data screen polling every half minute, or a committee opening its dashboard, computes them once.
LIGHTS = (Light.DONE, Light.GREEN, Light.YELLOW, Light.RED)
GRADES = (Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR)
TREND_YEARS = 3  # the periods a trend across periods shows: this year and the two before
DEFAULT_STUDY_HOURS = Decimal(32)  # as orglife.selectors.study_totals, where no plan is set


def _within(organization: Organization, field: str) -> Q:
    """Rows whose organization (reached by `field`) lies in the subtree; nothing to filter when the organization is the
    only root of the tree (a deployment's top: every row is in its subtree), which spares the joins to reach it."""
    if organization.depth == 1 and getattr(organization, "_only_root", None) is None:
        organization._only_root = not Organization.objects.filter(depth=1).exclude(pk=organization.pk).exists()
    if organization.depth == 1 and organization._only_root:
        return Q()
    return subtree_q(organization.path, field)


def compute(*, organization: Organization, period: Period, today: dt.date) -> dict:
    rollup = assignment_rollup(organization, period, today)
    meetings = meeting_months(organization, period)
    study = study_months(organization, period)
    return {
        "organization": {"pk": organization.pk, "code": organization.code, "path": organization.path},
        "period": period.code,
        "today": today.isoformat(),
        "duties": duty_figures(rollup, period),
        "children": child_figures(rollup, organization, period),
        "meetings": meeting_figures(organization, period, meetings),
        "study": study_figures(organization, period, study),
        "care": care_figures(organization, period),
        "cases": case_figures(organization),
        "rectifications": rectification_figures(organization, today),
        "assessment": assessment_figures(organization, period),
        "trends": trend_figures(organization, period, rollup, meetings, study),
    }


# --- duties ----------------------------------------------------------------------------------------------------------


def _yearly_periods_q(period: Period) -> Q:
    """The duty lists of the period, and of the yearly periods of the last TREND_YEARS up to its end."""
    first_year = period.end.year - TREND_YEARS + 1
    return Q(duty__duty_list__period=period) | Q(
        duty__duty_list__period__kind=PeriodKind.YEAR,
        duty__duty_list__period__start__year__gte=first_year,
        duty__duty_list__period__end__lte=period.end,
    )


def assignment_rollup(organization: Organization, period: Period, today: dt.date) -> list[dict]:
    """The counted assignments of the subtree (duties.selectors.counted_assignments) in one grouped query: by period
    (the one asked and the years before it), by child of the organization (the path prefix one level down; the
    organization's own keep its path), by area of construction and by light, with their weight and weight accepted."""
    width = (organization.depth + 1) * Organization.steplen
    rows = (
        duty_selectors.counted_assignments()
        .filter(_within(organization, "organization__path"))
        .filter(_yearly_periods_q(period))
        .annotate(
            light_code=duty_selectors.light_expression(today),
            prefix=Substr("organization__path", 1, width),
        )
        .order_by()
        .values("prefix", "light_code", dimension=F("duty__dimension"), code=F("duty__duty_list__period__code"))
        .annotate(
            n=Count("id"),
            counted_weight=Coalesce(Sum("weight"), Value(0), output_field=DecimalField()),
            done_weight=Coalesce(
                Sum("weight", filter=Q(state=AssignmentState.ACCEPTED)), Value(0), output_field=DecimalField()
            ),
        )
    )
    return list(rows)


def _share(done, weight) -> float:
    return round(float(100 * done / weight), 1) if weight else 0.0


def duty_figures(rollup: list[dict], period: Period) -> dict:
    """Counted assignments of the subtree in the period, by light and by area of construction × light; completion is
    the share of the counted weight accepted (duties.selectors.ROLLUP_RULE)."""
    by_light = dict.fromkeys(LIGHTS, 0)
    by_dimension = {d: dict.fromkeys(LIGHTS, 0) for d in Dimension.values}
    weight = done = Decimal(0)
    for row in rollup:
        if row["code"] != period.code:
            continue
        by_light[row["light_code"]] += row["n"]
        by_dimension.setdefault(row["dimension"], dict.fromkeys(LIGHTS, 0))[row["light_code"]] += row["n"]
        weight += row["counted_weight"]
        done += row["done_weight"]
    return {
        "total": sum(by_light.values()),
        "by_light": by_light,
        "by_dimension": by_dimension,
        "completion": _share(done, weight),
    }


def child_figures(rollup: list[dict], organization: Organization, period: Period) -> list[dict]:
    """Each active child's roll-up over its own subtree, from the grouped rows (no query per child)."""
    sums: dict[str, dict] = {}
    for row in rollup:
        if row["code"] != period.code or row["prefix"] == organization.path:
            continue
        child = sums.setdefault(row["prefix"], {"lights": dict.fromkeys(LIGHTS, 0), "weight": 0, "done": 0})
        child["lights"][row["light_code"]] += row["n"]
        child["weight"] += row["counted_weight"]
        child["done"] += row["done_weight"]
    children = Organization.objects.filter(parent=organization, is_active=True).order_by("path")
    out = []
    for child in children.only("id", "code", "name", "name_en", "path", "kind"):
        found = sums.get(child.path, {"lights": dict.fromkeys(LIGHTS, 0), "weight": 0, "done": 0})
        out.append(
            {
                "pk": child.pk,
                "code": child.code,
                "name": child.name,
                "name_en": child.name_en,
                "kind": child.kind,
                "total": sum(found["lights"].values()),
                "completion": _share(found["done"], found["weight"]),
                "by_light": found["lights"],
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


def _holders(organization: Organization, kind: str, paths: list[str], groups: bool) -> dict[str, int]:
    """How many organizations of the subtree hold a kind of meeting, in all and within each of `paths`: branches
    (party groups for a rule held by groups), and for the committee meeting only branches large enough to have one."""
    if kind == MeetingKind.COMMITTEE:
        # The branches with a committee, found by counting active members per branch in one grouped query.
        big = list(
            Member.objects.filter(
                _within(organization, "organization__path"),
                organization__kind=OrgKind.BRANCH,
                organization__is_active=True,
                status=MemberStatus.ACTIVE,
            )
            .order_by()
            .values("organization__path")
            .annotate(n=Count("id"))
            .filter(n__gte=life_selectors.COMMITTEE_MIN_MEMBERS)
            .values_list("organization__path", flat=True)
        )
        return {"all": len(big), **{path: sum(p.startswith(path) for p in big) for path in paths}}
    qs = Organization.objects.filter(subtree_q(organization.path), is_active=True)
    qs = qs.filter(kind=OrgKind.GROUP if groups else OrgKind.BRANCH)
    counts = {"all": Count("id")}
    for i, path in enumerate(paths):
        counts[f"p{i}"] = Count("id", filter=subtree_q(path))
    row = qs.aggregate(**counts)
    return {"all": row["all"], **{path: row[f"p{i}"] for i, path in enumerate(paths)}}


def meeting_months(organization: Organization, period: Period) -> list[dict]:
    """Meetings held in the subtree in the period, counted by kind and month (one grouped query).

    Grouped by the day, not by a month extracted from it: SQLite would call a Python function on every row; the
    days (at most a year's, a kind) are folded into months here."""
    rows = (
        Meeting.objects.filter(
            _within(organization, "organization__path"),
            state=MeetingState.HELD,
            held_on__range=(period.start, period.end),
        )
        .order_by()
        .values("kind", "held_on")
        .annotate(n=Count("id"))
    )
    months: dict[tuple, int] = {}
    for row in rows:
        key = (row["kind"], row["held_on"].year, row["held_on"].month)
        months[key] = months.get(key, 0) + row["n"]
    return [{"kind": kind, "y": y, "m": m, "n": n} for (kind, y, m), n in months.items()]


def meeting_figures(organization: Organization, period: Period, months: list[dict]) -> dict:
    """Meetings held in the subtree in the period by kind, against those the rules require of its organizations."""
    held: dict[str, int] = {}
    for row in months:
        held[row["kind"]] = held.get(row["kind"], 0) + row["n"]
    above, below = _rules_in_force(organization)
    rows = []
    for kind in MeetingKind.values:
        rule = above.get(kind)
        nested = sorted((r for r in below if r.kind == kind), key=lambda r: r.organization.path)
        # The outermost rules set below govern their subtrees (a rule nested in another's subtree is inside it).
        outer = [
            r
            for r in nested
            if not any(r is not o and r.organization.path.startswith(o.organization.path) for o in nested)
        ]
        if rule is None and not outer:
            if held.get(kind):
                rows.append({"kind": kind, "held": held[kind], "required": 0})
            continue
        governing = rule or outer[0]
        counts = _holders(organization, kind, [r.organization.path for r in outer], governing.applies_to_groups)
        outside = counts["all"] - sum(counts[r.organization.path] for r in outer)
        required = (life_selectors.required_count(rule, period) * outside) if rule else 0
        required += sum(life_selectors.required_count(r, period) * counts[r.organization.path] for r in outer)
        rows.append({"kind": kind, "held": held.get(kind, 0), "required": required})
    return {
        "by_kind": rows,
        "held": sum(held.values()),
        "required": sum(r["required"] for r in rows),
    }


def study_months(organization: Organization, period: Period) -> dict[tuple[int, int], Decimal]:
    """Confirmed study hours of the subtree's members in the period, by month (one grouped query)."""
    rows = (
        StudyRecord.objects.filter(
            _within(organization, "member__organization__path"),
            state=RecordState.CONFIRMED,
            studied_on__range=(period.start, period.end),
        )
        .order_by()
        .values("studied_on")
        .annotate(hours=Sum("hours"))
    )
    return _fold_days(rows, "studied_on", "hours", Decimal(0))


def _fold_days(rows, day: str, value: str, zero) -> dict:
    """Values grouped by the day, added up by month (see meeting_months)."""
    months: dict[tuple[int, int], object] = {}
    for row in rows:
        key = (row[day].year, row[day].month)
        months[key] = months.get(key, zero) + (row[value] or zero)
    return months


def study_figures(organization: Organization, period: Period, months: dict) -> dict:
    """Confirmed study hours of the subtree's members in the period against the plan in force at the organization
    (its hours per member times the active members)."""
    plan = life_selectors.plan_for(organization, period.start) or life_selectors.plan_for(organization, period.end)
    per_member = plan.required_hours if plan else DEFAULT_STUDY_HOURS
    count = Member.objects.filter(_within(organization, "organization__path"), status=MemberStatus.ACTIVE).count()
    hours = sum(months.values(), Decimal(0))
    required = per_member * count
    return {
        "members": count,
        "hours": float(hours),
        "per_member": float(per_member),
        "required": float(required),
        "share": _share(hours, required),
    }


def care_figures(organization: Organization, period: Period) -> dict:
    """Members in the care ledger during the period and how many of them were visited in it."""
    # The cases joined to their visits of the period, each counted once: Citus runs no subquery into the visits
    # (distributed by case) correlated with the cases, nor one inside the count once the cases are distributed too.
    visited_in = Q(visits__visited_on__range=(period.start, period.end))
    row = (
        CareCase.objects.filter(_within(organization, "member__organization__path"), opened_on__lte=period.end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
        .aggregate(cases=Count("id", distinct=True), visited=Count("id", distinct=True, filter=visited_in))
    )
    cases, visited = row["cases"], row["visited"]
    return {"cases": cases, "visited": visited, "coverage": round(100 * visited / cases, 1) if cases else 0.0}


# --- pursuit ---------------------------------------------------------------------------------------------------------


def case_figures(organization: Organization) -> dict:
    """Cases concerning the subtree, by state (every period)."""
    counts = dict(
        Case.objects.filter(_within(organization, "organization__path"))
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
            _within(organization, "rectification__case__organization__path"), rectification__isnull=False
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
    results = Result.objects.filter(run=run).filter(_within(organization, "organization__path"))
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


def trend_figures(
    organization: Organization, period: Period, rollup: list[dict], meetings: list[dict], study: dict
) -> dict:
    """Month by month within the period (meetings held, study hours, assignments accepted), and completion in each
    yearly period of the last TREND_YEARS (from the roll-up's rows)."""
    months = _months(period)
    held: dict[tuple[int, int], int] = {}
    for row in meetings:
        held[(row["y"], row["m"])] = held.get((row["y"], row["m"]), 0) + row["n"]
    accepted = _fold_days(
        duty_selectors.counted_assignments()
        .filter(
            _within(organization, "organization__path"),
            state=AssignmentState.ACCEPTED,
            accepted_on__range=(period.start, period.end),
        )
        .order_by()
        .values("accepted_on")
        .annotate(n=Count("id")),
        "accepted_on",
        "n",
        0,
    )
    yearly: dict[str, dict] = {}
    first_year = period.end.year - TREND_YEARS + 1
    for row in rollup:
        code = row["code"]
        if not (len(code) == 4 and code.isdigit() and int(code) >= first_year):
            continue
        year = yearly.setdefault(code, {"total": 0, "weight": 0, "done": 0})
        year["total"] += row["n"]
        year["weight"] += row["counted_weight"]
        year["done"] += row["done_weight"]
    return {
        "months": [f"{y}-{m:02d}" for y, m in months],
        "meetings": [held.get(ym, 0) for ym in months],
        "study_hours": [round(float(study.get(ym, 0)), 1) for ym in months],
        "accepted": [accepted.get(ym, 0) for ym in months],
        "periods": [
            {"code": code, "total": y["total"], "completion": _share(y["done"], y["weight"])}
            for code, y in sorted(yearly.items())
        ],
    }
