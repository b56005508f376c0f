"""Writes of the chain "determine -> perform": duty lists, issuing down, claims, reports, reviews, due dates.

Every function checks the policy, changes the data in one transaction, writes an audit entry and notifies.
Each topic has its module; the names are re-exported here, so callers write `services.duty_issue`.
"""

from grassroots.core.periods import period_for

from ..models import lineage_of
from .claims import claim_create, claim_create_check, claim_withdraw, claim_withdraw_check
from .due_dates import due_date_decide, due_date_decide_check, due_date_request, due_date_request_check
from .issue import (
    assignment_update,
    assignment_update_check,
    duty_cancel,
    duty_decompose,
    duty_decompose_check,
    duty_issue,
    duty_issue_check,
    resolve_targets,
)
from .lists import (
    DUTY_FIELDS,
    duty_create,
    duty_generate_occurrences,
    duty_list_copy,
    duty_list_create,
    duty_list_for,
    duty_update,
    occurrence_dates,
)
from .objectives import objective_create, objective_record_value
from .people import managers_of, may_report, secretaries_of
from .reports import (
    REPORTABLE,
    evidence_describe,
    evidence_describe_check,
    report_submit,
    report_submit_check,
    report_withdraw,
    report_withdraw_check,
)
from .review import report_accept, report_return, report_review_check, reports_review, review_needs_take_over

__all__ = [
    "DUTY_FIELDS",
    "REPORTABLE",
    "evidence_describe",
    "evidence_describe_check",
    "assignment_update",
    "assignment_update_check",
    "claim_create",
    "claim_create_check",
    "claim_withdraw",
    "claim_withdraw_check",
    "due_date_decide",
    "due_date_decide_check",
    "due_date_request",
    "due_date_request_check",
    "duty_cancel",
    "duty_create",
    "duty_decompose",
    "duty_decompose_check",
    "duty_generate_occurrences",
    "duty_issue",
    "duty_issue_check",
    "duty_list_copy",
    "duty_list_create",
    "duty_list_for",
    "duty_update",
    "lineage_of",
    "managers_of",
    "may_report",
    "objective_create",
    "objective_record_value",
    "occurrence_dates",
    "period_for",
    "report_accept",
    "report_return",
    "report_review_check",
    "reports_review",
    "review_needs_take_over",
    "report_submit",
    "report_submit_check",
    "report_withdraw",
    "report_withdraw_check",
    "resolve_targets",
    "secretaries_of",
]
