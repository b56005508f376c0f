"""What the forms and the API send, read into members' ids, hours and decimals (a clear message otherwise)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from grassroots.core.errors import ValidationError


def _member_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(v)s is not a member.") % {"v": value})


def _decimal(value, field: str, message) -> Decimal:
    """A finite decimal from user input, or a ValidationError on `field` (NaN and infinity included)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: message})
    if not number.is_finite() or abs(number) >= Decimal("1e7"):
        raise ValidationError({field: message})
    return number


def _hours(value) -> Decimal:
    hours = _decimal(value, "hours", _("Hours must be a number, like 2 or 1.5."))
    if hours <= 0 or hours > 24:
        raise ValidationError({"hours": _("Study hours are more than 0 and at most 24 a day.")})
    return hours.quantize(Decimal("0.1"))
