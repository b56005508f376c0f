"""Errors services raise for the user: each carries a message in the user's language."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .policy import PermissionDenied

__all__ = ["ValidationError", "PermissionDenied", "Conflict", "INVALID_INPUT", "DATABASE_UNAVAILABLE"]

INVALID_INPUT = _(
    "The input contains characters that cannot be stored (such as a NUL byte). Remove them and try again."
)

DATABASE_UNAVAILABLE = _("The database could not be reached just now. Nothing was saved; try again in a moment.")


class Conflict(Exception):
    """Somebody else changed or decided the same thing first; the user is told, nothing is overwritten."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))
