"""The import of a list of members: keyed by ID number, written in bulk; a row that agrees with the stored record
changes nothing, so importing the same file again is harmless. A member moves to another organization by a
transfer, never by import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.sealed import refresh_digests
from grassroots.core.sheets import Row, Written, cell_text, chunks, mark_repeats
from grassroots.core.signals import records_written
from grassroots.core.text import HAN

from ..models import Education, Gender, Member, MemberCategory, Organization, OrgKind, joining_problem
from ..validation import (
    clean_name,
    clean_phone,
    dates_agree,
    id_birth_date,
    id_gender,
    validate_id_number,
    validate_phone,
)
from .columns import CATEGORY_WORDS, EDUCATION_WORDS, GENDER_WORDS, MEMBER_LAYOUT, MEMBERS, ORGANIZATION_LAYOUT
from .shared import ListImport, Stale, audit_organization, member_id_number, resolve_organizations

CREATE_BATCH = 1000
UPDATE_BATCH = 500
# What a row may set on a member; the ID number is what the row is known by.
_MEMBER_FIELDS = tuple(name for name in Member.EDITABLE_FIELDS if name != "id_number")


@dataclass
class _MemberRow:
    row: Row
    id_number: str
    values: dict  # field -> value, only for what the file says
    birth_precision: str | None = None
    org_code: str = ""
    org_name: str = ""
    organization: Organization | None = None


def _parse_member(row: Row, today: dt.date) -> _MemberRow:
    values: dict = {}
    id_number = member_id_number(row)
    name = row.text("name", 100, clean_name)
    if name:
        values["name"] = name
    elif not row.has("name"):
        row.problem("name", _("The name is missing."))
    gender = row.choice("gender", GENDER_WORDS, Gender, "男, 女")
    if gender:
        values["gender"] = gender
    ethnicity = row.text("ethnicity", 20)
    if ethnicity:
        if HAN.fullmatch(ethnicity[-1]) and not ethnicity.endswith("族") and len(ethnicity) <= 3:
            ethnicity += "族"  # 汉 -> 汉族
        values["ethnicity"] = ethnicity
    birth_date, birth_precision = row.date("birth_date", not_after=today)
    education = row.choice("education", EDUCATION_WORDS, Education, "小学, 初中, 高中, 中专, 大专, 本科, 硕士, 博士")
    if education:
        values["education"] = education
    if row.has("phone"):
        phone = clean_phone(row.raw("phone"))
        problem = validate_phone(phone)
        if problem:
            row.problem("phone", problem)
        elif phone:
            values["phone"] = phone
    occupation = row.text("occupation", 100)
    if occupation:
        values["occupation"] = occupation
    category = row.choice("category", CATEGORY_WORDS, MemberCategory, "正式党员, 预备党员")
    if category:
        values["category"] = category
    joined_on, _p = row.date("joined_on", not_after=today)
    if joined_on:
        values["joined_on"] = joined_on
    confirmed_on, _p = row.date("confirmed_on", not_after=today)
    if confirmed_on:
        values["confirmed_on"] = confirmed_on

    if id_number:
        born, id_sex = id_birth_date(id_number), id_gender(id_number)
        if birth_date and not dates_agree(born, birth_date, birth_precision):
            row.problem(
                "birth_date",
                _("The ID number gives birth date %(id)s but the birth date given is %(given)s.")
                % {"id": born.isoformat(), "given": cell_text(row.raw("birth_date"))},
            )
        if gender and gender != id_sex:
            row.problem("gender", validate_id_number(id_number, gender=gender))
        values["birth_date"] = born  # the ID number is exact where a birth month is not
        values["gender"] = id_sex
    elif birth_date:
        values["birth_date"] = birth_date
    return _MemberRow(
        row=row,
        id_number=id_number,
        values=values,
        birth_precision=birth_precision,
        org_code=row.text("org_code", 32),
        org_name=row.text("organization", 200, clean_name),
    )


def _check_member_dates(item: _MemberRow, merged: dict) -> None:
    row = item.row
    birth, joined, confirmed = merged.get("birth_date"), merged.get("joined_on"), merged.get("confirmed_on")
    problem = joining_problem(birth, joined)
    if problem:
        row.problem("joined_on", problem)
    if joined and confirmed and confirmed < joined:
        row.problem("confirmed_on", _("Full membership cannot start before joining."))
    if merged.get("category") == MemberCategory.PROBATIONARY and confirmed:
        name = "category" if row.has("category") else "confirmed_on"
        row.problem(name, _("A probationary member has no date of full membership yet."))


_ORG_FIELDS = ("id", "code", "name", "name_en", "kind", "numchild", "path", "depth", "is_active")


def _not_for_members(org: Organization) -> str:
    """Why members cannot be put in this organization, or nothing."""
    if org.kind == OrgKind.COMMITTEE and org.numchild:
        return _("%(org)s is a committee with branches; members belong to a branch or a general branch.") % {
            "org": org.name
        }
    return ""


@dataclass
class _MemberPlan:
    """The members to add and to change, and when each one to change was read (to tell whether it changed since)."""

    items: list[_MemberRow]
    to_create: list[Member] = field(default_factory=list)
    to_update: list[Member] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    loaded_at: dict[int, dt.datetime] = field(default_factory=dict)
    unchanged: int = 0


def _parse_members(rows: list[Row]) -> tuple[list[_MemberRow], dict[str, _MemberRow]]:
    """The rows read, and the row each ID number is first on (one written twice is a problem)."""
    today = timezone.localdate()
    items = [_parse_member(row, today) for row in rows]
    first = mark_repeats(
        items,
        lambda item: item.id_number or None,
        lambda first: (
            "id_number",
            _("This ID number is also on row %(row)d; each member may appear only once.") % {"row": first.row.number},
        ),
    )
    return items, first


def _stored_members(id_numbers: list[str]) -> dict[str, Member]:
    existing: dict[str, Member] = {}
    for chunk in chunks(id_numbers):
        for member in Member.objects.filter(id_number__in=chunk):
            existing[member.id_number] = member
    return existing


def _merged(item: _MemberRow, member: Member | None) -> dict:
    """The member's record as it would be after the row: the row's values over the stored ones."""
    merged = dict(item.values)
    if "confirmed_on" in merged and "category" not in merged and not item.row.has("category"):
        merged["category"] = MemberCategory.FULL  # a date of full membership says it
    if member is not None:
        for name in _MEMBER_FIELDS:
            merged.setdefault(name, getattr(member, name))
    else:
        merged.setdefault("category", MemberCategory.FULL)
    return merged


def _plan_member(plan: _MemberPlan, item: _MemberRow, member: Member | None, first: bool) -> None:
    """Add the row's member to the plan: to create (on the row it first appears on), to change, or unchanged."""
    merged = _merged(item, member)
    _check_member_dates(item, merged)
    if item.organization is None or item.row.bad:
        return
    if member is None:
        if first:
            plan.to_create.append(Member(organization=item.organization, id_number=item.id_number, **merged))
        return
    if member.organization_id != item.organization.pk:
        column = "org_code" if item.org_code else "organization"
        item.row.problem(
            column,
            _(
                "A member with this ID number is registered in another organization. Move the member "
                "with a transfer, not by import."
            ),
        )
        return
    differs = [name for name in _MEMBER_FIELDS if getattr(member, name) != merged[name]]
    if differs:
        for name in differs:
            setattr(member, name, merged[name])
        plan.changed_fields.update(differs)
        plan.loaded_at[member.pk] = member.updated_at
        plan.to_update.append(member)
    else:
        plan.unchanged += 1


class MemberImport(ListImport):
    layout = MEMBER_LAYOUT
    other_layout = ORGANIZATION_LAYOUT
    masked_fields = ("id_number", "phone")

    def mistaken(self) -> str:
        return _("This file looks like a list of organizations, not of members.")

    def check(self, actor, rows: list[Row]) -> _MemberPlan:
        items, first = _parse_members(rows)
        resolve_organizations(actor, items, queryset=Organization.objects.only(*_ORG_FIELDS), check=_not_for_members)
        existing = _stored_members(sorted(first))
        plan = _MemberPlan(items)
        for item in items:
            if item.id_number:
                _plan_member(plan, item, existing.get(item.id_number), first[item.id_number] is item)
        return plan

    def write(self, actor, plan: _MemberPlan) -> Written:
        now = timezone.now()
        for member in plan.to_update:
            member.updated_at = now
        for chunk in chunks(sorted(plan.loaded_at)):
            current = dict(Member.objects.select_for_update().filter(pk__in=chunk).values_list("pk", "updated_at"))
            if any(current.get(pk) != plan.loaded_at[pk] for pk in chunk):  # changed, or deleted
                raise Stale
        touched = {m.organization_id for m in [*plan.to_update, *plan.to_create]}
        for chunk in chunks(sorted(m.pk for m in plan.to_update)):  # where the members updated were before
            touched.update(Member.objects.filter(pk__in=chunk).values_list("organization_id", flat=True))
        if plan.to_update:
            fields = refresh_digests(plan.to_update, [*sorted(plan.changed_fields), "updated_at"])
            Member.objects.bulk_update(plan.to_update, fields, batch_size=UPDATE_BATCH)
        if plan.to_create:
            Member.objects.bulk_create(plan.to_create, batch_size=CREATE_BATCH)
        records_written.send(sender=Member, organization_ids=sorted(touched))  # written in bulk, past the signals
        paths = {item.organization.path for item in plan.items if item.organization is not None}
        return Written(
            created=len(plan.to_create),
            updated=len(plan.to_update),
            unchanged=plan.unchanged,
            organization=audit_organization(actor, paths),
            details={"kind": MEMBERS},
        )
