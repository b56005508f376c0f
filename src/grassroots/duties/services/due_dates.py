"""Requests for a new due date: the receiver asks, the issuer grants or refuses."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.notify import notify
from grassroots.core.policy import Action, require

from ..counting import refresh_counted
from ..models import (
    OPEN_STATES,
    Assignment,
    DueDateRequest,
    RequestState,
)
from .people import managers_of, may_report


def due_date_request_check(*, actor, assignment: Assignment) -> None:
    """Those who report on an open assignment may ask for a new due date."""
    if not may_report(actor, assignment):
        raise PermissionDenied()
    if assignment.state not in OPEN_STATES:
        raise ValidationError(_("Only an open assignment can get a new due date."))


@transaction.atomic
def due_date_request(*, actor, assignment: Assignment, new_due: dt.date, reason: str) -> DueDateRequest:
    assignment = Assignment.objects.select_related("duty__organization", "organization").get(pk=assignment.pk)
    due_date_request_check(actor=actor, assignment=assignment)
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


def due_date_decide_check(*, actor, request: DueDateRequest) -> None:
    """The issuing organization decides a request still waiting for a decision."""
    require(actor, Action.CHANGE, request.assignment.duty.organization, _("Only the issuing organization decides."))
    if request.state != RequestState.PENDING:
        raise Conflict(_("This request was already decided."))


@transaction.atomic
def due_date_decide(*, actor, request: DueDateRequest, grant: bool, note: str = "") -> DueDateRequest:
    request = (
        DueDateRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("assignment__duty__organization")
        .get(pk=request.pk, assignment_id=request.assignment_id)  # (the assignment: the row's shard on a cluster)
    )
    assignment = request.assignment
    due_date_decide_check(actor=actor, request=request)
    if not grant and not note.strip():
        raise ValidationError({"note": _("Say why the request is refused.")})
    request.state = RequestState.GRANTED if grant else RequestState.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note.strip()
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    if grant:
        Assignment.objects.filter(pk=assignment.pk).update(due_on=request.new_due, version=assignment.version + 1)
        refresh_counted([assignment.pk])  # tells the figures kept from it that its due date moved
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
