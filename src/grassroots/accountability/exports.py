"""Exports of pursuit: the cases of a scope and the rectifications they require, as .xlsx (one sheet each, written in
write-only mode) or CSV (one table, streamed row by row).

The caller passes cases already restricted by the policy (selectors.cases_to_export); text a user typed (facts,
statements, reasons) that looks like a formula stays text (core.cells); every export is audited as "core.export".
"""

import csv
import re
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grassroots.core.audit import audit_export
from grassroots.core.cells import csv_field, xlsx_row
from grassroots.duties.models import AssignmentState

from .models import CaseState, Measure, Trigger

CHUNK = 2000
CASES, RECTIFICATIONS = "cases", "rectifications"
SHEETS = (CASES, RECTIFICATIONS)


def case_headers() -> list[str]:
    return [
        _("Case number"),
        _("Organization code"),
        _("Organization concerned"),
        _("Person concerned"),
        _("Deciding organization code"),
        _("Decided by"),
        _("Period"),
        _("Opened by"),
        _("Responsibility concerned"),
        _("Facts"),
        _("Evidence"),
        _("State"),
        _("Proposed measure"),
        _("Measure"),
        _("Decision"),
        _("Decided at"),
        _("Statement of the person concerned"),
        _("Statement made at"),
        _("Reason"),
        _("Follows case number"),
        _("Opened at"),
        _("Closed at"),
    ]


def rectification_headers() -> list[str]:
    return [
        _("Case number"),
        _("Responsibility concerned"),
        _("Organization code"),
        _("Organization concerned"),
        _("Rectification"),
        _("Requirement"),
        _("Evidence expected"),
        _("Responsible person"),
        _("Due"),
        _("State"),
        _("Percent done"),
        _("Accepted at"),
    ]


def _when(value):
    """A moment as the reader's clock shows it, to the minute (a spreadsheet holds no time zone)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value else ""


def _evidence(items) -> str:
    return "; ".join(f"{i.get('label', '')} ({i['url']})" if i.get("url") else str(i.get("label", "")) for i in items)


def _case_rows(cases):
    rows = cases.select_related("organization", "deciding", "person", "period").order_by("organization__path", "id")
    for case in rows.iterator(chunk_size=CHUNK):
        yield [
            case.pk,
            case.organization.code,
            case.organization.display_name(),
            case.person.name if case.person_id else "",
            case.deciding.code,
            case.deciding.display_name(),
            case.period.code,
            _label(Trigger, case.trigger),
            case.title,
            case.facts,
            _evidence(case.evidence or []),
            _label(CaseState, case.state),
            _label(Measure, case.proposed_measure),
            _label(Measure, case.measure),
            case.decision_note,
            _when(case.decided_at),
            case.statement,
            _when(case.statement_at),
            case.reason,
            case.follows_id,
            _when(case.created_at),
            _when(case.closed_at),
        ]


def _rectification_rows(rectifications):
    rows = rectifications.select_related("case__organization", "assignment__duty", "assignment__responsible").order_by(
        "case__organization__path", "case_id", "assignment__due_on", "id"
    )
    for r in rows.iterator(chunk_size=CHUNK):
        a, case = r.assignment, r.case
        yield [
            case.pk,
            case.title,
            case.organization.code,
            case.organization.display_name(),
            a.duty.title,
            a.duty.requirement,
            a.duty.evidence_expected,
            a.responsible.name if a.responsible_id else "",
            a.due_on,
            _label(AssignmentState, a.state),
            a.percent,
            _when(a.accepted_at),
        ]


def _filename(what: str, scope, period: str, ext: str) -> str:
    stamp = timezone.localdate().isoformat()
    period = re.sub(r"[^0-9A-Za-z-]", "", period)[:10]  # as typed in the query: only what a period code holds
    return f"{what}-{scope.code if scope is not None else 'all'}-{period or 'all'}-{stamp}.{ext}"


def _audit(user, scope, period: str, fmt: str, **rows: int) -> None:
    """One entry per export: what, of which scope and period, how many rows of each table."""
    audit_export(
        actor=user,
        scope=scope,
        everything=("accountability.case", "cases"),
        what=" and ".join(rows),
        period=period,
        format=fmt,
        **rows,
    )


def cases_xlsx(*, user, cases, rectifications, scope=None, period: str = "") -> FileResponse:
    """The cases and their rectifications as one .xlsx file of two sheets, written to a temporary file and streamed."""
    workbook = Workbook(write_only=True)
    counts = {}
    for name, title, headers, rows in (
        (CASES, _("Cases"), case_headers(), _case_rows(cases)),
        (RECTIFICATIONS, _("Rectifications"), rectification_headers(), _rectification_rows(rectifications)),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(headers)
        counts[name] = 0
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
            counts[name] += 1
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    workbook.save(target)
    target.seek(0)
    _audit(user, scope, period, "xlsx", **counts)
    return FileResponse(target, as_attachment=True, filename=_filename(CASES, scope, period, "xlsx"))


class _Echo:
    def write(self, value):
        return value


def cases_csv(
    *, user, cases, rectifications, sheet: str = CASES, scope=None, period: str = ""
) -> StreamingHttpResponse:
    """One table as CSV, streamed (UTF-8 with a byte order mark, so spreadsheet programs read the Chinese names): the
    cases, or their rectifications."""
    if sheet == RECTIFICATIONS:
        headers, rows, count = rectification_headers(), _rectification_rows(rectifications), rectifications.count()
    else:
        headers, rows, count = case_headers(), _case_rows(cases), cases.count()
    _audit(user, scope, period, "csv", **{sheet: count})
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff" + writer.writerow(headers)
        for row in rows:
            yield writer.writerow(["" if v is None else csv_field(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, _filename(sheet, scope, period, "csv"))
    return response
