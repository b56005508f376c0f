"""Checks and normalisations of personal data as offices write it: ID numbers, dates, phones, names."""

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

from grassroots.core.text import HAN
from grassroots.core.web import digits_only

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_birth_date(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def id_gender(id_number: str) -> str:
    """M or F, from the parity of the 17th digit."""
    return "M" if int(id_number[16]) % 2 else "F"


def validate_id_number(value: str, *, birth_date: dt.date | None = None, gender: str | None = None) -> str | None:
    """The problem with a resident ID number (GB 11643), or None when sound and agreeing with the person."""
    if len(value) != 18:
        return _("An ID number has 18 characters; this one has %(n)d.") % {"n": len(value)}
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return _("An ID number is 17 digits followed by a digit or X.")
    born = id_birth_date(value)
    if born is None or born.year < 1900 or born > dt.date.today():
        return _("The birth date inside the ID number (%(s)s) is not a real date.") % {"s": value[6:14]}
    if id_check_digit(value[:17]) != value[17]:
        return _("The check digit of the ID number is wrong (expected %(d)s): a digit is probably mistyped.") % {
            "d": id_check_digit(value[:17])
        }
    if birth_date and birth_date != born:
        return _("The ID number gives birth date %(id)s but the birth date given is %(given)s.") % {
            "id": born.isoformat(),
            "given": birth_date.isoformat(),
        }
    if gender in ("M", "F") and id_gender(value) != gender:
        return _("The ID number belongs to a %(id)s person but the gender given is %(given)s.") % {
            "id": _("male") if id_gender(value) == "M" else _("female"),
            "given": _("male") if gender == "M" else _("female"),
        }
    return None


def clean_text(value) -> str:
    """Full-width characters folded (NFKC), every kind of space removed from the ends and doubled inside."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def clean_name(value) -> str:
    """A Chinese name as offices type it: full-width or doubled spaces between the characters removed."""
    text = clean_text(value)
    if HAN.search(text):
        text = text.replace(" ", "")
    return text


def clean_phone(value) -> str:
    """Digits of a phone number (spaces, dashes, dots, brackets and a +86 prefix removed)."""
    text = clean_text(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    digits = re.sub(r"[\s\-–—.()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_phone(digits: str) -> str | None:
    if not digits:
        return None
    if not digits_only(digits):
        return _("A phone number may contain only digits, spaces and dashes.")
    if digits.startswith("1") and len(digits) != 11:
        return _("A mobile number has 11 digits; this one has %(n)d.") % {"n": len(digits)}
    if not 7 <= len(digits) <= 12:
        return _("A phone number has 7 to 12 digits; this one has %(n)d.") % {"n": len(digits)}
    return None


_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"), 3),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), 3),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), 2),
    (re.compile(r"^(\d{4})(\d{2})$"), 2),
    (re.compile(r"^(\d{4})年?$"), 1),
]


def parse_date(value) -> tuple[dt.date | None, str | None]:
    """A date as offices write it: 1968.05, 1968年5月, 1968/05/12, 1968-5-12, 19680512, or a spreadsheet date.

    A month without a day means the first of that month. Returns (date, problem).
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if 1900 <= number <= 2100 and number.is_integer():
            return dt.date(int(number), 1, 1), None
        if 1900.01 <= number < 2100:  # 1968.05 read by the spreadsheet as a number
            year = int(number)
            month = round((number - year) * 100)
            if 1 <= month <= 12:
                return dt.date(year, month, 1), None
        if 1 <= number < 80000:  # a spreadsheet serial day number
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(number)), None
        return None, _("%(value)s is not a date.") % {"value": value}
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", clean_text(value)).replace(" ", "")
    for pattern, parts in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        numbers = [int(g) for g in match.groups()] + [1] * (3 - parts)
        try:
            return dt.date(*numbers), None
        except ValueError:
            return None, _("%(value)s is not a real date.") % {"value": value}
    return None, _("%(value)s is not a date; write it like 1968-05-12, 1968.05 or 1968年5月.") % {"value": value}


DAY, MONTH, YEAR = "day", "month", "year"


def parse_date_precision(value) -> tuple[dt.date | None, str | None, str | None]:
    """Like parse_date, and also how precise the written date is: DAY, MONTH (1968.05) or YEAR (1968).

    Returns (date, precision, problem); a month or a year alone gives the first day, as parse_date does.
    """
    date, problem = parse_date(value)
    if date is None:
        return None, None, problem
    if isinstance(value, (dt.date, dt.datetime)):
        return date, DAY, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if 1900 <= number <= 2100 and number.is_integer():
            return date, YEAR, None
        if 1900.01 <= number < 2100 and 1 <= round((number - int(number)) * 100) <= 12:
            return date, MONTH, None
        return date, DAY, None
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", clean_text(value)).replace(" ", "")
    for pattern, parts in _DATE_PATTERNS:
        if pattern.match(text):
            return date, {3: DAY, 2: MONTH, 1: YEAR}[parts], None
    return date, DAY, None


def dates_agree(exact: dt.date, written: dt.date, precision: str | None) -> bool:
    """Does a date written to some precision (DAY, MONTH, YEAR) agree with an exact date?"""
    if precision == YEAR:
        return exact.year == written.year
    if precision == MONTH:
        return (exact.year, exact.month) == (written.year, written.month)
    return exact == written
