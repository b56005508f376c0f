"""The gaps of data completeness as an .xlsx file, with Chinese or English headers in the reader's language."""

import re
import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grassroots.core.audit import audit_export
from grassroots.core.cells import xlsx_row


def gap_headers() -> list[str]:
    return [_("Organization code"), _("Organization"), _("What is missing"), _("How many")]


def gaps_xlsx(*, user, gaps, kind: str = "", under=None) -> FileResponse:
    """One sheet, one row a gap; the export is audited (what, within which subtree, how many rows)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("What is missing"))
    sheet.append(gap_headers())
    for gap in gaps:
        org = gap.organization
        sheet.append(xlsx_row(sheet, [org.code, org.display_name(), gap.text, gap.count]))
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    workbook.save(target)
    target.seek(0)
    audit_export(
        actor=user,
        scope=under,
        everything=("site.completeness", "completeness"),
        what="completeness",
        kind=kind,
        format="xlsx",
        gaps=len(gaps),
    )
    stamp = timezone.localdate().isoformat()
    within = re.sub(r"[^0-9A-Za-z-]", "", under.code)[:40] if under is not None else "all"
    name = f"completeness-{within or 'org'}-{kind or 'all'}-{stamp}.xlsx"
    return FileResponse(target, as_attachment=True, filename=name)
