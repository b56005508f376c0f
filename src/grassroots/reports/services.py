"""The exports of reports and ledgers: each checked by the policy (Action.EXPORT) and audited as "core.export".

A service writes into `target` (a path or a binary file: the command line gives a path, a page a temporary file it
then serves) and returns the file name to offer.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.assessment.models import AssessmentRun
from grassroots.core.audit import audit
from grassroots.core.errors import PermissionDenied, ValidationError
from grassroots.core.models import Period
from grassroots.organizations.models import Organization

from . import selectors, sheets
from .pdf import write_pdf

FORMATS = ("pdf", "xlsx")


def _stamp() -> str:
    return timezone.localdate().isoformat()


def report_export_check(*, actor, organization: Organization) -> None:
    """Refuse unless the actor may export the organization's records (secretaries, officers, inspectors)."""
    if not selectors.may_export(actor, organization):
        raise PermissionDenied(
            _("You may not export the reports of %(organization)s.") % {"organization": organization.display_name()}
        )


def report_export(*, actor, organization: Organization, period: Period, fmt: str, target) -> str:
    """The period report of an organization (a committee's summary over its subtree when it has organizations below)
    as PDF or .xlsx; returns the file name."""
    if fmt not in FORMATS:
        raise ValidationError(_("Choose the format: pdf or xlsx."))
    report_export_check(actor=actor, organization=organization)
    report = selectors.period_report(user=actor, organization=organization, period=period)
    if fmt == "pdf":
        write_pdf(report, target)
    else:
        sheets.write_workbook(sheets.report_sheets(report), target)
    audit(
        "core.export",
        actor=actor,
        obj=organization,
        after={
            "what": "period report" if not report.is_committee else "committee summary",
            "period": period.code,
            "format": fmt,
            "provisional": bool(report.scores and report.scores.provisional),
        },
    )
    return f"report-{organization.code}-{period.code}-{_stamp()}.{fmt}"


def ledger_export_check(*, actor, organization: Organization) -> None:
    report_export_check(actor=actor, organization=organization)


def ledger_export(*, actor, organization: Organization, year: int, subtree: bool, target) -> tuple[dict, str]:
    """The ledgers (台账) of an organization, or of its whole subtree, for a year, as one .xlsx of one sheet each;
    care details and talk notes only for a reader who may read them. Returns (rows of each sheet, file name)."""
    if not 1900 <= year <= 2999:
        raise ValidationError(_("Give the year as four digits, such as 2026."))
    ledger_export_check(actor=actor, organization=organization)
    personal = selectors.may_read_personal(actor, organization)
    counts = sheets.write_workbook(
        sheets.ledger_sheets(user=actor, organization=organization, year=year, subtree=subtree, personal=personal),
        target,
    )
    audit(
        "core.export",
        actor=actor,
        obj=organization,
        after={"what": "ledgers", "year": year, "subtree": subtree, "restricted": personal, "format": "xlsx", **counts},
    )
    scope = "subtree" if subtree else "own"
    return counts, f"ledger-{organization.code}-{scope}-{year}-{_stamp()}.xlsx"


def results_export_check(*, actor, run: AssessmentRun) -> None:
    if not selectors.results_by_level(user=actor, run=run):
        raise PermissionDenied(_("You may not export any result of this assessment."))


def results_export(*, actor, run: AssessmentRun, target) -> tuple[dict, str]:
    """The results of an assessment run as .xlsx, one sheet per level of the tree; returns (rows, file name)."""
    results_export_check(actor=actor, run=run)
    counts = sheets.write_workbook(sheets.results_sheets(user=actor, run=run), target)
    audit(
        "core.export",
        actor=actor,
        obj=run,
        after={"what": "assessment results by level", "run": run.pk, "format": "xlsx", **counts},
    )
    return counts, f"assessment-{run.scope.code}-{run.period.code}-v{run.version}-levels-{_stamp()}.xlsx"
