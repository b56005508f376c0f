"""Import of organizations and members from .xlsx and .csv files, as organization offices keep them.

Reading: a title row (or several) may sit above the header, which is found among the first rows by its
known column names (Chinese or English, with the variants offices use); merged cells are filled into every
cell of their range; empty rows and note rows (one text merged across the row) are skipped. CSV files may be
UTF-8 (with or without BOM), UTF-16 ("Unicode text") or GB18030, separated by commas, tabs or semicolons.

Validation: every row is checked and every problem is collected (row number and header text as the user sees
them, message in the user's language). One problem anywhere means nothing is imported.

Writing: all in one transaction. Members are keyed by ID number, organizations by code; a row that agrees with
the stored record changes nothing, so importing the same file again is harmless. Members are written in bulk;
organizations are added to the tree one by one, parents first. One audit entry records the import.

The imports of other apps (duties, organizational life) read their files with the public part of this module:
their columns described with `columns` and a `Layout`, the file had with `read_file`, its sheet with `read_sheet`,
the rows (each reporting problems in its own columns) with `Table.rows`, organizations named in the rows found with
`resolve_organizations`, and the import audited under `audit_organization`.
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from treebeard.exceptions import PathOverflow

from grassroots.core.audit import audit
from grassroots.core.policy import Action, can, can_anywhere, restrict, subject
from grassroots.core.text import HAN

from .models import Education, Gender, Member, MemberCategory, Organization, OrgKind, UnitType
from .services import ALLOWED_PARENT_KINDS
from .validation import (
    DAY,
    MONTH,
    YEAR,
    clean_name,
    clean_phone,
    clean_text,
    dates_agree,
    id_birth_date,
    id_gender,
    parse_date_precision,
    validate_id_number,
    validate_phone,
)

MEMBERS = "members"
ORGANIZATIONS = "organizations"

HEADER_SEARCH_ROWS = 10  # the header is looked for among this many rows at the top of a sheet
HEADER_MIN_MATCHES = 3  # a row with this many known column names is the header
MAX_COLUMNS = 200  # columns further right are never read (sheets formatted to column XFD exist)
QUERY_CHUNK = 500  # values per IN (...) query: well under SQLite's parameter limit
CREATE_BATCH = 1000
UPDATE_BATCH = 500
UNPACKED_FACTOR = 20  # an .xlsx may unpack to this many times the upload limit, no more (zip bombs)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}


# --------------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class Problem:
    """What is wrong and where: `row` as the sheet shows it (0: the whole file), `column` as headed."""

    row: int
    column: str
    message: str
    position: int = field(default=0, compare=False, repr=False)  # column index, to order problems within a row


@dataclass
class ImportReport:
    kind: str
    file_name: str = ""
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, row: int, column: str, message: str, position: int = 0) -> None:
        self.problems.append(Problem(row, column, str(message), position))

    def summary(self) -> str:
        if not self.ok:
            n = len(self.problems)
            return ngettext(
                "Nothing was imported: %(n)d problem was found.",
                "Nothing was imported: %(n)d problems were found.",
                n,
            ) % {"n": n}
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def finish(self) -> ImportReport:
        self.problems.sort(key=lambda p: (p.row, p.position))
        return self


# --------------------------------------------------------------------------------------------------
# Columns


def match_key(text) -> str:
    """A header or a value reduced for matching: width folded, spaces, marks and bracketed notes removed."""
    text = clean_text(text).lower()
    text = re.sub(r"[(\[【（].*?[)\]】）]", "", text)
    return re.sub(r"[\s*＊:：._\-/、]", "", text)


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    aliases: tuple[str, ...]

    def label(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


def columns(*specs) -> dict[str, Column]:
    """Columns by field from (field, Chinese header, English header, other headers offices write)."""
    out = {}
    for name, zh, en, aliases in specs:
        out[name] = Column(name, zh, en, tuple(match_key(a) for a in (zh, en, *aliases)))
    return out


def _alias_index(columns: dict[str, Column]) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in columns.values():
        for alias in column.aliases:
            assert index.get(alias, column.field) == column.field, alias
            index[alias] = column.field
    return index


class Layout:
    """The columns of one kind of sheet, and the fields it must have a column for.

    `required` holds sets of fields of which at least one must be present. The header of a sheet and the
    delimiter of a CSV file are found by the columns of the layout.
    """

    def __init__(self, columns: dict[str, Column], required: Iterable[tuple[str, ...]] = ()):
        self.columns = columns
        self.required = tuple(required)
        self.aliases = _alias_index(columns)


# The column of members' ID numbers (身份证号), as Row.id_number reads it: for every import naming members by it.
ID_NUMBER_COLUMN = (
    "id_number",
    "身份证号",
    "ID number",
    (
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "身份证",
        "身份证件号码",
        "id no",
        "id",
        "id card",
        "id card number",
        "identity card number",
    ),
)

MEMBER_COLUMNS = columns(
    ("name", "姓名", "Name", ("名字", "党员姓名", "full name", "member name")),
    ("gender", "性别", "Gender", ("sex",)),
    ("ethnicity", "民族", "Ethnicity", ("ethnic group",)),
    (
        "birth_date",
        "出生日期",
        "Birth date",
        ("出生年月", "出生年月日", "出生时间", "生日", "date of birth", "birthday", "born on"),
    ),
    ("education", "学历", "Education", ("文化程度", "最高学历", "education level")),
    ID_NUMBER_COLUMN,
    (
        "phone",
        "联系电话",
        "Phone",
        (
            "手机号码",
            "电话",
            "手机",
            "手机号",
            "电话号码",
            "联系方式",
            "mobile",
            "telephone",
            "phone number",
            "tel",
        ),
    ),
    ("joined_on", "入党日期", "Joined on", ("入党时间", "入党年月", "join date", "date joined", "joined")),
    (
        "confirmed_on",
        "转正日期",
        "Full membership on",
        ("转正时间", "转正年月", "confirmed on", "full membership date", "date of full membership"),
    ),
    ("category", "党员类别", "Category", ("人员类别", "党员类型", "member category")),
    (
        "organization",
        "所在党组织",
        "Organization",
        (
            "所在党支部",
            "党组织名称",
            "所在支部",
            "所属党组织",
            "所属党支部",
            "organisation",
            "organization name",
        ),
    ),
    (
        "org_code",
        "组织编码",
        "Organization code",
        ("党组织编码", "所在党组织编码", "org code", "organisation code"),
    ),
    ("occupation", "职业", "Occupation", ("job", "profession")),
)

ORGANIZATION_COLUMNS = columns(
    ("code", "组织编码", "Code", ("党组织编码", "编码", "organization code", "organisation code")),
    ("name", "组织名称", "Name", ("党组织名称", "名称", "organization name", "organisation name")),
    ("name_en", "英文名称", "English name", ("name in english", "name en")),
    (
        "parent_code",
        "上级组织编码",
        "Parent code",
        ("上级党组织编码", "上级编码", "parent organization code"),
    ),
    ("kind", "组织类别", "Kind", ("党组织类别", "组织类型", "党组织类型", "organization kind", "type")),
    ("unit_type", "单位类型", "Unit type", ("单位性质", "单位类别", "unit")),
    ("founded_on", "成立日期", "Founded on", ("成立时间", "建立日期", "founded", "date founded")),
)

_LAYOUTS = {
    MEMBERS: Layout(MEMBER_COLUMNS, required=(("name",), ("id_number",), ("org_code", "organization"))),
    ORGANIZATIONS: Layout(ORGANIZATION_COLUMNS, required=(("code",), ("name",), ("kind",))),
}


# Values as offices write them, reduced with match_key.
def words(mapping: dict[str, Iterable[str]]) -> dict[str, str]:
    """Stored value by word, from the words offices write for each value (the value itself among them)."""
    return {match_key(word): str(value) for value, aliases in mapping.items() for word in (value, *aliases)}


GENDER_WORDS = words({Gender.MALE: ("男", "男性", "male", "m"), Gender.FEMALE: ("女", "女性", "female", "f")})
EDUCATION_WORDS = words(
    {
        Education.PRIMARY: ("小学", "小学及以下", "小学以下", "primary school", "primary school or below"),
        Education.JUNIOR: ("初中", "初级中学", "初中及以下", "junior middle school", "junior high school"),
        Education.SENIOR: (
            "高中",
            "普通高中",
            "高级中学",
            "职高",
            "职业高中",
            "senior high school",
            "high school",
        ),
        Education.TECHNICAL: ("中专", "中等专科", "中技", "技校", "中职", "technical secondary school"),
        Education.COLLEGE: ("大专", "专科", "大学专科", "高职", "junior college", "associate"),
        Education.BACHELOR: ("本科", "大学本科", "大学", "学士", "undergraduate"),
        Education.MASTER: ("硕士", "研究生", "硕士研究生", "master's", "postgraduate"),
        Education.DOCTOR: ("博士", "博士研究生", "doctorate", "phd"),
    }
)
CATEGORY_WORDS = words(
    {
        MemberCategory.FULL: ("正式党员", "正式", "full member"),
        MemberCategory.PROBATIONARY: ("预备党员", "预备", "probationary member"),
    }
)
KIND_WORDS = words(
    {
        OrgKind.COMMITTEE: ("党委", "基层党委", "党工委", "党委员会", "party committee"),
        OrgKind.GENERAL_BRANCH: (
            "党总支",
            "总支",
            "党总支部",
            "总支部",
            "general party branch",
            "general_branch",
        ),
        OrgKind.BRANCH: ("党支部", "支部", "联合党支部", "party branch"),
        OrgKind.GROUP: ("党小组", "小组", "party group"),
    }
)
UNIT_WORDS = words(
    {
        UnitType.PARTY_ORGAN: ("党的机关", "党委机关", "党务机关", "党政机关", "party organ", "party_organ"),
        UnitType.GOVERNMENT: ("机关", "政府机关", "国家机关", "行政机关", "政府", "government organ"),
        UnitType.TOWNSHIP: (
            "乡镇",
            "乡",
            "镇",
            "街道",
            "乡镇街道",
            "街道办事处",
            "township or street",
            "street",
        ),
        UnitType.VILLAGE: ("村", "行政村", "建制村"),
        UnitType.COMMUNITY: ("社区", "城市社区", "居委会", "社区居委会"),
        UnitType.ENTERPRISE: (
            "企业",
            "非公企业",
            "非公有制企业",
            "民营企业",
            "私营企业",
            "公司",
            "private enterprise",
        ),
        UnitType.STATE_ENTERPRISE: (
            "国企",
            "国有企业",
            "国有控股企业",
            "国有及国有控股企业",
            "state-owned enterprise",
            "state_enterprise",
            "soe",
        ),
        UnitType.SCHOOL: ("学校", "中学", "小学", "中小学", "高校", "高等学校", "大学", "职业学校"),
        UnitType.HOSPITAL: ("医院", "卫生院", "乡镇卫生院", "医疗机构"),
        UnitType.INSTITUTION: ("事业单位", "public institution"),
        UnitType.SOCIAL: ("社会组织", "社会团体", "民办非企业单位", "协会", "social organization"),
        UnitType.OTHER: ("其他", "其它"),
    }
)


def _choice(words: dict[str, str], choices_class, value) -> str | None:
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
# Reading files


class _Unreadable(Exception):
    """The file cannot be read at all; the message says why."""


@dataclass
class _Sheet:
    """Cell values of one sheet, merged ranges filled in: row number as the user sees it -> values.

    Rows without any value are absent, so a sheet formatted down to row 1,048,576 costs nothing.
    """

    rows: dict[int, list]
    note_rows: set[int] = field(default_factory=set)  # row numbers holding only one text merged across
    filled: dict[int, set[int]] = field(default_factory=dict)  # row number -> columns filled by a merge

    def head(self) -> list[list]:
        return [self.rows.get(number, []) for number in range(1, HEADER_SEARCH_ROWS + 1)]


def _date_format_precision(number_format: str) -> str:
    fmt = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", (number_format or "").lower())
    if "d" in fmt:
        return DAY
    if "m" in fmt:
        return MONTH
    return YEAR if ("y" in fmt or "e" in fmt) else DAY


def _xlsx_value(cell):
    """A cell as the user sees it: a date formatted as a month (1968.05) reads as a month, not a day."""
    value = cell.value
    if isinstance(value, dt.datetime):
        precision = _date_format_precision(cell.number_format)
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
        if anchor is None or min_col > len(anchor) or _empty(anchor[min_col - 1]):
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
        used = [c for c, v in enumerate(rows[r], start=1) if not _empty(v)]
        if used and span[0] <= used[0] and used[-1] <= span[1]:
            notes.add(r)
    return notes, filled


def _read_worksheet(ws, content: bytes) -> _Sheet:
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
    return _Sheet(dict(sorted(rows.items())), notes, filled)


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


def _csv_sheet(content: bytes, layout: Layout) -> _Sheet:
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
        score = max((_header_score(row, layout) for row in head[:HEADER_SEARCH_ROWS]), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=best)
        rows = {number: row for number, row in enumerate(reader, start=1) if any(v.strip() for v in row)}
    except csv.Error as exc:
        raise _Unreadable(_("This CSV file cannot be read: %(error)s") % {"error": exc})
    return _Sheet(rows)


# --------------------------------------------------------------------------------------------------
# Finding the header


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_fields(row: list, layout: Layout) -> dict[int, str]:
    aliases = layout.aliases
    out = {}
    for i, value in enumerate(row):
        if isinstance(value, str):
            name = aliases.get(match_key(value))
            if name:
                out[i] = name
    return out


def _header_score(row: list, layout: Layout) -> int:
    return len(set(_header_fields(row, layout).values()))


@dataclass
class _Header:
    row: int  # row number of the header
    fields: dict[str, list[int]]  # field -> column indexes (0-based), leftmost first
    labels: dict[int, str]  # column index -> header text as in the file
    language: str  # "zh" or "en", for naming columns the file lacks
    columns: dict[str, Column]
    score: int
    raw: dict[int, str] = field(default_factory=dict)  # column index -> header cell exactly as read
    cache: dict = field(default_factory=dict)  # (what, type, raw value) -> parsed, shared by the rows

    def repeated_in(self, line: list) -> bool:
        """Is this row a copy of the header (sections pasted one under another, each with its header)?"""
        same = sum(1 for col, text in self.raw.items() if col < len(line) and line[col] == text)
        return same >= min(HEADER_MIN_MATCHES, len(self.raw))


def _find_header(sheet: _Sheet, layout: Layout) -> _Header | None:
    best: tuple[int, int] | None = None  # (score, index)
    head = sheet.head()
    for i, row in enumerate(head):
        score = _header_score(row, layout)
        if score >= HEADER_MIN_MATCHES:
            best = (score, i)
            break
        if score and (best is None or score > best[0]):
            best = (score, i)
    if best is None:
        return None
    index = best[1]
    found = _header_fields(head[index], layout)
    fields: dict[str, list[int]] = {}
    labels = {}
    for col, name in found.items():
        fields.setdefault(name, []).append(col)
        labels[col] = clean_text(head[index][col])
    chinese = sum(1 for text in labels.values() if HAN.search(text))
    language = "zh" if chinese * 2 >= len(labels) else "en"
    raw = {col: head[index][col] for col in found}
    return _Header(index + 1, fields, labels, language, layout.columns, best[0], raw)


# --------------------------------------------------------------------------------------------------
# Rows


def _text(value) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO dates."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return clean_text(value)


class Row:
    """One data row: its cells by field, and a way to report what is wrong in a named column."""

    __slots__ = ("number", "values", "header", "report", "bad")

    def __init__(self, number: int, line: list, header: _Header, report: ImportReport):
        self.number = number
        self.header = header
        self.report = report
        self.bad = False
        values = {}
        for name, cols in header.fields.items():
            for col in cols:
                value = line[col] if col < len(line) else None
                if not _empty(value):
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
        text = cleaner(_text(value))
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
            self.problem(name, _("%(date)s is not a possible date here.") % {"date": _text(value)})
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
            found = self.header.cache[key] = _choice(words, choices_class, _text(value))
        if found is None:
            self.problem(
                name,
                _("%(value)s is not understood here; write one of: %(allowed)s.")
                % {
                    "value": _text(value),
                    "allowed": allowed_hint,
                },
            )
        return found

    def id_number(self) -> str:
        """The member's ID number (column ID_NUMBER_COLUMN), checked: empty when missing or wrong (a problem)."""
        value = self.raw("id_number")
        if value is None:
            self.problem(
                "id_number",
                _("The ID number is missing. It is required: the import recognizes members by their ID number."),
            )
            return ""
        was_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        text = re.sub(r"\s", "", _text(value)).upper().lstrip("'")
        if text in EXCEL_ERRORS:
            self.problem("id_number", _("The cell shows a spreadsheet error (%(value)s).") % {"value": text})
            return ""
        if (was_number and not isinstance(value, int)) or re.fullmatch(r"\d(\.\d+)?E\+?\d+", text):
            self.problem(
                "id_number",
                _(
                    "The spreadsheet stored this ID number as a number and lost its last digits. Format the "
                    "column as text and type the number again."
                ),
            )
            return ""
        problem = validate_id_number(text)
        if problem:
            self.problem("id_number", problem)
            return ""
        return text


def _data_rows(sheet: _Sheet, header: _Header, report: ImportReport) -> Iterator[Row]:
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

    sheet: _Sheet
    header: _Header
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


def _common_ancestor(paths: Iterable[str]) -> Organization | None:
    paths = [p for p in paths if p]
    if not paths:
        return None
    prefix = os.path.commonprefix(paths)
    prefix = prefix[: len(prefix) - len(prefix) % Organization.steplen]
    if not prefix:
        return None
    return Organization.objects.filter(path=prefix).first()


def _actor_top(actor) -> Organization | None:
    roots = subject(actor).paths_for(Action.IMPORT)
    if len(roots) == 1:
        return Organization.objects.filter(path=roots[0]).first()
    return None


def audit_organization(actor, paths: Iterable[str]) -> Organization | None:
    """The organization an import is audited under: the nearest above all it touched, else the actor's own."""
    return _common_ancestor(paths) or _actor_top(actor)


def resolve_organizations(
    actor,
    items: list,
    *,
    queryset: QuerySet[Organization],
    actions: tuple[str, ...] = (Action.IMPORT,),
    required: bool = True,
    check: Callable[[Organization], str] | None = None,
) -> None:
    """Set the organization of each parsed row (`item.row`, `item.org_code`, `item.org_name`, `item.organization`).

    An organization is named by its code, or else by its name among those the actor may import into; it is looked
    up in `queryset`. The actor must be allowed each of `actions` on it, and it must be active; `check` may refuse
    it with a message. A row naming no organization is a problem when the organization is `required`.
    """
    codes = sorted({i.org_code for i in items if i.org_code})
    names = sorted({i.org_name for i in items if i.org_name and not i.org_code})
    by_code: dict[str, Organization] = {}
    for chunk in chunks(codes):
        for org in queryset.filter(code__in=chunk):
            by_code[org.code] = org
    by_name: dict[str, list[Organization]] = {}
    in_scope = restrict(actor, Action.IMPORT, queryset)
    for chunk in chunks(names):
        for org in in_scope.filter(Q(name__in=chunk) | Q(name_en__in=chunk)):
            for key in {org.name, org.name_en} & set(chunk):
                by_name.setdefault(key, []).append(org)
    allowed: dict[int, bool] = {}
    for item in items:
        row = item.row
        if item.org_code:
            column = "org_code"
            org = by_code.get(item.org_code)
            if org is None:
                row.problem(column, _("There is no organization with the code %(code)s.") % {"code": item.org_code})
                continue
        elif item.org_name:
            column = "organization"
            found = by_name.get(item.org_name, [])
            if not found:
                row.problem(
                    column,
                    _("There is no organization named %(name)s among those you may import into.")
                    % {"name": item.org_name},
                )
                continue
            if len(found) > 1:
                row.problem(
                    column,
                    _(
                        "Several organizations are named %(name)s; add a column 组织编码 (organization code) "
                        "to say which."
                    )
                    % {"name": item.org_name},
                )
                continue
            org = found[0]
        else:
            if required:
                row.problem(
                    "organization" if "organization" in row.header.fields else "org_code",
                    _("The organization is missing."),
                )
            continue
        if org.pk not in allowed:
            allowed[org.pk] = all(can(actor, action, org) for action in actions)
        refusal = ""
        if not allowed[org.pk]:
            refusal = _("%(org)s is outside the organizations you may import into.") % {"org": org.name}
        elif not org.is_active:
            refusal = _("%(org)s is no longer active.") % {"org": org.name}
        elif check is not None:
            refusal = check(org)
        if refusal:
            row.problem(column, refusal)
        else:
            item.organization = org


class _Stale(Exception):
    """Somebody changed the records while the file was being checked."""


# --------------------------------------------------------------------------------------------------
# Members


_MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "phone",
    "occupation",
    "category",
    "joined_on",
    "confirmed_on",
)


@dataclass
class _MemberRow:
    row: Row
    id_number: str
    values: dict  # field -> value, only for what the file says
    birth_precision: str | None = None
    org_code: str = ""
    org_name: str = ""
    organization: Organization | None = None


def _parse_member(row: Row, today: dt.date) -> _MemberRow:
    values: dict = {}
    id_number = row.id_number()
    name = row.text("name", 100, clean_name)
    if name:
        values["name"] = name
    elif not row.has("name"):
        row.problem("name", _("The name is missing."))
    gender = row.choice("gender", GENDER_WORDS, Gender, "男, 女")
    if gender:
        values["gender"] = gender
    ethnicity = row.text("ethnicity", 20)
    if ethnicity:
        if HAN.fullmatch(ethnicity[-1]) and not ethnicity.endswith("族") and len(ethnicity) <= 3:
            ethnicity += "族"  # 汉 -> 汉族
        values["ethnicity"] = ethnicity
    birth_date, birth_precision = row.date("birth_date", not_after=today)
    education = row.choice("education", EDUCATION_WORDS, Education, "小学, 初中, 高中, 中专, 大专, 本科, 硕士, 博士")
    if education:
        values["education"] = education
    if row.has("phone"):
        phone = clean_phone(row.raw("phone"))
        problem = validate_phone(phone)
        if problem:
            row.problem("phone", problem)
        elif phone:
            values["phone"] = phone
    occupation = row.text("occupation", 100)
    if occupation:
        values["occupation"] = occupation
    category = row.choice("category", CATEGORY_WORDS, MemberCategory, "正式党员, 预备党员")
    if category:
        values["category"] = category
    joined_on, _p = row.date("joined_on", not_after=today)
    if joined_on:
        values["joined_on"] = joined_on
    confirmed_on, _p = row.date("confirmed_on", not_after=today)
    if confirmed_on:
        values["confirmed_on"] = confirmed_on

    if id_number:
        born, id_sex = id_birth_date(id_number), id_gender(id_number)
        if birth_date and not dates_agree(born, birth_date, birth_precision):
            row.problem(
                "birth_date",
                _("The ID number gives birth date %(id)s but the birth date given is %(given)s.")
                % {"id": born.isoformat(), "given": _text(row.raw("birth_date"))},
            )
        if gender and gender != id_sex:
            row.problem("gender", validate_id_number(id_number, gender=gender))
        values["birth_date"] = born  # the ID number is exact where a birth month is not
        values["gender"] = id_sex
    elif birth_date:
        values["birth_date"] = birth_date
    return _MemberRow(
        row=row,
        id_number=id_number,
        values=values,
        birth_precision=birth_precision,
        org_code=row.text("org_code", 32),
        org_name=row.text("organization", 200, clean_name),
    )


def _check_member_dates(item: _MemberRow, merged: dict) -> None:
    row = item.row
    birth, joined, confirmed = merged.get("birth_date"), merged.get("joined_on"), merged.get("confirmed_on")
    if joined and birth and joined <= birth:
        row.problem("joined_on", _("The member cannot have joined the party before being born."))
    if joined and confirmed and confirmed < joined:
        row.problem("confirmed_on", _("Full membership cannot start before joining."))
    if merged.get("category") == MemberCategory.PROBATIONARY and confirmed:
        name = "category" if row.has("category") else "confirmed_on"
        row.problem(name, _("A probationary member has no date of full membership yet."))


_ORG_FIELDS = ("id", "code", "name", "name_en", "kind", "numchild", "path", "depth", "is_active")


def _not_for_members(org: Organization) -> str:
    """Why members cannot be put in this organization, or nothing."""
    if org.kind == OrgKind.COMMITTEE and org.numchild:
        return _("%(org)s is a committee with branches; members belong to a branch or a general branch.") % {
            "org": org.name
        }
    return ""


def _import_members(actor, rows: list[Row], report: ImportReport):
    today = timezone.localdate()
    items: list[_MemberRow] = []
    first_row: dict[str, int] = {}
    for row in rows:
        item = _parse_member(row, today)
        if item.id_number:
            if item.id_number in first_row:
                row.problem(
                    "id_number",
                    _("This ID number is also on row %(row)d; each member may appear only once.")
                    % {"row": first_row[item.id_number]},
                )
            else:
                first_row[item.id_number] = row.number
        items.append(item)
    resolve_organizations(actor, items, queryset=Organization.objects.only(*_ORG_FIELDS), check=_not_for_members)

    existing: dict[str, Member] = {}
    for chunk in chunks(sorted(first_row)):
        for member in Member.objects.filter(id_number__in=chunk):
            existing[member.id_number] = member

    to_create: list[Member] = []
    to_update: list[Member] = []
    changed_fields: set[str] = set()
    loaded_at: dict[int, dt.datetime] = {}
    unchanged = 0
    for item in items:
        if not item.id_number:
            continue
        member = existing.get(item.id_number)
        merged = dict(item.values)
        if "confirmed_on" in merged and "category" not in merged and not item.row.has("category"):
            merged["category"] = MemberCategory.FULL  # a date of full membership says it
        if member is not None:
            for name in _MEMBER_FIELDS:
                merged.setdefault(name, getattr(member, name))
        else:
            merged.setdefault("category", MemberCategory.FULL)
        _check_member_dates(item, merged)
        if item.organization is None or item.row.bad:
            continue
        if member is None:
            if first_row[item.id_number] == item.row.number:
                to_create.append(Member(organization=item.organization, id_number=item.id_number, **merged))
            continue
        if member.organization_id != item.organization.pk:
            column = "org_code" if item.org_code else "organization"
            item.row.problem(
                column,
                _(
                    "A member with this ID number is registered in another organization. Move the member "
                    "with a transfer, not by import."
                ),
            )
            continue
        differs = [name for name in _MEMBER_FIELDS if getattr(member, name) != merged[name]]
        if differs:
            for name in differs:
                setattr(member, name, merged[name])
            changed_fields.update(differs)
            loaded_at[member.pk] = member.updated_at
            to_update.append(member)
        else:
            unchanged += 1
    if not report.ok:
        return None

    now = timezone.now()
    for member in to_update:
        member.updated_at = now
    with transaction.atomic():
        ids = sorted(loaded_at)
        for chunk in chunks(ids):
            current = dict(Member.objects.select_for_update().filter(pk__in=chunk).values_list("pk", "updated_at"))
            if any(current.get(pk) != loaded_at[pk] for pk in chunk):  # changed, or deleted
                raise _Stale
        if to_update:
            Member.objects.bulk_update(to_update, [*sorted(changed_fields), "updated_at"], batch_size=UPDATE_BATCH)
        if to_create:
            Member.objects.bulk_create(to_create, batch_size=CREATE_BATCH)
        report.created, report.updated, report.unchanged = len(to_create), len(to_update), unchanged
        paths = {item.organization.path for item in items if item.organization is not None}
        _audit(actor, report, paths)
    return report


# --------------------------------------------------------------------------------------------------
# Organizations


@dataclass
class _OrgRow:
    row: Row
    code: str
    values: dict  # field -> value, only for what the file says
    parent_code: str = ""


def _parse_organization(row: Row, today: dt.date) -> _OrgRow:
    values: dict = {}
    code = row.text("code", 32)
    if not row.has("code"):
        row.problem("code", _("The organization code is missing."))
    name = row.text("name", 200, clean_name)
    if name:
        values["name"] = name
    elif not row.has("name"):
        row.problem("name", _("The organization name is missing."))
    name_en = row.text("name_en", 200)
    if name_en:
        values["name_en"] = name_en
    kind = row.choice("kind", KIND_WORDS, OrgKind, "党委, 党总支, 党支部, 党小组")
    if kind:
        values["kind"] = kind
    unit_type = row.choice(
        "unit_type",
        UNIT_WORDS,
        UnitType,
        "机关, 乡镇, 村, 社区, 企业, 国有企业, 学校, 医院, 事业单位, 社会组织, 其他",
    )
    if unit_type:
        values["unit_type"] = unit_type
    founded_on, _p = row.date("founded_on", not_after=today)
    if founded_on:
        values["founded_on"] = founded_on
    parent_code = row.text("parent_code", 32)
    if parent_code and parent_code == code:
        row.problem("parent_code", _("An organization cannot be its own parent."))
    return _OrgRow(row=row, code=code, values=values, parent_code=parent_code)


def _may_structure(actor, org: Organization) -> bool:
    return can(actor, Action.MANAGE_STRUCTURE, org) and can(actor, Action.IMPORT, org)


def _kind_label(kind: str | None) -> str:
    return str(OrgKind(kind).label) if kind else _("the top of the tree")


_UPDATABLE_ORG_FIELDS = ("name", "name_en", "unit_type", "founded_on")


def _import_organizations(actor, rows: list[Row], report: ImportReport):
    today = timezone.localdate()
    items: list[_OrgRow] = []
    by_code: dict[str, _OrgRow] = {}
    for row in rows:
        item = _parse_organization(row, today)
        if item.code:
            if item.code in by_code:
                row.problem(
                    "code",
                    _("The code %(code)s is also on row %(row)d; each organization may appear only once.")
                    % {"code": item.code, "row": by_code[item.code].row.number},
                )
            else:
                by_code[item.code] = item
        items.append(item)

    wanted = sorted(set(by_code) | {i.parent_code for i in items if i.parent_code})
    stored: dict[str, Organization] = {}
    for chunk in chunks(wanted):
        for org in Organization.objects.filter(code__in=chunk).select_related("parent"):
            stored[org.code] = org

    superuser = subject(actor).is_superuser
    permitted: dict[int, bool] = {}

    def may(org: Organization) -> bool:
        if org.pk not in permitted:
            permitted[org.pk] = _may_structure(actor, org)
        return permitted[org.pk]

    new_items = {code: item for code, item in by_code.items() if code not in stored}
    depth: dict[str, int | None] = {}  # among the new organizations: 0 under a stored parent or at the top

    def depth_of(item: _OrgRow) -> int | None:
        """How many new organizations lie above this one; None when its parent codes go round in a loop."""
        chain: list[_OrgRow] = []
        seen: set[str] = set()
        current = item
        while True:
            if current.code in depth:
                base = depth[current.code]
                break
            if current.code in seen:
                base = None
                break
            seen.add(current.code)
            chain.append(current)
            parent = new_items.get(current.parent_code) if current.parent_code else None
            if parent is None:
                base = -1
                break
            current = parent
        for node in reversed(chain):
            if node.code not in depth:
                base = None if base is None else base + 1
                depth[node.code] = base
            else:
                base = depth[node.code]
        return depth[item.code]

    def stored_ancestor(item: _OrgRow) -> Organization | None:
        """The nearest organization above a new one that is already in the system."""
        seen: set[str] = set()
        while item.parent_code in new_items and item.parent_code not in seen:
            seen.add(item.parent_code)
            item = new_items[item.parent_code]
        return stored.get(item.parent_code) if item.parent_code else None

    to_create: list[_OrgRow] = []
    to_update: list[tuple[Organization, list[str]]] = []
    unchanged = 0
    touched_paths: set[str] = set()
    for item in items:
        row = item.row
        if not item.code or by_code.get(item.code) is not item:
            continue
        org = stored.get(item.code)
        if org is not None:
            touched_paths.add(org.path)
            if not may(org):
                row.problem(
                    "code",
                    _("%(org)s is outside the organizations whose structure you may change.") % {"org": org.name},
                )
                continue
            if "kind" in item.values and item.values["kind"] != org.kind:
                row.problem(
                    "kind",
                    _("%(org)s is a %(kind)s; the kind of an existing organization is not changed by import.")
                    % {"org": org.name, "kind": OrgKind(org.kind).label},
                )
            current_parent = org.parent.code if org.parent else ""
            if item.parent_code and item.parent_code != current_parent:
                row.problem(
                    "parent_code",
                    _("%(org)s is under %(parent)s; an organization is moved on its page, not by import.")
                    % {
                        "org": org.name,
                        "parent": org.parent.code if org.parent else _("the top of the tree"),
                    },
                )
            if row.bad:
                continue
            differs = [n for n in _UPDATABLE_ORG_FIELDS if n in item.values and getattr(org, n) != item.values[n]]
            if differs:
                to_update.append((org, differs))
            else:
                unchanged += 1
            continue

        # A new organization.
        kind = item.values.get("kind")
        if kind is None and not row.has("kind"):
            row.problem("kind", _("The kind of organization is missing (党委, 党总支, 党支部 or 党小组)."))
        if not item.parent_code:
            if not superuser:
                row.problem(
                    "parent_code",
                    _("Only a system administrator can add a top-level organization; give the parent code."),
                )
            elif kind and None not in ALLOWED_PARENT_KINDS[OrgKind(kind)]:
                row.problem(
                    "kind",
                    _("A %(kind)s cannot be placed at the top of the tree.") % {"kind": _kind_label(kind)},
                )
            if not row.bad:
                to_create.append(item)
            continue
        parent_stored = stored.get(item.parent_code)
        parent_item = by_code.get(item.parent_code)
        if parent_stored is None and parent_item is None:
            row.problem(
                "parent_code",
                _("There is no organization with the code %(code)s, in the system or in this file.")
                % {"code": item.parent_code},
            )
            continue
        if parent_stored is None and depth_of(item) is None:
            row.problem("parent_code", _("The parent codes in this file go round in a loop."))
            continue
        parent_kind = parent_stored.kind if parent_stored is not None else parent_item.values.get("kind")
        if parent_stored is not None and not parent_stored.is_active:
            row.problem("parent_code", _("%(org)s is no longer active.") % {"org": parent_stored.name})
        if kind and parent_kind and parent_kind not in ALLOWED_PARENT_KINDS[OrgKind(kind)]:
            row.problem(
                "kind",
                _("A %(kind)s cannot be placed under a %(parent)s.")
                % {"kind": _kind_label(kind), "parent": _kind_label(parent_kind)},
            )
        anchor = parent_stored or stored_ancestor(item)
        if anchor is not None:
            touched_paths.add(anchor.path)
            if not may(anchor):
                row.problem(
                    "parent_code",
                    _("%(org)s is outside the organizations whose structure you may change.") % {"org": anchor.name},
                )
        if not row.bad:
            to_create.append(item)
    if not report.ok:
        return None

    to_create.sort(key=lambda i: (depth_of(i) or 0, i.row.number))
    with transaction.atomic():
        made: dict[str, Organization] = {}
        for item in to_create:
            parent = made.get(item.parent_code) or stored.get(item.parent_code)
            fields = dict(
                code=item.code,
                name=item.values["name"],
                name_en=item.values.get("name_en", ""),
                kind=item.values["kind"],
                unit_type=item.values.get("unit_type", UnitType.OTHER),
                founded_on=item.values.get("founded_on"),
                parent=parent,
            )
            if parent is None:
                org = Organization.objects.add_root(create_kwargs=fields)
            else:
                org = Organization.objects.add_child(parent, create_kwargs=fields)
            made[item.code] = org
            touched_paths.add(org.path)
        for org, differs in to_update:
            fresh = Organization.objects.select_for_update().get(pk=org.pk)
            if fresh.updated_at != org.updated_at:
                raise _Stale
            for name in differs:
                setattr(fresh, name, by_code[org.code].values[name])
            fresh.save(update_fields=[*differs, "updated_at"])
        report.created, report.updated, report.unchanged = len(to_create), len(to_update), unchanged
        _audit(actor, report, touched_paths)
    return report


def _audit(actor, report: ImportReport, paths: Iterable[str]) -> None:
    organization = audit_organization(actor, paths)
    audit(
        "organizations.import",
        actor=actor,
        organization=organization,
        after={
            "kind": report.kind,
            "file": report.file_name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )


# --------------------------------------------------------------------------------------------------
# Reading a file: shared with the imports of other apps (duties, organizational life)

_XLSX = (".xlsx", ".xlsm")
_TEXT = (".csv", ".txt", ".tsv")


def _sheets(content: bytes, extension: str, layout: Layout) -> Iterator[_Sheet]:
    """The sheets of the file, visible ones first."""
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


def _find_table(report: ImportReport, layout: Layout, content: bytes) -> Table | None:
    """The sheet with the best header for the layout, or None with the reason in the report."""
    extension = os.path.splitext(report.file_name)[1].lower()
    if extension == ".xls":
        report.add(
            0,
            "",
            _("Old .xls files cannot be read: open it in your spreadsheet program and save it as .xlsx."),
        )
        return None
    if extension not in _XLSX + _TEXT:
        report.add(0, "", _("Only .xlsx and .csv files can be imported."))
        return None
    if len(content) > settings.GRASSROOTS_IMPORT_MAX_BYTES:
        report.add(0, "", _too_large())
        return None
    if not content.strip():
        report.add(0, "", _("The file is empty."))
        return None

    chosen: tuple[_Sheet, _Header] | None = None
    anything = False
    try:
        with contextlib.closing(_sheets(content, extension, layout)) as sheets:
            for sheet in sheets:
                anything = anything or bool(sheet.rows)
                header = _find_header(sheet, layout)
                if header and (chosen is None or header.score > chosen[1].score):
                    chosen = (sheet, header)
                    if header.score >= HEADER_MIN_MATCHES:
                        break
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


def _has_required_columns(table: Table, layout: Layout) -> bool:
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
    table = _find_table(report, layout, content)
    if table is None or not _has_required_columns(table, layout):
        return None
    return table


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


# --------------------------------------------------------------------------------------------------
# Entry points


def _run(*, actor, report: ImportReport, content: bytes) -> ImportReport:
    kind = report.kind
    if kind not in _LAYOUTS:
        report.add(0, "", _("Unknown kind of import: %(kind)s.") % {"kind": kind})
        return report
    if not can_anywhere(actor, Action.IMPORT) or (
        kind == ORGANIZATIONS and not can_anywhere(actor, Action.MANAGE_STRUCTURE)
    ):
        report.add(0, "", _("Your role does not include importing this."))
        return report
    layout = _LAYOUTS[kind]
    table = _find_table(report, layout, content)
    if table is None:
        return report
    if not _has_required_columns(table, layout):
        header = table.header
        other = MEMBERS if kind == ORGANIZATIONS else ORGANIZATIONS
        if _header_score(table.sheet.head()[header.row - 1], _LAYOUTS[other]) > header.score:
            report.add(
                header.row,
                "",
                _("This file looks like a list of members, not of organizations.")
                if other == MEMBERS
                else _("This file looks like a list of organizations, not of members."),
            )
        return report.finish()
    rows = table.rows()
    if not rows:
        return report.finish()

    try:
        if kind == MEMBERS:
            _import_members(actor, rows, report)
        else:
            _import_organizations(actor, rows, report)
    except _Stale:
        report.add(
            0,
            "",
            _("Somebody changed some of these records while the file was being checked. Import it again."),
        )
    except IntegrityError:
        report.add(
            0,
            "",
            _("Somebody added some of these records while the file was being checked. Import it again."),
        )
    except PathOverflow:
        report.add(0, "", _("The organization tree cannot grow that deep or that wide at one place."))
    if not report.ok:
        report.created = report.updated = report.unchanged = 0
    return report.finish()


def _import(*, actor, kind: str, path_or_file) -> ImportReport:
    report, content = read_file(kind, path_or_file)
    if content is None:
        return report
    return _run(actor=actor, report=report, content=content)


def import_file(*, actor, kind: str, uploaded) -> ImportReport:
    """Import an uploaded .xlsx or .csv file of members or organizations (all or nothing)."""
    return _import(actor=actor, kind=kind, path_or_file=uploaded)


def import_path(*, actor, kind: str, path) -> ImportReport:
    """Import a .xlsx or .csv file from disk (the command line), all or nothing."""
    return _import(actor=actor, kind=kind, path_or_file=path)
