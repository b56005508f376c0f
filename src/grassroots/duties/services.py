"""Writes of the chain "determine -> perform": duty lists, issuing down, claims, reports, reviews, due dates.

Every function checks the policy, changes the data in one transaction, writes an audit entry and notifies.
"""

import calendar
import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.models import Period, PeriodKind
from grassroots.core.notify import notify
from grassroots.core.periods import period_for  # noqa: F401  (re-exported: callers use duties.services.period_for)
from grassroots.core.policy import Action, can, require
from grassroots.core.text import bracketed
from grassroots.core.uploads import check_upload
from grassroots.organizations.models import Grant, Member, MemberStatus, Organization, Post, subtree_q

from .models import (
    OPEN_STATES,
    Assignment,
    AssignmentState,
    BusinessObjective,
    Claim,
    ClaimState,
    DueDateRequest,
    Duty,
    DutyList,
    DutyState,
    Evidence,
    ObjectiveValue,
    ProgressReport,
    Recurrence,
    ReportState,
    RequestState,
    lineage_of,
)
from .signals import assignment_accepted

# ---------------------------------------------------------------- periods


# ---------------------------------------------------------------- objectives


@transaction.atomic
def objective_create(*, actor, organization: Organization, period: Period, **fields) -> BusinessObjective:
    require(actor, Action.CHANGE, organization)
    objective = BusinessObjective(organization=organization, period=period, **fields)
    objective.full_clean()
    objective.save()
    audit(
        "duties.objective.create",
        actor=actor,
        obj=objective,
        after=snapshot(objective, objective.audit_fields),
    )
    return objective


@transaction.atomic
def objective_record_value(*, actor, objective: BusinessObjective, measured_on: dt.date, value, note: str = ""):
    require(actor, Action.CHANGE, objective.organization)
    row = ObjectiveValue.objects.create(
        objective=objective, measured_on=measured_on, value=value, note=note, entered_by=actor
    )
    audit(
        "duties.objective.value",
        actor=actor,
        obj=objective,
        after={"measured_on": measured_on, "value": value, "note": note},
    )
    return row


# ---------------------------------------------------------------- lists and duties


@transaction.atomic
def duty_list_create(*, actor, organization: Organization, period: Period | None, title: str, is_template=False):
    require(actor, Action.CHANGE, organization)
    duty_list = DutyList(organization=organization, period=period, title=title.strip(), is_template=is_template)
    duty_list.full_clean()
    duty_list.save()
    audit("duties.list.create", actor=actor, obj=duty_list, after=snapshot(duty_list, duty_list.audit_fields))
    return duty_list


def duty_list_for(*, actor, organization: Organization, period: Period) -> DutyList:
    """The organization's list for the period, made when first needed."""
    existing = DutyList.objects.filter(organization=organization, period=period, is_template=False).first()
    if existing:
        return existing
    title = _("Duty list of %(org)s, %(period)s") % {"org": organization.name, "period": period.code}
    return duty_list_create(actor=actor, organization=organization, period=period, title=title)


DUTY_FIELDS = (
    "title",
    "description",
    "dimension",
    "is_key",
    "is_major",
    "weight",
    "responsible",
    "post",
    "start_on",
    "due_on",
    "recurrence",
    "interval_months",
    "requirement",
    "evidence_expected",
    "objective",
    "claimable",
    "claim_limit",
)


def _check_duty(duty: Duty) -> None:
    duty.full_clean(exclude=["lineage", "duty_list", "organization", "source_assignment", "series"])
    period = duty.duty_list.period
    if period is not None and not duty.duty_list.is_template and not period.contains(duty.due_on):
        raise ValidationError(
            {"due_on": _("The due date must lie within the period %(period)s.") % {"period": period.code}}
        )
    if duty.responsible_id and not duty.responsible.organization.is_within(duty.organization):
        raise ValidationError({"responsible": _("The responsible person must belong to this organization.")})
    if duty.recurrence == Recurrence.CUSTOM and not duty.interval_months:
        raise ValidationError({"interval_months": _("Say every how many months the duty recurs.")})
    if duty.objective_id and not duty.organization.is_within(duty.objective.organization):
        raise ValidationError({"objective": _("The objective must be this organization's or one above it.")})


@transaction.atomic
def duty_create(*, actor, duty_list: DutyList, collaborators=(), source_assignment=None, **fields) -> Duty:
    require(actor, Action.CHANGE, duty_list.organization)
    unknown = set(fields) - set(DUTY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    duty = Duty(duty_list=duty_list, organization=duty_list.organization, created_by=actor, **fields)
    duty.source_assignment = source_assignment
    _check_duty(duty)
    duty.save()
    parent = source_assignment.duty.lineage if source_assignment else ""
    duty.lineage = lineage_of(duty.pk, parent)
    duty.save(update_fields=["lineage"])
    if collaborators:
        duty.collaborators.set(collaborators)
    audit("duties.duty.create", actor=actor, obj=duty, after=snapshot(duty, duty.audit_fields))
    return duty


@transaction.atomic
def duty_update(*, actor, duty: Duty, **changes) -> Duty:
    duty = Duty.objects.select_for_update().get(pk=duty.pk)
    require(actor, Action.CHANGE, duty.organization)
    unknown = set(changes) - set(DUTY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if duty.state != DutyState.DRAFT and {"recurrence", "interval_months"} & set(changes):
        raise ValidationError(_("The recurrence of an issued duty cannot change."))
    before = snapshot(duty, duty.audit_fields)
    for key, value in changes.items():
        setattr(duty, key, value)
    _check_duty(duty)
    duty.save()
    if "due_on" in changes or "start_on" in changes:
        # Receivers whose date nobody moved follow the duty.
        duty.assignments.filter(state__in=OPEN_STATES, due_on=before["due_on"]).update(
            due_on=duty.due_on, start_on=duty.start_on
        )
    audit("duties.duty.update", actor=actor, obj=duty, before=before, after=snapshot(duty, duty.audit_fields))
    return duty


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def occurrence_dates(duty: Duty) -> list[tuple[dt.date, dt.date]]:
    """(start, due) of each occurrence of a recurring duty within its period: the due day keeps its place."""
    step = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3}.get(duty.recurrence, duty.interval_months or 0)
    if not step:
        return []
    period = duty.duty_list.period
    first_due = duty.due_on
    start = duty.start_on or (period.start if period else first_due)
    # Walk back to the first occurrence inside the period, then forward to its end.
    while period and _add_months(first_due, -step) >= period.start:
        first_due = _add_months(first_due, -step)
    out = []
    due = first_due
    offset = (duty.due_on - start).days if duty.start_on else None
    while period is None or due <= period.end:
        occ_start = due - dt.timedelta(days=offset) if offset is not None else _add_months(due, -step) + dt.timedelta(1)
        if period:
            occ_start = max(occ_start, period.start)
        out.append((occ_start, due))
        due = _add_months(first_due, step * len(out))
        if period is None and len(out) >= 12:
            break
    return out


@transaction.atomic
def duty_generate_occurrences(*, actor, duty: Duty) -> list[Duty]:
    """Make the occurrences of a recurring duty (each month, quarter, or N months) within its period."""
    require(actor, Action.CHANGE, duty.organization)
    if duty.recurrence == Recurrence.NONE or duty.series_id:
        raise ValidationError(_("Only a recurring duty has occurrences."))
    if duty.occurrences.exists():
        return list(duty.occurrences.all())
    made = []
    for start, due in occurrence_dates(duty):
        occurrence = Duty(
            duty_list=duty.duty_list,
            organization=duty.organization,
            series=duty,
            created_by=actor,
            **{f: getattr(duty, f) for f in DUTY_FIELDS if f not in ("recurrence", "interval_months")},
        )
        occurrence.start_on, occurrence.due_on = start, due
        occurrence.recurrence = Recurrence.NONE
        occurrence.title = bracketed(duty.title, f"{due:%Y-%m}", limit=Duty._meta.get_field("title").max_length)
        occurrence.source_assignment = duty.source_assignment
        occurrence.save()
        occurrence.lineage = lineage_of(occurrence.pk, duty.lineage)  # rolls up into its series
        occurrence.save(update_fields=["lineage"])
        made.append(occurrence)
    audit("duties.duty.occurrences", actor=actor, obj=duty, after={"count": len(made)})
    return made


def _shift(day, days):
    return day + dt.timedelta(days=days) if day else None


@transaction.atomic
def duty_list_copy(*, actor, source: DutyList, organization: Organization, period: Period, title: str = "") -> DutyList:
    """A new list for `period` with the duties of `source` (a template or last period's list), dates shifted."""
    require(actor, Action.VIEW, source.organization)
    require(actor, Action.CHANGE, organization)
    target = DutyList.objects.filter(organization=organization, period=period, is_template=False).first()
    if target is None:
        target = duty_list_create(
            actor=actor,
            organization=organization,
            period=period,
            title=title or f"{organization.name} {period.code}",
        )
    if source.period:
        shift = (period.start - source.period.start).days
        # Keep the same day of the year: a whole number of years when periods are years.
        if period.kind == PeriodKind.YEAR and source.period.kind == PeriodKind.YEAR:
            years = period.start.year - source.period.start.year

            def move(day):
                return _add_months(day, 12 * years) if day else None
        else:

            def move(day):
                return _shift(day, shift)
    else:

        def move(day):
            if day is None:
                return None
            return dt.date(
                period.start.year,
                day.month,
                min(day.day, calendar.monthrange(period.start.year, day.month)[1]),
            )

    copied = 0
    for duty in source.duties.filter(series__isnull=True, source_assignment__isnull=True).order_by("id"):
        fields = {f: getattr(duty, f) for f in DUTY_FIELDS}
        fields["start_on"], fields["due_on"] = move(duty.start_on), move(duty.due_on)
        if fields["due_on"] and not period.contains(fields["due_on"]):
            fields["due_on"] = min(max(fields["due_on"], period.start), period.end)
        if fields["start_on"] and fields["start_on"] > fields["due_on"]:
            fields["start_on"] = None
        if fields["objective"] is not None and fields["objective"].period_id != period.pk:
            fields["objective"] = None
        if fields["responsible"] is not None and fields["responsible"].status != MemberStatus.ACTIVE:
            fields["responsible"] = None
        duty_create(actor=actor, duty_list=target, collaborators=list(duty.collaborators.all()), **fields)
        copied += 1
    audit("duties.list.copy", actor=actor, obj=target, after={"from": source.pk, "duties": copied})
    return target


# ---------------------------------------------------------------- issuing down


def secretaries_of(org_ids) -> dict[int, Member]:
    """The current secretary of each organization, in one query."""
    posts = (
        Post.objects.filter(organization_id__in=list(org_ids), title="secretary", ended_on__isnull=True)
        .select_related("member")
        .order_by("organization_id", "-started_on")
    )
    out = {}
    for post in posts:
        out.setdefault(post.organization_id, post.member)
    return out


def managers_of(org_ids) -> list:
    """Users holding a secretary or officer role exactly on these organizations."""
    from django.contrib.auth import get_user_model

    user_ids = Grant.objects.filter(organization_id__in=list(org_ids), role__in=["secretary", "officer"]).values(
        "user_id"
    )
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))


def resolve_targets(
    *,
    issuer: Organization,
    mode: str,
    kind: str = "",
    unit_type: str = "",
    root: Organization | None = None,
    ids=(),
):
    """Receivers of an issue: 'children', all of a kind (and unit type) in a subtree, or a hand-picked set."""
    below = Organization.objects.filter(subtree_q((root or issuer).path)).exclude(pk=issuer.pk).filter(is_active=True)
    if root is not None and not root.is_within(issuer):
        raise ValidationError(_("Duties can only be issued to organizations below the issuer."))
    if mode == "children":
        return below.filter(parent=root or issuer)
    if mode == "kind":
        qs = below.filter(kind=kind) if kind else below
        return qs.filter(unit_type=unit_type) if unit_type else qs
    if mode == "pick":
        picked = below.filter(pk__in=list(ids))
        if picked.count() != len(set(ids)):
            raise ValidationError(_("Some chosen organizations are not below the issuer."))
        return picked
    raise ValidationError(_("Unknown way of choosing receivers: %(mode)s") % {"mode": mode})


@transaction.atomic
def duty_issue(*, actor, duty: Duty, targets=None, note: str = "") -> int:
    """Issue a duty: one assignment per receiver (bulk), or to its own organization when no receivers are named.

    A recurring duty issues each of its occurrences. Returns the number of assignments made.
    """
    duty = Duty.objects.select_for_update(of=("self",)).select_related("organization", "duty_list").get(pk=duty.pk)
    require(actor, Action.CHANGE, duty.organization)
    if duty.state == DutyState.CANCELLED:
        raise ValidationError(_("A cancelled duty cannot be issued."))
    receivers = list(targets) if targets is not None else [duty.organization]
    if not receivers:
        raise ValidationError(_("Choose at least one organization to issue to."))
    for org in receivers:
        if org.pk != duty.organization_id and not (
            org.is_within(duty.organization) and org.depth > duty.organization.depth
        ):
            raise ValidationError(
                _("%(org)s is not below %(issuer)s; duties are issued down the tree.")
                % {"org": org.name, "issuer": duty.organization.name}
            )
    if duty.is_series:
        occurrences = list(duty.occurrences.all()) or duty_generate_occurrences(actor=actor, duty=duty)
    else:
        occurrences = [duty]
    secretaries = secretaries_of(o.pk for o in receivers)
    now = timezone.now()
    existing = set(
        Assignment.objects.filter(duty__in=occurrences, organization__in=receivers).values_list(
            "duty_id", "organization_id"
        )
    )
    rows = []
    for occurrence in occurrences:
        for org in receivers:
            if (occurrence.pk, org.pk) in existing:
                continue
            responsible = duty.responsible if org.pk == duty.organization_id else secretaries.get(org.pk)
            rows.append(
                Assignment(
                    duty=occurrence,
                    organization=org,
                    responsible=responsible,
                    state=AssignmentState.ISSUED,
                    start_on=occurrence.start_on,
                    due_on=occurrence.due_on,
                    weight=occurrence.weight,
                    note=note,
                    issued_at=now,
                )
            )
    Assignment.objects.bulk_create(rows, batch_size=2000)
    Duty.objects.filter(pk__in=[o.pk for o in occurrences] + [duty.pk]).update(state=DutyState.ISSUED)
    audit(
        "duties.duty.issue",
        actor=actor,
        obj=duty,
        after={"receivers": len(receivers), "assignments": len(rows), "occurrences": len(occurrences)},
    )
    receiver_ids = {o.pk for o in receivers if o.pk != duty.organization_id}
    if receiver_ids:
        users = managers_of(receiver_ids) + [m.user for m in secretaries.values() if m.user_id]
        notify(
            users,
            "duties.issued",
            params={"duty": duty.title, "issuer": duty.organization.name, "due": duty.due_on.isoformat()},
            url=reverse("duties:my_work"),
            obj=duty,
            dedupe_key=f"issued:{duty.pk}",
        )
    return len(rows)


@transaction.atomic
def assignment_update(*, actor, assignment: Assignment, responsible=None, note=None) -> Assignment:
    """The receiver names its responsible person and adds its own requirement."""
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("organization").get(pk=assignment.pk)
    require(actor, Action.CHANGE, assignment.organization)
    before = snapshot(assignment, assignment.audit_fields)
    if responsible is not None:
        if not responsible.organization.is_within(assignment.organization):
            raise ValidationError(
                {"responsible": _("The responsible person must belong to the receiving organization.")}
            )
        assignment.responsible = responsible
    if note is not None:
        assignment.note = note.strip()
    assignment.version += 1
    assignment.save()
    audit(
        "duties.assignment.update",
        actor=actor,
        obj=assignment,
        before=before,
        after=snapshot(assignment, assignment.audit_fields),
    )
    return assignment


@transaction.atomic
def duty_decompose(*, actor, assignment: Assignment, **fields) -> Duty:
    """The receiver turns its assignment into a duty of its own list, to issue further down."""
    assignment = Assignment.objects.select_related("duty__duty_list__period", "organization").get(pk=assignment.pk)
    require(actor, Action.CHANGE, assignment.organization)
    if assignment.state not in OPEN_STATES:
        raise ValidationError(_("Only an open assignment can be decomposed."))
    period = assignment.duty.duty_list.period
    duty_list = duty_list_for(actor=actor, organization=assignment.organization, period=period)
    base = {
        "title": assignment.duty.title,
        "description": assignment.duty.description,
        "dimension": assignment.duty.dimension,
        "is_key": assignment.duty.is_key,
        "is_major": assignment.duty.is_major,
        "weight": assignment.duty.weight,
        "start_on": assignment.start_on,
        "due_on": assignment.due_on,
        "requirement": assignment.duty.requirement,
        "evidence_expected": assignment.duty.evidence_expected,
    }
    base.update(fields)
    if base["due_on"] > assignment.due_on:
        raise ValidationError({"due_on": _("The decomposed duty must be due no later than the assignment.")})
    duty = duty_create(actor=actor, duty_list=duty_list, source_assignment=assignment, **base)
    if assignment.state == AssignmentState.ISSUED:
        Assignment.objects.filter(pk=assignment.pk).update(state=AssignmentState.IN_PROGRESS)
    return duty


@transaction.atomic
def duty_cancel(*, actor, duty: Duty, reason: str) -> Duty:
    require(actor, Action.CHANGE, duty.organization)
    if not reason.strip():
        raise ValidationError(_("Say why the duty is cancelled."))
    lineage_duties = Duty.objects.filter(lineage__gte=duty.lineage, lineage__lt=duty.lineage + ":")
    Assignment.objects.filter(duty__in=lineage_duties, state__in=OPEN_STATES + (AssignmentState.DRAFT,)).update(
        state=AssignmentState.CANCELLED
    )
    lineage_duties.update(state=DutyState.CANCELLED)
    duty.refresh_from_db()
    audit("duties.duty.cancel", actor=actor, obj=duty, after={"reason": reason.strip()})
    return duty


# ---------------------------------------------------------------- claims


@transaction.atomic
def claim_create(*, actor, duty: Duty, member: Member | None = None, organization=None, note: str = "") -> Claim:
    """A member (for themselves) or an organization's manager takes on a duty opened for claiming."""
    duty = Duty.objects.select_for_update(of=("self",)).select_related("organization").get(pk=duty.pk)
    if not duty.claimable or duty.state == DutyState.CANCELLED:
        raise ValidationError(_("This duty is not open for claiming."))
    if (member is None) == (organization is None):
        raise ValidationError(_("A claim is made by a member or by an organization."))
    if member is not None:
        if member.user_id != getattr(actor, "pk", None) and not can(actor, Action.CHANGE, member):
            raise PermissionDenied(_("You can claim only for yourself."))
        if member.status != MemberStatus.ACTIVE or not member.organization.is_within(duty.organization):
            raise ValidationError(_("Only members of %(org)s can claim this duty.") % {"org": duty.organization.name})
    else:
        require(actor, Action.CHANGE, organization)
        if not organization.is_within(duty.organization) or organization.pk == duty.organization_id:
            raise ValidationError(
                _("Only organizations below %(org)s can claim this duty.") % {"org": duty.organization.name}
            )
    active = duty.claims.filter(state__in=[ClaimState.ACTIVE, ClaimState.COMPLETED])
    if duty.claim_limit and active.count() >= duty.claim_limit:
        raise ValidationError(_("This duty has already been claimed by as many as it needs."))
    if active.filter(Q(member=member) if member else Q(organization=organization)).exists():
        raise ValidationError(_("This duty has already been claimed by you."))
    claim = Claim(duty=duty, member=member, organization=organization, note=note.strip())
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        raise ValidationError(_("This duty has already been claimed by you."))
    if member is not None:
        duty.collaborators.add(member)
    else:
        # The claiming organization receives the duty like any issued one, and reports on it.
        Assignment.objects.get_or_create(
            duty=duty,
            organization=organization,
            defaults={
                "state": AssignmentState.ISSUED,
                "responsible": secretaries_of([organization.pk]).get(organization.pk),
                "start_on": duty.start_on,
                "due_on": duty.due_on,
                "weight": duty.weight,
                "issued_at": timezone.now(),
            },
        )
        Duty.objects.filter(pk=duty.pk, state=DutyState.DRAFT).update(state=DutyState.ISSUED)
    audit("duties.claim.create", actor=actor, obj=claim, after=snapshot(claim, claim.audit_fields))
    notify(
        managers_of([duty.organization_id]),
        "duties.claimed",
        params={"duty": duty.title, "who": str(member or organization)},
        url=reverse("duties:duty", args=[duty.pk]),
        obj=claim,
    )
    return claim


@transaction.atomic
def claim_withdraw(*, actor, claim: Claim) -> Claim:
    claim = (
        Claim.objects.select_for_update(of=("self",)).select_related("member", "organization", "duty").get(pk=claim.pk)
    )
    own = claim.member is not None and claim.member.user_id == getattr(actor, "pk", None)
    if not own and not can(actor, Action.CHANGE, claim.organization or claim.member):
        raise PermissionDenied()
    if claim.state != ClaimState.ACTIVE:
        raise Conflict(_("This claim is no longer active."))
    claim.state = ClaimState.WITHDRAWN
    claim.save()
    if claim.member_id:
        claim.duty.collaborators.remove(claim.member)
    audit("duties.claim.withdraw", actor=actor, obj=claim)
    return claim


def _complete_claims(duty: Duty) -> None:
    """When every assignment of a claimed duty is accepted, its member claims count as completed."""
    if not duty.claims.filter(state=ClaimState.ACTIVE).exists():
        return
    if duty.assignments.exclude(state__in=[AssignmentState.ACCEPTED, AssignmentState.CANCELLED]).exists():
        return
    duty.claims.filter(state=ClaimState.ACTIVE).update(state=ClaimState.COMPLETED, completed_at=timezone.now())


# ---------------------------------------------------------------- due-date requests


def may_report(actor, assignment: Assignment) -> bool:
    """The receiving organization's managers and the assignment's responsible person report on it."""
    if can(actor, Action.CHANGE, assignment.organization):
        return True
    responsible = assignment.responsible
    return (
        responsible is not None
        and responsible.user_id is not None
        and responsible.user_id == getattr(actor, "pk", None)
    )


@transaction.atomic
def due_date_request(*, actor, assignment: Assignment, new_due: dt.date, reason: str) -> DueDateRequest:
    assignment = Assignment.objects.select_related("duty__organization", "organization").get(pk=assignment.pk)
    if not may_report(actor, assignment):
        raise PermissionDenied()
    if assignment.state not in OPEN_STATES:
        raise ValidationError(_("Only an open assignment can get a new due date."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why a new due date is needed.")})
    if new_due == assignment.due_on:
        raise ValidationError({"new_due": _("The new due date is the same as the current one.")})
    if new_due < timezone.localdate():
        raise ValidationError({"new_due": _("The new due date cannot be in the past.")})
    try:
        with transaction.atomic():
            request = DueDateRequest.objects.create(
                assignment=assignment,
                requested_by=actor,
                current_due=assignment.due_on,
                new_due=new_due,
                reason=reason.strip(),
            )
    except IntegrityError:
        raise ValidationError(_("A request for this assignment is already waiting for a decision."))
    audit("duties.due_date.request", actor=actor, obj=request, after=snapshot(request, request.audit_fields))
    notify(
        managers_of([assignment.duty.organization_id]),
        "duties.due_date_requested",
        params={
            "duty": assignment.duty.title,
            "org": assignment.organization.name,
            "new_due": new_due.isoformat(),
        },
        url=reverse("duties:assignment", args=[assignment.pk]),
        obj=request,
    )
    return request


@transaction.atomic
def due_date_decide(*, actor, request: DueDateRequest, grant: bool, note: str = "") -> DueDateRequest:
    request = (
        DueDateRequest.objects.select_for_update(of=("self",))
        .select_related("assignment__duty__organization")
        .get(pk=request.pk)
    )
    assignment = request.assignment
    require(actor, Action.CHANGE, assignment.duty.organization, _("Only the issuing organization decides."))
    if request.state != RequestState.PENDING:
        raise Conflict(_("This request was already decided."))
    if not grant and not note.strip():
        raise ValidationError({"note": _("Say why the request is refused.")})
    request.state = RequestState.GRANTED if grant else RequestState.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note.strip()
    request.save()
    if grant:
        Assignment.objects.filter(pk=assignment.pk).update(due_on=request.new_due, version=assignment.version + 1)
    audit(
        "duties.due_date.decide",
        actor=actor,
        obj=request,
        after={"granted": grant, "note": request.decision_note},
    )
    notify(
        [request.requested_by],
        "duties.due_date_granted" if grant else "duties.due_date_refused",
        params={
            "duty": assignment.duty.title,
            "new_due": request.new_due.isoformat(),
            "note": request.decision_note,
        },
        url=reverse("duties:assignment", args=[assignment.pk]),
        obj=request,
    )
    return request


# ---------------------------------------------------------------- reports and review


@transaction.atomic
def report_submit(*, actor, assignment: Assignment, text: str, percent: int, files=()) -> ProgressReport:
    """Report progress with evidence; the assignment waits for review."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("duty__organization", "organization")
        .get(pk=assignment.pk)
    )
    if not may_report(actor, assignment):
        raise PermissionDenied(_("Only the receiving organization or the responsible person can report."))
    if assignment.state not in (
        AssignmentState.ISSUED,
        AssignmentState.IN_PROGRESS,
        AssignmentState.RETURNED,
    ):
        raise ValidationError(
            _("A report cannot be made now: the assignment is %(state)s.") % {"state": assignment.get_state_display()}
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say what was done.")})
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise ValidationError({"percent": _("Percent done is a whole number from 0 to 100.")})
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Percent done is a whole number from 0 to 100.")})
    checked = [check_upload(f) for f in files]
    report = ProgressReport.objects.create(assignment=assignment, author=actor, text=text, percent=percent)
    for item in checked:
        Evidence(report=report).attach(item).save()
    assignment.state = AssignmentState.SUBMITTED
    assignment.percent = percent
    assignment.version += 1
    assignment.save(update_fields=["state", "percent", "version", "updated_at"])
    audit(
        "duties.report.submit",
        actor=actor,
        obj=report,
        after={"percent": percent, "files": [c.name for c in checked], "text": text[:500]},
    )
    notify(
        managers_of([assignment.duty.organization_id]),
        "duties.report_submitted",
        params={"duty": assignment.duty.title, "org": assignment.organization.name},
        url=reverse("duties:review"),
        obj=report,
    )
    return report


def _locked_report(report: ProgressReport) -> ProgressReport:
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("assignment__duty__organization", "assignment__organization", "assignment__responsible")
        .get(pk=report.pk)
    )


@transaction.atomic
def report_withdraw(*, actor, report: ProgressReport) -> ProgressReport:
    report = _locked_report(report)
    if report.author_id != getattr(actor, "pk", None) and not can(actor, Action.CHANGE, report.assignment.organization):
        raise PermissionDenied()
    if report.state != ReportState.SUBMITTED:
        raise Conflict(_("This report was already reviewed or withdrawn."))
    report.state = ReportState.WITHDRAWN
    report.save()
    Assignment.objects.filter(pk=report.assignment_id).update(state=AssignmentState.IN_PROGRESS)
    audit("duties.report.withdraw", actor=actor, obj=report)
    return report


def _check_reviewer(actor, report: ProgressReport) -> None:
    require(actor, Action.CHANGE, report.assignment.duty.organization, _("Only the issuing organization reviews."))
    if report.author_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("Nobody reviews their own report."))
    if report.state != ReportState.SUBMITTED:
        raise Conflict(
            _("This report was already %(state)s; the page you had was out of date.")
            % {"state": report.get_state_display().lower()}
        )


def _recipients_of(assignment: Assignment) -> list:
    users = managers_of([assignment.organization_id])
    if assignment.responsible_id and assignment.responsible.user_id:
        users.append(assignment.responsible.user)
    return users


@transaction.atomic
def report_accept(*, actor, report: ProgressReport) -> ProgressReport:
    report = _locked_report(report)
    _check_reviewer(actor, report)
    now = timezone.now()
    report.state, report.reviewer, report.reviewed_at = ReportState.ACCEPTED, actor, now
    report.save()
    assignment = report.assignment
    assignment.state, assignment.accepted_at, assignment.percent = AssignmentState.ACCEPTED, now, 100
    assignment.accepted_on = timezone.localdate()
    assignment.version += 1
    assignment.save(update_fields=["state", "accepted_at", "accepted_on", "percent", "version", "updated_at"])
    audit("duties.report.accept", actor=actor, obj=report)
    _complete_claims(assignment.duty)
    assignment_accepted.send(sender=Assignment, assignment=assignment)
    notify(
        _recipients_of(assignment),
        "duties.report_accepted",
        params={"duty": assignment.duty.title},
        url=reverse("duties:assignment", args=[assignment.pk]),
        obj=report,
    )
    return report


@transaction.atomic
def report_return(*, actor, report: ProgressReport, reason: str) -> ProgressReport:
    report = _locked_report(report)
    _check_reviewer(actor, report)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is returned, so it can be fixed.")})
    report.state, report.reviewer, report.reviewed_at = ReportState.RETURNED, actor, timezone.now()
    report.return_reason = reason
    report.save()
    assignment = report.assignment
    assignment.state = AssignmentState.RETURNED
    assignment.version += 1
    assignment.save(update_fields=["state", "version", "updated_at"])
    audit("duties.report.return", actor=actor, obj=report, after={"reason": reason})
    notify(
        _recipients_of(assignment),
        "duties.report_returned",
        params={"duty": assignment.duty.title, "reason": reason},
        url=reverse("duties:assignment", args=[assignment.pk]),
        obj=report,
    )
    return report
