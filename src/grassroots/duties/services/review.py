"""Review of reports by the issuing organization: accept, or return with a reason."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.notify import notify
from grassroots.core.policy import Action, require
from grassroots.organizations.models import Grant

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


def review_needs_take_over(*, actor, report: ProgressReport) -> bool:
    """Whether the actor reviews in the issuer's place: an organization above, while the issuer has managers of its
    own (besides the report's author, who never reviews it) and the actor holds no grant on the issuer itself. A superuser reviews anywhere (their queue holds every
    report)."""
    if getattr(actor, "is_superuser", False):
        return False
    issuer = report.assignment.duty.organization
    if Grant.objects.filter(
        user_id=getattr(actor, "pk", None), organization=issuer, role__in=["secretary", "officer", "admin"]
    ).exists():
        return False
    return any(user.pk != report.author_id for user in managers_of([issuer.pk]))


def report_review_check(*, actor, report: ProgressReport, take_over: bool = False) -> None:
    """A submitted report is accepted or returned by the issuing organization, never by its own author. An
    organization above may review it in the issuer's place only when it says so (take_over): audited, the issuer told."""
    _review_check(actor=actor, report=report, take_over=take_over, answer=False)


def _review_check(*, actor, report: ProgressReport, take_over: bool, answer: bool = True) -> bool | None:
    """report_review_check; with `answer`, also whether the review is taken over, asked once for the check and the
    record (without it, a review said to be a take-over does not ask: a page asks it of every report it shows)."""
    require(actor, Action.CHANGE, report.assignment.duty.organization, _("Only the issuing organization reviews."))
    if report.author_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("Nobody reviews their own report."))
    if report.state != ReportState.SUBMITTED:
        raise Conflict(
            _("This report was already %(state)s; the page you had was out of date.")
            % {"state": report.get_state_display().lower()}
        )
    if take_over and not answer:
        return None
    needs_take_over = review_needs_take_over(actor=actor, report=report)
    if needs_take_over and not take_over:
        raise PermissionDenied(
            _("%(issuer)s reviews this report. To review it in its place, take the review over.")
            % {"issuer": report.assignment.duty.organization.display_name()}
        )
    return needs_take_over


def _taken_over(actor, report: ProgressReport, kind: str) -> None:
    """Tell the issuer's managers that an organization above reviewed in their place."""
    assignment = report.assignment
    notify(
        managers_of([assignment.duty.organization_id]),
        kind,
        params={
            "who": actor.get_full_name() or actor.get_username(),
            "org": assignment.organization.display_name(),
            "duty": assignment.duty.title,
        },
        url=reverse("duties:assignment", args=[assignment.pk]),
        obj=report,
    )


def _recipients_of(assignment: Assignment) -> list:
    users = managers_of([assignment.organization_id])
    if assignment.responsible_id and assignment.responsible.user_id:
        users.append(assignment.responsible.user)
    return users


@transaction.atomic
def report_accept(*, actor, report: ProgressReport, take_over: bool = False) -> ProgressReport:
    report = locked_report(report)
    taken_over = _review_check(actor=actor, report=report, take_over=take_over)
    now = timezone.now()
    report.state, report.reviewer, report.reviewed_at = ReportState.ACCEPTED, actor, now
    report.save(update_fields=["state", "reviewer", "reviewed_at", "updated_at"])  # (not the distribution column)
    assignment = report.assignment
    assignment.state, assignment.accepted_at, assignment.percent = AssignmentState.ACCEPTED, now, 100
    assignment.accepted_on = timezone.localdate()
    assignment.version += 1
    assignment.save(update_fields=["state", "accepted_at", "accepted_on", "percent", "version", "updated_at"])
    if taken_over:
        audit("duties.report.accept_taken_over", actor=actor, obj=report, after={"taken_over": True})
        _taken_over(actor, report, "duties.review_taken_over_accepted")
    else:
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
def report_return(*, actor, report: ProgressReport, reason: str, take_over: bool = False) -> ProgressReport:
    report = locked_report(report)
    taken_over = _review_check(actor=actor, report=report, take_over=take_over)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is returned, so it can be fixed.")})
    report.state, report.reviewer, report.reviewed_at = ReportState.RETURNED, actor, timezone.now()
    report.return_reason = reason
    report.save(update_fields=["state", "reviewer", "reviewed_at", "return_reason", "updated_at"])
    assignment = report.assignment
    assignment.state = AssignmentState.RETURNED
    assignment.version += 1
    assignment.save(update_fields=["state", "version", "updated_at"])
    if taken_over:
        after = {"reason": reason, "taken_over": True}
        audit("duties.report.return_taken_over", actor=actor, obj=report, after=after)
        _taken_over(actor, report, "duties.review_taken_over_returned")
    else:
        audit("duties.report.return", actor=actor, obj=report, after={"reason": reason})
    notify(
        _recipients_of(assignment),
        "duties.report_returned",
        params={"duty": assignment.duty.title, "reason": reason},
        url=reverse("duties:assignment", args=[assignment.pk]),
        obj=report,
    )
    return report


def reports_review(
    *, actor, reports: list[ProgressReport], decision: str, reason: str = "", take_over: bool = False
) -> list[tuple[ProgressReport, str]]:
    """Accept (or return, with one reason) several reports at once, each on its own: every report goes through
    report_accept/report_return in its own transaction and is audited alone, so one refused report (reviewed
    meanwhile, not the actor's to review) leaves the others done. Gives (report, refusal or "") per report."""
    if decision not in ("accept", "return"):
        raise ValidationError({"decision": _("Choose whether to accept or return the reports.")})
    if decision == "return" and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the report is returned, so it can be fixed.")})
    if not reports:
        raise ValidationError(_("Tick the reports to review first."))
    outcome = []
    for report in reports:
        try:
            if decision == "accept":
                report_accept(actor=actor, report=report, take_over=take_over)
            else:
                report_return(actor=actor, report=report, reason=reason, take_over=take_over)
        except (ValidationError, PermissionDenied, Conflict) as exc:
            refusal = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc.message)
            outcome.append((report, refusal))
        else:
            outcome.append((report, ""))
    return outcome
