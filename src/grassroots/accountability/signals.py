"""Signals other apps listen to (the formalism detectors) without the accountability app knowing them."""

from django.dispatch import Signal

duty_report_submitted = Signal()  # sender=DutyReport, report=... (sent inside the submitting transaction)
