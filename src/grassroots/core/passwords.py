"""Password rules beyond Django's own: a password mixes kinds of characters (the complexity MLPS level 3 asks)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

KINDS = (
    ("lower", lambda c: c in string.ascii_lowercase),
    ("upper", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c.isascii() and c.isdigit()),
    ("other", lambda c: not (c.isascii() and c.isalnum())),
)


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
