"""Reading .xlsx, .xls and .csv files as offices keep them, into the table of a layout.

A title row (or several) may sit above the header, which is found among the first rows by its known column names
(Chinese or English, with the variants offices use); merged cells are filled into every cell of their range; empty
rows and note rows (one text merged across the row) are skipped. CSV files may be UTF-8 (with or without BOM),
UTF-16 ("Unicode text") or GB18030, separated by commas, tabs or semicolons.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

from .header import HEADER_MIN_MATCHES, HEADER_SEARCH_ROWS, MAX_COLUMNS, Header, Layout, find_header, header_score
from .report import ImportReport
from .rows import Sheet, Table
from .values import MONTH, YEAR, is_empty, number_format_precision

UNPACKED_FACTOR = 20  # an .xlsx may unpack to this many times the upload limit, no more (zip bombs)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
_XLSX = (".xlsx", ".xlsm")
_TEXT = (".csv", ".txt", ".tsv")


class _Unreadable(Exception):
    """The file cannot be read at all; the message says why."""


# --------------------------------------------------------------------------------------------------
# Workbooks


def _xlsx_value(cell):
    """A cell as the user sees it: a date formatted as a month (1968.05) reads as a month, not a day."""
    value = cell.value
    if isinstance(value, dt.datetime):
        precision = number_format_precision(cell.number_format)
        if precision == MONTH:
            return f"{value.year}.{value.month:02d}"
        if precision == YEAR:
            return str(value.year)
        return value.date()
    return value


_MERGE_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')


def _merged_ranges(ws, content: bytes) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range of a sheet opened read-only.

    A read-only sheet does not tell its merged ranges; they are listed at the end of the sheet's XML.
    """
    from openpyxl.utils.cell import range_boundaries

    refs: list[bytes] = []
    path = getattr(ws, "_worksheet_path", None)
    if path is None:  # pragma: no cover - another openpyxl layout: ask it, at the cost of memory
        import openpyxl

        full = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        return [r.bounds for r in full[ws.title].merged_cells.ranges]
    with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(path.lstrip("/")) as xml:
        tail = b""
        while chunk := xml.read(1 << 20):
            data = tail + chunk
            last_end = 0
            for match in _MERGE_REF.finditer(data):
                refs.append(match.group(1))
                last_end = match.end()
            tail = data[max(last_end, len(data) - 512) :]
    out = []
    for ref in refs:
        with contextlib.suppress(ValueError, TypeError):
            min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii").upper())
            out.append((min_col, min_row, max_col, max_row))
    return out


def _fill_merged(
    ranges: list[tuple[int, int, int, int]], rows: dict[int, list], last: int
) -> tuple[set[int], dict[int, set[int]]]:
    """Put each merged range's value into all its cells (down to the last row holding a value).

    Returns the rows that are one text merged across (notes), and the cells filled (by row) other than
    each range's own first cell, so that a row holding nothing but values merged into it counts as empty.
    """
    note_candidates: dict[int, tuple[int, int] | None] = {}
    filled: dict[int, set[int]] = {}
    for min_col, min_row, max_col, max_row in ranges:
        anchor = rows.get(min_row)
        if anchor is None or min_col > len(anchor) or is_empty(anchor[min_col - 1]):
            continue
        value = anchor[min_col - 1]
        max_col = min(max_col, MAX_COLUMNS)
        for r in range(min_row, min(max_row, last) + 1):
            line = rows.setdefault(r, [])
            if len(line) < max_col:
                line.extend([None] * (max_col - len(line)))
            cols = filled.setdefault(r, set())
            for c in range(min_col, max_col + 1):
                line[c - 1] = value
                if (r, c) != (min_row, min_col):
                    cols.add(c - 1)
            if max_col - min_col >= 2:
                note_candidates[r] = None if r in note_candidates else (min_col, max_col)
    notes = set()
    for r, span in note_candidates.items():
        if span is None:
            continue
        used = [c for c, v in enumerate(rows[r], start=1) if not is_empty(v)]
        if used and span[0] <= used[0] and used[-1] <= span[1]:
            notes.add(r)
    return notes, filled


def _read_worksheet(ws, content: bytes) -> Sheet:
    """The values of a sheet opened read-only (streamed: memory follows the values, not the cells)."""
    ws.reset_dimensions()  # some programs write a wrong size into the file; read what is there
    rows: dict[int, list] = {}
    for line in ws.iter_rows():
        found = []
        number = 0
        for cell in line:
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if cell.column > MAX_COLUMNS:
                break
            number = cell.row
            found.append((cell.column, _xlsx_value(cell)))
        if found:
            values = [None] * found[-1][0]
            for column, value in found:
                values[column - 1] = value
            rows[number] = values
    last = max(rows, default=0)
    notes, filled = _fill_merged(_merged_ranges(ws, content), rows, last)
    return Sheet(dict(sorted(rows.items())), notes, filled)


def _load_workbook(content: bytes):
    import openpyxl

    if content.startswith(_OLE_MAGIC):
        raise _Unreadable(
            _(
                "This is not a readable .xlsx file: it is an old .xls workbook or a password-protected one. "
                "Open it in your spreadsheet program and save it as .xlsx without a password."
            )
        )
    if not content.startswith(_ZIP_MAGIC):
        raise _Unreadable(
            _(
                "This is not a readable .xlsx file: its content is not an Excel workbook (perhaps another "
                "kind of file was renamed). Save it from your spreadsheet program as .xlsx or .csv."
            )
        )
    limit = settings.GRASSROOTS_IMPORT_MAX_BYTES * UNPACKED_FACTOR
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        unpacked = None
    if unpacked is not None and unpacked > limit:
        raise _Unreadable(_("This .xlsx file unpacks to too much data to be imported."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    except Exception:  # openpyxl fails in many ways (zip, XML, key, type errors) on what is not a workbook
        raise _Unreadable(_broken_xlsx())


def _broken_xlsx() -> str:
    return _(
        "This is not a readable .xlsx file: it is a compressed archive but not an Excel workbook, "
        "or it is damaged. Save it again from your spreadsheet program as .xlsx."
    )


# --------------------------------------------------------------------------------------------------
# CSV


def _decode(content: bytes) -> str:
    # "Unicode text" as Excel saves it is UTF-16; utf-8-sig also reads UTF-8 without a BOM.
    utf16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
    encodings = ("utf-16",) if utf16 else ("utf-8-sig", "utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise _Unreadable(_("This is not a readable CSV file: it is not text in UTF-8 or GB18030. Save it as CSV (UTF-8)."))


def _csv_sheet(content: bytes, layout: Layout) -> Sheet:
    if content.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        raise _Unreadable(_("This is not a readable CSV file: it is a spreadsheet workbook. Name it .xlsx instead."))
    text = _decode(content)
    sample = "\n".join(text.splitlines()[: HEADER_SEARCH_ROWS * 2])
    candidates = []
    with contextlib.suppress(csv.Error):
        candidates.append(csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter)
    candidates += [",", "\t", ";"]
    best, best_score = ",", -1
    for delimiter in dict.fromkeys(candidates):
        try:
            head = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
        except csv.Error:
            continue
        score = max((header_score(row, layout) for row in head[:HEADER_SEARCH_ROWS]), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=best)
        rows = {number: row for number, row in enumerate(reader, start=1) if any(v.strip() for v in row)}
    except csv.Error as exc:
        raise _Unreadable(_("This CSV file cannot be read: %(error)s") % {"error": exc})
    return Sheet(rows)


# --------------------------------------------------------------------------------------------------
# The table of a file


def _xls_sheets(content: bytes) -> Iterator[Sheet]:
    """The sheets of an old .xls workbook (Excel 97-2003), visible ones first, with their merged cells."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content, formatting_info=True, on_demand=True)
    except Exception:  # xlrd fails in many ways (OLE, BIFF, encryption) on what it cannot read
        raise _Unreadable(
            _(
                "This .xls file cannot be read: it is damaged, password-protected or not an Excel workbook. "
                "Open it in your spreadsheet program and save it as .xlsx."
            )
        )
    try:
        sheets = sorted(book.sheets(), key=lambda sh: sh.visibility != 0)
        for sh in sheets:
            rows: dict[int, list] = {}
            for r in range(sh.nrows):
                values = [_xls_value(cell, book.datemode) for cell in sh.row(r)[:MAX_COLUMNS]]
                while values and values[-1] is None:
                    values.pop()
                if values:
                    rows[r + 1] = values
            last = max(rows, default=0)
            ranges = [(clo + 1, rlo + 1, chi, rhi) for rlo, rhi, clo, chi in sh.merged_cells]
            notes, filled = _fill_merged(ranges, rows, last)
            yield Sheet(dict(sorted(rows.items())), notes, filled)
    finally:
        book.release_resources()


def _xls_value(cell, datemode):
    """A cell of an .xls sheet as the .xlsx reader gives it: dates as dates, whole numbers as ints, blanks None."""
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        with contextlib.suppress(Exception):
            moment = xlrd.xldate_as_datetime(cell.value, datemode)
            return moment.date() if moment.time() == dt.time() else moment
        return None
    if cell.ctype == xlrd.XL_CELL_NUMBER and float(cell.value).is_integer():
        return int(cell.value)
    if isinstance(cell.value, str) and not cell.value.strip():
        return None
    return cell.value


def _sheets(content: bytes, extension: str, layout: Layout) -> Iterator[Sheet]:
    """The sheets of the file, visible ones first."""
    if extension == ".xls":
        yield from _xls_sheets(content)
        return
    if extension not in _XLSX:
        yield _csv_sheet(content, layout)
        return
    workbook = _load_workbook(content)
    try:
        for ws in sorted(workbook.worksheets, key=lambda ws: ws.sheet_state != "visible"):
            try:
                sheet = _read_worksheet(ws, content)
            except Exception:  # the XML is read only now, as the rows are streamed
                raise _Unreadable(_broken_xlsx())
            yield sheet
    finally:
        workbook.close()


def _refused_file(report: ImportReport, content: bytes) -> str:
    """Why the file is not read at all (its kind, its size, nothing in it), or nothing."""
    extension = os.path.splitext(report.file_name)[1].lower()
    if extension not in _XLSX + _TEXT + (".xls",):
        return _("Only .xlsx, .xls and .csv files can be imported.")
    if len(content) > settings.GRASSROOTS_IMPORT_MAX_BYTES:
        return _too_large()
    if not content.strip():
        return _("The file is empty.")
    return ""


def _best_sheet(report: ImportReport, layout: Layout, content: bytes) -> tuple[bool, tuple[Sheet, Header] | None]:
    """(whether any sheet holds a value, the sheet with the best header and its header); raises _Unreadable."""
    extension = os.path.splitext(report.file_name)[1].lower()
    chosen: tuple[Sheet, Header] | None = None
    anything = False
    with contextlib.closing(_sheets(content, extension, layout)) as sheets:
        for sheet in sheets:
            anything = anything or bool(sheet.rows)
            header = find_header(sheet.head(), layout)
            if header and (chosen is None or header.score > chosen[1].score):
                chosen = (sheet, header)
                if header.score >= HEADER_MIN_MATCHES:
                    break
    return anything, chosen


def find_table(report: ImportReport, layout: Layout, content: bytes) -> Table | None:
    """The sheet with the best header for the layout, or None with the reason in the report."""
    refusal = _refused_file(report, content)
    if refusal:
        report.add(0, "", refusal)
        return None
    try:
        anything, chosen = _best_sheet(report, layout, content)
    except _Unreadable as exc:
        report.add(0, "", str(exc))
        return None
    if not anything:
        report.add(0, "", _("The file is empty."))
        return None
    if chosen is None:
        report.add(
            0,
            "",
            _("No header row was found in the first %(n)d rows. Columns should be headed like: %(columns)s.")
            % {"n": HEADER_SEARCH_ROWS, "columns": ", ".join(f"{c.zh}/{c.en}" for c in layout.columns.values())},
        )
        return None
    return Table(*chosen, report)


def has_required_columns(table: Table, layout: Layout) -> bool:
    """Does the header have the columns the layout requires? Each one missing is a problem in the report."""
    header, report = table.header, table.report
    for group in layout.required:
        if not any(name in header.fields for name in group):
            label = " / ".join(layout.columns[name].label(header.language) for name in group)
            report.add(
                header.row,
                label,
                _("The column %(column)s is required but the file has none.") % {"column": label},
                MAX_COLUMNS,
            )
    return report.ok


def read_sheet(report: ImportReport, layout: Layout, content: bytes) -> Table | None:
    """The table of the file the report is about (.xlsx or .csv, by its name) for the layout, or None with the
    reasons in the report.

    Of a workbook, the sheet whose header matches the layout best is read. The file must have the columns the
    layout requires.
    """
    table = find_table(report, layout, content)
    if table is None or not has_required_columns(table, layout):
        return None
    return table


# --------------------------------------------------------------------------------------------------
# The file


def _too_large() -> str:
    limit = settings.GRASSROOTS_IMPORT_MAX_BYTES
    return _("The file is too large: at most %(mb).1f MB can be imported at once.") % {"mb": limit / 1024 / 1024}


def _file_content(path_or_file) -> tuple[str, bytes | None, str]:
    """(file name, content, problem) of a path on disk or an open or uploaded file; no content when too large."""
    if isinstance(path_or_file, (str, os.PathLike)):
        name = os.path.basename(os.fspath(path_or_file))
        try:
            if os.path.getsize(path_or_file) > settings.GRASSROOTS_IMPORT_MAX_BYTES:
                return name, None, _too_large()
            with open(path_or_file, "rb") as handle:
                return name, handle.read(), ""
        except OSError as exc:
            return name, None, _("The file cannot be opened: %(error)s") % {"error": exc.strerror or exc}
    name = os.path.basename(getattr(path_or_file, "name", "") or "")
    size = getattr(path_or_file, "size", None)
    if size is not None and size > settings.GRASSROOTS_IMPORT_MAX_BYTES:
        return name, None, _too_large()
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)
    read_chunks = getattr(path_or_file, "chunks", None)
    return name, b"".join(read_chunks()) if read_chunks else path_or_file.read(), ""


def read_file(kind: str, path_or_file) -> tuple[ImportReport, bytes | None]:
    """The report of an import of a file (a path on disk, an open or an uploaded file), and the file's content.

    The content is None when the file cannot be had (too large, not there); the report then says why.
    """
    name, content, problem = _file_content(path_or_file)
    report = ImportReport(kind=kind, file_name=name)
    if problem:
        report.add(0, "", problem)
    return report, content
