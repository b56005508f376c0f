"""Import of organizations and members from .xlsx and .csv files, as organization offices keep them.

Reading, checking and the all-or-nothing write are grassroots.core.sheets': every row is checked and every problem
collected (row number and header text as the user sees them, message in the user's language); one problem anywhere
means nothing is imported. Members are keyed by ID number (`members`), organizations by code (`organizations`); a
row that agrees with the stored record changes nothing, so importing the same file again is harmless. One audit
entry records the import.

The imports of other apps (duties, organizational life) name members and organizations as these lists do: the ID
number column and its check (`ID_NUMBER_COLUMN`, `member_id_number`), the organizations named in the rows found in
the actor's scope (`resolve_organizations`), and the organization the import is audited under (`audit_organization`).
"""

from grassroots.core.sheets import ImportReport, Problem, run_import

from .columns import ID_NUMBER_COLUMN, MEMBER_COLUMNS, MEMBERS, ORGANIZATION_COLUMNS, ORGANIZATIONS
from .members import MemberImport
from .organizations import OrganizationImport
from .shared import audit_organization, member_id_number, resolve_organizations

__all__ = [
    "ID_NUMBER_COLUMN",
    "MEMBERS",
    "MEMBER_COLUMNS",
    "ORGANIZATIONS",
    "ORGANIZATION_COLUMNS",
    "ImportReport",
    "Problem",
    "audit_organization",
    "import_file",
    "import_path",
    "member_id_number",
    "resolve_organizations",
]

IMPORTS = {MEMBERS: MemberImport(), ORGANIZATIONS: OrganizationImport()}


def import_file(*, actor, kind: str, uploaded, progress=None) -> ImportReport:
    """Import an uploaded .xlsx or .csv file of members or organizations (all or nothing); `progress` is told each
    stage (core.jobs)."""
    extra = {"progress": progress} if progress is not None else {}
    return run_import(IMPORTS, actor=actor, kind=kind, path_or_file=uploaded, **extra)


def import_path(*, actor, kind: str, path, progress=None) -> ImportReport:
    """Import a .xlsx or .csv file from disk (the command line), all or nothing; `progress` is told each stage."""
    extra = {"progress": progress} if progress is not None else {}
    return run_import(IMPORTS, actor=actor, kind=kind, path_or_file=path, **extra)
