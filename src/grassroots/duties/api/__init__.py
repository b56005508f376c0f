"""REST API of the chain "determine -> perform": thin over the duties selectors and services, same policy.

Organizations are named by their codes, as in the organizations API. A row the caller may not see answers 404
(its URL, or a create naming it as its target); a service refusing answers 403; bad input 400 with messages
by field; somebody else having decided first 409.
"""

from .assignments import AssignmentViewSet
from .claims import ClaimViewSet
from .due_dates import DueDateRequestViewSet
from .duties import DutyViewSet
from .lists import DutyListViewSet, ObjectiveViewSet, PeriodViewSet
from .notifications import NotificationViewSet
from .reports import EvidenceViewSet, ProgressReportViewSet

__all__ = [
    "AssignmentViewSet",
    "ClaimViewSet",
    "DueDateRequestViewSet",
    "DutyListViewSet",
    "DutyViewSet",
    "EvidenceViewSet",
    "NotificationViewSet",
    "ObjectiveViewSet",
    "PeriodViewSet",
    "ProgressReportViewSet",
]
