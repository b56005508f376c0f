"""Signals between floors: an app below tells what it changed, apps above that keep figures listen (without the app
below knowing them)."""

from django.dispatch import Signal

# Records were written past the services (a bulk load: the demo's generator, an import): figures kept from them are to
# be counted again. organization_ids=None: anywhere in the tree; else the organizations whose own records changed.
records_written = Signal()  # sender=the model written, organization_ids=...

# An organization and its subtree moved under another parent (old_path: where its subtree was).
organization_moved = Signal()  # sender=Organization, organization=..., old_path=...
