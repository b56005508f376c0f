"""Errors services raise for the user: each carries a message in the user's language."""

from django.core.exceptions import ValidationError

from .policy import PermissionDenied

__all__ = ["ValidationError", "PermissionDenied", "Conflict"]


class Conflict(Exception):
    """Somebody else changed or decided the same thing first; the user is told, nothing is overwritten."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))
