"""What the duties app registers with the ground floor: the policy's scope of each model, audit actions, notices."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.labels import register_actions, register_kinds
from grassroots.core.policy import ModelScope, register_scope

from .models import (
    Assignment,
    BusinessObjective,
    Claim,
    DueDateRequest,
    Duty,
    DutyList,
    Evidence,
    ObjectiveValue,
    ProgressReport,
)


def register_scopes() -> None:
    """Which organizations' paths (and which member) make each row visible and changeable."""
    register_scope(BusinessObjective, ModelScope(paths=("organization__path",)))
    register_scope(ObjectiveValue, ModelScope(paths=("objective__organization__path",)))
    register_scope(DutyList, ModelScope(paths=("organization__path",)))
    register_scope(Duty, ModelScope(paths=("organization__path",), own_member=("responsible_id",)))
    register_scope(
        Assignment,
        ModelScope(paths=("organization__path", "duty__organization__path"), own_member=("responsible_id",)),
    )
    register_scope(
        Claim,
        ModelScope(
            paths=("duty__organization__path", "organization__path", "member__organization__path"),
            own_member=("member_id",),
        ),
    )
    register_scope(
        DueDateRequest,
        ModelScope(
            paths=("assignment__organization__path", "assignment__duty__organization__path"),
            own_member=("assignment__responsible_id",),
        ),
    )
    register_scope(
        ProgressReport,
        ModelScope(
            paths=("assignment__organization__path", "assignment__duty__organization__path"),
            own_member=("assignment__responsible_id",),
        ),
    )
    # Evidence through its own assignment, not its report's: on Citus evidence joins its assignment on their
    # distribution column (one shard), where joining the report by its id alone needs a repartition.
    register_scope(
        Evidence,
        ModelScope(
            paths=("assignment__organization__path", "assignment__duty__organization__path"),
            own_member=("assignment__responsible_id",),
        ),
    )


def register_audit_actions() -> None:
    register_actions(
        {
            "duties.objective.create": _("Business objective set"),
            "duties.objective.value": _("Objective value recorded"),
            "duties.list.create": _("Duty list created"),
            "duties.list.copy": _("Duty list copied"),
            "duties.duty.create": _("Duty created"),
            "duties.duty.update": _("Duty changed"),
            "duties.duty.occurrences": _("Occurrences of a recurring duty made"),
            "duties.duty.issue": _("Duty issued"),
            "duties.duty.cancel": _("Duty cancelled"),
            "duties.assignment.update": _("Assignment changed by the receiver"),
            "duties.claim.create": _("Duty claimed"),
            "duties.claim.withdraw": _("Claim withdrawn"),
            "duties.due_date.request": _("New due date requested"),
            "duties.due_date.decide": _("New due date decided"),
            "duties.report.submit": _("Progress reported"),
            "duties.evidence.describe": _("Photo described"),
            "duties.report.withdraw": _("Report withdrawn"),
            "duties.report.accept": _("Report accepted"),
            "duties.report.return": _("Report returned"),
            "duties.report.accept_taken_over": _("Report accepted, review taken over from the issuer"),
            "duties.report.return_taken_over": _("Report returned, review taken over from the issuer"),
            "duties.import": _("Duty list imported"),
        }
    )


def register_notification_kinds() -> None:
    register_kinds(
        {
            "duties.issued": _("New duty from %(issuer)s: %(duty)s (due %(due)s)"),
            "duties.claimed": _("%(who)s claimed the duty %(duty)s"),
            "duties.due_date_requested": _("%(org)s asks to move the due date of %(duty)s to %(new_due)s"),
            "duties.due_date_granted": _("New due date granted for %(duty)s: %(new_due)s"),
            "duties.due_date_refused": _("New due date refused for %(duty)s: %(note)s"),
            "duties.report_submitted": _("%(org)s reported on %(duty)s; it waits for your review"),
            "duties.report_accepted": _("Your report on %(duty)s was accepted"),
            "duties.report_returned": _("Your report on %(duty)s was returned: %(reason)s"),
            "duties.review_taken_over_accepted": _(
                "%(who)s took over your review and accepted %(org)s's report on %(duty)s"
            ),
            "duties.review_taken_over_returned": _(
                "%(who)s took over your review and returned %(org)s's report on %(duty)s"
            ),
            "duties.starts_soon": _("%(duty)s starts on %(start)s"),
            "duties.due_soon": _("%(duty)s is due on %(due)s"),
            "duties.overdue": _("%(duty)s is overdue since %(due)s"),
            "duties.key_overdue_above": _("%(org)s has not finished the key work %(duty)s: %(days)s days overdue"),
        }
    )


def register() -> None:
    from .counting import connect

    connect()
    register_scopes()
    register_audit_actions()
    register_notification_kinds()
