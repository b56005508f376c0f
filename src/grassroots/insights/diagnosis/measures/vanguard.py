"""Problem 2, the members' vanguard role not prominent: who claimed or carried duties, how points spread, what the
democratic appraisal found, who was not active at all in the period; and a branch with no member recorded."""

from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy

from grassroots.duties.models import Assignment, AssignmentState, Claim, ClaimState, Duty, DutyState
from grassroots.organizations.models import Member, MemberStatus
from grassroots.orglife.models import (
    AppraisalGrade,
    AppraisalResult,
    AppraisalState,
    Attendance,
    AttendanceStatus,
    PointEntry,
    RecordState,
    StudyRecord,
)

from ..checks import Finding, check
from .base import CHANGE, active_counts, as_of, detailed, ids, link, member_names, percent, ratio, started
from .base import tr as _


def _members(organizations):
    return Member.objects.filter(organization__in=ids(organizations), status=MemberStatus.ACTIVE)


def _took_on(period, upto):
    """A member claimed a duty in the period (not withdrawn), or was made responsible for a duty or an assignment
    due in it (not cancelled)."""
    claimed = Claim.objects.filter(
        member=OuterRef("pk"),
        created_at__date__range=(period.start, upto),
        state__in=[ClaimState.ACTIVE, ClaimState.COMPLETED],
    )
    # Uncorrelated: Citus refuses a subquery correlated with the members (a reference table) into the assignments.
    carried = (
        Assignment.objects.filter(responsible__isnull=False, due_on__range=(period.start, period.end))
        .exclude(state__in=[AssignmentState.DRAFT, AssignmentState.CANCELLED])
        .values("responsible_id")
    )
    owned = Duty.objects.filter(responsible=OuterRef("pk"), due_on__range=(period.start, period.end)).exclude(
        state=DutyState.CANCELLED
    )
    return Q(Exists(claimed)) | Q(pk__in=carried) | Q(Exists(owned))


def _finding(code, org_id, text, **kwargs):
    return Finding(organization_id=org_id, problem="vanguard", code=code, text=text, **kwargs)


@check(
    code="vanguard.took_on",
    problem="vanguard",
    label=gettext_lazy("Members who claimed or carried duties"),
    threshold=Decimal("0.30"),
    rule=gettext_lazy(
        "Share of the active members who claimed a duty or were responsible for one in the period: at least"
    ),
)
def took_on(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    members = active_counts(organizations)
    active = dict(
        _members(organizations)
        .filter(_took_on(period, upto))
        .order_by()
        .values_list("organization_id")
        .annotate(n=Count("id"))
    )
    for org_id, n in members.items():
        got = active.get(org_id, 0)
        share = ratio(got, n)
        if got and share >= threshold:
            continue
        if got:
            text = _(
                "%(got)d of the %(n)d members claimed a duty or were responsible for one in %(period)s (%(share)s; at "
                "least %(threshold)s asked)."
            ) % {"got": got, "n": n, "period": period.code, "share": percent(share), "threshold": percent(threshold)}
        else:
            text = _(
                "No member claimed a duty or was named responsible for one in %(period)s: nothing shows the members "
                "taking work on."
            ) % {"period": period.code}
        yield _finding(
            "vanguard.took_on",
            org_id,
            text,
            measured=share,
            threshold=threshold,
            evidence=[link(_("Duty lists"), "duties:org_lists", org_id)],
            actions=[
                link(
                    _("Issue a duty open for claiming"),
                    "insights:new_duty",
                    org_id,
                    CHANGE,
                    period=period.code,
                    claimable=1,
                )
            ],
            missing_data=not got,
            unit="share",
        )


@check(
    code="vanguard.points",
    problem="vanguard",
    label=gettext_lazy("Points spread over the members"),
    threshold=Decimal("0.50"),
    rule=gettext_lazy("Share of the active members who earned points in the period: at least"),
)
def points(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    members = active_counts(organizations)
    earned = PointEntry.objects.filter(earned_on__range=(period.start, upto), points__gt=0).values("member_id")
    earning = dict(
        _members(organizations).filter(pk__in=earned).order_by().values_list("organization_id").annotate(n=Count("id"))
    )
    for org_id, n in members.items():
        got = earning.get(org_id, 0)
        share = ratio(got, n)
        if got and share >= threshold:
            continue
        if got:
            text = _(
                "Only %(got)d of the %(n)d members earned points in %(period)s (%(share)s; at least %(threshold)s "
                "asked): the points rest with a few."
            ) % {"got": got, "n": n, "period": period.code, "share": percent(share), "threshold": percent(threshold)}
        else:
            text = _("No member earned points in %(period)s: the data is missing, the points cannot be judged.") % {
                "period": period.code
            }
        yield _finding(
            "vanguard.points",
            org_id,
            text,
            measured=share,
            threshold=threshold,
            evidence=[link(_("Points of the members"), "orglife:org", org_id)],
            actions=[link(_("Award points"), "orglife:points_new", org_id, CHANGE)],
            missing_data=not got,
            unit="share",
        )


@check(
    code="vanguard.appraisal",
    problem="vanguard",
    label=gettext_lazy("Democratic appraisal results"),
    threshold=Decimal("0.10"),
    rule=gettext_lazy("Share of the members appraised basically qualified or unqualified: at most"),
)
def appraisal(organizations, period, threshold):
    """The closed appraisal of the period's year (or the year before, held early in the year after it)."""
    year = period.end.year
    rows = (
        AppraisalResult.objects.filter(
            appraisal__organization__in=ids(organizations),
            appraisal__state=AppraisalState.CLOSED,
            appraisal__year__in=[year, year - 1],
        )
        .exclude(grade="")
        .order_by()
        .values_list("appraisal__organization_id", "appraisal__year", "appraisal_id", "grade")
    )
    latest: dict[int, tuple[int, int]] = {}
    grades: dict[int, list[str]] = {}
    for org_id, y, appraisal_id, grade in rows:
        if org_id not in latest or y > latest[org_id][0]:
            latest[org_id] = (y, appraisal_id)
            grades[org_id] = []
        if latest[org_id][1] == appraisal_id:
            grades[org_id].append(grade)
    weak = (AppraisalGrade.BASIC, AppraisalGrade.UNQUALIFIED)
    for org_id, given in grades.items():
        low = sum(1 for g in given if g in weak)
        share = ratio(low, len(given))
        if share <= threshold:
            continue
        y, appraisal_id = latest[org_id]
        yield _finding(
            "vanguard.appraisal",
            org_id,
            _(
                "In the democratic appraisal of %(year)d, %(low)d of %(n)d members were found basically qualified or "
                "unqualified (%(share)s; at most %(threshold)s)."
            )
            % {"year": y, "low": low, "n": len(given), "share": percent(share), "threshold": percent(threshold)},
            measured=share,
            threshold=threshold,
            evidence=[link(_("The appraisal"), "orglife:appraisal", appraisal_id)],
            actions=[link(_("Record a talk"), "orglife:talk_new", org_id, CHANGE)],
            unit="share",
        )


def _inactive(organizations, period, upto):
    """Active members with nothing in the period: no meeting attended, no study confirmed, no points, no duty."""
    span = (period.start, upto)
    # NOT IN the members who attended, studied or earned (uncorrelated subqueries), not NOT EXISTS per member: Citus
    # runs no correlated subquery into the attendance (distributed by meeting, joined to its meeting) or the study
    # records (distributed by member) beside the members (a reference table).
    attended = Attendance.objects.filter(
        status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LATE], meeting__held_on__range=span
    ).values("member_id")
    studied = StudyRecord.objects.filter(state=RecordState.CONFIRMED, studied_on__range=span).values("member_id")
    earned = PointEntry.objects.filter(earned_on__range=span, points__gt=0).values("member_id")
    return (
        _members(organizations)
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=upto))
        .exclude(pk__in=attended)
        .exclude(pk__in=studied)
        .exclude(pk__in=earned)
        .exclude(_took_on(period, upto))
    )


@check(
    code="vanguard.never_active",
    problem="vanguard",
    label=gettext_lazy("Members never active in the period"),
    threshold=Decimal("0.10"),
    rule=gettext_lazy(
        "Share of the active members with no meeting attended, no study, no points and no duty in the period: at most"
    ),
)
def never_active(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    members = active_counts(organizations)
    idle = _inactive(organizations, period, upto)
    counts = dict(idle.order_by().values_list("organization_id").annotate(n=Count("id")))
    names = {}
    if detailed() and counts:
        names = member_names(idle.order_by("organization_id", "name").values_list("organization_id", "pk", "name"))
    for org_id, n in counts.items():
        share = ratio(n, members.get(org_id, 0))
        if share <= threshold:
            continue
        shown = names.get(org_id, [])
        evidence = [link(name, "organizations:member", member_id) for member_id, name in shown]
        actions = [
            link(
                _("Record a talk with %(name)s") % {"name": name}, "orglife:talk_new", org_id, CHANGE, member=member_id
            )
            for member_id, name in shown[:1]
        ]
        yield _finding(
            "vanguard.never_active",
            org_id,
            _(
                "%(n)d of the %(all)d members attended no meeting, confirmed no study, earned no points and carried no "
                "duty in %(period)s (%(share)s; at most %(threshold)s)."
            )
            % {
                "n": n,
                "all": members.get(org_id, 0),
                "period": period.code,
                "share": percent(share),
                "threshold": percent(threshold),
            },
            measured=share,
            threshold=threshold,
            evidence=evidence,
            actions=actions,
            unit="share",
        )


@check(code="vanguard.no_members", problem="vanguard", label=gettext_lazy("No member recorded"))
def no_members(organizations, period, threshold):
    """A branch with no active member recorded: every measure of its members would pass for want of data."""
    members = active_counts(organizations)
    for org_id in organizations.filter(numchild=0).order_by().values_list("pk", flat=True):
        if org_id in members:
            continue
        yield _finding(
            "vanguard.no_members",
            org_id,
            _("No active member is recorded in this organization: none of its members' work can be judged."),
            measured=Decimal(0),
            evidence=[link(_("The organization"), "organizations:detail", org_id)],
            actions=[link(_("Add a member"), "organizations:member_new", org_id, CHANGE)],
            missing_data=True,
            unit="count",
        )
