"""Writes of the chain "determine -> perform": duty lists, issuing down, claims, reports, reviews, due dates.

Every function checks the policy, changes the data in one transaction, writes an audit entry and notifies.
Each topic has its module; the names are re-exported here, so callers write `services.duty_issue`.
"""

from grassroots.core.periods import period_for

from ..models import lineage_of
from .claims import claim_create, claim_withdraw
from .due_dates import due_date_decide, due_date_request
from .issue import assignment_update, duty_cancel, duty_decompose, duty_issue, resolve_targets
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
from .reports import report_submit, report_withdraw
from .review import report_accept, report_return

__all__ = [
    "DUTY_FIELDS",
    "assignment_update",
    "claim_create",
    "claim_withdraw",
    "due_date_decide",
    "due_date_request",
    "duty_cancel",
    "duty_create",
    "duty_decompose",
    "duty_generate_occurrences",
    "duty_issue",
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
    "report_submit",
    "report_withdraw",
    "resolve_targets",
    "secretaries_of",
]
