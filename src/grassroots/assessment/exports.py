"""Exports of assessment results (CSV streamed row by row, XLSX written in write-only mode), and QR codes.

The caller passes results already restricted by the policy; every export is audited as "core.export".
QR codes are drawn here by segno as inline SVG: nothing is fetched from anywhere.
"""

import csv
import tempfile
from decimal import Decimal

import segno
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from grassroots.core.audit import audit
from grassroots.core.cells import csv_field, xlsx_row

from . import selectors
from .models import AssessmentRun, Grade, NotAssessed, Standing
from .templatetags.assessment_scores import CENT, floor_score

CHUNK = 2000


def qr_svg(text: str, title: str = "") -> str:
    """A QR code of `text` as an inline, scalable SVG (its size is set by CSS)."""
    code = segno.make(text, error="m")
    svg = code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", title=escape(title or text))
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the title is escaped above


def headers() -> list[str]:
    return [
        _("Organization code"),
        _("Organization"),
        _("Score"),
        _("Weighted score"),
        _("Deductions"),
        _("Bonus"),
        _("Grade"),
        _("Vetoed"),
        _("Veto reason"),
        _("Rank among siblings"),
        _("Rank in the level"),
        _("TOPSIS closeness"),
        _("TOPSIS rank (cross-check)"),
        _("Best rank when weights move ±10%"),
        _("Worst rank when weights move ±10%"),
        _("For a second look"),
        _("Records counted up to"),
        _("Status of the results"),
        _("Why not assessed"),
    ]


def publication_status(run: AssessmentRun) -> str:
    """Whether the run's results are provisional, final or published early (and why), with the day they count to:
    the export says it on every row, whoever filters or sorts the rows later."""
    asof = run.counted_to
    if asof is None:
        return _("Not computed yet")
    if run.published_early:
        return _("Published early, as of %(asof)s, because: %(reason)s") % {
            "asof": (run.published_asof or asof).isoformat(),
            "reason": run.early_publication_reason,
        }
    if run.is_provisional:
        return _("Provisional, as of %(asof)s: final once computed as of %(closes)s and published") % {
            "asof": asof.isoformat(),
            "closes": run.closing_day.isoformat(),
        }
    if run.is_published:
        return _("Published, as of %(asof)s") % {"asof": asof.isoformat()}
    return _("Computed as of %(asof)s, not published yet") % {"asof": asof.isoformat()}


def _points(value) -> Decimal:
    """Points of a deduction or bonus, to two decimals (they give no grade of their own)."""
    return Decimal(str(round(value, 2))).quantize(CENT)


def result_rows(run: AssessmentRun, results):
    """The rows of the results as the exports write them (values, in the order of `headers`)."""
    grades = dict(Grade.choices + Standing.choices)
    reasons = dict(NotAssessed.choices)
    yes, no = _("yes"), _("no")
    fields = (
        "organization__code",
        "organization__name",
        "organization__name_en",
        "score",
        "weighted",
        "deductions",
        "bonus",
        "grade",
        "vetoed",
        "veto_reason",
        "rank_siblings",
        "rank_level",
        "closeness",
        "rank_topsis",
        "rank_low",
        "rank_high",
        "not_assessed",
    )
    english = (get_language() or "").startswith("en")
    limit = selectors.second_look_limit(selectors.ranked_count(run))
    asof, status = run.counted_to, publication_status(run)
    for row in results.values_list(*fields).iterator(chunk_size=CHUNK):
        code, name, name_en, score, weighted, ded, bonus, grade, vetoed, reason, rs, rl, close, rt, low, high, na = row
        yield [
            code,
            name_en if english and name_en else name,
            floor_score(score),
            floor_score(weighted),
            _points(ded),
            _points(bonus),
            str(grades.get(grade, grade)),
            yes if vetoed else no,
            reason,
            rs,
            rl,
            round(close, 4) if close is not None else None,
            rt,
            low,
            high,
            yes if selectors.ranks_far_apart(rl, rt, limit) else no,
            asof,
            status,
            str(reasons[na]) if na else "",
        ]


def _filename(run: AssessmentRun, ext: str) -> str:
    stamp = timezone.localdate().isoformat()
    return f"assessment-{run.scope.code}-{run.period.code}-v{run.version}-{stamp}.{ext}"


def _audit(user, run, rows: int, fmt: str) -> None:
    audit(
        "core.export",
        actor=user,
        obj=run,
        after={"what": "assessment results", "run": run.pk, "rows": rows, "format": fmt},
    )


def _number_cell(sheet, value: Decimal):
    """A score or points in a number cell shown with two decimals (the value already cut to them)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "0.00"
    return cell


class _Echo:
    def write(self, value):
        return value


def results_csv(*, user, run: AssessmentRun, results) -> StreamingHttpResponse:
    """Stream the results as CSV (UTF-8 with a byte order mark, so spreadsheet programs read the Chinese names)."""
    _audit(user, run, results.count(), "csv")
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff" + writer.writerow(headers())
        for row in result_rows(run, results):
            yield writer.writerow(["" if v is None else csv_field(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(run, "csv")}"'
    return response


def results_xlsx(*, user, run: AssessmentRun, results) -> FileResponse:
    """Write the results as .xlsx in write-only mode to a temporary file, then stream the file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Results"))
    sheet.append(headers())
    count = 0
    for row in result_rows(run, results):
        sheet.append(xlsx_row(sheet, [_number_cell(sheet, v) if isinstance(v, Decimal) else v for v in row]))
        count += 1
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    workbook.save(target)
    target.seek(0)
    _audit(user, run, count, "xlsx")
    return FileResponse(target, as_attachment=True, filename=_filename(run, "xlsx"))
