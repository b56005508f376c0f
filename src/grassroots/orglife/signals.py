"""Signals other apps listen to (the formalism detectors) without the orglife app knowing them."""

from django.dispatch import Signal

meeting_recorded = Signal()  # sender=Meeting, meeting=... (held: recorded, or a planned one held)
