"""REST API of organizational life: thin over the orglife selectors and services, under the same policy.

One module a topic: meetings (with attendance, and the meeting rules), study (records and plans), points,
appraisal, care (cases, visits, alerts) and talks. Organizations are named by their codes, as in the
organizations API. A row the caller may not see answers 404 (its URL, or a create naming it as its target); a
service refusing answers 403; bad input 400 with messages by field; somebody else having decided first 409.
Restricted text (the details of a care case, the notes of a talk) is masked unless the caller may read the
member's personal data.
"""

from .appraisal import AppraisalViewSet
from .care import CareCaseViewSet, CareVisitViewSet
from .meetings import MeetingRuleViewSet, MeetingViewSet
from .points import PointEntryViewSet, PointRuleViewSet
from .study import StudyPlanViewSet, StudyRecordViewSet
from .talks import TalkViewSet

__all__ = [
    "AppraisalViewSet",
    "CareCaseViewSet",
    "CareVisitViewSet",
    "MeetingRuleViewSet",
    "MeetingViewSet",
    "PointEntryViewSet",
    "PointRuleViewSet",
    "StudyPlanViewSet",
    "StudyRecordViewSet",
    "TalkViewSet",
]
