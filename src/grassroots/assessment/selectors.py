"""Reads of the assessment, always scoped by the policy: systems, runs, results, and every score explained.

Who sees what of a run:
- those whose grant covers the run's scope (the county that runs it, its auditors) see all of it, in any state;
- those who manage an organization in it (MANAGE_STRUCTURE: the township officers) see its results at any state;
- once the run is published, anyone who may view an organization (its secretary, its members) sees its result.

The explanation of a result walks the indicator tree (local, global and effective weights, the points each
indicator cost) and drills down to the records behind every computed indicator: one function per metric,
each taking the run and the organization and returning the rows of the organization's subtree in the period,
restricted by the policy for the user.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grassroots.core.collation import by_reading
from grassroots.core.policy import Action, can, restrict, roles_with, scope_q, subject
from grassroots.core.text import enumerate_items, labelled
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
    Grant,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
    Post,
    ancestor_paths,
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

from . import engine
from .engine import GRADE_ORDER, global_leaf_weights
from .models import (
    AssessmentRun,
    EnteredValue,
    Grade,
    Indicator,
    IndicatorKind,
    IndicatorSystem,
    IndicatorValue,
    Metric,
    RaterGroup,
    RaterKind,
    Rating,
    Result,
    RunState,
    SystemState,
    ValueSheet,
    VetoEvent,
)

PUBLISHED = (RunState.PUBLISHED, RunState.CLOSED)
RECORDS_SHOWN = 200
# A rank is called sensitive to the weights when its range under ±10% weights (worst - best) is wider than this share
# of the organizations ranked together, and never for a range of UNSTABLE_FLOOR places or fewer.
UNSTABLE_SHARE = 0.05
UNSTABLE_FLOOR = 2

# ---------------------------------------------------------------- systems


def _in_use_above(user) -> Q:
    """Systems in use owned by an organization at or above a subtree the user runs assessments in: a county's
    systems, for the township officers who assess their own branches with them."""
    owners = {above for root in subject(user).paths_for(Action.MANAGE_STRUCTURE) for above in ancestor_paths(root)}
    return Q(state=SystemState.ACTIVE, owner__path__in=sorted(owners))


def system_list(*, user):
    """The systems a user may look at: those of organizations they may view, and those in use above the subtrees
    where they run assessments."""
    qs = IndicatorSystem.objects.select_related("owner").order_by("code", "-version")
    q = scope_q(user, Action.VIEW, IndicatorSystem)
    if q is None:
        return qs
    return qs.filter(q | _in_use_above(user))


def systems_for_runs(*, user, every_version: bool = False):
    """The systems a user may open an assessment with: those in use that they may look at. With `every_version`,
    their drafts and retired versions too, for a caller that lets the service say why one is refused (the API)."""
    if every_version:
        return system_list(user=user)
    return system_list(user=user).filter(state=SystemState.ACTIVE)


def systems_visible(*, user):
    """system_list and the systems of the assessments the user may see (for a system's own pages and endpoints)."""
    q = scope_q(user, Action.VIEW, IndicatorSystem)
    if q is None:
        return IndicatorSystem.objects.select_related("owner")
    runs = run_list(user=user).values("system_id")
    return IndicatorSystem.objects.select_related("owner").filter(q | _in_use_above(user) | Q(pk__in=runs))


def draft_of(system: IndicatorSystem) -> IndicatorSystem | None:
    """The draft of a system's code, if one is being prepared."""
    return IndicatorSystem.objects.filter(code=system.code, state=SystemState.DRAFT).first()


@dataclass
class TreeLine:
    indicator: Indicator
    level: int
    global_weight: float | None
    children: list = field(default_factory=list)

    @property
    def local_weight(self) -> float | None:
        return None if self.indicator.is_adjustment else float(self.indicator.weight)


def _children(indicators) -> dict:
    children: dict = defaultdict(list)
    for ind in indicators:
        children[ind.parent_id].append(ind)
    return children


def _group_weights(children: dict) -> dict[int, float]:
    """The share of the total of every weighted node (groups too): the product of the weights along its path."""
    out = {}

    def walk(parent, share):
        kids = [k for k in children.get(parent, []) if not k.is_adjustment and float(k.weight) > 0]
        total = sum(float(k.weight) for k in kids) or 1.0
        for k in kids:
            out[k.pk] = share * float(k.weight) / total
            walk(k.pk, out[k.pk])

    walk(None, 1.0)
    return out


def system_tree(system: IndicatorSystem) -> list[TreeLine]:
    """The indicators in tree order, each with its level and global weight (None outside the weighted tree)."""
    indicators = list(system.indicators.order_by("position", "id"))
    children = _children(indicators)
    weights = _group_weights(children)
    leaves = global_leaf_weights(children)
    weights.update(leaves)
    out: list[TreeLine] = []

    def walk(parent, level):
        for ind in children.get(parent, []):
            out.append(TreeLine(ind, level, weights.get(ind.pk), children.get(ind.pk, [])))
            walk(ind.pk, level + 1)

    walk(None, 0)
    return out


def weighted_children(system: IndicatorSystem, group: Indicator | None) -> list[Indicator]:
    """The children whose weights are set together: those of a group (or the top level) outside the adjustments."""
    parent_id = group.pk if group is not None else None
    kids = system.indicators.filter(parent_id=parent_id).order_by("position", "id")
    return [k for k in kids if not k.is_adjustment]


def groups_of(system: IndicatorSystem) -> list[Indicator]:
    return list(system.indicators.filter(kind=IndicatorKind.GROUP).order_by("position", "id"))


# ---------------------------------------------------------------- runs and results


def visible_results(*, user):
    """Results the user may see, over all runs (see the module's docstring)."""
    qs = Result.objects.all()
    subj = subject(user)
    if subj.is_superuser:
        return qs
    whole_runs = restrict(user, Action.VIEW, AssessmentRun.objects.all()).values("pk")
    viewable = scope_q(user, Action.VIEW, Result)
    managed = scope_q(user, Action.MANAGE_STRUCTURE, Result)
    return qs.filter(Q(run_id__in=whole_runs) | (Q(run__state__in=PUBLISHED) & viewable) | managed)


def run_list(*, user):
    runs = AssessmentRun.objects.select_related("system", "period", "scope")
    if subject(user).is_superuser:
        return runs
    whole = scope_q(user, Action.VIEW, AssessmentRun)
    return runs.filter(whole | Q(pk__in=visible_results(user=user).values("run_id")))


def run_get(*, user, pk) -> AssessmentRun:
    return run_list(user=user).get(pk=pk)


def may_manage(user, run: AssessmentRun) -> bool:
    return can(user, Action.MANAGE_STRUCTURE, run.scope)


def result_list(*, user, run: AssessmentRun):
    return visible_results(user=user).filter(run=run).select_related("organization")


def grade_counts(run: AssessmentRun, results=None) -> list[dict]:
    qs = results if results is not None else Result.objects.filter(run=run)
    counts = dict(qs.order_by().values_list("grade").annotate(n=Count("id")))
    total = sum(counts.values()) or 1
    return [
        {"grade": g, "label": Grade(g).label, "count": counts.get(g, 0), "share": 100.0 * counts.get(g, 0) / total}
        for g in GRADE_ORDER
    ]


SORTS = {
    "rank": ("rank_level", "organization__path"),
    "score": ("score", "organization__path"),
    "-score": ("-score", "organization__path"),
    "name": ("organization__name", "organization__path"),
    "closeness": ("-closeness", "organization__path"),
    "topsis": ("rank_topsis", "organization__path"),
    "range": ("-spread", "rank_level"),
    "path": ("organization__path",),
}


def filter_results(qs, *, organization: Organization | None = None, unit_type="", grade="", vetoed=None, sort=""):
    """Results filtered by subtree, kind of unit, grade and veto, in one of the orders of SORTS."""
    if organization is not None:
        qs = qs.filter(subtree_q(organization.path, "organization__path"))
    if unit_type:
        qs = qs.filter(organization__unit_type=unit_type)
    if grade:
        qs = qs.filter(grade=grade)
    if vetoed is not None:
        qs = qs.filter(vetoed=vetoed)
    qs = qs.annotate(spread=F("rank_high") - F("rank_low"))
    if sort == "name" and not translation.get_language().startswith("zh"):
        # By the name the reader sees: the English one where there is one.
        english = Lower(Coalesce(NullIf(F("organization__name_en"), Value("")), F("organization__name")))
        return qs.order_by(english, "organization__path")
    if sort == "name":
        return qs.order_by(by_reading("organization__name"), "organization__path")  # by pinyin
    return qs.order_by(*SORTS.get(sort, SORTS["rank"]))


def level_size(run: AssessmentRun) -> int:
    """How many organizations a run ranked together in the level (all of them, whoever reads)."""
    return Result.objects.filter(run=run).count()


def unstable_range(size: int) -> int:
    """The widest range of ranks (worst - best) still called stable among `size` organizations ranked together."""
    return max(UNSTABLE_FLOOR, int(size * UNSTABLE_SHARE))


def unstable(qs, limit: int):
    """The results whose range of ranks under ±10% weights is wider than `limit` places."""
    return qs.filter(rank_high__gt=F("rank_low") + limit)


def run_asof(run: AssessmentRun) -> dt.date:
    """The day the run counted up to: stored by the engine; for older runs, when it was computed."""
    if run.asof:
        return run.asof
    day = timezone.localdate(run.computed_at) if run.computed_at else timezone.localdate()
    return min(day, run.period.end)


# ---------------------------------------------------------------- the records behind each metric


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


# ---------------------------------------------------------------- records as rows a page or the API shows


@dataclass
class Records:
    """The rows behind one indicator: what the reader may see of them, and how many they may not."""

    metric: str
    rows: list = field(default_factory=list)
    hidden: int = 0
    more: int = 0
    note: str = ""

    @property
    def count(self) -> int:
        return len(self.rows)


def _row(kind, obj_id, title, *, url="", organization=None, date=None, flag="", flag_label="", details=()):
    return {
        "type": kind,
        "id": obj_id,
        "title": title,
        "url": url,
        "organization": organization.display_name() if organization is not None else "",
        "organization_id": organization.pk if organization is not None else None,
        "date": date,
        "flag": flag,
        "flag_label": str(flag_label),
        "details": [str(d) for d in details if d],
    }


def _restricted(user, qs):
    """The rows of `qs` the user may view, and how many others the count includes."""
    if qs.model is Attendance:  # attendance is seen with its meeting
        visible = qs.filter(meeting__in=restrict(user, Action.VIEW, Meeting.objects.all()))
        if subject(user).is_superuser:
            visible = qs
    else:
        visible = restrict(user, Action.VIEW, qs)
    if visible is qs:
        return qs, 0
    total = qs.count()
    shown = visible.count()
    return visible, max(0, total - shown)


def _assignment_row(a: Assignment, asof: dt.date) -> dict:
    duty = a.duty
    details = [AssignmentState(a.state).label, _("due %(date)s") % {"date": a.due_on.isoformat()}]
    if a.accepted_on:
        details.append(_("accepted %(date)s") % {"date": a.accepted_on.isoformat()})
    if duty.is_major:
        details.insert(0, _("major task"))
    elif duty.is_key:
        details.insert(0, _("key work"))
    if a.state == AssignmentState.ACCEPTED:
        if a.accepted_on and a.accepted_on > a.due_on:
            days = (a.accepted_on - a.due_on).days
            flag, label = "late", _("accepted %(n)d days late") % {"n": days}
        else:
            flag, label = "ok", _("on time")
    elif a.due_on < asof:
        days = (asof - a.due_on).days
        flag, label = "late", _("not done, %(n)d days overdue") % {"n": days}
    else:
        flag, label = "open", _("not due yet")
    return _row(
        "assignment",
        a.pk,
        duty.title,
        url=reverse("duties:assignment", args=[a.pk]),
        organization=a.organization,
        date=a.due_on,
        flag=flag,
        flag_label=label,
        details=details,
    )


def _limit(records: Records, qs, make) -> Records:
    items = list(qs[: RECORDS_SHOWN + 1])
    if len(items) > RECORDS_SHOWN:
        records.more = qs.count() - RECORDS_SHOWN
        items = items[:RECORDS_SHOWN]
    records.rows = [make(item) for item in items]
    return records


def records_for(*, user, run: AssessmentRun, organization: Organization, metric: str) -> Records:
    """The records behind a metric for an organization's subtree, as rows, restricted by the policy."""
    records = Records(metric)
    asof = run_asof(run)
    query = RECORD_QUERIES.get(metric)
    if query is None:
        return records
    if metric in (Metric.MEETINGS, Metric.MISSING_MEETINGS):
        visible = set(restrict(user, Action.VIEW, _meeting_orgs(Scope(run, organization, user))).values_list("pk"))
        visible = {pk for (pk,) in visible}
        rows = []
        hidden = 0
        for status in meeting_records(run, organization):
            org = status["organization"]
            if org.pk not in visible:
                hidden += 1
                continue
            if metric == Metric.MISSING_MEETINGS and not status["missing"]:
                continue
            flag = "late" if status["missing"] else "ok"
            label = (
                _("%(n)d missing") % {"n": status["missing"]} if status["missing"] else _("held as the rules require")
            )
            rows.append(
                _row(
                    "meeting_kind",
                    status["kind"],
                    str(status["label"]),
                    url=reverse("orglife:meetings", args=[org.pk]),
                    organization=org,
                    flag=flag,
                    flag_label=label,
                    details=[
                        _("required by %(day)s: %(r)d, held %(h)d")
                        % {"day": date_format(asof, "Y-m-d"), "r": status["required"], "h": status["held"]}
                    ],
                )
            )
        rows.sort(key=lambda r: (r["flag"] != "late",))
        records.rows, records.hidden = rows, hidden
        if metric == Metric.MEETINGS:
            meetings, _hidden = _restricted(user, held_meetings(run, organization))
            records.note = _("%(n)d meetings held in the period.") % {"n": meetings.count()}
        return records
    qs, records.hidden = _restricted(user, query(run, organization))
    if metric in (
        Metric.COMPLETION,
        Metric.ON_TIME,
        Metric.KEY_WORK,
        Metric.OVERDUE_KEY,
        Metric.MAJOR_FAILED,
    ):
        # The ones that cost points come first.
        rows = _limit(records, qs, lambda a: _assignment_row(a, asof)).rows
        rows.sort(key=lambda r: ({"late": 0, "open": 1, "ok": 2}.get(r["flag"], 3), r["date"] or dt.date.min))
        return records
    if metric == Metric.RETURNED:

        def report_row(r):
            returned = r.state == ReportState.RETURNED
            return _row(
                "report",
                r.pk,
                r.assignment.duty.title,
                url=reverse("duties:assignment", args=[r.assignment_id]),
                organization=r.assignment.organization,
                date=timezone.localdate(r.reviewed_at) if r.reviewed_at else None,
                flag="late" if returned else "ok",
                flag_label=_("returned") if returned else _("accepted"),
                details=[r.return_reason] if returned else [],
            )

        return _limit(records, qs, report_row)
    if metric in (Metric.ATTENDANCE, Metric.UNEXCUSED):

        def attendance_row(a):
            absent = a.status == AttendanceStatus.ABSENT
            return _row(
                "attendance",
                a.pk,
                f"{a.member.name} · {a.meeting.get_kind_display()}",
                url=reverse("orglife:meeting", args=[a.meeting_id]),
                organization=a.meeting.organization,
                date=a.meeting.held_on,
                flag="late" if absent else "open",
                flag_label=AttendanceStatus(a.status).label,
                details=[a.reason],
            )

        return _limit(records, qs, attendance_row)
    if metric == Metric.STUDY:
        plain, cadre = study_required(run)

        def study_row(m):
            need = cadre if m.is_cadre else plain
            got = float(m.hours or 0)
            ok = got >= need
            return _row(
                "member",
                m.pk,
                m.name,
                url=reverse("organizations:member", args=[m.pk]),
                organization=m.organization,
                flag="ok" if ok else "late",
                flag_label=_("%(got)s of %(need)s hours") % {"got": _num(got), "need": _num(need)},
                details=[_("holds a post") if m.is_cadre else ""],
            )

        records = _limit(records, qs, study_row)
        records.rows.sort(key=lambda r: r["flag"] != "late")
        return records
    if metric == Metric.CARE:
        intervals = {}

        def care_row(c):
            due_from = asof - dt.timedelta(days=c.visit_interval_days)
            in_time = c.last_visit is not None and c.last_visit >= due_from
            intervals[c.pk] = in_time
            return _row(
                "care_case",
                c.pk,
                f"{c.member.name} · {c.get_category_display()}",
                url=reverse("orglife:care", args=[c.member.organization_id]),
                organization=c.member.organization,
                date=c.last_visit,
                flag="ok" if in_time else "late",
                flag_label=(
                    _("last visit %(date)s") % {"date": c.last_visit.isoformat()}
                    if c.last_visit
                    else _("never visited")
                ),
                details=[_("visit at least every %(n)d days") % {"n": c.visit_interval_days}],
            )

        records = _limit(records, qs, care_row)
        records.rows.sort(key=lambda r: r["flag"] != "late")
        return records
    if metric == Metric.TALKS:
        return _limit(
            records,
            qs,
            lambda m: _row(
                "member",
                m.pk,
                m.name,
                url=reverse("orglife:talks", args=[m.organization_id]),
                organization=m.organization,
                flag="late",
                flag_label=_("no talk in the period"),
            ),
        )
    if metric == Metric.CLAIMS:
        return _limit(
            records,
            qs,
            lambda c: _row(
                "claim",
                c.pk,
                c.duty.title,
                organization=c.member.organization if c.member_id else None,
                date=timezone.localdate(c.created_at),
                flag="ok",
                flag_label=ClaimState(c.state).label,
                details=[c.member.name if c.member_id else ""],
            ),
        )
    if metric == Metric.OBJECTIVES:

        def objective_row(o):
            share = o.attainment(o.latest_value)
            return _row(
                "objective",
                o.pk,
                o.name,
                organization=o.organization,
                date=o.latest_on,
                flag="ok" if share >= 1 else "late",
                flag_label=_("%(pct)d%% of the way to the target") % {"pct": round(100 * share)},
                details=[
                    _("baseline %(b)s, target %(t)s, latest %(v)s")
                    % {
                        "b": _num(o.baseline),
                        "t": _num(o.target),
                        "v": _num(o.latest_value) if o.latest_value is not None else "—",
                    }
                ],
            )

        return _limit(records, qs, objective_row)
    if metric == Metric.VETO_EVENTS:
        return _limit(
            records,
            qs,
            lambda v: _row(
                "veto_event",
                v.pk,
                _veto_text(v),
                organization=v.organization,
                date=v.occurred_on,
                flag="late",
                flag_label=_("veto"),
            ),
        )
    return records


def _veto_text(event) -> str:
    """A veto's reason, and when and why it was taken back if it was (after the closed run that counted it)."""
    if event.withdrawn_at is None:
        return event.reason
    return _("%(reason)s (taken back on %(day)s: %(why)s)") % {
        "reason": event.reason,
        "day": date_format(timezone.localdate(event.withdrawn_at), "Y-m-d"),
        "why": event.withdrawn_reason,
    }


def _num(value) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{number:.0f}" if number == int(number) else f"{number:.1f}"


# ---------------------------------------------------------------- the explanation of one result


@dataclass
class Line:
    """One indicator of the explanation."""

    indicator: Indicator
    level: int
    local_weight: float | None
    global_weight: float | None
    effective_weight: float | None  # the share it actually carries: missing siblings give way
    value: IndicatorValue | None
    lost: float | None = None  # points of the weighted score it cost: effective weight x (100 - score)
    records: Records | None = None
    entered: EnteredValue | None = None
    ratings: list = field(default_factory=list)

    @property
    def score(self):
        return None if self.value is None else self.value.score

    @property
    def is_group(self) -> bool:
        return self.indicator.kind == IndicatorKind.GROUP

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def fired(self) -> bool:
        return self.indicator.is_veto and self.value is not None and (self.value.raw or 0) > 0

    @property
    def count(self):
        return None if self.value is None or self.value.raw is None else self.value.raw


@dataclass
class Explanation:
    run: AssessmentRun
    organization: Organization
    result: Result
    lines: list[Line]
    adjustments: list[Line]
    asof: dt.date

    @property
    def lost_weighted(self) -> float:
        """Points lost in the weighted tree: the sum over the leaves; equals 100 - the weighted score."""
        return sum(line.lost or 0 for line in self.lines if not line.is_group)

    @property
    def deductions(self) -> list[Line]:
        return [a for a in self.adjustments if a.indicator.kind == IndicatorKind.DEDUCTION and not a.indicator.is_veto]

    @property
    def bonuses(self) -> list[Line]:
        return [a for a in self.adjustments if a.indicator.kind == IndicatorKind.BONUS]

    @property
    def vetoes(self) -> list[Line]:
        return [a for a in self.adjustments if a.indicator.is_veto]

    @property
    def top_losses(self) -> list[Line]:
        """The leaves that cost the most, then the deductions: what to work on first."""
        leaves = [line for line in self.lines if not line.is_group and (line.lost or 0) >= 0.05]
        return sorted(leaves, key=lambda line: -(line.lost or 0))[:5]


def explanation(*, user, run: AssessmentRun, organization: Organization, with_records: bool = True) -> Explanation:
    """The total of one organization taken apart: every indicator with its weights, score and cost, and records."""
    result = result_list(user=user, run=run).get(organization=organization)
    indicators = list(run.system.indicators.order_by("position", "id"))
    children = _children(indicators)
    nominal = _group_weights(children)
    # The sheet read with the run's order of its indicators as it is now in the database (the run at hand may be an
    # instance read before the computation).
    sheet = ValueSheet.objects.select_related("run").filter(run=run, organization=organization).first()
    values = sheet.indicator_values() if sheet else {}
    effective: dict[int, float] = {}

    def walk_effective(parent, share):
        kids = [k for k in children.get(parent, []) if not k.is_adjustment and float(k.weight) > 0 and k.pk in values]
        total = sum(float(k.weight) for k in kids)
        for k in kids:
            effective[k.pk] = share * float(k.weight) / total if total else 0.0
            walk_effective(k.pk, effective[k.pk])

    walk_effective(None, 1.0)
    entered = {
        e.indicator_id: e for e in EnteredValue.objects.filter(run=run, organization=organization).select_related()
    }
    ratings = _ratings_of(run, organization)
    lines: list[Line] = []
    adjustments: list[Line] = []

    def make(ind, level):
        value = values.get(ind.pk)
        line = Line(
            indicator=ind,
            level=level,
            local_weight=None if ind.is_adjustment else float(ind.weight),
            global_weight=None if ind.is_adjustment else nominal.get(ind.pk, 0.0),
            effective_weight=effective.get(ind.pk),
            value=value,
            entered=entered.get(ind.pk),
            ratings=ratings.get(ind.pk, []),
        )
        if value is not None and line.effective_weight is not None:
            line.lost = line.effective_weight * (100.0 - value.score)
        if with_records and ind.metric:
            line.records = records_for(user=user, run=run, organization=organization, metric=ind.metric)
        return line

    def walk(parent, level):
        for ind in children.get(parent, []):
            if ind.is_adjustment:
                adjustments.append(make(ind, level))
                continue
            lines.append(make(ind, level))
            walk(ind.pk, level + 1)

    walk(None, 0)
    return Explanation(run, organization, result, lines, adjustments, run_asof(run))


def _ratings_of(run, organization) -> dict[int, list[dict]]:
    """Counts of the grades given, per qualitative indicator and rater group."""
    rows = (
        Rating.objects.filter(group__run=run, organization=organization)
        .order_by()
        .values("indicator_id", "group__kind", "grade")
        .annotate(n=Count("id"))
    )
    out: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_group = out[row["indicator_id"]].setdefault(row["group__kind"], {"kind": row["group__kind"], "counts": {}})
        by_group["counts"][row["grade"]] = row["n"]
    from .models import RaterKind

    result = {}
    for ind, groups in out.items():
        lines = []
        for kind, data in groups.items():
            counts = [(Grade(g).label, g, data["counts"].get(g, 0)) for g in GRADE_ORDER]
            given = enumerate_items(f"{label} {n}" for label, _g, n in counts if n)
            lines.append(
                {
                    "kind": kind,
                    "label": RaterKind(kind).label,
                    "counts": counts,
                    "text": labelled(RaterKind(kind).label, given),
                }
            )
        result[ind] = lines
    return result


# ---------------------------------------------------------------- inputs of a run


def veto_list(*, user, run: AssessmentRun):
    return (
        restrict(user, Action.VIEW, VetoEvent.objects.select_related("organization", "recorded_by", "withdrawn_by"))
        .filter(
            subtree_q(run.scope.path, "organization__path"),
            occurred_on__gte=run.period.start,
            occurred_on__lte=run.period.end,
        )
        .order_by("-occurred_on", "-id")
    )


def entered_list(*, user, run: AssessmentRun):
    return (
        restrict(user, Action.VIEW, EnteredValue.objects.select_related("organization", "indicator", "entered_by"))
        .filter(run=run)
        .order_by("organization__path", "indicator__position", "id")
    )


def entered_indicators(run: AssessmentRun) -> list[Indicator]:
    """Indicators whose values are entered by hand: 'entered' ones, and bonuses without a metric."""
    return [
        i
        for i in run.system.indicators.order_by("position", "id")
        if i.kind == IndicatorKind.ENTERED or (i.kind == IndicatorKind.BONUS and not i.metric)
    ]


def _scope_organizations(user, run: AssessmentRun, action: str, **filters):
    """The active organizations of a run's scope that the user may `action`, in tree order."""
    qs = Organization.objects.filter(subtree_q(run.scope.path), is_active=True, **filters).order_by("path")
    return restrict(user, action, qs)


def assessed_organizations(*, user, run: AssessmentRun, action: str = Action.VIEW):
    """The organizations a run assesses (of the system's kind, active, in the scope) that the user may `action`."""
    return _scope_organizations(user, run, action, kind=run.system.assessed_kind)


def veto_organizations(*, user, run: AssessmentRun):
    """Where the user may record a veto of the run's period: the organizations of the scope they manage, of any
    kind (a discipline case in a party group vetoes its branch; the service refuses one above every organization
    assessed, which would veto nothing)."""
    return _scope_organizations(user, run, Action.MANAGE_STRUCTURE)


# The rater groups whose raters rate with their account, in the order they are offered.
ACCOUNT_RATERS = [RaterKind.SUPERIOR, RaterKind.PEERS, RaterKind.MEMBERS]


def ratable(*, user, run: AssessmentRun, kind: str):
    """The organizations of a run a user may rate with their account as `kind`, as the rating service checks it:
    as superior, those they are the nearest officers above (_nearest_superior_q); as a peer, the siblings of
    organizations they work for (not those they work for); as a member, their own organization. None when the run
    does not ask that group."""
    if not run.accepts_ratings or not run.rater_groups.filter(kind=kind).exists():
        return Organization.objects.none()
    return _ratable(user, run, kind)


def rating_ended_for(*, user, run: AssessmentRun, kind: str) -> bool:
    """Whether the user was a rater of the run as `kind` whose rating has ended (its results are published)."""
    if run.accepts_ratings or not run.rater_groups.filter(kind=kind).exists():
        return False
    return _ratable(user, run, kind).exists()


def _ratable(user, run: AssessmentRun, kind: str):
    """ratable, for a run known to be collecting the ratings of the group `kind`."""
    assessed = Organization.objects.filter(subtree_q(run.scope.path), is_active=True, kind=run.system.assessed_kind)
    if kind == RaterKind.SUPERIOR:
        return assessed.filter(_nearest_superior_q(user)).order_by("path")
    if kind == RaterKind.PEERS:
        mine = restrict(user, Action.CHANGE, Organization.objects.all())
        return assessed.filter(parent__in=mine.values("parent")).exclude(pk__in=mine.values("pk")).order_by("path")
    if kind == RaterKind.MEMBERS:
        member = subject(user).member
        return assessed.filter(pk=member.organization_id) if member else Organization.objects.none()
    return Organization.objects.none()


MANAGING_ROLES = roles_with(Action.MANAGE_STRUCTURE)


def _nearest_superior_q(user) -> Q:
    """The organizations the user rates as their superior: those below an organization where the user is an officer
    with no organization with officers of its own in between. A township rates its villages, and the branches of
    its general branches, which have a secretary but no officers; the county rates only what no township stands
    between it and (it would otherwise rate every branch of every township, averaged with the township's ratings).
    Officers are active users granted a role that manages the structure of an active organization; a superuser
    rates by their grants, as anyone. Asked once per request (it is on every start page): one query for the
    officers below the user's grants, then path ranges (the subtrees of the nearest officers below each grant left
    out), which the path index serves at any size."""
    subj = subject(user)
    cached = getattr(subj, "_nearest_superior_q", None)
    if cached is not None:
        return cached
    granted = sorted({path for path, role in subj.grants if role in MANAGING_ROLES})
    q = Q(pk__in=[])
    if granted:
        within = Q(pk__in=[])
        for path in granted:
            within |= subtree_q(path, "organization__path")
        officers = sorted(
            set(
                Grant.objects.filter(
                    within, role__in=MANAGING_ROLES, user__is_active=True, organization__is_active=True
                ).values_list("organization__path", flat=True)
            )
        )
        for path in granted:
            below = []  # the nearest organizations with officers strictly below `path`
            for other in officers:
                if other.startswith(path) and other != path and not (below and other.startswith(below[-1])):
                    below.append(other)
            region = subtree_q(path, "path") & ~Q(path=path)
            for other in below:
                region &= ~(subtree_q(other, "path") & ~Q(path=other))
            q |= region
    subj._nearest_superior_q = q
    return q


def rated_by(*, user, run: AssessmentRun, kind: str) -> set[int]:
    """The organizations the user has rated in the run as `kind`."""
    return set(
        Rating.objects.filter(group__run=run, group__kind=kind, rater=user).values_list("organization_id", flat=True)
    )


def ratings_to_give(*, user) -> list[dict]:
    """The runs still collecting ratings in which the user may rate some organization with their account: per run
    and rater group, how many they may rate and how many they have rated. Asked on every start page: one query for
    the groups, one for what the user has rated, and a count per group."""
    groups = list(
        RaterGroup.objects.filter(
            run__state__in=[RunState.OPEN, RunState.COLLECTING, RunState.COMPUTED], kind__in=ACCOUNT_RATERS
        )
        .select_related("run__system", "run__period", "run__scope")
        .order_by("-run__period__start", "run__scope__path", "run_id")
    )
    done = dict(
        Rating.objects.filter(rater=user, group__in=groups)
        .order_by()
        .values_list("group_id")
        .annotate(n=Count("organization_id", distinct=True))
    )
    runs = {pk: n for n, pk in enumerate(dict.fromkeys(g.run_id for g in groups))}
    groups.sort(key=lambda g: (runs[g.run_id], ACCOUNT_RATERS.index(g.kind)))  # a run's groups in the usual order
    out = []
    for group in groups:
        count = _ratable(user, group.run, group.kind).count()
        if count:
            out.append(
                {
                    "run": group.run,
                    "kind": group.kind,
                    "label": RaterKind(group.kind).label,
                    "count": count,
                    "done": done.get(group.pk, 0),
                }
            )
    return out


def token_counts(run: AssessmentRun) -> list[dict]:
    """Rating links issued and used, and ratings given with an account (organization and rater), per rater group."""
    out = []
    for group in RaterGroup.objects.filter(run=run).annotate(
        issued=Count("tokens"), used=Count("tokens", filter=Q(tokens__used_at__isnull=False))
    ):
        by_account = (
            Rating.objects.filter(group=group, token__isnull=True).values("organization_id", "rater_id").distinct()
        )
        out.append({"group": group, "issued": group.issued, "used": group.used, "by_account": by_account.count()})
    return out
