"""Signals other apps listen to (points, later the assessment) without the duties app knowing them."""

from django.dispatch import Signal

assignment_accepted = Signal()  # sender=Assignment, assignment=...
report_submitted = Signal()  # sender=ProgressReport, report=... (sent inside the submitting transaction)
