"""Password rules beyond Django's own: a password mixes kinds of characters (the complexity MLPS level 3 asks), and
is none of the user's last few (their hashes kept in core.PasswordHistory); the least length is Django's rule, said in
the project's words."""

import string

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

KINDS = (
    ("lower", lambda c: c in string.ascii_lowercase),
    ("upper", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c.isascii() and c.isdigit()),
    ("other", lambda c: not (c.isascii() and c.isalnum())),
)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule of a least length, refused in the project's own words: Django 5.2 changed its message, and its
    Simplified Chinese catalogue does not translate the new one."""

    def get_error_message(self):
        return ngettext(
            "This password is too short: a password has at least %(min_length)d character.",
            "This password is too short: a password has at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CharacterKindsValidator:
    """At least `min_kinds` of: lower-case letters, capitals, digits, other characters (punctuation, Chinese...)."""

    def __init__(self, min_kinds: int = 3):
        self.min_kinds = min_kinds

    def validate(self, password, user=None):
        kinds = sum(1 for _name, test in KINDS if any(test(c) for c in password))
        if kinds < self.min_kinds:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _(
            "The password mixes at least %(count)d of: small letters, capital letters, digits, other characters."
        ) % {"count": self.min_kinds}


class PasswordHistoryValidator:
    """None of the user's last GRASSROOTS_PASSWORD_HISTORY passwords (the current one included; 0: no history).

    Django calls `password_changed` after any `set_password` is saved (the user's own change, a mailed reset, an
    officer's reset, `createadmin`), which makes this the one place the history is written: the new hash is kept
    and only the newest N stay. A hash upgraded at login is no new password (Django saves it without calling
    here)."""

    @staticmethod
    def count() -> int:
        return max(0, settings.GRASSROOTS_PASSWORD_HISTORY)

    def validate(self, password, user=None):
        count = self.count()
        if not count or user is None:
            return
        if any(check_password(password, encoded) for encoded in recent_hashes(user, count)):
            raise ValidationError(self.refusal(count), code="password_used_before")

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            remember_password(user, self.count())

    @staticmethod
    def refusal(count: int) -> str:
        return ngettext(
            "You used this password before: choose one that is not your current password.",
            "You used this password recently: choose one that is none of your last %(count)d passwords.",
            count,
        ) % {"count": count}

    def get_help_text(self):
        count = self.count()
        if not count:
            return ""
        return ngettext(
            "The password is not the one you have now.",
            "The password is none of your last %(count)d.",
            count,
        ) % {"count": count}


def recent_hashes(user, count: int) -> list[str]:
    """The hashes of the user's newest `count` passwords, newest first: the current one (also when it was set before
    the history was kept) and the earlier ones recorded."""
    from .models import PasswordHistory

    kept = []
    if user.pk is not None:
        kept = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:count])
    current = user.password
    if current and is_password_usable(current) and current not in kept:
        kept = [current, *kept[: count - 1]]
    return kept


@transaction.atomic
def remember_password(user, count: int) -> None:
    """Keep the hash of the password just saved and forget all but the newest `count` (all of them at 0)."""
    from .models import PasswordHistory

    if count and user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password, set_at=timezone.now())
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[count:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()
