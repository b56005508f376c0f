"""Checks and normalisations of personal data as offices write it: ID numbers, dates, phones, names."""

import datetime as dt
import re

from django.utils.translation import gettext as _

from grassroots.core.sheets.values import MONTH, YEAR, clean_text
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


def dates_agree(exact: dt.date, written: dt.date, precision: str | None) -> bool:
    """Does a date written to some precision (DAY, MONTH, YEAR) agree with an exact date?"""
    if precision == YEAR:
        return exact.year == written.year
    if precision == MONTH:
        return (exact.year, exact.month) == (written.year, written.month)
    return exact == written
