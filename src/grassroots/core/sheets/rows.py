"""The rows of a sheet below its header: each cell read by field, each problem reported in its own column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .header import HEADER_SEARCH_ROWS, MAX_COLUMNS, Header
from .report import ImportReport
from .values import EXCEL_ERRORS, cell_text, clean_text, find_choice, is_empty, parse_date_precision

QUERY_CHUNK = 500  # values per IN (...) query: well under SQLite's parameter limit


@dataclass
class Sheet:
    """Cell values of one sheet, merged ranges filled in: row number as the user sees it -> values.

    Rows without any value are absent, so a sheet formatted down to row 1,048,576 costs nothing.
    """

    rows: dict[int, list]
    note_rows: set[int] = field(default_factory=set)  # row numbers holding only one text merged across
    filled: dict[int, set[int]] = field(default_factory=dict)  # row number -> columns filled by a merge

    def head(self) -> list[list]:
        return [self.rows.get(number, []) for number in range(1, HEADER_SEARCH_ROWS + 1)]


class Row:
    """One data row: its cells by field, and a way to report what is wrong in a named column."""

    __slots__ = ("number", "values", "header", "report", "bad")

    def __init__(self, number: int, line: list, header: Header, report: ImportReport):
        self.number = number
        self.header = header
        self.report = report
        self.bad = False
        values = {}
        for name, cols in header.fields.items():
            for col in cols:
                value = line[col] if col < len(line) else None
                if not is_empty(value):
                    values[name] = (value, col)
                    break
        self.values = values

    def raw(self, name: str):
        found = self.values.get(name)
        return None if found is None else found[0]

    def has(self, name: str) -> bool:
        return name in self.values

    def column(self, name: str) -> tuple[str, int]:
        if name in self.values:
            col = self.values[name][1]
            return self.header.labels[col], col
        if name in self.header.fields:
            col = self.header.fields[name][0]
            return self.header.labels[col], col
        return self.header.columns[name].label(self.header.language), MAX_COLUMNS

    def problem(self, name: str, message: str) -> None:
        label, col = self.column(name)
        self.report.add(self.number, label, message, col)
        self.bad = True

    def text(self, name: str, max_length: int | None = None, cleaner=clean_text) -> str:
        value = self.raw(name)
        if value is None:
            return ""
        text = cleaner(cell_text(value))
        if text in EXCEL_ERRORS:
            self.problem(name, _("The cell shows a spreadsheet error (%(value)s).") % {"value": text})
            return ""
        if max_length and len(text) > max_length:
            self.problem(
                name,
                _("This is too long: at most %(max)d characters, not %(n)d.") % {"max": max_length, "n": len(text)},
            )
            return ""
        return text

    def date(self, name: str, *, not_after: dt.date | None = None) -> tuple[dt.date | None, str | None]:
        value = self.raw(name)
        if value is None:
            return None, None
        if isinstance(value, str) and clean_text(value) in EXCEL_ERRORS:
            self.problem(name, _("The cell shows a spreadsheet error (%(value)s).") % {"value": clean_text(value)})
            return None, None
        key = ("date", type(value), value)
        found = self.header.cache.get(key)
        if found is None:
            found = self.header.cache[key] = parse_date_precision(value)
        date, precision, problem = found
        if problem:
            self.problem(name, problem)
            return None, None
        if date and (date.year < 1900 or (not_after and date > not_after)):
            self.problem(name, _("%(date)s is not a possible date here.") % {"date": cell_text(value)})
            return None, None
        return date, precision

    def choice(self, name: str, words: dict[str, str], choices_class, allowed_hint: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        key = (id(words), type(value), value)
        if key in self.header.cache:
            found = self.header.cache[key]
        else:
            found = self.header.cache[key] = find_choice(words, choices_class, cell_text(value))
        if found is None:
            self.problem(
                name,
                _("%(value)s is not understood here; write one of: %(allowed)s.")
                % {
                    "value": cell_text(value),
                    "allowed": allowed_hint,
                },
            )
        return found


def _data_rows(sheet: Sheet, header: Header, report: ImportReport) -> Iterator[Row]:
    for number, line in sheet.rows.items():
        if number <= header.row or number in sheet.note_rows or header.repeated_in(line):
            continue
        row = Row(number, line, header, report)
        merged_only = sheet.filled.get(number, ())
        if row.values and not all(col in merged_only for _value, col in row.values.values()):
            yield row


@dataclass
class Table:
    """A sheet read for a layout: the header found, the rows below it ready to be read into the report."""

    sheet: Sheet
    header: Header
    report: ImportReport

    def rows(self) -> list[Row]:
        """The data rows below the header; when there are none, the report says so."""
        rows = list(_data_rows(self.sheet, self.header, self.report))
        if not rows:
            self.report.add(self.header.row, "", _("The file has a header row but no data rows below it."))
        return rows


def chunks(values: list, size: int = QUERY_CHUNK) -> Iterator[list]:
    """The values in slices of `size`, for IN (...) queries."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def report_refusal(row: Row, exc: ValidationError, columns: Mapping[str, str]) -> None:
    """A service refusing a row: its messages on the columns they concern (`columns`: the service's field -> the
    field of the column), the others on the row."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for message in (m for error in errors for m in error.messages):
                if name in columns:
                    row.problem(columns[name], message)
                else:
                    row.report.add(row.number, "", message)
    else:
        for message in exc.messages:
            row.report.add(row.number, "", message)


def mark_repeats(items: Iterable, key: Callable, repeated: Callable) -> dict:
    """Each parsed row (`item.row`) whose key (None: none) an earlier row already has is a problem, placed and
    worded by `repeated(first)` -> (column, message); returns the first row's item of each key."""
    first: dict = {}
    for item in items:
        value = key(item)
        if value is None:
            continue
        if value in first:
            column, message = repeated(first[value])
            item.row.problem(column, message)
        else:
            first[value] = item
    return first
