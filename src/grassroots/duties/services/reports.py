"""Progress reports with evidence: submitted by the receiver, withdrawn before review."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.notify import notify
from grassroots.core.policy import Action, can
from grassroots.core.uploads import check_upload, clean_description, stored_until_committed

from ..counting import refresh_counted
from ..models import (
    Assignment,
    AssignmentState,
    Evidence,
    ProgressReport,
    ReportState,
)
from ..signals import report_submitted
from .people import managers_of, may_report

REPORTABLE = (AssignmentState.ISSUED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED)


def report_submit_check(*, actor, assignment: Assignment) -> None:
    """Who may report on an assignment, and when: its receiver's managers or its responsible person, while open."""
    if not may_report(actor, assignment):
        raise PermissionDenied(_("Only the receiving organization or the responsible person can report."))
    if assignment.state not in REPORTABLE:
        raise ValidationError(
            _("A report cannot be made now: the assignment is %(state)s.") % {"state": assignment.get_state_display()}
        )


def report_submit(*, actor, assignment: Assignment, text: str, percent: int, files=()) -> ProgressReport:
    """Report progress with evidence; the assignment waits for review.

    The files are checked (decoded, hashed, a photo's thumbnail drawn) before the transaction begins, once the actor is
    known to be allowed: that work holds no lock (on SQLite, the one writer's), and a refused file writes nothing."""
    try:  # as the caller read it (a page or the API just did); again under the lock below
        report_submit_check(actor=actor, assignment=assignment)
    except (PermissionDenied, ValidationError):  # a refusal must hold of the row as it is now
        current = Assignment.objects.select_related("duty__organization", "organization").get(pk=assignment.pk)
        report_submit_check(actor=actor, assignment=current)
    checked = [check_upload(f) for f in files]
    with stored_until_committed():  # a report not kept leaves no photo behind
        return _report_submit(actor=actor, assignment=assignment, text=text, percent=percent, checked=checked)


@transaction.atomic
def _report_submit(*, actor, assignment: Assignment, text: str, percent: int, checked) -> ProgressReport:
    assignment = (
        Assignment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("duty__organization", "organization")
        .get(pk=assignment.pk)
    )
    report_submit_check(actor=actor, assignment=assignment)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say what was done.")})
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise ValidationError({"percent": _("Percent done is a whole number from 0 to 100.")})
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Percent done is a whole number from 0 to 100.")})
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
    report_submitted.send(sender=ProgressReport, report=report)
    return report


def locked_report(report: ProgressReport) -> ProgressReport:
    return (
        ProgressReport.objects.select_for_update(of=("self",), no_key=True)
        .select_related("assignment__duty__organization", "assignment__organization", "assignment__responsible")
        .get(pk=report.pk, assignment_id=report.assignment_id)  # (the assignment: the row's shard on a cluster)
    )


def report_withdraw_check(*, actor, report: ProgressReport) -> None:
    """A report waiting for review is withdrawn by its author or by a manager of the receiving organization."""
    if report.author_id != getattr(actor, "pk", None) and not can(actor, Action.CHANGE, report.assignment.organization):
        raise PermissionDenied()
    if report.state != ReportState.SUBMITTED:
        raise Conflict(_("This report was already reviewed or withdrawn."))


@transaction.atomic
def report_withdraw(*, actor, report: ProgressReport) -> ProgressReport:
    report = locked_report(report)
    report_withdraw_check(actor=actor, report=report)
    report.state = ReportState.WITHDRAWN
    report.save(update_fields=["state", "updated_at"])  # not the assignment: the distribution column on a cluster
    Assignment.objects.filter(pk=report.assignment_id).update(state=AssignmentState.IN_PROGRESS)
    refresh_counted([report.assignment_id])
    audit("duties.report.withdraw", actor=actor, obj=report)
    return report


def evidence_describe_check(*, actor, evidence: Evidence) -> None:
    """A photo of a report is described by those who may report on its assignment."""
    if evidence.kind != "image":
        raise ValidationError(_("Only a photo is described."))
    if not may_report(actor, evidence.assignment):
        raise PermissionDenied(_("Only the receiving organization or the responsible person can describe its photos."))


@transaction.atomic
def evidence_describe(*, actor, evidence: Evidence, description: str) -> Evidence:
    """Say what a photo of a report shows (its text alternative, read out by a screen reader)."""
    evidence = (
        Evidence.objects.select_for_update(of=("self",), no_key=True)
        .select_related("assignment")
        .get(pk=evidence.pk, assignment_id=evidence.assignment_id)  # (the assignment: the row's shard on a cluster)
    )
    evidence_describe_check(actor=actor, evidence=evidence)
    description = clean_description(description)
    before = evidence.description
    evidence.description = description
    evidence.save(update_fields=["description"])
    audit(
        "duties.evidence.describe",
        actor=actor,
        obj=evidence,
        before={"description": before},
        after={"description": description},
    )
    return evidence
