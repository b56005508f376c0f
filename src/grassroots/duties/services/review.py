"""Review of reports by the issuing organization: accept, or return with a reason."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.notify import notify
from grassroots.core.policy import Action, require

from ..models import (
    Assignment,
    AssignmentState,
    ProgressReport,
    ReportState,
)
from ..signals import assignment_accepted
from .claims import complete_claims
from .people import managers_of
from .reports import locked_report


def report_review_check(*, actor, report: ProgressReport) -> None:
    """A submitted report is accepted or returned by the issuing organization, never by its own author."""
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
    report = locked_report(report)
    report_review_check(actor=actor, report=report)
    now = timezone.now()
    report.state, report.reviewer, report.reviewed_at = ReportState.ACCEPTED, actor, now
    report.save()
    assignment = report.assignment
    assignment.state, assignment.accepted_at, assignment.percent = AssignmentState.ACCEPTED, now, 100
    assignment.accepted_on = timezone.localdate()
    assignment.version += 1
    assignment.save(update_fields=["state", "accepted_at", "accepted_on", "percent", "version", "updated_at"])
    audit("duties.report.accept", actor=actor, obj=report)
    complete_claims(assignment.duty)
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
    report = locked_report(report)
    report_review_check(actor=actor, report=report)
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
