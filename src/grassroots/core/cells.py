"""Text made safe for spreadsheets: nothing a user typed becomes a live formula in an export.

An .xlsx cell holding text is never evaluated, but openpyxl stores any string that starts with "=" as a formula, so
such text is written as an explicit text cell. A CSV field has no type: a spreadsheet program evaluates one that
starts with =, +, -, @, a tab or a carriage return, so such a field gets a leading apostrophe (OWASP's advice).

Workbooks streamed with xlsxwriter (`xlsx_write_row`) write every string with `write_string`, which stores it as text
whatever it starts with: no formula, number or link is made of it.
"""

import datetime as dt
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_field(value):
    """The value as a CSV field that no spreadsheet program evaluates (numbers and other types unchanged)."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_row(sheet, values) -> list:
    """A row for `sheet.append` in which every string is stored as text, never as a formula."""
    return [_text_cell(sheet, v) if isinstance(v, str) and v.startswith("=") else v for v in values]


def _text_cell(sheet, value: str):
    cell = WriteOnlyCell(sheet, value=value)  # a Cell that both write-only and ordinary sheets append
    cell.data_type = "s"
    return cell


def xlsx_write_row(sheet, row: int, values, *, day_format, moment_format) -> None:
    """Write a row of an xlsxwriter worksheet: strings as text (never a formula), numbers (decimals as numbers),
    booleans, days and moments (naive) in the formats given; None leaves the cell empty."""
    for col, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, str):
            sheet.write_string(row, col, value)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value)
        elif isinstance(value, Decimal):
            sheet.write_number(row, col, float(value))
        elif isinstance(value, dt.datetime):
            sheet.write_datetime(row, col, value, moment_format)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, day_format)
        else:
            sheet.write_string(row, col, str(value))
