"""How a score is shown, in one place: two decimals, cut (floored), never rounded.

A grade is given by the score's band (90 and above: excellent), so a score shown rounded could cross the band
upward: 89.997 rounded to two decimals reads 90.00 beside the grade "good". Cut, it reads 89.99 "good", and 90.003
reads 90.00 "excellent": the digits shown never claim a band the score did not reach. Pages load this library
(`{% load assessment_scores %}` then `{{ result.score|score }}`), the exports call `floor_score`; the API gives
the full precision.
"""

import math
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")
NO_SCORE = "—"


def floor_score(value) -> Decimal | None:
    """The score cut to two decimals (rounded down, never up), or None for no score (None, NaN, not a number)."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            number = Decimal(repr(value))  # the shortest text that is this float: 89.97, not 89.969999...
        else:
            number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite():
        return None
    return number.quantize(CENT, rounding=ROUND_FLOOR)


@register.filter(name="score")
def score_text(value) -> str:
    """A score as shown: "89.99" for 89.997, "90.00" for 90.003, "—" for no score."""
    shown = floor_score(value)
    return NO_SCORE if shown is None else f"{shown:.2f}"


@register.simple_tag
def topsis_rule() -> str:
    """The cross-check's rule, as rules.py states it (text of the catalogue, trusted as {% translate %}'s is)."""
    from django.utils.safestring import mark_safe

    from ..rules import TOPSIS

    return mark_safe(str(TOPSIS))  # noqa: S308
