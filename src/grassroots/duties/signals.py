"""Signals other apps listen to (points, later the assessment) without the duties app knowing them."""

from django.dispatch import Signal

assignment_accepted = Signal()  # sender=Assignment, assignment=...
assignments_changed = Signal()  # sender=Assignment, ids=[...]: state, reports, dates or weight may have changed
report_submitted = Signal()  # sender=ProgressReport, report=... (sent inside the submitting transaction)
