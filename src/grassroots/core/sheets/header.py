"""The columns of a kind of sheet, and its header found among the first rows by the names offices give them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from grassroots.core.text import HAN

from .values import clean_text, match_key

HEADER_SEARCH_ROWS = 10  # the header is looked for among this many rows at the top of a sheet
HEADER_MIN_MATCHES = 3  # a row with this many known column names is the header
MAX_COLUMNS = 200  # columns further right are never read (sheets formatted to column XFD exist)


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


def header_fields(row: list, layout: Layout) -> dict[int, str]:
    aliases = layout.aliases
    out = {}
    for i, value in enumerate(row):
        if isinstance(value, str):
            name = aliases.get(match_key(value))
            if name:
                out[i] = name
    return out


def header_score(row: list, layout: Layout) -> int:
    """How many of the layout's columns the row names."""
    return len(set(header_fields(row, layout).values()))


@dataclass
class Header:
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


def find_header(head: list[list], layout: Layout) -> Header | None:
    """The header among the first rows of a sheet (`head`): the first row naming enough of the layout's columns,
    else the one naming most."""
    best: tuple[int, int] | None = None  # (score, index)
    for i, row in enumerate(head):
        score = header_score(row, layout)
        if score >= HEADER_MIN_MATCHES:
            best = (score, i)
            break
        if score and (best is None or score > best[0]):
            best = (score, i)
    if best is None:
        return None
    index = best[1]
    found = header_fields(head[index], layout)
    fields: dict[str, list[int]] = {}
    labels = {}
    for col, name in found.items():
        fields.setdefault(name, []).append(col)
        labels[col] = clean_text(head[index][col])
    chinese = sum(1 for text in labels.values() if HAN.search(text))
    language = "zh" if chinese * 2 >= len(labels) else "en"
    raw = {col: head[index][col] for col in found}
    return Header(index + 1, fields, labels, language, layout.columns, best[0], raw)
