"""The words of a period report, shared by its PDF and its .xlsx: the summary lines and the state of the scores."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grassroots.accountability.models import CaseState
from grassroots.assessment.exports import publication_status

from .selectors import PeriodReport


def title(report: PeriodReport) -> str:
    if report.is_committee:
        return _("%(organization)s: summary of %(period)s") % {
            "organization": report.organization.display_name(),
            "period": report.period.code,
        }
    return _("%(organization)s: report of %(period)s") % {
        "organization": report.organization.display_name(),
        "period": report.period.code,
    }


def scores_status(report: PeriodReport) -> str:
    """Whether the scores are provisional or published, as the assessment's own export says it."""
    if report.scores is None:
        if report.grades:
            return _("The results of the organizations below are summed up here.")
        return _("No assessment result for this period yet.")
    status = publication_status(report.scores.run)
    if report.scores.provisional:
        return _("PROVISIONAL: %(status)s") % {"status": status}
    return status


def report_summary(report: PeriodReport) -> list[tuple[str, object]]:
    """(label, value) lines: the figures of the report at a glance."""
    d, s = report.duties, report.study
    lines: list[tuple[str, object]] = [
        (_("Organization code"), report.organization.code),
        (_("Organization"), report.organization.display_name()),
        (_("Period"), f"{report.period.code} ({date_format(report.period.start)} – {date_format(report.period.end)})"),
        (_("Made at"), date_format(report.made_at, "DATETIME_FORMAT")),
        (_("Items of work (whole subtree)"), d["total"]),
        (_("Accepted"), d["accepted"]),
        (_("Waiting for review"), d["submitted"]),
        (_("Overdue"), d["red"]),
        (_("Completion (%)"), d["completion"]),
    ]
    for m in report.meetings:
        lines.append((_("%(kind)s held / required") % {"kind": m["label"]}, f"{m['held']} / {m['required']}"))
    lines += [
        (_("Members"), s["members"]),
        (_("Members on their study plan"), s["on_plan"]),
        (_("Members behind their study plan"), s["behind"]),
        (_("Confirmed study hours"), s["hours"]),
        (_("Talks"), report.talks),
        (_("Care visits"), report.care_visits),
        (_("Assessment"), scores_status(report)),
    ]
    if report.scores is not None:
        r = report.scores.result
        lines += [
            (_("Score"), round(r.score, 2) if r.score is not None else _("not assessed")),
            (_("Grade"), r.get_grade_display()),
            (_("Rank in the level"), r.rank_level if r.rank_level is not None else ""),
        ]
        if report.scores.vetoes:
            lines.append((_("Vetoed by"), "、".join(report.scores.vetoes)))
    for row in report.grades:
        lines.append((_("Organizations graded %(grade)s") % {"grade": row["label"]}, row["count"]))
    lines += [
        (_("Cases"), sum(report.cases_by_state.values())),
        (_("Rectifications"), report.rectifications["total"]),
        (_("Rectifications accepted"), report.rectifications["done"]),
        (_("Rectifications open"), report.rectifications["open"]),
    ]
    return lines


def case_labels() -> dict:
    return {value: str(label) for value, label in CaseState.choices}
