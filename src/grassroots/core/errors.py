"""Errors services raise for the user: each carries a message in the user's language."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .policy import PermissionDenied

__all__ = [
    "ValidationError",
    "PermissionDenied",
    "Conflict",
    "INVALID_INPUT",
    "DATABASE_UNAVAILABLE",
    "DATABASE_LOST_AFTER_SAVING",
]

INVALID_INPUT = _(
    "The input contains characters that cannot be stored (such as a NUL byte). Remove them and try again."
)

DATABASE_UNAVAILABLE = _("The database could not be reached just now. Nothing was saved; try again in a moment.")
# The request's changes were committed before the database went (core.outage): sending them again would repeat them.
DATABASE_LOST_AFTER_SAVING = _(
    "Your changes were saved, but the database could not be reached to finish the answer. Reload the page in a "
    "moment to see them."
)


class Conflict(Exception):
    """Somebody else changed or decided the same thing first; the user is told, nothing is overwritten."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))
