"""Reads of organizational life: what is due or missing, totals against plans, rankings, alerts."""

import datetime as dt
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Prefetch, Q, Sum
from django.utils import timezone

from grassroots.core.collation import by_reading
from grassroots.core.models import Period
from grassroots.core.policy import Action, can, restrict, subject
from grassroots.organizations.models import (
    Member,
    MemberCategory,
    MemberStatus,
    Organization,
    OrgKind,
    ancestor_paths,
    subtree_q,
)

from .models import (
    CADRE_POSTS,
    Appraisal,
    AppraisalGrade,
    AppraisalVote,
    AttendanceStatus,
    CareCase,
    CareVisit,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingState,
    PointEntry,
    PointRule,
    RecordState,
    StudyCourse,
    StudyPlan,
    StudyRecord,
    Talk,
)

MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


# A branch of this many active members or more forms a committee; a smaller one has none, and no committee
# meeting is required of it.
COMMITTEE_MIN_MEMBERS = 7


def rules_for(organization: Organization, *, active_members: int | None = None) -> dict[str, MeetingRule]:
    """The meeting rules in force for an organization: the nearest one set above it wins over the default; the
    committee meeting's only if it is a branch with a committee (COMMITTEE_MIN_MEMBERS members or more; a caller
    walking many organizations gives each one's `active_members`, counted at once)."""
    rules: dict[str, MeetingRule] = {}
    for rule in MeetingRule.objects.filter(
        Q(organization__isnull=True) | Q(organization__path__in=ancestor_paths(organization.path))
    ).select_related("organization"):
        current = rules.get(rule.kind)
        depth = rule.organization.depth if rule.organization else 0
        if current is None or depth > (current.organization.depth if current.organization else 0):
            rules[rule.kind] = rule
    is_group = organization.kind == OrgKind.GROUP
    rules = {k: r for k, r in rules.items() if r.applies_to_groups == is_group}
    if MeetingKind.COMMITTEE in rules and organization.kind == OrgKind.BRANCH:
        if active_members is None:
            active_members = Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE).count()
        if active_members < COMMITTEE_MIN_MEMBERS:
            del rules[MeetingKind.COMMITTEE]
    return rules


def required_in(rule, months: int) -> int:
    """Meetings a rule requires in a stretch of whole months: none of a yearly kind within a quarter."""
    return rule.count * (months // MONTHS_PER[rule.per])


def required_count(rule: MeetingRule, period: Period) -> int:
    return required_in(rule, _months(period))


def meeting_rule_list(*, user):
    """The defaults, rules set in the user's scope, and rules set above it (they apply in it too)."""
    qs = MeetingRule.objects.select_related("organization")
    subj = subject(user)
    if subj.is_superuser:
        return qs
    roots = list(subj.paths_for(Action.VIEW))
    if subj.member is not None:
        roots.append(subj.member.organization.path)
    above = {root[:i] for root in roots for i in range(Organization.steplen, len(root), Organization.steplen)}
    visible = restrict(user, Action.VIEW, Organization.objects.all())
    return qs.filter(
        Q(organization__isnull=True) | Q(organization__in=visible) | Q(organization__path__in=sorted(above))
    )


def attendee_pool(organization: Organization):
    """Members who attend this organization's meetings: its own, or a group's parent branch's."""
    owner = organization
    if organization.kind == OrgKind.GROUP and organization.parent_id:
        owner = organization.parent
    return Member.objects.filter(organization=owner, status=MemberStatus.ACTIVE)


def meeting_status(*, organization: Organization, period: Period, today=None) -> list[dict]:
    """Per kind of meeting: required in the period, held, planned, missing, and whether it is due now."""
    today = today or timezone.localdate()
    rules = rules_for(organization)
    held = dict(
        Meeting.objects.filter(
            organization=organization, state=MeetingState.HELD, held_on__range=(period.start, period.end)
        )
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    planned = dict(
        Meeting.objects.filter(organization=organization, state=MeetingState.PLANNED, held_on__gte=today)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    last = dict(
        Meeting.objects.filter(organization=organization, state=MeetingState.HELD)
        .order_by()
        .values_list("kind")
        .annotate(last=Max("held_on"))
    )
    elapsed = min(_months(period), max(0, (today.year - period.start.year) * 12 + today.month - period.start.month + 1))
    out = []
    for kind, rule in sorted(rules.items(), key=lambda kv: list(MeetingKind.values).index(kv[0])):
        required = required_count(rule, period)
        per = MONTHS_PER[rule.per]
        due_by_now = min(required, (elapsed // per) * rule.count) if today <= period.end else required
        n = held.get(kind, 0)
        out.append(
            {
                "kind": kind,
                "label": MeetingKind(kind).label,
                "rule": rule,
                "required": required,
                "held": n,
                "planned": planned.get(kind, 0),
                "missing": max(0, due_by_now - n),
                "last": last.get(kind),
                "ok": n >= due_by_now,
            }
        )
    return out


def meeting_list(*, user, organization: Organization | None = None):
    qs = restrict(user, Action.VIEW, Meeting.objects.select_related("organization", "host"))
    return qs.filter(organization=organization) if organization is not None else qs


def plan_for(organization: Organization, day: dt.date) -> StudyPlan | None:
    """The nearest study plan above (or at) the organization whose period contains the day."""
    return (
        StudyPlan.objects.filter(
            organization__path__in=ancestor_paths(organization.path), period__start__lte=day, period__end__gte=day
        )
        .select_related("organization", "period")
        .order_by("-organization__depth")
        .first()
    )


def study_plan_list(*, user):
    return restrict(user, Action.VIEW, StudyPlan.objects.select_related("organization", "period"))


def study_totals(*, organization: Organization, period: Period) -> list[dict]:
    """Confirmed hours of each member of the organization in the period, against the plan."""
    plan = plan_for(organization, period.start) or plan_for(organization, period.end)
    required = plan.required_hours if plan else Decimal(32)
    cadre_required = plan.required_hours_cadre if plan else Decimal(56)
    members = list(
        Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE).order_by(
            by_reading("name", chinese=True)
        )
    )
    hours = dict(
        StudyRecord.objects.filter(
            member__in=members, state=RecordState.CONFIRMED, studied_on__range=(period.start, period.end)
        )
        .order_by()
        .values_list("member_id")
        .annotate(total=Sum("hours"))
    )
    cadres = set(
        organization.posts.filter(title__in=CADRE_POSTS, ended_on__isnull=True).values_list("member_id", flat=True)
    )
    out = []
    for m in members:
        need = cadre_required if m.pk in cadres else required
        got = hours.get(m.pk, Decimal(0))
        out.append(
            {"member": m, "hours": got, "required": need, "ok": got >= need, "share": float(got / need) if need else 1}
        )
    return out


def points_ranking(*, organization: Organization, year: int) -> list[dict]:
    rows = (
        PointEntry.objects.filter(member__organization=organization, earned_on__year=year)
        .order_by()
        .values("member_id", "member__name")
        .annotate(total=Sum("points"))
        .order_by("-total", "member__name")
    )
    out, rank, previous = [], 0, None
    for i, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = i, row["total"]
        out.append({"rank": rank, "member_id": row["member_id"], "name": row["member__name"], "total": row["total"]})
    return out


def care_alerts(*, user, organization: Organization | None = None, today=None) -> list[dict]:
    """Members in the ledger not visited within their interval (counted from entry into the ledger if never)."""
    today = today or timezone.localdate()
    qs = restrict(
        user, Action.VIEW, CareCase.objects.filter(closed_on__isnull=True).select_related("member__organization")
    )
    if organization is not None:
        qs = qs.filter(subtree_q(organization.path, "member__organization__path"))
    qs = qs.annotate(last_visit=Max("visits__visited_on"))
    out = []
    for case in qs:
        since = case.last_visit or case.opened_on
        days = (today - since).days
        if days > case.visit_interval_days:
            out.append({"case": case, "since": since, "days": days, "never": case.last_visit is None})
    return sorted(out, key=lambda a: -a["days"])


def talks_missing(*, organization: Organization, year: int, user=None):
    """Active members of the organization without a heart-to-heart talk this year (those the user sees, if given)."""
    talked = Talk.objects.filter(talked_on__year=year, member__organization=organization).values("member_id")
    members = (
        Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE)
        .exclude(pk__in=talked)
        .order_by(by_reading("name", chinese=True))
    )
    if user is None:
        return members
    return restrict(user, Action.VIEW, members.select_related("organization"))


def appraisal_of(*, organization: Organization, year: int):
    return Appraisal.objects.filter(organization=organization, year=year).select_related("organization").first()


def member_life(*, member: Member, year: int) -> dict:
    """The organizational life of one member this year, for the member page."""
    return {
        "meetings": member.attendance.select_related("meeting")
        .filter(meeting__held_on__year=year)
        .order_by("-meeting__held_on"),
        "study_hours": StudyRecord.objects.filter(
            member=member, state=RecordState.CONFIRMED, studied_on__year=year
        ).aggregate(total=Sum("hours"))["total"]
        or Decimal(0),
        "points": PointEntry.objects.filter(member=member, earned_on__year=year).aggregate(total=Sum("points"))["total"]
        or Decimal(0),
        "appraisals": member.appraisal_results.select_related("appraisal").order_by("-appraisal__year"),
        "care": CareCase.objects.filter(member=member).prefetch_related("visits"),
        "talks": Talk.objects.filter(member=member).order_by("-talked_on")[:10],
    }


# ---------------------------------------------------------------- reads of the pages (appended for the views)


def meetings_held(*, user, organization: Organization):
    """Held meetings of the organization, newest first, with their attendance counted in the same query."""
    attended = Q(attendance__status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LATE])
    return (
        meeting_list(user=user, organization=organization)
        .filter(state=MeetingState.HELD)
        .annotate(attended=Count("attendance", filter=attended), recorded=Count("attendance"))
        .order_by("-held_on", "-id")
    )


def meetings_planned(*, user, organization: Organization, today=None):
    today = today or timezone.localdate()
    return (
        meeting_list(user=user, organization=organization)
        .filter(state=MeetingState.PLANNED, held_on__gte=today)
        .order_by("held_on", "id")
    )


def meeting_attendance(meeting: Meeting) -> list:
    """The attendance of a meeting, present first, then late, with leave, without leave; by name within."""
    order = {status: i for i, status in enumerate(AttendanceStatus.values)}
    rows = list(meeting.attendance.select_related("member"))
    return sorted(rows, key=lambda a: (order.get(a.status, 9), a.member.name))


# A member is far behind in study with fewer than this share of the hours expected by today.
FAR_BEHIND_SHARE = Decimal("0.5")


def study_progress(*, organization: Organization, period: Period, today=None, user=None) -> list[dict]:
    """study_totals with the hours expected by today (pro rata of the period) and who is behind them; a reader
    without view_record on the organization (a plain member) gets their own row only (None: every row)."""
    today = today or timezone.localdate()
    days = (period.end - period.start).days + 1
    elapsed = min(days, max(0, (today - period.start).days + 1))
    share = Decimal(elapsed) / Decimal(days) if days else Decimal(1)
    rows = study_totals(organization=organization, period=period)
    for row in rows:
        row["expected"] = (row["required"] * share).quantize(Decimal("0.1"))
        row["behind"] = row["hours"] < row["expected"]
        row["far_behind"] = row["hours"] < row["expected"] * FAR_BEHIND_SHARE
        row["percent"] = min(100, round(row["share"] * 100))
    if user is not None and not can(user, Action.VIEW_RECORD, organization):
        rows = [row for row in rows if row["member"].user_id == user.pk]
    return rows


def study_record_list(*, user):
    qs = StudyRecord.objects.select_related("member__organization", "course", "confirmed_by", "entered_by")
    return restrict(user, Action.VIEW, qs)


def study_pending(*, user, organization: Organization):
    """Study records of the organization's members waiting for the secretary's confirmation."""
    return (
        restrict(user, Action.VIEW, StudyRecord.objects.select_related("member__organization", "course", "entered_by"))
        .filter(member__organization=organization, state=RecordState.PENDING)
        .order_by("studied_on", "id")
    )


def study_records_of(*, user, member: Member):
    return restrict(user, Action.VIEW, StudyRecord.objects.select_related("course")).filter(member=member)


def courses_for(organization: Organization):
    """Courses offered to the organization: by it, by any organization above it, or to everyone."""
    return StudyCourse.objects.filter(
        Q(organization__isnull=True) | Q(organization__path__in=ancestor_paths(organization.path))
    )


def member_study_required(*, member: Member, year: int) -> Decimal:
    """Hours the member must study in the year: the plan's, more for secretaries and committee members."""
    plan = plan_for(member.organization, dt.date(year, 12, 31)) or plan_for(member.organization, dt.date(year, 1, 1))
    cadre = member.posts.filter(organization=member.organization, title__in=CADRE_POSTS, ended_on__isnull=True).exists()
    if plan is None:
        return Decimal(56) if cadre else Decimal(32)
    return plan.required_hours_cadre if cadre else plan.required_hours


def point_ledger(*, user, member: Member, year: int | None = None):
    """A member's points ledger as the user may read it, newest first, corrections pointing at their lines (the lines
    corrected fetched apart: on Citus a join of the ledger with itself on `corrects` is not on its member)."""
    qs = PointEntry.objects.select_related("member__organization", "rule", "created_by").prefetch_related("corrects")
    qs = restrict(user, Action.VIEW, qs).filter(member=member)
    return qs.filter(earned_on__year=year) if year is not None else qs


def point_sources(entries) -> dict[int, str]:
    """Where each entry's points came from, as a link: the accepted assignment, the duty a completed claim took on
    (one query for the claims), the study record's member page section. Entries entered by hand have none."""
    from django.urls import reverse

    from grassroots.duties.models import Claim

    claims = dict(
        Claim.objects.filter(
            pk__in=[int(e.source_id) for e in entries if e.source_type == "claim" and e.source_id.isdigit()]
        ).values_list("pk", "duty_id")
    )
    out = {}
    for e in entries:
        if e.source_type == "assignment" and e.source_id.isdigit():
            out[e.pk] = reverse("duties:assignment", args=[int(e.source_id)])
        elif e.source_type == "claim" and e.source_id.isdigit() and int(e.source_id) in claims:
            out[e.pk] = reverse("duties:duty", args=[claims[int(e.source_id)]])
    return out


def point_entry_list(*, user):
    return restrict(user, Action.VIEW, PointEntry.objects.select_related("member__organization", "rule", "created_by"))


def point_rule_list():
    """The points rule book: open to everyone."""
    return PointRule.objects.all()


def appraisal_list(*, user):
    return restrict(user, Action.VIEW, Appraisal.objects.select_related("organization"))


def appraisal_full_members(appraisal: Appraisal):
    """The full members who vote and are rated in an appraisal (probationary members are neither)."""
    return Member.objects.filter(
        organization=appraisal.organization, status=MemberStatus.ACTIVE, category=MemberCategory.FULL
    ).order_by(by_reading("name", chinese=True), "id")


def appraisal_voter(*, user, appraisal: Appraisal) -> Member | None:
    """The full member of the appraised organization the user votes as, or None: nobody else votes."""
    member = subject(user).member  # the user's active member, loaded once a request
    if member is None or member.organization_id != appraisal.organization_id:
        return None
    return member if member.category == MemberCategory.FULL else None


def appraisal_voted(*, appraisal: Appraisal, voter: Member) -> dict[int, str]:
    """The grades one voter already gave: {subject_id: grade}."""
    return dict(AppraisalVote.objects.filter(appraisal=appraisal, voter=voter).values_list("subject_id", "grade"))


def appraisal_voter_count(appraisal: Appraisal) -> int:
    return AppraisalVote.objects.filter(appraisal=appraisal).values("voter_id").distinct().count()


def appraisal_counts(appraisal: Appraisal) -> dict[int, dict[str, int]]:
    """The votes each member got, by grade: {member_id: {grade: votes}}."""
    counts: dict[int, dict[str, int]] = {}
    rows = AppraisalVote.objects.filter(appraisal=appraisal).order_by().values_list("subject_id", "grade")
    for subject_id, grade, n in rows.annotate(n=Count("id")):
        counts.setdefault(subject_id, {})[grade] = n
    return counts


def appraisal_sheet(appraisal: Appraisal) -> list[dict]:
    """For the closing page: each full member's vote counts and the grade proposed from them.

    The proposal is the grade with most votes (a tie goes to the lower grade); if more members would be
    excellent than the appraisal allows, those with fewer excellent votes are proposed as qualified.
    """
    grades = list(AppraisalGrade.values)
    counts = appraisal_counts(appraisal)
    rows = []
    for member in appraisal_full_members(appraisal):
        got = counts.get(member.pk, {})
        total = sum(got.values())
        proposed = AppraisalGrade.QUALIFIED
        if total:
            proposed = max(grades, key=lambda g: (got.get(g, 0), grades.index(g)))
        rows.append(
            {
                "member": member,
                "counts": [(g, got.get(g, 0)) for g in grades],
                "total": total,
                "proposed": proposed,
                "excellent_votes": got.get(AppraisalGrade.EXCELLENT, 0),
            }
        )
    quota = int(len(rows) * float(appraisal.excellent_share))
    excellent = sorted(
        (r for r in rows if r["proposed"] == AppraisalGrade.EXCELLENT), key=lambda r: -r["excellent_votes"]
    )
    for row in excellent[quota:]:
        row["proposed"] = AppraisalGrade.QUALIFIED
    return rows


def appraisal_results(appraisal: Appraisal, *, user=None):
    """Each member's decided grade and votes; a reader without VIEW_RECORD on the organization (a plain member)
    reads their own result only (None: every result, for the services)."""
    rows = appraisal.results.select_related("member").order_by("member__name", "member_id")
    if user is not None and not can(user, Action.VIEW_RECORD, appraisal.organization):
        rows = rows.filter(member__user=user) if user.is_authenticated else rows.none()
    return rows


def care_ledger(*, user, organization: Organization, today=None) -> list:
    """Open cases of the organization's subtree, each with its last visit, days since and whether it is overdue."""
    today = today or timezone.localdate()
    cases = (
        restrict(user, Action.VIEW, CareCase.objects.filter(closed_on__isnull=True))
        .filter(subtree_q(organization.path, "member__organization__path"))
        .select_related("member__organization")
        .annotate(last_visit=Max("visits__visited_on"))
        .prefetch_related(Prefetch("visits", queryset=CareVisit.objects.select_related("visitor")))
        .order_by("member__name", "id")
    )
    out = list(cases)
    for case in out:
        since = case.last_visit or case.opened_on
        case.days_since = (today - since).days
        case.overdue = case.days_since > case.visit_interval_days
    return out


def care_case_list(*, user):
    return restrict(user, Action.VIEW, CareCase.objects.select_related("member__organization"))


def care_visit_list(*, user):
    qs = CareVisit.objects.select_related("case__member__organization", "visitor")
    return restrict(user, Action.VIEW, qs)


def talk_list(*, user, organization: Organization | None = None, year: int | None = None):
    """Talks the user may see (of an organization's members in a year, if given), newest first."""
    qs = restrict(user, Action.VIEW, Talk.objects.select_related("member__organization", "with_member"))
    if organization is not None:
        qs = qs.filter(member__organization=organization)
    if year is not None:
        qs = qs.filter(talked_on__year=year)
    return qs.order_by("-talked_on", "-id")


def member_points_recent(*, member: Member, year: int, limit: int = 5) -> list:
    return list(PointEntry.objects.filter(member=member, earned_on__year=year).select_related("rule")[:limit])


def study_far_behind(*, organization: Organization, period: Period, today=None, user=None) -> list[dict]:
    """The rows of study_progress of members far behind (under FAR_BEHIND_SHARE of the hours expected by today)."""
    return [
        row
        for row in study_progress(organization=organization, period=period, today=today, user=user)
        if row["far_behind"]
    ]


def meetings_due(*, organization: Organization, today=None) -> int:
    """Meetings the rules require of the organization by the end of this month in this quarter and not held yet
    (meeting_status of the quarter): what its secretary has to hold now."""
    today = today or timezone.localdate()
    quarter = quarter_of(today)
    return sum(row["missing"] for row in meeting_status(organization=organization, period=quarter, today=today))


def quarter_of(day: dt.date) -> Period:
    """The quarter of a day as a period (not saved: its code, start and end are what the reads need)."""
    q = (day.month - 1) // 3 + 1
    end = dt.date(day.year, 3 * q, 31 if q in (1, 4) else 30)
    return Period(code=f"{day.year}-Q{q}", kind="quarter", start=dt.date(day.year, 3 * q - 2, 1), end=end)


def meeting_held_in(start: dt.date, end: dt.date):
    """For an annotation over organizations (the outer row): whether it held a meeting between two days. Its id IN
    the organizations that did (one uncorrelated subquery): on Citus meetings are distributed and the organizations
    a reference table, beside which it runs no correlated subquery."""
    held = Meeting.objects.filter(state=MeetingState.HELD, held_on__range=(start, end)).values("organization_id")
    return ExpressionWrapper(Q(pk__in=held), output_field=BooleanField())


def meetings_within(*, user, organization: Organization, start: dt.date, end: dt.date, kind: str = ""):
    """Meetings held in an organization's subtree between two days (a kind of meeting or every kind)."""
    qs = meeting_list(user=user).filter(
        subtree_q(organization.path, "organization__path"), state=MeetingState.HELD, held_on__range=(start, end)
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-held_on", "organization__path", "id")


def study_records_within(*, user, organization: Organization, start: dt.date, end: dt.date):
    """Confirmed study records of the members of an organization's subtree between two days."""
    return (
        study_record_list(user=user)
        .filter(
            subtree_q(organization.path, "member__organization__path"),
            state=RecordState.CONFIRMED,
            studied_on__range=(start, end),
        )
        .order_by("-studied_on", "id")
    )


def care_cases_within(*, user, organization: Organization, period: Period, visited: bool | None = None):
    """Members of an organization's subtree in the care ledger during the period (optionally: visited in it or not)."""
    qs = care_case_list(user=user).filter(
        subtree_q(organization.path, "member__organization__path"), opened_on__lte=period.end
    )
    qs = qs.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
    if visited is not None:  # the cases visited: one uncorrelated IN over the subtree's visits (as on Citus)
        seen = CareVisit.objects.filter(
            subtree_q(organization.path, "case__member__organization__path"),
            visited_on__range=(period.start, period.end),
        ).values("case_id")
        qs = qs.filter(pk__in=seen) if visited else qs.exclude(pk__in=seen)
    return qs.order_by("member__organization__path", "id")
