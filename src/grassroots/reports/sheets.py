"""The .xlsx files of reports: the ledgers (台账), the period report, and assessment results with one sheet per level.

Every workbook is written by xlsxwriter in constant memory, row by row from querysets read as tuples in chunks, so
memory stays flat however large the subtree; every row goes through core.cells (text a user typed is written as text,
never a formula).
Headers are in the reader's language: Chinese, as inspections expect, unless the reader reads English.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from grassroots.accountability.models import CaseState
from grassroots.assessment.exports import headers as result_headers
from grassroots.assessment.exports import result_rows
from grassroots.core.cells import xlsx_write_row
from grassroots.duties.models import AssignmentState, Dimension, ReportState
from grassroots.organizations.models import Organization
from grassroots.orglife.models import (
    AttendanceStatus,
    CareCategory,
    CareOccasion,
    MeetingKind,
    MeetingState,
    RecordState,
)

from . import selectors
from .selectors import CHUNK, PeriodReport


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _org_name(name: str, name_en: str) -> str:
    return name_en if _english() and name_en else name


def _labels(choices) -> Callable[[str], str]:
    table = {value: str(label) for value, label in choices.choices}  # each label translated once, not once a row
    return lambda value: table.get(value, value or "")


def _when(value):
    """A moment as the reader's clock shows it, to the minute (a spreadsheet holds no time zone)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)
    return value


def _yes(value) -> str:
    return _("yes") if value else _("no")


@dataclass
class Sheet:
    """One sheet of a workbook: its title, its headers, and its rows (an iterable of lists)."""

    key: str
    title: str
    headers: list[str]
    rows: Iterable[list]


MAX_ROWS = 1_048_576  # the rows of one Excel sheet, its header included


def write_workbook(sheets: Iterable[Sheet], target) -> dict[str, int]:
    """Write the sheets into `target` (a path or binary file), row by row in constant memory (xlsxwriter: each sheet's
    rows go to a temporary file as they come, the workbook is zipped at the end); returns the rows of each sheet.

    A sheet longer than Excel holds (a province's study records) goes on in "<title> (2)", "(3)"... with the same
    headers."""
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, str | Path) else target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    formats = {
        "day_format": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "moment_format": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    counts: dict[str, int] = {}
    for spec in sheets:
        sheet = workbook.add_worksheet(spec.title[:31])
        xlsx_write_row(sheet, 0, spec.headers, **formats)
        n = in_sheet = 0
        for row in spec.rows:
            if in_sheet == MAX_ROWS - 1:
                sheet = workbook.add_worksheet(f"{spec.title[:24]} ({n // (MAX_ROWS - 1) + 1})")
                xlsx_write_row(sheet, 0, spec.headers, **formats)
                in_sheet = 0
            in_sheet += 1
            xlsx_write_row(sheet, in_sheet, [_when(v) for v in row], **formats)
            n += 1
        counts[spec.key] = n
    if not counts:
        workbook.add_worksheet(_("Empty"))
    workbook.close()
    return counts


# ------------------------------------------------------------------------------------------------------------ ledgers

LEDGERS = ("meetings", "attendance", "study", "talks", "care", "duties", "reports")


def _org_cells(row) -> list:
    code, name, name_en, *rest = row
    return [code, _org_name(name, name_en), *rest]


def _stream(qs) -> Iterable[tuple]:
    return qs.iterator(chunk_size=CHUNK)


def ledger_sheets(*, user, organization: Organization, year: int, subtree: bool, personal: bool) -> list[Sheet]:
    """The sheets of the ledger of an organization (or its subtree) for a year; care details and talk notes only
    when `personal` (the reader may read them)."""
    args = {"user": user, "organization": organization, "year": year, "subtree": subtree}
    org = [_("Organization code"), _("Organization")]
    kind, mstate, status = _labels(MeetingKind), _labels(MeetingState), _labels(AttendanceStatus)
    rstate, category, occasion = _labels(RecordState), _labels(CareCategory), _labels(CareOccasion)
    dimension, astate, pstate = _labels(Dimension), _labels(AssignmentState), _labels(ReportState)

    def meetings():
        for row in _stream(selectors.ledger_meetings(**args)):
            code, name, held_on, k, state, topic, place, host, present, excused, absent, resolutions = _org_cells(row)
            yield [
                code,
                name,
                held_on,
                kind(k),
                mstate(state),
                topic,
                place,
                host or "",
                present,
                excused,
                absent,
                resolutions,
            ]

    def attendance():
        for row in _stream(selectors.ledger_attendance(**args)):
            code, name, held_on, k, topic, member, s, reason = _org_cells(row)
            yield [code, name, held_on, kind(k), topic, member, status(s), reason]

    def study():
        for row in _stream(selectors.ledger_study(**args)):
            code, name, member, on, title, course, hours, state, confirmer, confirmer_account = _org_cells(row)
            yield [
                code,
                name,
                member,
                on,
                title or course or "",
                hours,
                rstate(state),
                confirmer or confirmer_account or "",
            ]

    def talks():
        for row in _stream(selectors.ledger_talks(**args)):
            code, name, on, member, with_member, with_name, topic, notes = _org_cells(row)
            yield [code, name, on, member, with_member or with_name, topic, *([notes] if personal else [])]

    def care():
        for row in _stream(selectors.ledger_care(**args)):
            code, name, member, cat, opened, on, visitor, visitor_name, occ, help_given, amount, details = _org_cells(
                row
            )
            yield [
                code,
                name,
                member,
                category(cat),
                opened,
                on,
                visitor or visitor_name,
                occasion(occ),
                help_given,
                amount,
                *([details] if personal else []),
            ]

    def duties():
        for row in _stream(selectors.ledger_duties(**args)):
            code, name, title, dim, key, major, issuer, responsible, start, due, state, percent, accepted, n = (
                _org_cells(row)
            )
            yield [
                code,
                name,
                title,
                dimension(dim),
                _yes(key),
                _yes(major),
                issuer,
                responsible or "",
                start,
                due,
                astate(state),
                percent,
                accepted,
                n,
            ]

    def reports():
        for row in _stream(selectors.ledger_reports(**args)):
            code, name, title, made, author, author_account, percent, text, state, *rest = _org_cells(row)
            reviewer, reviewer_account, reviewed, reason = rest
            yield [
                code,
                name,
                title,
                made,
                author or author_account or "",
                percent,
                text,
                pstate(state),
                reviewer or reviewer_account or "",
                reviewed,
                reason,
            ]

    restricted = [_("Notes (restricted)")] if personal else []
    return [
        Sheet(
            "meetings",
            pgettext("ledger sheet", "Meetings"),
            [
                *org,
                _("Held on"),
                _("Kind"),
                _("State"),
                _("Topic"),
                _("Place"),
                _("Host"),
                _("Present"),
                _("Absent with leave"),
                _("Absent without leave"),
                _("Resolutions"),
            ],
            meetings(),
        ),
        Sheet(
            "attendance",
            pgettext("ledger sheet", "Attendance"),
            [*org, _("Held on"), _("Kind"), _("Topic"), _("Member"), _("Attendance"), _("Reason")],
            attendance(),
        ),
        Sheet(
            "study",
            pgettext("ledger sheet", "Study records"),
            [*org, _("Member"), _("Studied on"), _("Title"), _("Hours"), _("State"), _("Confirmed by")],
            study(),
        ),
        Sheet(
            "talks",
            pgettext("ledger sheet", "Talks"),
            [*org, _("Talked on"), _("Member"), _("Talked with"), _("Topic"), *restricted],
            talks(),
        ),
        Sheet(
            "care",
            pgettext("ledger sheet", "Care visits"),
            [
                *org,
                _("Member"),
                _("Category"),
                _("Case opened on"),
                _("Visited on"),
                _("Visitor"),
                _("Occasion"),
                _("Help given"),
                _("Amount"),
                *([_("Details (restricted)")] if personal else []),
            ],
            care(),
        ),
        Sheet(
            "duties",
            pgettext("ledger sheet", "Duties"),
            [
                *org,
                _("Duty"),
                _("Area of construction"),
                _("Key work"),
                _("Major task"),
                _("Issued by"),
                _("Responsible person"),
                _("Starts on"),
                _("Due"),
                _("State"),
                _("Percent done"),
                _("Accepted on"),
                _("Reports"),
            ],
            duties(),
        ),
        Sheet(
            "reports",
            pgettext("ledger sheet", "Progress reports"),
            [
                *org,
                _("Duty"),
                _("Reported at"),
                _("Reported by"),
                _("Percent done"),
                _("Report"),
                _("State"),
                _("Reviewed by"),
                _("Reviewed at"),
                _("Reason returned"),
            ],
            reports(),
        ),
    ]


# ------------------------------------------------------------------------------------------------- the period report


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def report_sheets(report: PeriodReport) -> list[Sheet]:
    """The period report as sheets: a summary, the items of work, organizational life, scores, cases and (for a
    committee) the organizations below."""
    from .text import report_summary

    astate = _labels(AssignmentState)
    sheets = [
        Sheet(
            "summary",
            _("Summary"),
            [_("Item"), _("Value")],
            ([label, _number(value)] for label, value in report_summary(report)),
        )
    ]
    sheets.append(
        Sheet(
            "items",
            _("Duties"),
            [_("Duty"), _("Responsible person"), _("Due"), _("State"), _("Percent done")],
            (
                [a.duty.title, a.responsible.name if a.responsible_id else "", a.due_on, astate(a.state), a.percent]
                for a in report.items
            ),
        )
    )
    sheets.append(
        Sheet(
            "meetings",
            _("Organizational life"),
            [_("Kind"), _("Required"), _("Held"), _("Missing")],
            ([str(m["label"]), m["required"], m["held"], m["missing"]] for m in report.meetings),
        )
    )
    if report.grades:
        sheets.append(
            Sheet(
                "grades",
                _("Grades"),
                [_("Grade"), _("Organizations"), _("Share (%)")],
                ([str(g["label"]), g["count"], round(g["share"], 1)] for g in report.grades),
            )
        )
    if report.scores is not None:
        sheets.append(
            Sheet(
                "losses",
                _("Points lost"),
                [_("Indicator"), _("Points lost")],
                ([name, round(points, 2)] for name, points in [*report.scores.losses, *report.scores.deductions]),
            )
        )
    cstate = _labels(CaseState)
    sheets.append(
        Sheet(
            "cases",
            _("Cases"),
            [
                _("Organization code"),
                _("Organization concerned"),
                _("Responsibility concerned"),
                _("State"),
                _("Opened at"),
            ],
            (
                [c.organization.code, c.organization.display_name(), c.title, cstate(c.state), c.created_at]
                for c in report.cases
            ),
        )
    )
    if report.children:
        sheets.append(
            Sheet(
                "children",
                _("Organizations below"),
                [
                    _("Organization code"),
                    _("Organization"),
                    _("Items of work"),
                    _("Accepted"),
                    _("Overdue"),
                    _("Completion (%)"),
                    _("Meetings held"),
                    _("Score"),
                    _("Grade"),
                    _("Open cases"),
                ],
                (
                    [
                        line.organization.code,
                        line.organization.display_name(),
                        line.duties["total"],
                        line.duties["accepted"],
                        line.duties["red"],
                        line.duties["completion"],
                        line.meetings_held,
                        round(line.score, 2) if line.score is not None else None,
                        line.grade,
                        line.open_cases,
                    ]
                    for line in report.children
                ),
            )
        )
    return sheets


# --------------------------------------------------------------------------------- assessment results by level


def results_sheets(*, user, run) -> list[Sheet]:
    """One sheet per level of the tree the run assessed (the depth of the organizations), each with the columns of
    the assessment's own export."""
    levels = selectors.results_by_level(user=user, run=run)
    top = min((depth for depth, _qs in levels), default=0)
    sheets = []
    for depth, results in levels:
        kinds = sorted({str(k) for k in selectors.kinds_at(results)})
        title = _("Level %(n)s") % {"n": depth - top + 1}
        if kinds:
            title = f"{title} {'、'.join(kinds)}"
        sheets.append(Sheet(f"level{depth - top + 1}", title, result_headers(), result_rows(run, results)))
    return sheets
