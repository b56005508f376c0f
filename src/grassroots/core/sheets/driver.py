"""The import driver, for every import of a spreadsheet: read -> check the rows -> write all or nothing -> audit -> report.

An app describes one kind of import with a `SheetImport`: the layout of its sheet, who may make it, how its rows are
checked against what is stored (every problem collected on its row and column) and how they are written. One problem
anywhere means nothing is written; the writes and the audit entry share one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import OperationalError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.core.audit import audit
from grassroots.core.policy import Action, can_anywhere

from .header import Layout
from .reading import find_table, has_required_columns, read_file
from .report import ImportReport
from .rows import Row, Table


@dataclass
class Written:
    """What an import wrote: its counts, and where its audit entry is filed (a record, or else an organization)
    with what the entry tells besides the file and the counts."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    obj: Any = None
    organization: Any = None
    details: dict = field(default_factory=dict)


class SheetImport:
    """One kind of import: the sheet it reads, who may make it, and how its rows are checked and written."""

    layout: Layout
    audit_action: str
    refused_by: tuple[type[Exception], ...] = ()  # raised while checking or writing, they refuse the whole file
    rights: tuple[str, ...] = (Action.IMPORT,)  # the actor must hold each of these somewhere
    masked_fields: tuple[str, ...] = ()  # fields an export masks ("430124**********5"): such a file is refused whole

    def masked(self) -> str:
        """Why a file whose `masked_fields` hold masked values cannot be imported."""
        return _(
            "This file is a masked export: its ID numbers or phones are partly hidden (****), so it cannot be imported"
            " back. Export the list again with the data unmasked (a role that reads personal data), or import the"
            " office's own list."
        )

    def forbidden(self, actor) -> str:
        """Why the actor may not make this import at all, or nothing."""
        if not all(can_anywhere(actor, action) for action in self.rights):
            return _("Your role does not include importing this.")
        return ""

    def missing_columns(self, table: Table) -> None:
        """The header lacks a required column (already in the report): say more, when there is more to say."""

    def check(self, actor, rows: list[Row]) -> Any:
        """Read the rows and check them against what is stored, every problem on its row; return the writes to make."""
        raise NotImplementedError

    def write(self, actor, plan) -> Written:
        """Make the writes, inside the import's transaction; a problem reported on a row undoes them all."""
        raise NotImplementedError

    def failure(self, exc: Exception) -> str:
        """The message in the report for one of `refused_by`."""
        return str(getattr(exc, "message", exc))


MASKED = re.compile(r"\*{3,}")  # how an export hides the middle of an ID number or a phone


class _Undo(Exception):
    """A row was refused while writing: undo the rows already written."""


def _quiet(stage, done: int, total: int) -> None:
    pass


def run_import(
    importers: Mapping[str, SheetImport], *, actor, kind: str, path_or_file, progress=_quiet
) -> ImportReport:
    """Import a .xlsx or .csv file (a path on disk, an open or an uploaded file) with the importer of `kind`,
    all or nothing; the report says what was written or every problem found. `progress(stage, step, steps)` is
    told each stage (reading, checking the rows, writing), for a page that shows it (core.jobs)."""
    progress(_("Reading the file"), 0, 3)
    report, content = read_file(kind, path_or_file)
    if content is None:
        return report
    importer = importers.get(kind)
    if importer is None:
        report.add(0, "", _("Unknown kind of import: %(kind)s.") % {"kind": kind})
        return report
    refusal = importer.forbidden(actor)
    if refusal:
        report.add(0, "", refusal)
        return report
    table = find_table(report, importer.layout, content)
    if table is None:
        return report
    if not has_required_columns(table, importer.layout):
        importer.missing_columns(table)
        return report.finish()
    rows = table.rows()
    if not rows:
        return report.finish()
    if any(MASKED.search(str(row.raw(name) or "")) for row in rows for name in importer.masked_fields):
        report.add(0, "", importer.masked())
        return report.finish()
    progress(ngettext("Checking %(n)d row", "Checking %(n)d rows", len(rows)) % {"n": len(rows)}, 1, 3)
    try:
        _check_and_write(importer, actor, rows, report, progress)
    except _Undo:
        pass
    except importer.refused_by as exc:
        report.add(0, "", importer.failure(exc))
    except OperationalError as exc:
        if not _deadlocked(exc):
            raise
        report.add(0, "", _("Another change to the same records was written at the same moment. Import it again."))
    if not report.ok:
        report.created = report.updated = report.unchanged = 0
    return report.finish()


def _deadlocked(exc: OperationalError) -> bool:
    """The database cancelled the write to end a deadlock with another one (SQLSTATE 40P01; on Citus also a deadlock
    between transactions on several nodes, as two imports of one file writing the same reference rows at once)."""
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _check_and_write(importer: SheetImport, actor, rows: list[Row], report: ImportReport, progress=_quiet) -> None:
    plan = importer.check(actor, rows)
    if not report.ok:
        return
    progress(ngettext("Writing %(n)d row", "Writing %(n)d rows", len(rows)) % {"n": len(rows)}, 2, 3)
    with transaction.atomic():
        written = importer.write(actor, plan)
        if not report.ok:
            raise _Undo
        report.created, report.updated, report.unchanged = written.created, written.updated, written.unchanged
        audit(
            importer.audit_action,
            actor=actor,
            obj=written.obj,
            organization=written.organization,
            after={**written.details, "file": report.file_name, **report.counts()},
        )
