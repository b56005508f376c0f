"""The report of an import: every problem with its row and column as the user sees them, or what was written."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


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

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def finish(self) -> ImportReport:
        self.problems.sort(key=lambda p: (p.row, p.position))
        return self
