"""Reads of duties and assignments, scoped by the policy; lights and roll-ups computed in the database."""

import datetime as dt

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from grassroots.core.collation import by_reading
from grassroots.core.policy import Action, restrict
from grassroots.organizations.models import Organization, subtree_q

from .counting import counted_q
from .models import (
    OPEN_STATES,
    Assignment,
    AssignmentState,
    BusinessObjective,
    Claim,
    DueDateRequest,
    Duty,
    DutyList,
    DutyState,
    Evidence,
    Light,
    ProgressReport,
    ReportState,
    RequestState,
)

DONE_STATES = (AssignmentState.ACCEPTED, AssignmentState.CANCELLED)

ROLLUP_RULE_TEXT = gettext_noop(
    "Progress counts the work where it is done: an assignment its receiver decomposed and issued further down is "
    "done when the assignments below it are, and is not counted as an item of its own, unless it was reported on "
    "itself. Completion is the share of the counted weight accepted."
)
ROLLUP_RULE = gettext_lazy(ROLLUP_RULE_TEXT)  # the page shows it translated; the API schema in English


def counted_assignments():
    """The assignments a roll-up counts: issued (not draft or cancelled), and not a middle one whose work is below.

    A middle assignment (decomposed into a duty issued further down) is left out: its children are the work, and it is
    done when they are. It counts when it was reported on itself (a report not withdrawn) or accepted.
    """
    return Assignment.objects.filter(counted_q())


def stored_counted_assignments():
    """The same assignments read from the rule stored on each (`Assignment.counted`, kept by duties.counting): a
    plain filter, for the dashboards' aggregates over a whole city."""
    return Assignment.objects.filter(counted=True)


def light_expression(today: dt.date | None = None):
    """The light of an assignment as SQL: done, red (overdue), yellow (due within N days) or green."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=settings.GRASSROOTS_YELLOW_DAYS)
    return Case(
        When(state__in=DONE_STATES, then=Value(Light.DONE)),
        When(due_on__lt=today, then=Value(Light.RED)),
        When(due_on__lte=soon, then=Value(Light.YELLOW)),
        default=Value(Light.GREEN),
        output_field=CharField(),
    )


def assignment_list(*, user, action: str = Action.VIEW):
    qs = Assignment.objects.select_related(
        "duty", "duty__organization", "duty__responsible", "organization", "responsible"
    )
    return restrict(user, action, qs).annotate(light_code=light_expression())


def _not_yet_shown(today=None) -> Q:
    """Occurrences of a repeating duty that start later than the lead time from today: they wait on the duty's page."""
    horizon = (today or timezone.localdate()) + dt.timedelta(days=settings.GRASSROOTS_OCCURRENCE_LEAD_DAYS)
    return Q(duty__series__isnull=False, duty__start_on__gt=horizon)


def my_work(*, user, later: bool = False):
    """What is due for this user: assignments they are responsible for, and those of organizations they manage.

    An occurrence of a repeating duty (a month of monthly work) appears GRASSROOTS_OCCURRENCE_LEAD_DAYS before
    its start; `later=True` gives instead the occurrences still waiting.
    """
    from grassroots.core.policy import subject

    subj = subject(user)
    q = Q(pk__in=[])
    member = subj.member
    if member is not None:
        q |= Q(responsible=member)
    managed = [p for p, role in subj.grants if role in ("secretary", "officer")]
    for path in managed:
        # Only the organizations the user manages directly, not every branch below a county officer.
        q |= Q(organization__path=path)
    qs = (
        Assignment.objects.filter(q)
        .exclude(state__in=[AssignmentState.DRAFT, AssignmentState.CANCELLED])
        .select_related("duty", "duty__organization", "duty__responsible", "organization", "responsible")
        .annotate(light_code=light_expression())
    )
    qs = qs.filter(_not_yet_shown()) if later else qs.exclude(_not_yet_shown())
    # Red, yellow, green, then done: an open item's light follows its due date, so the open ones in due-date order
    # are already by light. (Ordering by the light itself repeats its CASE three times in the SQL, for nothing.)
    done_last = Case(When(state__in=DONE_STATES, then=Value(1)), default=Value(0), output_field=IntegerField())
    return qs.order_by(done_last, "due_on", "id")


# What a start page calls "due": not done, not waiting for review, and due within a week or late already.
DUE_SOON_DAYS = 7
TO_DO_STATES = (AssignmentState.ISSUED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED)
WORK_SHOWN = {
    "open": Q(state__in=OPEN_STATES),
    "due": Q(state__in=TO_DO_STATES),
    "returned": Q(state=AssignmentState.RETURNED),
}


def my_work_shown(*, user, show: str, today: dt.date | None = None):
    """my_work narrowed to one of WORK_SHOWN: open (not done), due (to do and due within DUE_SOON_DAYS or late),
    returned (a report was sent back); the start page counts these and links to them."""
    qs = my_work(user=user).filter(WORK_SHOWN[show])
    if show == "due":
        today = today or timezone.localdate()
        qs = qs.filter(due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    return qs


def overdue_receivers(*, user, today: dt.date | None = None):
    """Assignments late at their receivers (due date passed, nothing reported or the report sent back) of duties
    issued by an organization the user manages, the receiver being another organization: whom the issuer chases (a
    report submitted waits for the issuer's review instead). The longest late first."""
    today = today or timezone.localdate()
    issuers = restrict(user, Action.CHANGE, Organization.objects.all())
    return (
        Assignment.objects.filter(duty__organization__in=issuers, state__in=TO_DO_STATES, due_on__lt=today)
        .exclude(organization_id=F("duty__organization_id"))
        .select_related("duty", "duty__organization", "organization", "responsible")
        .order_by("due_on", "organization__path", "id")
    )


def duty_list(*, user, action: str = Action.VIEW):
    """The duties the user may `action`."""
    return restrict(user, action, Duty.objects.all())


def duty_list_list(*, user, organization: Organization | None = None):
    qs = restrict(user, Action.VIEW, DutyList.objects.select_related("organization", "period"))
    return qs.filter(organization=organization) if organization is not None else qs


def duties_of_list(*, user, duty_list: DutyList, filters: dict | None = None):
    """Duties of a list (occurrences folded under their series), with their own roll-up counts."""
    filters = filters or {}
    qs = restrict(user, Action.VIEW, Duty.objects.filter(duty_list=duty_list, series__isnull=True))
    if filters.get("dimension"):
        qs = qs.filter(dimension=filters["dimension"])
    if filters.get("key") == "1":
        qs = qs.filter(Q(is_key=True) | Q(is_major=True))
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("responsible"):
        qs = qs.filter(responsible_id=filters["responsible"])
    qs = qs.select_related("responsible", "objective").order_by("due_on", "id")
    duties = list(qs)
    progress = duty_progress_many(duties)
    light = filters.get("light")
    out = []
    for duty in duties:
        duty.progress = progress.get(duty.pk, EMPTY_PROGRESS)
        if light and duty.progress["light"] != light:
            continue
        out.append(duty)
    return out


EMPTY_PROGRESS = {
    "total": 0,
    "accepted": 0,
    "submitted": 0,
    "red": 0,
    "yellow": 0,
    "weight_total": 0.0,
    "weight_done": 0.0,
    "completion": 0.0,
    "light": Light.GREEN,
}


def _finish(row: dict) -> dict:
    total_w = float(row.get("weight_total") or 0)
    done_w = float(row.get("weight_done") or 0)
    row["completion"] = round(100.0 * done_w / total_w, 1) if total_w else 0.0
    if row["total"] and row["accepted"] == row["total"]:
        row["light"] = Light.DONE
    elif row["red"]:
        row["light"] = Light.RED
    elif row["yellow"]:
        row["light"] = Light.YELLOW
    else:
        row["light"] = Light.GREEN
    return row


def _aggregates(today):
    light = light_expression(today)
    accepted = Q(state=AssignmentState.ACCEPTED)
    return {
        "total": Count("id"),
        "accepted": Count("id", filter=accepted),
        "submitted": Count("id", filter=Q(state=AssignmentState.SUBMITTED)),
        "red": Count("id", filter=Q(light_code=Light.RED)),
        "yellow": Count("id", filter=Q(light_code=Light.YELLOW)),
        "weight_total": Coalesce(Sum("weight"), Value(0), output_field=DecimalField()),
        "weight_done": Coalesce(Sum("weight", filter=accepted), Value(0), output_field=DecimalField()),
    }, light


def duty_progress_many(duties, *, within: Organization | None = None, today=None) -> dict:
    """Roll-up of each duty over its whole lineage (its assignments and those decomposed below), in one query.

    A duty is complete when its own work and every assignment below it are accepted; a middle assignment decomposed
    further down counts through its children (counted_assignments, ROLLUP_RULE).
    """
    duties = [d for d in duties if d.lineage]
    if not duties:
        return {}
    aggregates, light = _aggregates(today)
    qs = counted_assignments().annotate(light_code=light)
    if within is not None:
        qs = qs.filter(subtree_q(within.path, "organization__path"))
    out = {}
    # Group by the lineage prefix of each requested root: roots of the same length share one query.
    by_length: dict[int, list] = {}
    for duty in duties:
        by_length.setdefault(len(duty.lineage), []).append(duty)
    for length, group in by_length.items():
        lineages = {d.lineage: d.pk for d in group}
        rows = (
            qs.filter(lineage_q(list(lineages)))
            .annotate(root=Substr("duty__lineage", 1, length))
            .order_by()
            .values("root")
            .annotate(**aggregates)
        )
        for row in rows:
            pk = lineages.get(row.pop("root"))
            if pk is not None:
                out[pk] = _finish(dict(row))
    return out


def lineage_q(lineages, field: str = "duty__lineage") -> Q:
    """Assignments of these duties and of every duty decomposed or recurring below them (a range, not LIKE)."""
    q = Q(pk__in=[])
    for lineage in lineages:
        q |= Q(**{f"{field}__gte": lineage, f"{field}__lt": lineage + ":"})
    return q


def duty_progress(duty: Duty, **kwargs) -> dict:
    return duty_progress_many([duty], **kwargs).get(duty.pk, dict(EMPTY_PROGRESS))


def progress_by_child(*, organization: Organization, period=None, duty: Duty | None = None, today=None) -> dict:
    """For each child of `organization`, the roll-up of the assignments received anywhere in its subtree.

    One grouped query over the children's path prefix: no loop per organization.
    """
    aggregates, light = _aggregates(today)
    width = (organization.depth + 1) * Organization.steplen
    qs = (
        counted_assignments()
        .filter(organization__path__gt=organization.path, organization__path__lt=organization.path + "~")
        .annotate(light_code=light)
    )
    if period is not None:
        qs = qs.filter(duty__duty_list__period=period)
    if duty is not None:
        qs = qs.filter(lineage_q([duty.lineage]))
    rows = qs.annotate(prefix=Substr("organization__path", 1, width)).order_by().values("prefix").annotate(**aggregates)
    return {row.pop("prefix"): _finish(dict(row)) for row in rows}


def subtree_progress(*, organization: Organization, period=None, today=None) -> dict:
    aggregates, light = _aggregates(today)
    qs = counted_assignments().filter(subtree_q(organization.path, "organization__path")).annotate(light_code=light)
    if period is not None:
        qs = qs.filter(duty__duty_list__period=period)
    row = qs.aggregate(**aggregates)
    return _finish(dict(row))


def assignments_of_duty(*, user, duty: Duty):
    """The tree of a duty's assignments: those of the duty (or its occurrences) and those decomposed below."""
    qs = assignment_list(user=user).filter(lineage_q([duty.lineage]))
    return qs.order_by("organization__path", "due_on", "id")


def review_queue(*, user, others: bool = False):
    """Submitted reports waiting for the user: issued by an organization the user manages itself (a grant on it), or
    by one below without managers of its own, and not written by them. A township's own duties are reviewed by the
    township, not sent to the county's queue as well.

    With `others`, the reports issued by organizations below that have managers of their own: those the user may
    take over (report_review_check with take_over), never shown unless asked for.
    """
    from grassroots.organizations.models import Grant

    own = Grant.objects.filter(user=user, role__in=["secretary", "officer", "admin"]).values("organization")
    managed = Grant.objects.filter(role__in=["secretary", "officer"], user__is_active=True).values("organization")
    issuers = restrict(user, Action.CHANGE, Organization.objects.all())
    if others:  # a superuser's own queue holds every report already
        issuers = issuers.none() if getattr(user, "is_superuser", False) else issuers.filter(pk__in=managed)
        issuers = issuers.exclude(pk__in=own)
    elif not getattr(user, "is_superuser", False):
        issuers = issuers.filter(Q(pk__in=own) | ~Q(pk__in=managed))
    return (
        ProgressReport.objects.filter(state=ReportState.SUBMITTED, assignment__duty__organization__in=issuers)
        .exclude(author=user)
        .select_related("assignment__duty__organization", "assignment__organization", "author")
        .prefetch_related("evidence")
        .order_by("created_at", "id")
    )


def review_queue_narrowed(queue, *, duty: int | None = None, under: Organization | None = None, light: str = ""):
    """The review queue cut down at county scale: one duty, one organization's subtree (a township and its
    villages), one light of the assignment (red overdue, yellow due soon, green)."""
    if duty:
        queue = queue.filter(Q(assignment__duty_id=duty) | Q(assignment__duty__series_id=duty))
    if under is not None:
        queue = queue.filter(subtree_q(under.path, "assignment__organization__path"))
    if light:
        today = timezone.localdate()
        soon = today + dt.timedelta(days=settings.GRASSROOTS_YELLOW_DAYS)
        by_light = {
            Light.RED: Q(assignment__due_on__lt=today),
            Light.YELLOW: Q(assignment__due_on__gte=today, assignment__due_on__lte=soon),
            Light.GREEN: Q(assignment__due_on__gt=soon),
        }
        queue = queue.filter(by_light.get(light, Q(pk__in=[])))
    return queue


def review_queue_choices(queue) -> dict:
    """What the queue's filters offer: its duties (a repeating duty once, under its series) with their counts, and
    the organizations one step below each issuer that the reports come from (the townships of a county's queue)."""
    rows = list(
        queue.order_by().values_list(
            "assignment__duty_id",
            "assignment__duty__series_id",
            "assignment__duty__organization__path",
            "assignment__organization__path",
        )
    )
    counts: dict[int, int] = {}
    prefixes = set()
    step = Organization.steplen
    for duty_id, series_id, issuer_path, receiver_path in rows:
        key = series_id or duty_id
        counts[key] = counts.get(key, 0) + 1
        prefixes.add(receiver_path[: len(issuer_path) + step])
    # Only what the filters name them by: a county's queue offers every duty of the day.
    duties = list(Duty.objects.filter(pk__in=counts).order_by("title", "id").only("id", "title"))
    for duty in duties:
        duty.waiting = counts[duty.pk]
    areas = list(Organization.objects.filter(path__in=prefixes).order_by("path").only("id", "name", "name_en"))
    return {"duties": duties, "areas": areas}


def report_list(*, user):
    return restrict(user, Action.VIEW, ProgressReport.objects.select_related("assignment", "author"))


def due_date_request_list(*, user):
    """The requests to move a due date that the user may see."""
    return restrict(user, Action.VIEW, DueDateRequest.objects.all())


def evidence_list(*, user):
    """The evidence files the user may see."""
    return restrict(user, Action.VIEW, Evidence.objects.all())


def pending_due_date_requests(*, user):
    issuers = restrict(user, Action.CHANGE, Organization.objects.all())
    return DueDateRequest.objects.filter(
        state=RequestState.PENDING, assignment__duty__organization__in=issuers
    ).select_related("assignment__duty__organization", "assignment__organization", "requested_by")


def claimable_duties(*, user):
    """Duties open for claiming at the user's organization and every organization above it."""
    from grassroots.core.policy import subject

    member = subject(user).member
    if member is None:
        return Duty.objects.none()
    path = member.organization.path
    prefixes = [path[:i] for i in range(Organization.steplen, len(path) + 1, Organization.steplen)]
    return (
        Duty.objects.filter(organization__path__in=prefixes, claimable=True, due_on__gte=timezone.localdate())
        .exclude(state=DutyState.CANCELLED)
        .select_related("organization")
        .annotate(claim_count=Count("claims", filter=Q(claims__state__in=["active", "completed"])))
        .order_by("due_on")
    )


def claim_list(*, user):
    return restrict(user, Action.VIEW, Claim.objects.select_related("duty", "member", "organization"))


def overdue_count(*, user) -> int:
    today = timezone.localdate()
    return assignment_list(user=user).filter(state__in=OPEN_STATES, due_on__lt=today).count()


def my_claims(*, user):
    """The duties this user has claimed as a member (active or completed), newest first."""
    from grassroots.core.policy import subject

    member = subject(user).member
    if member is None:
        return Claim.objects.none()
    return (
        Claim.objects.filter(member=member, state__in=["active", "completed"])
        .select_related("duty", "duty__organization", "member")
        .order_by("-created_at", "-id")
    )


def responsibles_of_list(*, user, duty_list: DutyList):
    """The people named responsible for the duties of a list (the choices of its filter)."""
    from grassroots.organizations.models import Member

    duties = restrict(user, Action.VIEW, Duty.objects.filter(duty_list=duty_list, responsible__isnull=False))
    return Member.objects.filter(pk__in=duties.values("responsible_id")).order_by(
        by_reading("name", chinese=True), "id"
    )


def objective_list(*, user, action: str = Action.VIEW):
    """The business objectives the user may `action`."""
    return restrict(user, action, BusinessObjective.objects.all())


def objectives_of(*, user, organization: Organization):
    """The business objectives of one organization in scope, newest period first."""
    qs = restrict(user, Action.VIEW, BusinessObjective.objects.filter(organization=organization))
    return qs.select_related("period").prefetch_related("values").order_by("-period__start", "name")


def issued_chains(assignments) -> dict:
    """What was issued to each assignment, from the top down: for every level of decomposition above it (and its
    own), the issuing organization, the requirement of its duty and the note its receiver added.

    One query per level of decomposition, whatever the number of assignments: the receiver reads what was issued
    to it even where it may not read the duties above (the chain is part of what it received).
    """
    chains: dict[int, list] = {}
    current: dict[int, list[int]] = {}  # assignment pk -> the pks asking for it
    for assignment in assignments:
        chains[assignment.pk] = []
        current.setdefault(assignment.pk, []).append(assignment.pk)
    seen: set[int] = set()
    # The assignments' own links come from the rows given when they were read with what a link shows (a page's
    # assignment_list does); only the levels above are read.
    rows = [a for a in {a.pk: a for a in assignments}.values() if _link_loaded(a)]
    unread = list(current.keys() - {a.pk for a in rows})
    while current:
        if unread:
            rows += Assignment.objects.filter(pk__in=unread).select_related("duty__organization", "organization")
        following: dict[int, list[int]] = {}
        for row in rows:
            seen.add(row.pk)
            link = {
                "organization": row.duty.organization,
                "receiver": row.organization,
                "requirement": row.duty.requirement,
                "note": row.note,
            }
            for asker in current[row.pk]:
                chains[asker].insert(0, link)
            parent = row.duty.source_assignment_id
            if parent is not None and parent not in seen:
                following.setdefault(parent, []).extend(current[row.pk])
        current, rows, unread = following, [], list(following)
    return chains


def _link_loaded(assignment) -> bool:
    """Whether an assignment was read with its duty, the duty's organization and its receiver."""
    return (
        Assignment.duty.is_cached(assignment)
        and Duty.organization.is_cached(assignment.duty)
        and Assignment.organization.is_cached(assignment)
    )


def issued_chain(assignment) -> list:
    return issued_chains([assignment]).get(assignment.pk, [])


def duties_without_responsible(*, today: dt.date | None = None):
    """Per organization (for an annotation: `organization` is the outer row), how many of its duties still running
    (issued or draft, not yet past due) name nobody responsible: the data completeness check counts them."""
    today = today or timezone.localdate()
    rows = (
        Duty.objects.filter(
            organization=OuterRef("pk"), responsible__isnull=True, series__isnull=True, due_on__gte=today
        )
        .exclude(state=DutyState.CANCELLED)
        .order_by()
        .values("organization")
        .annotate(n=Func("id", function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def assignments_within(
    *, user, organization: Organization, period=None, light: str = "", dimension: str = "", accepted_in=None
):
    """The counted assignments (counted_assignments) received in an organization's subtree that the user may view,
    by period, light and area of construction: the list behind a roll-up's figure."""
    qs = (
        assignment_list(user=user)
        .filter(pk__in=counted_assignments().values("pk"))
        .filter(subtree_q(organization.path, "organization__path"))
    )
    if period is not None:
        qs = qs.filter(duty__duty_list__period=period)
    if light:
        qs = qs.filter(light_code=light)
    if dimension:
        qs = qs.filter(duty__dimension=dimension)
    if accepted_in is not None:  # (first day, last day): accepted between them
        qs = qs.filter(state=AssignmentState.ACCEPTED, accepted_on__range=accepted_in)
    return qs.order_by("due_on", "organization__path", "id")
