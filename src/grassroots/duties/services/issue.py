"""Issuing down the tree: choosing receivers, issuing, the receiver's own settings, decomposing, cancelling."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import ValidationError
from grassroots.core.notify import notify
from grassroots.core.policy import Action, require
from grassroots.organizations.models import Organization, subtree_q

from ..counting import refresh_counted
from ..models import (
    OPEN_STATES,
    Assignment,
    AssignmentState,
    Duty,
    DutyState,
)
from .lists import duty_create, duty_generate_occurrences, duty_list_for
from .people import managers_of, secretaries_of


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


def duty_issue_check(*, actor, duty: Duty) -> None:
    """The duty's own organization issues it, unless it was cancelled."""
    require(actor, Action.CHANGE, duty.organization)
    if duty.state == DutyState.CANCELLED:
        raise ValidationError(_("A cancelled duty cannot be issued."))


@transaction.atomic
def duty_issue(*, actor, duty: Duty, targets=None, note: str = "") -> int:
    """Issue a duty: one assignment per receiver (bulk), or to its own organization when no receivers are named.

    A recurring duty issues each of its occurrences. Returns the number of assignments made.
    """
    duty = (
        Duty.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organization", "duty_list")
        .get(pk=duty.pk)
    )
    duty_issue_check(actor=actor, duty=duty)
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
    refresh_counted(duty_ids=[o.pk for o in occurrences])  # the assignment decomposed into it is now a middle one
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


def assignment_update_check(*, actor, assignment: Assignment) -> None:
    """The receiving organization's managers set its responsible person and its own requirement."""
    require(actor, Action.CHANGE, assignment.organization)


@transaction.atomic
def assignment_update(*, actor, assignment: Assignment, responsible=None, note=None) -> Assignment:
    """The receiver names its responsible person and adds its own requirement."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organization")
        .get(pk=assignment.pk)
    )
    assignment_update_check(actor=actor, assignment=assignment)
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


def duty_decompose_check(*, actor, assignment: Assignment) -> None:
    """The receiving organization's managers decompose an open assignment."""
    require(actor, Action.CHANGE, assignment.organization)
    if assignment.state not in OPEN_STATES:
        raise ValidationError(_("Only an open assignment can be decomposed."))


@transaction.atomic
def duty_decompose(*, actor, assignment: Assignment, **fields) -> Duty:
    """The receiver turns its assignment into a duty of its own list, to issue further down."""
    assignment = Assignment.objects.select_related("duty__duty_list__period", "organization").get(pk=assignment.pk)
    duty_decompose_check(actor=actor, assignment=assignment)
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
    refresh_counted(duty_ids=list(lineage_duties.values_list("pk", flat=True)))
    duty.refresh_from_db()
    audit("duties.duty.cancel", actor=actor, obj=duty, after={"reason": reason.strip()})
    return duty
