"""Text made safe for spreadsheets: nothing a user typed becomes a live formula in an export.

An .xlsx cell holding text is never evaluated, but openpyxl stores any string that starts with "=" as a formula, so
such text is written as an explicit text cell. A CSV field has no type: a spreadsheet program evaluates one that
starts with =, +, -, @, a tab or a carriage return, so such a field gets a leading apostrophe (OWASP's advice).
"""

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
