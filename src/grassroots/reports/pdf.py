"""The period report as PDF (ReportLab), with a CJK TrueType font embedded as a subset so Chinese reads everywhere.

The font is the one settings.GRASSROOTS_PDF_FONT names, else WenQuanYi Micro Hei as the pinned package
paperang-p2-fonts-cjk ships it, else as Debian's fonts-wqy-microhei installs it. Every piece of text a user typed is
escaped before ReportLab reads its little markup.
"""

import os
from functools import cache
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from grassroots.core.errors import ValidationError
from grassroots.duties.models import AssignmentState

from . import text
from .selectors import PeriodReport

FONT = "GrassrootsCJK"
DEBIAN_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def font_path() -> str:
    """The CJK font file to embed: the setting's, the pinned package's, or Debian's; a clear refusal if none."""
    configured = settings.GRASSROOTS_PDF_FONT
    candidates = [configured] if configured else []
    if not configured:
        try:
            import paperang_p2_fonts_cjk

            candidates.append(
                os.path.join(os.path.dirname(paperang_p2_fonts_cjk.__file__), "fonts", "wqy-microhei.ttc")
            )
        except ImportError:
            pass
        candidates.append(DEBIAN_FONT)
    for path in candidates:
        if path and os.path.isfile(path):
            return path
    raise ValidationError(
        _(
            "No Chinese font for PDF reports: %(path)s is missing. Install the project's dependencies again "
            "(pip install -e .) or Debian's fonts-wqy-microhei, or set GRASSROOTS_PDF_FONT to a TrueType font file."
        )
        % {"path": candidates[0] if candidates else DEBIAN_FONT}
    )


@cache
def _register(path: str) -> str:
    pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    return FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=21, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "body": ParagraphStyle("text", parent=base, spaceBefore=3),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#555555")),
        "warn": ParagraphStyle("warn", parent=base, textColor=colors.HexColor("#9a3412")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
    }


def _p(value, style) -> Paragraph:
    return Paragraph(escape("" if value is None else str(value)), style)


def _table(headers: list[str], rows: list[list], style: ParagraphStyle, widths=None) -> Table:
    data = [[_p(h, style) for h in headers], *[[_p(v, style) for v in row] for row in rows]]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1e4e4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), style.fontName),
            ]
        )
    )
    return table


def _meetings_table(report: PeriodReport, style) -> Table:
    """A branch's meetings against what is required; a committee's held over its subtree."""
    if report.is_committee:
        return _table([_("Kind"), _("Held in the subtree")], [[m["label"], m["held"]] for m in report.meetings], style)
    rows = [[m["label"], m["required"], m["held"], m["missing"]] for m in report.meetings]
    return _table([_("Kind"), _("Required"), _("Held"), _("Missing")], rows, style)


def _score(value) -> str:
    return "" if value is None else f"{value:.2f}"


def write_pdf(report: PeriodReport, target) -> None:
    """Write the period report as PDF into `target` (a path or binary file)."""
    font = _register(font_path())
    st = _styles(font)
    title = text.title(report)
    story = [
        _p(title, st["title"]),
        _p(
            _("Made at %(when)s; figures of the whole subtree unless said otherwise.")
            % {"when": date_format(report.made_at, "DATETIME_FORMAT")},
            st["small"],
        ),
        Spacer(1, 3 * mm),
        _p(_("Summary"), st["h2"]),
        _table(
            [_("Item"), _("Value")], [list(line) for line in text.report_summary(report)], st["cell"], [70 * mm, None]
        ),
    ]
    story += [_p(_("What was due and what was done"), st["h2"])]
    if report.items:
        labels = dict(AssignmentState.choices)
        rows = [
            [
                a.duty.title,
                a.responsible.name if a.responsible_id else "",
                a.due_on,
                labels.get(a.state, a.state),
                f"{a.percent}%",
            ]
            for a in report.items
        ]
        story.append(
            _table(
                [_("Duty"), _("Responsible person"), _("Due"), _("State"), _("Percent done")],
                rows,
                st["cell"],
                [70 * mm, 28 * mm, 22 * mm, 25 * mm, None],
            )
        )
        if report.items_total > len(report.items):
            story.append(
                _p(
                    _("%(shown)s of %(total)s items shown.")
                    % {"shown": len(report.items), "total": report.items_total},
                    st["small"],
                )
            )
    else:
        story.append(_p(_("No item of work of its own in this period."), st["body"]))
    story += [_p(_("Organizational life"), st["h2"])]
    if report.meetings:
        story.append(_meetings_table(report, st["cell"]))
    study = report.study
    figures = {"members": study["members"], "hours": study["hours"], "talks": report.talks, "care": report.care_visits}
    if study["on_plan"] is None:
        line = _("Study: %(members)s members, %(hours)s confirmed hours; talks: %(talks)s; care visits: %(care)s.")
    else:
        figures["on"] = study["on_plan"]
        line = _(
            "Study: %(on)s of %(members)s members on plan, %(hours)s confirmed hours; talks: %(talks)s; "
            "care visits: %(care)s."
        )
    story.append(_p(line % figures, st["body"]))
    story += [_p(_("Scores and their explanation"), st["h2"])]
    status = text.scores_status(report)
    story.append(_p(status, st["warn"] if report.scores is None or report.scores.provisional else st["body"]))
    if report.scores is not None:
        r = report.scores.result
        story.append(
            _p(
                _("Score %(score)s, grade %(grade)s, rank %(rank)s in the level.")
                % {"score": _score(r.score) or "–", "grade": r.get_grade_display(), "rank": r.rank_level or "–"},
                st["body"],
            )
        )
        lost = [*report.scores.losses, *report.scores.deductions]
        if lost:
            story.append(_p(_("Where the points were lost, the biggest first:"), st["body"]))
            story.append(
                _table(
                    [_("Indicator"), _("Points lost")], [[n, f"{p:.2f}"] for n, p in lost], st["cell"], [120 * mm, None]
                )
            )
    if report.grades:
        story.append(
            _table(
                [_("Grade"), _("Organizations"), _("Share (%)")],
                [[g["label"], g["count"], f"{g['share']:.1f}"] for g in report.grades],
                st["cell"],
            )
        )
    story += [_p(_("Cases and rectifications"), st["h2"])]
    if report.cases:
        states = text.case_labels()
        story.append(
            _table(
                [_("Organization concerned"), _("Responsibility concerned"), _("State")],
                [[c.organization.display_name(), c.title, states.get(c.state, c.state)] for c in report.cases],
                st["cell"],
                [50 * mm, 90 * mm, None],
            )
        )
    story.append(
        _p(_("Rectifications: %(total)s, accepted %(done)s, open %(open)s.") % report.rectifications, st["body"])
    )
    if report.children:
        story += [_p(_("Organizations below"), st["h2"])]
        rows = [
            [
                c.organization.display_name(),
                f"{c.duties['accepted']}/{c.duties['total']}",
                c.duties["red"],
                f"{c.duties['completion']}%",
                c.meetings_held,
                _score(c.score),
                c.grade,
                c.open_cases,
            ]
            for c in report.children
        ]
        story.append(
            _table(
                [
                    _("Organization"),
                    _("Accepted"),
                    _("Overdue"),
                    _("Completion (%)"),
                    _("Meetings held"),
                    _("Score"),
                    _("Grade"),
                    _("Open cases"),
                ],
                rows,
                st["cell"],
                [44 * mm, 25 * mm, 14 * mm, 20 * mm, 18 * mm, 16 * mm, 16 * mm, None],
            )
        )

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        page = _("page %(n)s") % {"n": doc.page}
        canvas.drawString(18 * mm, 10 * mm, f"{title} · {page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Grassroots",
        initialFontName=font,  # no page names a font the file does not carry
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
