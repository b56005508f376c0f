"""Numbers as pages show them: by the reader's locale, no run of zeros."""

from decimal import Decimal

import pytest
from django.utils import translation

from grassroots.core.templatetags.numbers import shown


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("28.9000000000000"), 1, "28.9"),
        (Decimal("32.0"), 1, "32"),
        (79.4000000000001, 1, "79.4"),
        (Decimal("0.05"), 1, "0.1"),
        (Decimal("-2.50"), 2, "-2.5"),
        (3, 2, "3"),
        (None, 2, ""),
        ("abc", 2, "abc"),
        (float("nan"), 2, ""),
    ],
)
def test_a_number_is_shown_without_a_run_of_zeros(value, places, text):
    with translation.override("en"):
        assert shown(value, places) == text


def test_the_same_in_chinese():
    with translation.override("zh-hans"):
        assert shown(Decimal("28.9000000000000"), 1) == "28.9"
