"""The records behind each metric: one query per metric of an organization's subtree in the run's period."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
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
    CADRE_POSTS,
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

from .. import engine, outside
from ..membership import Moves, moves_in
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
    orgs = list(_meeting_orgs(s)[:limit])
    # Each organization's active members, counted at once (the committee meeting is required of a committee).
    members = dict(
        Member.objects.filter(organization__in=orgs, status=MemberStatus.ACTIVE)
        .values_list("organization")
        .annotate(n=Count("id"))
        .order_by()
    )
    for org in orgs:
        rules = rules_for(org, active_members=members.get(org.pk, 0))
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


def _moves(s: Scope) -> Moves:
    """The members who moved or left in the days the run counted, of the subtree today or stayed in it."""
    return moves_in(s.start, s.asof, s.organization.path)


def _after_asof(s: Scope) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(s.asof + dt.timedelta(days=1), dt.time.min))


def _counted_members(s: Scope, moves: Moves) -> Q:
    """The members counted in the subtree: those who did not move or leave, active and in it now; those who did,
    with a stay in it."""
    stayed = {stay.member_id for stay in moves.within(s.organization.path)}
    return (s.q("organization__path") & Q(status=MemberStatus.ACTIVE) & ~Q(pk__in=moves.members)) | Q(pk__in=stayed)


def _cadre_post(day: dt.date):
    """The posts of CADRE_POSTS held on `day`."""
    return Post.objects.filter(title__in=CADRE_POSTS, started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day)
    )


def study_records(run, organization):
    """The members counted in the subtree in the days the run counted (its period's first day to its as-of day):
    those who stayed, active, with their hours then, confirmed and waiting for confirmation (rejected ones do not
    count), whether they hold a cadre post (CADRE_POSTS) on the as-of day and whether they were talked with; those
    who moved or left, whose figures are their stays' (member_lines)."""
    s = Scope(run, organization, None)
    moves = _moves(s)

    # The hours summed over the member's records joined (one LEFT JOIN, grouped by member), the cadre post and the
    # talk as uncorrelated IN: Citus runs no correlated subquery on the records (distributed by member) beside the
    # members (a reference table), and PostgreSQL and SQLite give the same rows.
    period = Q(study_records__studied_on__gte=s.start, study_records__studied_on__lte=s.asof)

    def hours(state):
        return Coalesce(Sum("study_records__hours", filter=period & Q(study_records__state=state)), Value(Decimal(0)))

    cadres = _cadre_post(s.asof).values("member_id")
    talked = Talk.objects.filter(talked_on__gte=s.start, talked_on__lte=s.asof).values("member_id")
    return (
        Member.objects.filter(_counted_members(s, moves))
        .annotate(
            confirmed=hours(RecordState.CONFIRMED),
            pending=hours(RecordState.PENDING),
            is_cadre=ExpressionWrapper(Q(pk__in=cadres), output_field=BooleanField()),
            talked=ExpressionWrapper(Q(pk__in=talked), output_field=BooleanField()),
        )
        .select_related("organization")
        .order_by("organization__path", by_reading("name", chinese=True), "id")
    )


@dataclass
class MemberLine:
    """A member counted in an organization for some of the days counted (all of them, share 1, for one who stayed):
    hours recorded there, whether they held a cadre post on the last of those days, whether they were talked with."""

    member: Member
    organization: Organization
    first: dt.date
    last: dt.date
    share: float
    confirmed: float
    pending: float
    is_cadre: bool
    talked: bool

    @property
    def hours(self) -> float:
        return self.confirmed + self.pending


def member_lines(run, organization, members=None) -> list[MemberLine]:
    """The lines of the members counted in the subtree (`members`, from study_records; all of them if not given): one
    for each who stayed, from its annotations; one per stay in the subtree for each who moved or left, from their
    records read here."""
    s = Scope(run, organization, None)
    moves = _moves(s)
    members = list(study_records(run, organization) if members is None else members)
    lines = [
        MemberLine(m, m.organization, s.start, s.asof, 1.0, float(m.confirmed), float(m.pending), m.is_cadre, m.talked)
        for m in members
        if m.pk not in moves.stays
    ]
    moved = {m.pk: m for m in members if m.pk in moves.stays}
    stays = [stay for stay in moves.within(organization.path) if stay.member_id in moved]
    if not stays:
        return lines
    ids = list(moved)
    records = StudyRecord.objects.filter(
        member_id__in=ids,
        state__in=[RecordState.CONFIRMED, RecordState.PENDING],
        studied_on__gte=s.start,
        studied_on__lte=s.asof,
    ).values_list("member_id", "studied_on", "state", "hours")
    talks = Talk.objects.filter(member_id__in=ids, talked_on__gte=s.start, talked_on__lte=s.asof).values_list(
        "member_id", "talked_on"
    )
    posts = Post.objects.filter(member_id__in=ids, title__in=CADRE_POSTS).values_list(
        "member_id", "started_on", "ended_on"
    )
    records, talks, posts = list(records), list(talks), list(posts)
    places = Organization.objects.in_bulk({stay.organization_id for stay in stays})
    for stay in stays:
        mine = [(day, state, hours) for m, day, state, hours in records if m == stay.member_id and stay.holds(day)]
        lines.append(
            MemberLine(
                moved[stay.member_id],
                places[stay.organization_id],
                stay.first,
                stay.last,
                moves.share(stay),
                float(sum((h for _d, state, h in mine if state == RecordState.CONFIRMED), Decimal(0))),
                float(sum((h for _d, state, h in mine if state == RecordState.PENDING), Decimal(0))),
                any(
                    m == stay.member_id and since <= stay.last and (until is None or until >= stay.last)
                    for m, since, until in posts
                ),
                any(m == stay.member_id and stay.holds(day) for m, day in talks),
            )
        )
    return lines


def care_records(run, organization):
    """Cases in the ledger open on the day the run counted to, with their last visit up to that day, of the members
    of the subtree on that day: those who stayed, active; those who moved or left, where they were that day (none
    once they had left)."""
    s = Scope(run, organization, None)
    asof = s.asof
    moves = _moves(s)
    there = [m for m in moves.members if moves.inside(moves.where(m, asof), organization.path)]
    members = (
        s.q("member__organization__path") & Q(member__status=MemberStatus.ACTIVE) & ~Q(member_id__in=moves.members)
    ) | Q(member_id__in=there)
    return (
        CareCase.objects.filter(members, opened_on__lte=asof)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=asof))
        .annotate(last_visit=Max("visits__visited_on", filter=Q(visits__visited_on__lte=asof)))
        .select_related("member__organization")
        .order_by("member__organization__path", by_reading("member__name", chinese=True), "id")
    )


def talk_records(run, organization):
    """The members counted in the subtree who were not talked with in the days the run counted: those who stayed
    without a talk; those who moved or left without one in a stay in the subtree."""
    s = Scope(run, organization, None)
    moves = _moves(s)
    # NOT IN the members talked with (a hash of their ids), not NOT EXISTS per member: Citus runs no correlated
    # subquery on the talks (distributed by member) beside the members (a reference table).
    talked = Talk.objects.filter(talked_on__gte=s.start, talked_on__lte=s.asof).values("member_id")
    stayed = s.q("organization__path") & Q(status=MemberStatus.ACTIVE) & ~Q(pk__in=moves.members)
    stays = moves.within(organization.path)
    untalked = set()
    if stays:
        days = defaultdict(list)
        for member_id, day in Talk.objects.filter(
            member_id__in={stay.member_id for stay in stays}, talked_on__gte=s.start, talked_on__lte=s.asof
        ).values_list("member_id", "talked_on"):
            days[member_id].append(day)
        untalked = {stay.member_id for stay in stays if not any(stay.holds(day) for day in days[stay.member_id])}
    return (
        Member.objects.filter((stayed & ~Q(pk__in=talked)) | Q(pk__in=untalked))
        .select_related("organization")
        .order_by("organization__path", by_reading("name", chinese=True), "id")
    )


def claim_records(run, organization):
    """Claims of duties made in the days the run counted (active or completed), each where its member was on its day:
    for one who stayed, their organization now; for one who moved or left, the one they were in then (none once they
    had left)."""
    s = Scope(run, organization, None)
    moves = _moves(s)
    start = timezone.make_aware(dt.datetime.combine(s.start, dt.time.min))
    claims = Claim.objects.filter(
        state__in=[ClaimState.ACTIVE, ClaimState.COMPLETED], created_at__gte=start, created_at__lt=_after_asof(s)
    )
    placed = [
        pk
        for pk, member_id, at in claims.filter(member_id__in=moves.members).values_list("pk", "member_id", "created_at")
        if moves.inside(moves.where(member_id, timezone.localdate(at)), organization.path)
    ]
    return (
        claims.filter((s.q("member__organization__path") & ~Q(member_id__in=moves.members)) | Q(pk__in=placed))
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


def record_query(metric: str):
    """The records behind a metric, (run, organization) -> queryset: a built-in metric's query, or an outside
    metric's source's (outside.py), counted up to the day the run counted to."""
    if metric in RECORD_QUERIES:
        return RECORD_QUERIES[metric]
    source = outside.source_of(metric)
    if source is None:
        raise KeyError(metric)
    return lambda run, organization: source.records(run, organization, run_asof(run))
