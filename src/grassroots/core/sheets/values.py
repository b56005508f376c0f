"""Cell values as offices write them: text folded for matching, dates written many ways, words for choices."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext as _

# What a spreadsheet shows in a cell whose formula failed.
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}


def clean_text(value) -> str:
    """Full-width characters folded (NFKC), every kind of space removed from the ends and doubled inside."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO dates."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return clean_text(value)


def match_key(text) -> str:
    """A header or a value reduced for matching: width folded, spaces, marks and bracketed notes removed."""
    text = clean_text(text).lower()
    text = re.sub(r"[(\[【（].*?[)\]】）]", "", text)
    return re.sub(r"[\s*＊:：._\-/、]", "", text)


def words(mapping: dict[str, Iterable[str]]) -> dict[str, str]:
    """Stored value by word, from the words offices write for each value (the value itself among them)."""
    return {match_key(word): str(value) for value, aliases in mapping.items() for word in (value, *aliases)}


def find_choice(words: dict[str, str], choices_class, value) -> str | None:
    """The stored value for a word: one of `words`, a choice label in the current language, or None."""
    key = match_key(value)
    key = re.sub(r"(毕业|肄业|学历)$", "", key) or key
    if key in words:
        return words[key]
    for choice_value, label in choices_class.choices:
        if match_key(label) == key:
            return choice_value
    return None


# --------------------------------------------------------------------------------------------------
# Dates

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


def number_format_precision(number_format: str) -> str:
    """How precise a date formatted by a spreadsheet's number format reads: DAY, MONTH or YEAR."""
    fmt = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", (number_format or "").lower())
    if "d" in fmt:
        return DAY
    if "m" in fmt:
        return MONTH
    return YEAR if ("y" in fmt or "e" in fmt) else DAY
