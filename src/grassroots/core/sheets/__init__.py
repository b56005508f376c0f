"""Spreadsheets as offices keep them, and the import driver every import of one goes through.

Reading (`reading`): .xlsx and .csv files with title rows above the header, merged cells, CSV in UTF-8, UTF-16 or
GB18030 with commas, tabs or semicolons. The columns of a kind of sheet (`header`): described with `columns` and a
`Layout`, the header found by the names offices give them. Values (`values`): text folded for matching, dates
written many ways, words for choices. Rows (`rows`): each cell read by field, each problem reported in its own
column into the `ImportReport` (`report`). The driver (`driver`): `run_import` reads the file, has the app's
`SheetImport` check every row, writes all or nothing, audits and reports.

This package imports no app: the apps describe their sheets and their writes with it.
"""

from .driver import SheetImport, Written, run_import
from .header import Column, Layout, columns
from .reading import read_file, read_sheet
from .report import ImportReport, Problem
from .rows import Row, Table, chunks, mark_repeats, report_refusal
from .values import (
    DAY,
    EXCEL_ERRORS,
    MONTH,
    YEAR,
    cell_text,
    clean_text,
    match_key,
    parse_date,
    parse_date_precision,
    words,
)

__all__ = [
    "DAY",
    "EXCEL_ERRORS",
    "MONTH",
    "YEAR",
    "Column",
    "ImportReport",
    "Layout",
    "Problem",
    "Row",
    "SheetImport",
    "Table",
    "Written",
    "cell_text",
    "chunks",
    "clean_text",
    "columns",
    "mark_repeats",
    "match_key",
    "parse_date",
    "parse_date_precision",
    "read_file",
    "read_sheet",
    "report_refusal",
    "run_import",
    "words",
]
