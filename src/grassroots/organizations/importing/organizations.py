"""The import of a list of organizations: keyed by code, added to the tree one by one, parents first (a parent may
be in the file or already in the tree). A row that agrees with the stored organization changes nothing; the kind
and the place in the tree of an organization already there are not changed by import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.policy import Action, can, subject
from grassroots.core.sheets import Row, Written, chunks, mark_repeats

from ..models import Organization, OrgKind, UnitType
from ..services import ALLOWED_PARENT_KINDS
from ..validation import clean_name
from .columns import KIND_WORDS, MEMBER_LAYOUT, ORGANIZATION_LAYOUT, ORGANIZATIONS, UNIT_WORDS
from .shared import ListImport, Stale, audit_organization

# What a row may change on an organization already in the tree (whether it is active is changed on its page).
_UPDATABLE_ORG_FIELDS = tuple(name for name in Organization.EDITABLE_FIELDS if name != "is_active")


@dataclass
class _OrgRow:
    row: Row
    code: str
    values: dict  # field -> value, only for what the file says
    parent_code: str = ""
    parent_name: str = ""  # the parent by its full name, when the file gives no parent code


def _parse_organization(row: Row, today: dt.date) -> _OrgRow:
    values: dict = {}
    code = row.text("code", 32)
    if not row.has("code"):
        row.problem("code", _("The organization code is missing."))
    name = row.text("name", 200, clean_name)
    if name:
        values["name"] = name
    elif not row.has("name"):
        row.problem("name", _("The organization name is missing."))
    name_en = row.text("name_en", 200)
    if name_en:
        values["name_en"] = name_en
    kind = row.choice("kind", KIND_WORDS, OrgKind, "党委, 党总支, 党支部, 党小组")
    if kind:
        values["kind"] = kind
    unit_type = row.choice(
        "unit_type",
        UNIT_WORDS,
        UnitType,
        "机关, 乡镇, 街道, 村, 社区, 企业, 国有企业, 学校, 医院, 事业单位, 社会组织, 其他",
    )
    if unit_type:
        values["unit_type"] = unit_type
    founded_on, _p = row.date("founded_on", not_after=today)
    if founded_on:
        values["founded_on"] = founded_on
    parent_code = row.text("parent_code", 32)
    if parent_code and parent_code == code:
        row.problem("parent_code", _("An organization cannot be its own parent."))
    parent_name = "" if parent_code else row.text("parent_name", 200, clean_name)
    return _OrgRow(row=row, code=code, values=values, parent_code=parent_code, parent_name=parent_name)


def _may_structure(actor, org: Organization) -> bool:
    return can(actor, Action.MANAGE_STRUCTURE, org) and can(actor, Action.IMPORT, org)


def _kind_label(kind: str | None) -> str:
    return str(OrgKind(kind).label) if kind else _("the top of the tree")


def _parse_organizations(rows: list[Row]) -> tuple[list[_OrgRow], dict[str, _OrgRow]]:
    """The rows read, and the row of each code (a code written twice is a problem)."""
    today = timezone.localdate()
    items = [_parse_organization(row, today) for row in rows]
    by_code = mark_repeats(
        items,
        lambda item: item.code or None,
        lambda first: (
            "code",
            _("The code %(code)s is also on row %(row)d; each organization may appear only once.")
            % {"code": first.code, "row": first.row.number},
        ),
    )
    _parents_by_name(items)
    return items, by_code


NAMED_SHOWN = 5


def _parents_by_name(items: list[_OrgRow]) -> None:
    """A parent given by its full name becomes its code: one organization of the file or of the tree with that name
    (Chinese or English); none, or several (each named with its code), is a problem on the row."""
    asked = {i.parent_name for i in items if i.parent_name}
    if not asked:
        return
    named: dict[str, dict[str, str]] = {name: {} for name in asked}  # name -> code -> shown name
    for item in items:
        name = item.values.get("name", "")
        if item.code and name in named:
            named[name][item.code] = name
    for chunk in chunks(sorted(asked)):
        for org in Organization.objects.filter(Q(name__in=chunk) | Q(name_en__in=chunk)).only(
            "code", "name", "name_en"
        ):
            for name in {org.name, org.name_en} & asked:
                named[name][org.code] = org.display_name()
    for item in items:
        if not item.parent_name:
            continue
        found = named[item.parent_name]
        if len(found) == 1:
            item.parent_code = next(iter(found))
        elif not found:
            item.row.problem(
                "parent_name",
                _("No organization named “%(name)s”, in the file or the tree.") % {"name": item.parent_name},
            )
        else:
            which = ", ".join(f"{code} ({name})" for code, name in sorted(found.items())[:NAMED_SHOWN])
            item.row.problem(
                "parent_name",
                _("Several organizations are named “%(name)s”: %(which)s; give the parent's code instead.")
                % {"name": item.parent_name, "which": which},
            )


def _stored_organizations(items: list[_OrgRow], by_code: dict[str, _OrgRow]) -> dict[str, Organization]:
    """The organizations in the tree with the codes of the file, as organizations or as parents."""
    wanted = sorted(set(by_code) | {i.parent_code for i in items if i.parent_code})
    stored: dict[str, Organization] = {}
    for chunk in chunks(wanted):
        for org in Organization.objects.filter(code__in=chunk).select_related("parent"):
            stored[org.code] = org
    return stored


@dataclass
class _OrgPlan:
    """The organizations to add (parents first) and the changes to those in the tree."""

    stored: dict[str, Organization]
    to_create: list[_OrgRow] = field(default_factory=list)
    to_update: list[tuple[Organization, dict]] = field(default_factory=list)
    unchanged: int = 0
    touched_paths: set[str] = field(default_factory=set)


class _Planner:
    """The rows of a file checked against the tree and the actor's rights over it."""

    def __init__(self, actor, items: list[_OrgRow], by_code: dict[str, _OrgRow]):
        self.actor = actor
        self.items = items
        self.by_code = by_code
        self.plan = _OrgPlan(stored=_stored_organizations(items, by_code))
        self.stored = self.plan.stored
        self.superuser = subject(actor).is_superuser
        self.permitted: dict[int, bool] = {}
        self.new_items = {code: item for code, item in by_code.items() if code not in self.stored}
        self.depth: dict[str, int | None] = {}  # among the new organizations: 0 under a stored parent or at the top

    def run(self) -> _OrgPlan:
        for item in self.items:
            if not item.code or self.by_code.get(item.code) is not item:
                continue
            org = self.stored.get(item.code)
            if org is not None:
                self.plan.touched_paths.add(org.path)
                self._check_stored(item, org)
                continue
            kind = self._kind(item)
            if item.parent_code:
                self._check_new_under(item, kind)
            else:
                self._check_new_at_top(item, kind)
        self.plan.to_create.sort(key=lambda i: (self.depth_of(i) or 0, i.row.number))
        return self.plan

    def may(self, org: Organization) -> bool:
        if org.pk not in self.permitted:
            self.permitted[org.pk] = _may_structure(self.actor, org)
        return self.permitted[org.pk]

    def depth_of(self, item: _OrgRow) -> int | None:
        """How many new organizations lie above this one; None when its parent codes go round in a loop."""
        depth = self.depth
        chain: list[_OrgRow] = []
        seen: set[str] = set()
        current = item
        while True:
            if current.code in depth:
                base = depth[current.code]
                break
            if current.code in seen:
                base = None
                break
            seen.add(current.code)
            chain.append(current)
            parent = self.new_items.get(current.parent_code) if current.parent_code else None
            if parent is None:
                base = -1
                break
            current = parent
        for node in reversed(chain):
            if node.code not in depth:
                base = None if base is None else base + 1
                depth[node.code] = base
            else:
                base = depth[node.code]
        return depth[item.code]

    def stored_ancestor(self, item: _OrgRow) -> Organization | None:
        """The nearest organization above a new one that is already in the system."""
        seen: set[str] = set()
        while item.parent_code in self.new_items and item.parent_code not in seen:
            seen.add(item.parent_code)
            item = self.new_items[item.parent_code]
        return self.stored.get(item.parent_code) if item.parent_code else None

    def _check_stored(self, item: _OrgRow, org: Organization) -> None:
        """A row of an organization in the tree: its changes, or unchanged."""
        row = item.row
        if not self.may(org):
            row.problem(
                "code",
                _("%(org)s is outside the organizations whose structure you may change.") % {"org": org.name},
            )
            return
        if "kind" in item.values and item.values["kind"] != org.kind:
            row.problem(
                "kind",
                _("%(org)s is a %(kind)s; the kind of an existing organization is not changed by import.")
                % {"org": org.name, "kind": OrgKind(org.kind).label},
            )
        current_parent = org.parent.code if org.parent else ""
        if item.parent_code and item.parent_code != current_parent:
            row.problem(
                "parent_code",
                _("%(org)s is under %(parent)s; an organization is moved on its page, not by import.")
                % {
                    "org": org.name,
                    "parent": org.parent.code if org.parent else _("the top of the tree"),
                },
            )
        if row.bad:
            return
        changes = {
            name: item.values[name]
            for name in _UPDATABLE_ORG_FIELDS
            if name in item.values and getattr(org, name) != item.values[name]
        }
        if changes:
            self.plan.to_update.append((org, changes))
        else:
            self.plan.unchanged += 1

    def _kind(self, item: _OrgRow) -> str | None:
        kind = item.values.get("kind")
        if kind is None and not item.row.has("kind"):
            item.row.problem("kind", _("The kind of organization is missing (党委, 党总支, 党支部 or 党小组)."))
        return kind

    def _check_new_at_top(self, item: _OrgRow, kind: str | None) -> None:
        row = item.row
        if item.parent_name:  # its parent's name was not found: the row says so already
            return
        if not self.superuser:
            row.problem(
                "parent_code",
                _("Only a system administrator can add a top-level organization; give the parent code."),
            )
        elif kind and None not in ALLOWED_PARENT_KINDS[OrgKind(kind)]:
            row.problem(
                "kind",
                _("A %(kind)s cannot be placed at the top of the tree.") % {"kind": _kind_label(kind)},
            )
        if not row.bad:
            self.plan.to_create.append(item)

    def _check_new_under(self, item: _OrgRow, kind: str | None) -> None:
        row = item.row
        parent_stored = self.stored.get(item.parent_code)
        parent_item = self.by_code.get(item.parent_code)
        if parent_stored is None and parent_item is None:
            row.problem(
                "parent_code",
                _("There is no organization with the code %(code)s, in the system or in this file.")
                % {"code": item.parent_code},
            )
            return
        if parent_stored is None and self.depth_of(item) is None:
            row.problem("parent_code", _("The parent codes in this file go round in a loop."))
            return
        parent_kind = parent_stored.kind if parent_stored is not None else parent_item.values.get("kind")
        if parent_stored is not None and not parent_stored.is_active:
            row.problem("parent_code", _("%(org)s is no longer active.") % {"org": parent_stored.name})
        if kind and parent_kind and parent_kind not in ALLOWED_PARENT_KINDS[OrgKind(kind)]:
            row.problem(
                "kind",
                _("A %(kind)s cannot be placed under a %(parent)s.")
                % {"kind": _kind_label(kind), "parent": _kind_label(parent_kind)},
            )
        anchor = parent_stored or self.stored_ancestor(item)
        if anchor is not None:
            self.plan.touched_paths.add(anchor.path)
            if not self.may(anchor):
                row.problem(
                    "parent_code",
                    _("%(org)s is outside the organizations whose structure you may change.") % {"org": anchor.name},
                )
        if not row.bad:
            self.plan.to_create.append(item)


def _add(item: _OrgRow, parent: Organization | None) -> Organization:
    fields = dict(
        code=item.code,
        name=item.values["name"],
        name_en=item.values.get("name_en", ""),
        kind=item.values["kind"],
        unit_type=item.values.get("unit_type", UnitType.OTHER),
        founded_on=item.values.get("founded_on"),
        parent=parent,
    )
    if parent is None:
        return Organization.objects.add_root(create_kwargs=fields)
    return Organization.objects.add_child(parent, create_kwargs=fields)


class OrganizationImport(ListImport):
    layout = ORGANIZATION_LAYOUT
    other_layout = MEMBER_LAYOUT
    rights = (Action.IMPORT, Action.MANAGE_STRUCTURE)

    def mistaken(self) -> str:
        return _("This file looks like a list of members, not of organizations.")

    def check(self, actor, rows: list[Row]) -> _OrgPlan:
        items, by_code = _parse_organizations(rows)
        return _Planner(actor, items, by_code).run()

    def write(self, actor, plan: _OrgPlan) -> Written:
        made: dict[str, Organization] = {}
        for item in plan.to_create:
            org = _add(item, made.get(item.parent_code) or plan.stored.get(item.parent_code))
            made[item.code] = org
            plan.touched_paths.add(org.path)
        for org, changes in plan.to_update:
            fresh = Organization.objects.select_for_update().get(pk=org.pk)
            if fresh.updated_at != org.updated_at:
                raise Stale
            for name, value in changes.items():
                setattr(fresh, name, value)
            fresh.save(update_fields=[*changes, "updated_at"])
        return Written(
            created=len(plan.to_create),
            updated=len(plan.to_update),
            unchanged=plan.unchanged,
            organization=audit_organization(actor, plan.touched_paths),
            details={"kind": ORGANIZATIONS},
        )
