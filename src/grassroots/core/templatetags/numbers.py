"""How a number is shown, in one place: by the reader's locale, as many decimals as it has (at most `places`),
never a run of zeros ("28.9", not "28.9000000000000"; "32", not "32.0")."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


def shown(value, places: int = 2) -> str:
    """A number as a page shows it; "" for no number, the value itself when it is not a number."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if not number.is_finite():
        return ""
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    decimals = max(0, -number.as_tuple().exponent)
    return number_format(number, decimal_pos=decimals, use_l10n=True)


@register.filter(name="num")
def num(value, places=2):
    """{{ value|num }}, or {{ value|num:1 }} for at most one decimal."""
    try:
        places = int(places)
    except (TypeError, ValueError):
        places = 2
    return shown(value, places)
