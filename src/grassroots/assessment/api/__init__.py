"""REST API of the assessment: thin over the selectors and services, with the same policy as the pages.

Organizations are named by their codes and periods by theirs (2026, 2026-Q3). A run, result or system the caller
may not see answers 404; a service refusing answers 403; bad input 400; a state that does not allow the step 409.
"""

from .inputs import EnteredValueViewSet, VetoEventViewSet
from .results import ResultViewSet
from .runs import RunViewSet
from .systems import SystemViewSet

__all__ = ["EnteredValueViewSet", "ResultViewSet", "RunViewSet", "SystemViewSet", "VetoEventViewSet"]
