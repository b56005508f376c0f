"""The diagnosis's own checks, one module per typical problem; importing them registers them (setup.ready)."""

from . import guidance, incentives, integration, vanguard  # noqa: F401
