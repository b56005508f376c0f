"""The records behind each metric: one query per metric of an organization's subtree in the run's period."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from grassroots.core.collation import by_reading
from grassroots.duties.models import (
    Assignment,
    AssignmentState,
    BusinessObjective,
    Claim,
    ClaimState,
    ObjectiveValue,
    ProgressReport,
    ReportState,
)
from grassroots.organizations.models import (
    Member,
    MemberStatus,
    Organization,
    OrgKind,
    Post,
    subtree_q,
)
from grassroots.orglife.models import (
    Attendance,
    AttendanceStatus,
    CareCase,
    Meeting,
    MeetingKind,
    MeetingState,
    RecordState,
    StudyRecord,
    Talk,
)

from .. import engine
from ..models import (
    AssessmentRun,
    Metric,
    VetoEvent,
)
from .runs import run_asof

RECORDS_SHOWN = 200


@dataclass
class Scope:
    """What a record query needs: the run's period, the day it counted to, the subtree, the reader."""

    run: AssessmentRun
    organization: Organization
    user: object

    @property
    def start(self):
        return self.run.period.start

    @property
    def end(self):
        return self.run.period.end

    @property
    def asof(self):
        return run_asof(self.run)

    def q(self, lookup: str) -> Q:
        return subtree_q(self.organization.path, lookup)


def _assignments(s: Scope):
    # The subtree as IN (organizations by path): SQLite then walks the assignments of each organization by index,
    # where a join on the path lets it scan the whole period by due date to save the sort (1 s a query at scale).
    subtree = Organization.objects.filter(s.q("path"))
    return (
        Assignment.objects.filter(organization__in=subtree, due_on__gte=s.start, due_on__lte=s.end)
        .exclude(state__in=[AssignmentState.DRAFT, AssignmentState.CANCELLED])
        .select_related("duty", "organization")
        .order_by("due_on", "organization__path", "id")
    )


def completion_records(run, organization):
    """Every assignment due in the period in the subtree (key work and major tasks weigh more)."""
    return _assignments(Scope(run, organization, None))


def key_work_records(run, organization):
    return completion_records(run, organization).filter(Q(duty__is_key=True) | Q(duty__is_major=True))


def on_time_records(run, organization):
    s = Scope(run, organization, None)
    return _assignments(s).filter(due_on__lte=s.asof)


def overdue_key_records(run, organization):
    s = Scope(run, organization, None)
    return key_work_records(run, organization).exclude(state=AssignmentState.ACCEPTED).filter(due_on__lt=s.asof)


def major_failed_records(run, organization):
    return completion_records(run, organization).filter(duty__is_major=True).exclude(state=AssignmentState.ACCEPTED)


def returned_records(run, organization):
    """Reports reviewed in the period: returned ones cost, accepted ones count for."""
    s = Scope(run, organization, None)
    return (
        ProgressReport.objects.filter(
            s.q("assignment__organization__path"),
            state__in=[ReportState.RETURNED, ReportState.ACCEPTED],
            assignment__due_on__gte=s.start,
            assignment__due_on__lte=s.end,
        )
        .select_related("assignment__duty", "assignment__organization")
        .order_by("-state", "assignment__due_on", "id")
    )


def _meeting_orgs(s: Scope):
    return Organization.objects.filter(
        s.q("path"),
        is_active=True,
        kind__in=[OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.GROUP],
    ).order_by("path")


def meeting_records(run, organization, limit: int | None = RECORDS_SHOWN) -> list[dict]:
    """Per organization of the subtree that holds meetings (the first `limit`) and per kind: required by the run's
    as-of day (the months passed, as the engine counts them), held in the period, missing."""
    from grassroots.orglife.selectors import required_in, rules_for

    s = Scope(run, organization, None)
    months = engine.Context.of(run, s.asof).elapsed_months
    # The meetings held in the subtree, counted per organization and kind in one query.
    held = {
        (org_id, kind): n
        for org_id, kind, n in held_meetings(run, organization)
        .order_by()
        .values_list("organization_id", "kind")
        .annotate(n=Count("id"))
    }
    rows = []
    for org in _meeting_orgs(s)[:limit]:
        rules = rules_for(org)
        for kind in [k for k in MeetingKind.values if k in rules]:
            required = required_in(rules[kind], months)
            if not required:
                continue
            n = held.get((org.pk, kind), 0)
            rows.append(
                {
                    "kind": kind,
                    "label": MeetingKind(kind).label,
                    "required": required,
                    "held": n,
                    "missing": max(0, required - n),
                    "organization": org,
                }
            )
    return rows


def held_meetings(run, organization):
    s = Scope(run, organization, None)
    return (
        Meeting.objects.filter(
            s.q("organization__path"), state=MeetingState.HELD, held_on__gte=s.start, held_on__lte=s.end
        )
        .select_related("organization")
        .order_by("held_on", "id")
    )


def attendance_records(run, organization):
    """Absences from held meetings in the period (present and late count as attending)."""
    s = Scope(run, organization, None)
    return (
        Attendance.objects.filter(
            s.q("meeting__organization__path"),
            meeting__state=MeetingState.HELD,
            meeting__held_on__gte=s.start,
            meeting__held_on__lte=s.end,
            status__in=[AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED],
        )
        .select_related("meeting__organization", "member")
        .order_by("meeting__held_on", "id")
    )


def unexcused_records(run, organization):
    return attendance_records(run, organization).filter(status=AttendanceStatus.ABSENT)


def study_required(run) -> tuple[float, float]:
    """Hours a member and a cadre must have studied by the day the run counted to, as the engine counts them."""
    return engine.study_required(engine.Context.of(run, run_asof(run)))


def study_records(run, organization):
    """Active members of the subtree with their confirmed hours in the period and whether they hold a post."""
    s = Scope(run, organization, None)
    hours = (
        StudyRecord.objects.filter(
            member=OuterRef("pk"), state=RecordState.CONFIRMED, studied_on__gte=s.start, studied_on__lte=s.end
        )
        .order_by()
        .values("member")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return (
        Member.objects.filter(s.q("organization__path"), status=MemberStatus.ACTIVE)
        .annotate(hours=hours, is_cadre=Exists(Post.objects.filter(member=OuterRef("pk"), ended_on__isnull=True)))
        .select_related("organization")
        .order_by("organization__path", by_reading("name", chinese=True), "id")
    )


def care_records(run, organization):
    """Cases in the ledger open on the day the run counted to, with their last visit up to that day."""
    s = Scope(run, organization, None)
    asof = s.asof
    return (
        CareCase.objects.filter(s.q("member__organization__path"), opened_on__lte=asof)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=asof))
        .annotate(last_visit=Max("visits__visited_on", filter=Q(visits__visited_on__lte=asof)))
        .select_related("member__organization")
        .order_by("member__organization__path", by_reading("member__name", chinese=True), "id")
    )


def talk_records(run, organization):
    """Active members of the subtree without a heart-to-heart talk in the period."""
    s = Scope(run, organization, None)
    # NOT EXISTS, not NOT IN: an anti-join on the talks of each member, not a hash of every talk of the period.
    talked = Talk.objects.filter(member=OuterRef("pk"), talked_on__gte=s.start, talked_on__lte=s.end)
    return (
        Member.objects.filter(s.q("organization__path"), status=MemberStatus.ACTIVE)
        .filter(~Exists(talked))
        .select_related("organization")
        .order_by("organization__path", by_reading("name", chinese=True), "id")
    )


def claim_records(run, organization):
    s = Scope(run, organization, None)
    start = timezone.make_aware(dt.datetime.combine(s.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(s.end, dt.time.max))
    return (
        Claim.objects.filter(
            s.q("member__organization__path"),
            state__in=[ClaimState.ACTIVE, ClaimState.COMPLETED],
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("duty", "member__organization")
        .order_by("created_at", "id")
    )


def objective_records(run, organization):
    """Business objectives of the subtree for periods overlapping the run's, with their latest value."""
    s = Scope(run, organization, None)
    latest = ObjectiveValue.objects.filter(objective=OuterRef("pk"), measured_on__lte=s.asof).order_by(
        "-measured_on", "-id"
    )
    return (
        BusinessObjective.objects.filter(s.q("organization__path"), period__start__lte=s.end, period__end__gte=s.start)
        .annotate(
            latest_value=latest.values("value")[:1],
            latest_on=latest.values("measured_on")[:1],
        )
        .select_related("organization")
        .order_by("organization__path", by_reading("name", chinese=True), "id")
    )


def veto_records(run, organization):
    """The vetoes the run counted: those in force when it was computed (one taken back since is still the reason of
    its result, one recorded since counts at its next computation); before it is computed, those in force now."""
    s = Scope(run, organization, None)
    return (
        VetoEvent.objects.in_force(run.computed_at)
        .filter(s.q("organization__path"), occurred_on__gte=s.start, occurred_on__lte=s.end)
        .select_related("organization")
        .order_by("occurred_on", "id")
    )


RECORD_QUERIES = {
    Metric.COMPLETION: completion_records,
    Metric.ON_TIME: on_time_records,
    Metric.KEY_WORK: key_work_records,
    Metric.RETURNED: returned_records,
    Metric.MEETINGS: meeting_records,
    Metric.MISSING_MEETINGS: meeting_records,
    Metric.ATTENDANCE: attendance_records,
    Metric.UNEXCUSED: unexcused_records,
    Metric.STUDY: study_records,
    Metric.CARE: care_records,
    Metric.TALKS: talk_records,
    Metric.CLAIMS: claim_records,
    Metric.OBJECTIVES: objective_records,
    Metric.OVERDUE_KEY: overdue_key_records,
    Metric.MAJOR_FAILED: major_failed_records,
    Metric.VETO_EVENTS: veto_records,
}
