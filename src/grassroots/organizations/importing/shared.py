"""What the imports of members and organizations share, and the imports of other apps use: members' ID numbers
read from a row, the organizations named in the rows found in the actor's scope, and the organization an import
is audited under."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from treebeard.exceptions import PathOverflow

from grassroots.core.policy import Action, can, restrict, subject
from grassroots.core.sheets import EXCEL_ERRORS, Layout, Row, SheetImport, Table, cell_text, chunks
from grassroots.core.sheets.header import header_score

from ..models import Organization
from ..validation import validate_id_number


def member_id_number(row: Row) -> str:
    """The member's ID number (column ID_NUMBER_COLUMN), checked: empty when missing or wrong (a problem)."""
    value = row.raw("id_number")
    if value is None:
        row.problem(
            "id_number",
            _("The ID number is missing. It is required: the import recognizes members by their ID number."),
        )
        return ""
    was_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    text = re.sub(r"\s", "", cell_text(value)).upper().lstrip("'")
    if text in EXCEL_ERRORS:
        row.problem("id_number", _("The cell shows a spreadsheet error (%(value)s).") % {"value": text})
        return ""
    if (was_number and not isinstance(value, int)) or re.fullmatch(r"\d(\.\d+)?E\+?\d+", text):
        row.problem(
            "id_number",
            _(
                "The spreadsheet stored this ID number as a number and lost its last digits. Format the "
                "column as text and type the number again."
            ),
        )
        return ""
    problem = validate_id_number(text)
    if problem:
        row.problem("id_number", problem)
        return ""
    return text


# --------------------------------------------------------------------------------------------------
# The organizations of an import


def _common_ancestor(paths: Iterable[str]) -> Organization | None:
    paths = [p for p in paths if p]
    if not paths:
        return None
    prefix = os.path.commonprefix(paths)
    prefix = prefix[: len(prefix) - len(prefix) % Organization.steplen]
    if not prefix:
        return None
    return Organization.objects.filter(path=prefix).first()


def _actor_top(actor) -> Organization | None:
    roots = subject(actor).paths_for(Action.IMPORT)
    if len(roots) == 1:
        return Organization.objects.filter(path=roots[0]).first()
    return None


def audit_organization(actor, paths: Iterable[str]) -> Organization | None:
    """The organization an import is audited under: the nearest above all it touched, else the actor's own."""
    return _common_ancestor(paths) or _actor_top(actor)


def _named_organizations(actor, items: list, queryset: QuerySet[Organization]):
    """The organizations the rows name: by code, and by name (among those the actor may import into)."""
    codes = sorted({i.org_code for i in items if i.org_code})
    names = sorted({i.org_name for i in items if i.org_name and not i.org_code})
    by_code: dict[str, Organization] = {}
    for chunk in chunks(codes):
        for org in queryset.filter(code__in=chunk):
            by_code[org.code] = org
    by_name: dict[str, list[Organization]] = {}
    in_scope = restrict(actor, Action.IMPORT, queryset)
    for chunk in chunks(names):
        for org in in_scope.filter(Q(name__in=chunk) | Q(name_en__in=chunk)):
            for key in {org.name, org.name_en} & set(chunk):
                by_name.setdefault(key, []).append(org)
    return by_code, by_name


def _named_organization(item, by_code, by_name, required: bool) -> tuple[str, Organization | None]:
    """(column, organization) of one row; no organization when none or several are named, a problem on the row."""
    row = item.row
    if item.org_code:
        org = by_code.get(item.org_code)
        if org is None:
            row.problem("org_code", _("There is no organization with the code %(code)s.") % {"code": item.org_code})
        return "org_code", org
    if item.org_name:
        column = "organization"
        found = by_name.get(item.org_name, [])
        if not found:
            row.problem(
                column,
                _("There is no organization named %(name)s among those you may import into.") % {"name": item.org_name},
            )
            return column, None
        if len(found) > 1:
            row.problem(
                column,
                _("Several organizations are named %(name)s; add a column 组织编码 (organization code) to say which.")
                % {"name": item.org_name},
            )
            return column, None
        return column, found[0]
    if required:
        row.problem(
            "organization" if "organization" in row.header.fields else "org_code",
            _("The organization is missing."),
        )
    return "", None


def resolve_organizations(
    actor,
    items: list,
    *,
    queryset: QuerySet[Organization],
    actions: tuple[str, ...] = (Action.IMPORT,),
    required: bool = True,
    check: Callable[[Organization], str] | None = None,
) -> None:
    """Set the organization of each parsed row (`item.row`, `item.org_code`, `item.org_name`, `item.organization`).

    An organization is named by its code, or else by its name among those the actor may import into; it is looked
    up in `queryset`. The actor must be allowed each of `actions` on it, and it must be active; `check` may refuse
    it with a message. A row naming no organization is a problem when the organization is `required`.
    """
    by_code, by_name = _named_organizations(actor, items, queryset)
    allowed: dict[int, bool] = {}
    for item in items:
        column, org = _named_organization(item, by_code, by_name, required)
        if org is None:
            continue
        if org.pk not in allowed:
            allowed[org.pk] = all(can(actor, action, org) for action in actions)
        refusal = ""
        if not allowed[org.pk]:
            refusal = _("%(org)s is outside the organizations you may import into.") % {"org": org.name}
        elif not org.is_active:
            refusal = _("%(org)s is no longer active.") % {"org": org.name}
        elif check is not None:
            refusal = check(org)
        if refusal:
            item.row.problem(column, refusal)
        else:
            item.organization = org


# --------------------------------------------------------------------------------------------------
# The imports of lists of members and of organizations


class Stale(Exception):
    """Somebody changed the records while the file was being checked."""


class ListImport(SheetImport):
    """An import of a list of members or of organizations: audited under the organizations it touched; a file
    that is the other list is told so."""

    audit_action = "organizations.import"
    refused_by = (Stale, IntegrityError, PathOverflow)
    other_layout: Layout  # the layout of the other list

    def mistaken(self) -> str:
        """What to say when the file is the other list."""
        raise NotImplementedError

    def missing_columns(self, table: Table) -> None:
        header = table.header
        if header_score(table.sheet.head()[header.row - 1], self.other_layout) > header.score:
            table.report.add(header.row, "", self.mistaken())

    def failure(self, exc: Exception) -> str:
        if isinstance(exc, Stale):
            return _("Somebody changed some of these records while the file was being checked. Import it again.")
        if isinstance(exc, IntegrityError):
            return _("Somebody added some of these records while the file was being checked. Import it again.")
        return _("The organization tree cannot grow that deep or that wide at one place.")
