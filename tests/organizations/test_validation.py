"""Dates as offices write them, with how precise they are, and checks of ID numbers against them."""

import datetime as dt

import pytest

from grassroots.core.sheets.values import DAY, MONTH, YEAR, parse_date, parse_date_precision
from grassroots.organizations.validation import dates_agree, validate_id_number
from tests.factories import make_id_number


@pytest.mark.parametrize(
    ("value", "date", "precision"),
    [
        ("1968.05", dt.date(1968, 5, 1), MONTH),
        ("1968年5月", dt.date(1968, 5, 1), MONTH),
        ("1968-5", dt.date(1968, 5, 1), MONTH),
        ("196805", dt.date(1968, 5, 1), MONTH),
        ("1968/05/12", dt.date(1968, 5, 12), DAY),
        ("1968年5月12日", dt.date(1968, 5, 12), DAY),
        ("19680512", dt.date(1968, 5, 12), DAY),
        ("1968-05-12 00:00:00", dt.date(1968, 5, 12), DAY),
        ("１９６８．０５", dt.date(1968, 5, 1), MONTH),  # full-width digits
        ("1968", dt.date(1968, 1, 1), YEAR),
        ("1968年", dt.date(1968, 1, 1), YEAR),
        (1968, dt.date(1968, 1, 1), YEAR),
        (1968.05, dt.date(1968, 5, 1), MONTH),
        (1968.1, dt.date(1968, 10, 1), MONTH),  # 1968.10 typed into a number cell
        (25000, dt.date(1968, 6, 11), DAY),  # a spreadsheet serial day
        (dt.datetime(1968, 5, 12, 8, 30), dt.date(1968, 5, 12), DAY),
        (dt.date(1968, 5, 12), dt.date(1968, 5, 12), DAY),
    ],
)
def test_parse_date_precision(value, date, precision):
    assert parse_date_precision(value) == (date, precision, None)
    assert parse_date(value) == (date, None)  # the same date as parse_date


@pytest.mark.parametrize("value", ["1968.13", "昨天", "1968-02-30", 10**9])
def test_parse_date_precision_problems(value):
    date, precision, problem = parse_date_precision(value)
    assert (date, precision) == (None, None)
    assert problem and str(value) in problem


def test_parse_date_precision_empty():
    assert parse_date_precision(None) == (None, None, None)
    assert parse_date_precision("") == (None, None, None)


def test_dates_agree_to_the_precision_written():
    exact = dt.date(1968, 5, 12)
    assert dates_agree(exact, dt.date(1968, 5, 1), MONTH)
    assert not dates_agree(exact, dt.date(1968, 6, 1), MONTH)
    assert dates_agree(exact, dt.date(1968, 1, 1), YEAR)
    assert not dates_agree(exact, dt.date(1969, 1, 1), YEAR)
    assert dates_agree(exact, exact, DAY)
    assert not dates_agree(exact, dt.date(1968, 5, 1), DAY)
    assert not dates_agree(exact, dt.date(1968, 5, 1), None)


def test_id_number_checks_used_by_the_import():
    good = make_id_number(dt.date(1968, 5, 12), "F", 3)
    assert validate_id_number(good, birth_date=dt.date(1968, 5, 12), gender="F") is None
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert "check digit" in validate_id_number(wrong_check)
    assert "18 characters" in validate_id_number(good[:15])
    assert "female" in validate_id_number(good, gender="M")
    assert "1968-05-12" in validate_id_number(good, birth_date=dt.date(1968, 5, 1))
