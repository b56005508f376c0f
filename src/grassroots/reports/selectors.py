"""Reads of reports and ledgers, every one cut down by the policy to what the reader may export.

The ledgers are read as tuples (`values_list`), never as model instances, and iterated in chunks by the writers: a
subtree of a province streams through the same few megabytes as a branch.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from grassroots.accountability.models import OPEN_CASE_STATES
from grassroots.accountability.selectors import case_list, rectifications_of_cases
from grassroots.assessment.models import AssessmentRun, Result, RunState
from grassroots.assessment.selectors import explanation
from grassroots.assessment.selectors.runs import grade_counts, result_list, results_to_export, run_list
from grassroots.core.models import Period
from grassroots.core.policy import Action, can, restrict, subject
from grassroots.duties.models import Assignment, AssignmentState, ProgressReport
from grassroots.duties.selectors import progress_by_child, subtree_progress
from grassroots.organizations.models import Member, MemberStatus, Organization, OrgKind, ancestor_paths, subtree_q
from grassroots.orglife.models import (
    Attendance,
    AttendanceStatus,
    CareVisit,
    Meeting,
    MeetingKind,
    MeetingState,
    RecordState,
    StudyRecord,
    Talk,
)
from grassroots.orglife.selectors import meeting_status, study_totals

CHUNK = 2000
SUMMARIZED_KINDS = (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)  # their report sums up the organizations below
ITEMS_SHOWN = 30  # the items of work a period report lists by name; the counts cover them all


# ---------------------------------------------------------------------------------------------------- who may export


def exportable_roots(*, user) -> list[Organization]:
    """The highest organizations whose subtree the user may export (their reports and ledgers): the roots of their
    grants that carry the export, the top of the tree for an administrator."""
    subj = subject(user)
    qs = Organization.objects.filter(is_active=True)
    qs = qs.filter(depth=1) if subj.is_superuser else qs.filter(path__in=subj.paths_for(Action.EXPORT))
    return list(qs.order_by("path"))


def exportable_children(*, user, organization: Organization) -> list[Organization]:
    """The organizations just below `organization`, for the reports page to go down one level at a time."""
    return list(
        restrict(user, Action.EXPORT, Organization.objects.filter(parent=organization, is_active=True)).order_by(
            "path"
        )[:500]
    )


def may_export(user, organization: Organization) -> bool:
    return can(user, Action.EXPORT, organization)


def may_read_personal(user, organization: Organization) -> bool:
    """Whether care details and talk notes of the organization's subtree may go into the reader's ledger."""
    return can(user, Action.VIEW_PERSONAL, organization)


def exportable_runs(*, user, organization: Organization):
    """The assessment runs over the organization's subtree (or above it) whose results the user may export."""
    return (
        run_list(user=user)
        .filter(Q(scope__path__startswith=organization.path) | Q(pk__in=runs_assessing(organization).values("pk")))
        .exclude(state=RunState.OPEN)
        .order_by("-period__start", "-version", "-pk")
    )


def runs_assessing(organization: Organization):
    """Runs whose scope contains the organization (computed at least once)."""
    return AssessmentRun.objects.filter(scope__path__in=ancestor_paths(organization.path), computed_at__isnull=False)


# ------------------------------------------------------------------------------------------------------------ ledgers


def _within(qs, organization: Organization, to_org: str, subtree: bool):
    """Rows of the organization (`to_org` the lookup reaching it), or of its whole subtree."""
    if subtree:
        return qs.filter(subtree_q(organization.path, f"{to_org}__path"))
    return qs.filter(**{to_org: organization})


ORG = ("organization__code", "organization__name", "organization__name_en")


def ledger_meetings(*, user, organization: Organization, year: int, subtree: bool):
    """Meetings (三会一课) of the year with their attendance counted."""
    present = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
    qs = _within(
        restrict(user, Action.EXPORT, Meeting.objects.filter(held_on__year=year)), organization, "organization", subtree
    )
    return (
        qs.annotate(
            n_present=Count("attendance", filter=Q(attendance__status__in=present)),
            n_excused=Count("attendance", filter=Q(attendance__status=AttendanceStatus.EXCUSED)),
            n_absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
        )
        .order_by("organization__path", "held_on", "id")
        .values_list(
            *ORG,
            "held_on",
            "kind",
            "state",
            "topic",
            "place",
            "host__name",
            "n_present",
            "n_excused",
            "n_absent",
            "resolutions",
        )
    )


def ledger_attendance(*, user, organization: Organization, year: int, subtree: bool):
    """Every member's attendance at the year's meetings, one row each."""
    meetings = _within(
        restrict(user, Action.EXPORT, Meeting.objects.filter(held_on__year=year)), organization, "organization", subtree
    )
    return (
        Attendance.objects.filter(meeting__in=meetings.values("pk"))
        .order_by("meeting__organization__path", "meeting__held_on", "meeting_id", "id")
        .values_list(
            "meeting__organization__code",
            "meeting__organization__name",
            "meeting__organization__name_en",
            "meeting__held_on",
            "meeting__kind",
            "meeting__topic",
            "member__name",
            "status",
            "reason",
        )
    )


def ledger_study(*, user, organization: Organization, year: int, subtree: bool):
    qs = restrict(user, Action.EXPORT, StudyRecord.objects.filter(studied_on__year=year))
    return (
        _within(qs, organization, "member__organization", subtree)
        .order_by("member__organization__path", "member__name", "studied_on", "id")
        .values_list(
            "member__organization__code",
            "member__organization__name",
            "member__organization__name_en",
            "member__name",
            "studied_on",
            "title",
            "course__title",
            "hours",
            "state",
            "confirmed_by__member__name",
            "confirmed_by__username",
        )
    )


def ledger_talks(*, user, organization: Organization, year: int, subtree: bool):
    qs = restrict(user, Action.EXPORT, Talk.objects.filter(talked_on__year=year))
    return (
        _within(qs, organization, "member__organization", subtree)
        .order_by("member__organization__path", "talked_on", "id")
        .values_list(
            "member__organization__code",
            "member__organization__name",
            "member__organization__name_en",
            "talked_on",
            "member__name",
            "with_member__name",
            "with_name",
            "topic",
            "notes",
        )
    )


def ledger_care(*, user, organization: Organization, year: int, subtree: bool):
    qs = restrict(user, Action.EXPORT, CareVisit.objects.filter(visited_on__year=year))
    return (
        _within(qs, organization, "case__member__organization", subtree)
        .order_by("case__member__organization__path", "visited_on", "id")
        .values_list(
            "case__member__organization__code",
            "case__member__organization__name",
            "case__member__organization__name_en",
            "case__member__name",
            "case__category",
            "case__opened_on",
            "visited_on",
            "visitor__name",
            "visitor_name",
            "occasion",
            "help_given",
            "amount",
            "case__details",
        )
    )


def ledger_duties(*, user, organization: Organization, year: int, subtree: bool):
    """The assignments received and due in the year, with the number of their reports."""
    qs = restrict(user, Action.EXPORT, Assignment.objects.filter(due_on__year=year)).exclude(
        state=AssignmentState.DRAFT
    )
    return (
        _within(qs, organization, "organization", subtree)
        .annotate(n_reports=Count("reports"))
        .order_by("organization__path", "due_on", "id")
        .values_list(
            *ORG,
            "duty__title",
            "duty__dimension",
            "duty__is_key",
            "duty__is_major",
            "duty__organization__name",
            "responsible__name",
            "start_on",
            "due_on",
            "state",
            "percent",
            "accepted_on",
            "n_reports",
        )
    )


def ledger_reports(*, user, organization: Organization, year: int, subtree: bool):
    """The progress reports on those assignments, one row each."""
    assignments = _within(
        restrict(user, Action.EXPORT, Assignment.objects.filter(due_on__year=year)),
        organization,
        "organization",
        subtree,
    )
    return (
        ProgressReport.objects.filter(assignment__in=assignments.values("pk"))
        .order_by("assignment__organization__path", "assignment__due_on", "assignment_id", "created_at", "id")
        .values_list(
            "assignment__organization__code",
            "assignment__organization__name",
            "assignment__organization__name_en",
            "assignment__duty__title",
            "created_at",
            "author__member__name",
            "author__username",
            "percent",
            "text",
            "state",
            "reviewer__member__name",
            "reviewer__username",
            "reviewed_at",
            "return_reason",
        )
    )


# ------------------------------------------------------------------------------------------------ the period report


@dataclass
class Scores:
    """An organization's result in the run that assesses it for the period, with the losses that explain it."""

    run: AssessmentRun
    result: Result
    provisional: bool
    losses: list[tuple[str, float]] = field(default_factory=list)  # (indicator, points lost), the biggest first
    deductions: list[tuple[str, float]] = field(default_factory=list)
    vetoes: list[str] = field(default_factory=list)


@dataclass
class ChildLine:
    """One organization just below, in a committee's summary."""

    organization: Organization
    duties: dict
    meetings_held: int
    score: float | None
    grade: str
    open_cases: int


@dataclass
class PeriodReport:
    organization: Organization
    period: Period
    made_at: dt.datetime
    duties: dict  # the roll-up over the subtree (duties.selectors.subtree_progress)
    items: list  # the organization's own assignments of the period, up to ITEMS_SHOWN
    items_total: int
    meetings: list[dict]  # per kind: required, held, missing (orglife.selectors.meeting_status)
    study: dict  # members, on plan, behind, hours
    talks: int
    care_visits: int
    scores: Scores | None
    cases: list  # cases of the period concerning the organization (or its subtree, for a committee)
    cases_by_state: dict
    rectifications: dict  # total, done, open
    children: list[ChildLine]
    grades: list[dict] = field(default_factory=list)  # a committee's: the grades of the results in its subtree

    @property
    def is_committee(self) -> bool:
        return self.organization.kind in SUMMARIZED_KINDS


def _scores(user, organization: Organization, period: Period) -> Scores | None:
    """The result of the run assessing the organization in the period: a published one first, else the latest
    computed one the reader may see (then provisional)."""
    runs = run_list(user=user).filter(pk__in=runs_assessing(organization).values("pk"), period=period)
    runs = sorted(
        runs, key=lambda r: (r.state in (RunState.PUBLISHED, RunState.CLOSED), r.computed_at or timezone.now(), r.pk)
    )
    for run in reversed(runs):
        result = result_list(user=user, run=run).filter(organization=organization).first()
        if result is None:
            continue
        provisional = run.state not in (RunState.PUBLISHED, RunState.CLOSED) or run.is_provisional
        scores = Scores(run=run, result=result, provisional=provisional)
        if result.score is not None:
            told = explanation(user=user, run=run, organization=organization, with_records=False)
            scores.losses = [(line.indicator.display_name(), lost) for lost, line in told.top_losses]
            scores.deductions = [
                (line.indicator.display_name(), line.score or 0.0) for line in told.deductions if line.score
            ]
            scores.vetoes = [line.indicator.display_name() for line in told.vetoes if line.fired]
        return scores
    return None


def _study(organization: Organization, period: Period) -> dict:
    if organization.kind in SUMMARIZED_KINDS:
        return _study_of_subtree(organization, period)
    rows = study_totals(organization=organization, period=period)
    hours = sum((row["hours"] for row in rows), start=0)
    return {
        "members": len(rows),
        "on_plan": sum(1 for row in rows if row["ok"]),
        "behind": sum(1 for row in rows if not row["ok"]),
        "hours": round(Decimal(hours), 1),
    }


def _study_of_subtree(organization: Organization, period: Period) -> dict:
    """A committee's: members of the subtree and their confirmed hours (who is on plan is the branches' matter)."""
    members = Member.objects.filter(subtree_q(organization.path, "organization__path"), status=MemberStatus.ACTIVE)
    hours = StudyRecord.objects.filter(
        subtree_q(organization.path, "member__organization__path"),
        state=RecordState.CONFIRMED,
        studied_on__range=(period.start, period.end),
    ).aggregate(total=Sum("hours"))["total"]
    return {"members": members.count(), "on_plan": None, "behind": None, "hours": round(Decimal(hours or 0), 1)}


def _meetings(organization: Organization, period: Period) -> list[dict]:
    """Per kind of meeting: a branch's required, held and missing; a committee's held over its subtree."""
    if organization.kind not in SUMMARIZED_KINDS:
        return meeting_status(organization=organization, period=period)
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
    return [
        {"kind": kind, "label": label, "required": None, "held": held.get(kind, 0), "missing": None}
        for kind, label in MeetingKind.choices
        if held.get(kind)
    ]


def _grades(user, organization: Organization, period: Period) -> list[dict]:
    """The grades of the results in a committee's subtree, of the latest run of the period over it."""
    runs = run_list(user=user).filter(period=period, computed_at__isnull=False)
    runs = runs.filter(
        Q(scope__path__startswith=organization.path) | Q(pk__in=runs_assessing(organization).values("pk"))
    )
    run = runs.order_by("-computed_at", "-pk").first()
    if run is None:
        return []
    results = result_list(user=user, run=run).filter(subtree_q(organization.path, "organization__path"))
    return [row for row in grade_counts(run, results) if row["count"]] if results.exists() else []


def _children(user, organization: Organization, period: Period, scores: Scores | None, cases) -> list[ChildLine]:
    children = list(
        restrict(user, Action.VIEW, Organization.objects.filter(parent=organization, is_active=True)).order_by("path")
    )
    if not children:
        return []
    progress = progress_by_child(organization=organization, period=period)
    width = len(children[0].path)
    held = _held_by_child(organization, period, width)
    results = {}
    if scores is not None:
        results = {
            r.organization_id: r
            for r in result_list(user=user, run=scores.run)
            .filter(organization__in=children)
            .only("organization_id", "score", "grade")
        }
    open_cases: dict[str, int] = {}
    for path in cases.filter(state__in=OPEN_CASE_STATES).values_list("organization__path", flat=True):
        if len(path) >= width:
            open_cases[path[:width]] = open_cases.get(path[:width], 0) + 1
    lines = []
    for child in children:
        result = results.get(child.pk)
        lines.append(
            ChildLine(
                organization=child,
                duties=progress.get(child.path, {"total": 0, "accepted": 0, "red": 0, "completion": 0.0}),
                meetings_held=held.get(child.path, 0),
                score=result.score if result else None,
                grade=result.get_grade_display() if result else "",
                open_cases=open_cases.get(child.path, 0),
            )
        )
    return lines


def _held_by_child(organization: Organization, period: Period, width: int) -> dict[str, int]:
    return dict(
        Meeting.objects.filter(
            organization__path__gt=organization.path,
            organization__path__lt=organization.path + "~",
            state=MeetingState.HELD,
            held_on__range=(period.start, period.end),
        )
        .annotate(prefix=Substr("organization__path", 1, width))
        .order_by()
        .values_list("prefix")
        .annotate(n=Count("id"))
    )


def period_report(*, user, organization: Organization, period: Period) -> PeriodReport:
    """What was due and done in the period, organizational life, the scores and what explains them, cases and
    rectifications; for a committee, one line for each organization just below it."""
    own = (
        restrict(user, Action.EXPORT, Assignment.objects.filter(organization=organization))
        .filter(duty__duty_list__period=period)
        .exclude(state=AssignmentState.DRAFT)
        .select_related("duty", "responsible")
        .order_by("due_on", "id")
    )
    cases = case_list(user=user).filter(period=period).filter(subtree_q(organization.path, "organization__path"))
    by_state = dict(cases.order_by().values_list("state").annotate(n=Count("id")))
    rectifications = rectifications_of_cases(cases)
    done = rectifications.filter(assignment__state=AssignmentState.ACCEPTED).count()
    total = rectifications.count()
    scores = _scores(user, organization, period)
    return PeriodReport(
        organization=organization,
        period=period,
        made_at=timezone.localtime(),
        duties=subtree_progress(organization=organization, period=period),
        items=list(own[:ITEMS_SHOWN]),
        items_total=own.count(),
        meetings=_meetings(organization, period),
        study=_study(organization, period),
        talks=restrict(user, Action.VIEW, Talk.objects.filter(talked_on__range=(period.start, period.end)))
        .filter(subtree_q(organization.path, "member__organization__path"))
        .count(),
        care_visits=restrict(user, Action.VIEW, CareVisit.objects.filter(visited_on__range=(period.start, period.end)))
        .filter(subtree_q(organization.path, "case__member__organization__path"))
        .count(),
        scores=scores,
        cases=list(cases.select_related("organization").order_by("-created_at", "-id")[:ITEMS_SHOWN]),
        cases_by_state=by_state,
        rectifications={"total": total, "done": done, "open": total - done},
        children=_children(user, organization, period, scores, cases),
        grades=_grades(user, organization, period) if organization.kind in SUMMARIZED_KINDS else [],
    )


# ----------------------------------------------------------------------------------- assessment results by level


def results_by_level(*, user, run: AssessmentRun):
    """The run's results the user may export, grouped by the depth of the organizations: [(depth, queryset)]."""
    results = results_to_export(user=user, results=result_list(user=user, run=run))
    depths = sorted(set(results.order_by().values_list("organization__depth", flat=True).distinct()))
    return [(depth, results.filter(organization__depth=depth).order_by("organization__path")) for depth in depths]


def kinds_at(results) -> list:
    """The kinds of organization (their labels) among these results."""
    kinds = results.order_by().values_list("organization__kind", flat=True).distinct()
    return [OrgKind(k).label for k in kinds if k in OrgKind.values]
