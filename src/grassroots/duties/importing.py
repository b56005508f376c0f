"""Import of a duty list from the .xlsx or .csv file an organization office keeps, all or nothing.

Reading is grassroots.core.sheets': a title row above the header, merged cells, CSV in UTF-8, UTF-16 or
GB18030 with commas, tabs or semicolons, dates as offices write them (a due month means its last day). Every row
is checked and every problem collected with its row and column; one problem anywhere means nothing is imported.
The duties are made through the services, in one transaction, into the organization's list for the period.
A duty already in the list with the same task and due date is matched, not made again: importing the same file
twice changes nothing, and a changed requirement or weight updates the matched duty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from grassroots.core import sheets
from grassroots.core.models import Period
from grassroots.core.policy import Action, PermissionDenied, can
from grassroots.core.sheets import MONTH, YEAR, ImportReport, Problem
from grassroots.organizations.models import Member, MemberStatus, Organization, PostTitle, subtree_q
from grassroots.organizations.validation import clean_name

from . import services
from .models import Dimension, Duty, DutyList, DutyState, Recurrence

__all__ = ["DUTIES", "ImportReport", "Problem", "import_duties"]

DUTIES = "duties"

DUTY_COLUMNS = sheets.columns(
    ("title", "任务", "Task", ("事项", "任务事项", "责任事项", "工作任务", "任务名称", "task name", "title", "duty")),
    ("description", "具体内容", "Description", ("内容", "工作内容", "任务内容", "details")),
    (
        "dimension",
        "建设类别",
        "Area",
        ("类别", "建设", "所属类别", "建设类型", "dimension", "area of construction", "category"),
    ),
    ("responsible", "责任人", "Responsible", ("负责人", "责任人员", "责任领导", "responsible person", "person")),
    ("post", "岗位", "Post", ("职务", "责任岗位", "岗位职务", "position")),
    ("start_on", "开始时间", "Start", ("开始日期", "起始时间", "起始日期", "start date", "starts on")),
    (
        "due_on",
        "完成时限",
        "Due",
        ("完成时间", "截止时间", "截止日期", "完成日期", "时限", "due date", "deadline", "due on"),
    ),
    (
        "requirement",
        "工作要求",
        "Requirement",
        ("标准", "工作标准", "要求", "工作要求/标准", "要求/标准", "完成标准", "requirements", "standard"),
    ),
    ("evidence_expected", "佐证材料", "Evidence", ("佐证", "佐证资料", "佐证材料要求", "evidence expected")),
    ("is_key", "重点工作", "Key work", ("是否重点工作", "key")),
    ("is_major", "重大任务", "Major task", ("是否重大任务", "major")),
    ("weight", "权重", "Weight", ()),
    ("recurrence", "周期", "Recurrence", ("频次", "频率", "完成周期", "repeat", "frequency")),
    ("claimable", "可认领", "Claimable", ("是否可认领", "认领", "open for claiming")),
)
REQUIRED = ("title", "dimension", "due_on", "requirement")
DUTY_LAYOUT = sheets.Layout(DUTY_COLUMNS, required=((name,) for name in REQUIRED))

DIMENSION_WORDS = sheets.words(
    {
        Dimension.POLITICAL: ("政治建设", "政治", "党的政治建设", "political", "political construction"),
        Dimension.ORGANIZATIONAL: (
            "组织建设",
            "组织",
            "党的组织建设",
            "organizational",
            "organisational",
            "organizational construction",
        ),
        Dimension.IDEOLOGICAL: ("思想建设", "思想", "党的思想建设", "ideological", "ideological construction"),
        Dimension.DISCIPLINE: ("纪律建设", "纪律", "党的纪律建设", "discipline", "discipline construction"),
        Dimension.WORK_STYLE: ("作风建设", "作风", "党的作风建设", "work style", "work-style construction"),
        Dimension.INSTITUTIONAL: ("制度建设", "制度", "党的制度建设", "institutional", "institutional construction"),
    }
)
POST_WORDS = sheets.words(
    {
        PostTitle.SECRETARY: ("书记", "党支部书记", "支部书记", "党委书记", "党总支书记", "secretary"),
        PostTitle.DEPUTY_SECRETARY: ("副书记", "党支部副书记", "党委副书记", "deputy secretary"),
        PostTitle.ORGANIZATION: ("组织委员", "organization committee member"),
        PostTitle.PROPAGANDA: ("宣传委员", "propaganda committee member"),
        PostTitle.DISCIPLINE: ("纪检委员", "纪律检查委员", "discipline committee member"),
        PostTitle.COMMITTEE: ("委员", "支委", "支部委员", "committee member"),
        PostTitle.GROUP_LEADER: ("党小组长", "小组长", "组长", "group leader"),
    }
)
YES, NO = "yes", "no"
YES_NO_WORDS = sheets.words(
    {
        YES: ("是", "Y", "yes", "true", "1", "√", "✓", "✔"),
        NO: ("否", "N", "no", "false", "0", "×", "✗", "不是"),
    }
)
HALF_YEAR = "half_year"
RECURRENCE_WORDS = sheets.words(
    {
        Recurrence.NONE: ("一次", "单次", "一次性", "once", "one time"),
        Recurrence.MONTHLY: ("每月", "每月一次", "按月", "月度", "monthly", "every month"),
        Recurrence.QUARTERLY: ("每季度", "每季度一次", "每季", "按季度", "季度", "quarterly", "every quarter"),
        HALF_YEAR: ("每半年", "每半年一次", "半年", "half-yearly", "every six months"),
    }
)
MAX_WEIGHT = Decimal("9999.99")


class _Words:
    """Choices known only by the words above, not by the labels of a model's choices."""

    choices = ()


@dataclass
class _DutyRow:
    row: sheets.Row
    values: dict  # duty field -> value, only for what the file says
    responsible_name: str = ""


def _last_day(day: dt.date, precision: str | None) -> dt.date:
    """A due date written as a month or a year means its end: 完成时限 2026年6月 is the 30th of June."""
    if precision == YEAR:
        return dt.date(day.year, 12, 31)
    if precision == MONTH:
        following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return day


def _yes_no(row: sheets.Row, name: str) -> bool | None:
    found = row.choice(name, YES_NO_WORDS, _Words, "是, 否")
    return None if found is None else found == YES


def _weight(row: sheets.Row) -> Decimal | None:
    text = row.text("weight")
    if not text:
        return None
    try:
        weight = Decimal(text)
    except InvalidOperation:
        row.problem("weight", _("%(value)s is not a number.") % {"value": text})
        return None
    if not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT:
        row.problem("weight", _("The weight is a number greater than 0 and at most %(max)s.") % {"max": MAX_WEIGHT})
        return None
    if weight != weight.quantize(Decimal("0.01")):
        row.problem("weight", _("The weight has at most two decimal places."))
        return None
    return weight


def _parse(row: sheets.Row, period: Period) -> _DutyRow:
    values: dict = {}
    title = row.text("title", 200)
    if title:
        values["title"] = title
    elif not row.has("title"):
        row.problem("title", _("The task is missing."))
    description = row.text("description")
    if description:
        values["description"] = description
    dimension = row.choice(
        "dimension", DIMENSION_WORDS, Dimension, "政治建设, 组织建设, 思想建设, 纪律建设, 作风建设, 制度建设"
    )
    if dimension:
        values["dimension"] = dimension
    elif not row.has("dimension"):
        row.problem("dimension", _("The area of construction is missing."))
    post = row.choice("post", POST_WORDS, PostTitle, "书记, 副书记, 组织委员, 宣传委员, 纪检委员, 委员, 党小组长")
    if post:
        values["post"] = post
    start_on, _precision = row.date("start_on")
    due_on, due_precision = row.date("due_on")
    if due_on:
        due_on = _last_day(due_on, due_precision)
        if period.contains(due_on):
            values["due_on"] = due_on
        else:
            row.problem(
                "due_on",
                _("%(date)s lies outside the period %(period)s (%(start)s to %(end)s).")
                % {"date": due_on.isoformat(), "period": period.code, "start": period.start, "end": period.end},
            )
    elif not row.has("due_on"):
        row.problem("due_on", _("The due date is missing."))
    if start_on:
        if due_on and start_on > due_on:
            row.problem("start_on", _("The duty cannot start after it is due."))
        else:
            values["start_on"] = start_on
    requirement = row.text("requirement")
    if requirement:
        values["requirement"] = requirement
    elif not row.has("requirement"):
        row.problem("requirement", _("The requirement is missing: say by which standard the work is accepted."))
    evidence = row.text("evidence_expected", 300)
    if evidence:
        values["evidence_expected"] = evidence
    for name in ("is_key", "is_major", "claimable"):
        flag = _yes_no(row, name)
        if flag is not None:
            values[name] = flag
    weight = _weight(row)
    if weight is not None:
        values["weight"] = weight
    recurrence = row.choice("recurrence", RECURRENCE_WORDS, _Words, "一次, 每月, 每季度, 每半年")
    if recurrence == HALF_YEAR:
        values["recurrence"], values["interval_months"] = Recurrence.CUSTOM, 6
    elif recurrence:
        values["recurrence"] = recurrence
    return _DutyRow(row=row, values=values, responsible_name=row.text("responsible", 100, clean_name))


def _resolve_responsible(organization: Organization, items: list[_DutyRow]) -> None:
    """Each named person: the one active member of that name in the organization or below it."""
    names = sorted({item.responsible_name for item in items if item.responsible_name})
    found: dict[str, list[Member]] = {}
    for chunk in sheets.chunks(names):
        members = Member.objects.filter(
            subtree_q(organization.path, "organization__path"), status=MemberStatus.ACTIVE, name__in=chunk
        ).select_related("organization")
        for member in members:
            found.setdefault(member.name, []).append(member)
    for item in items:
        name = item.responsible_name
        if not name:
            continue
        candidates = found.get(name, [])
        if len(candidates) == 1:
            item.values["responsible"] = candidates[0]
        elif not candidates:
            item.row.problem(
                "responsible",
                _("There is no member named %(name)s in %(org)s or the organizations below it.")
                % {"name": name, "org": organization.name},
            )
        else:
            item.row.problem(
                "responsible",
                _(
                    "%(n)d members named %(name)s belong here (%(where)s); leave the cell empty and name the "
                    "person on the duty's page."
                )
                % {
                    "n": len(candidates),
                    "name": name,
                    "where": ", ".join(sorted({m.organization.name for m in candidates})),
                },
            )


def _parse_rows(rows: list[sheets.Row], period: Period) -> list[_DutyRow]:
    """The rows read; the same task with the same due date twice is a problem."""
    items = [_parse(row, period) for row in rows]
    sheets.mark_repeats(
        items,
        lambda item: _key(item) if all(_key(item)) else None,
        lambda first: (
            "title",
            _("The same task with the same due date is also on row %(row)d.") % {"row": first.row.number},
        ),
    )
    return items


def _key(item: _DutyRow) -> tuple:
    return (item.values.get("title"), item.values.get("due_on"))


def _stored_duties(organization: Organization, period: Period) -> dict[tuple, Duty]:
    """The duties of the organization's list for the period, by task and due date (those of a series aside)."""
    existing_list = DutyList.objects.filter(organization=organization, period=period, is_template=False).first()
    existing: dict[tuple, Duty] = {}
    if existing_list is not None:
        for duty in existing_list.duties.filter(series__isnull=True).select_related("responsible"):
            existing.setdefault((duty.title, duty.due_on), duty)
    return existing


def _changes(duty: Duty, values: dict) -> dict:
    out = {}
    for name, value in values.items():
        current = duty.responsible if name == "responsible" else getattr(duty, name)
        if current != value:
            out[name] = value
    return out


@dataclass
class _DutyPlan:
    to_create: list[_DutyRow] = field(default_factory=list)
    to_update: list[tuple[_DutyRow, Duty, dict]] = field(default_factory=list)
    unchanged: int = 0


def _plan(items: list[_DutyRow], existing: dict[tuple, Duty]) -> _DutyPlan:
    """The duties to make and the changes to those already in the list; an issued duty keeps its recurrence."""
    plan = _DutyPlan()
    for item in items:
        if item.row.bad:
            continue
        duty = existing.get((item.values["title"], item.values["due_on"]))
        if duty is None:
            plan.to_create.append(item)
            continue
        changes = _changes(duty, item.values)
        if duty.state != DutyState.DRAFT and {"recurrence", "interval_months"} & set(changes):
            item.row.problem("recurrence", _("The recurrence of an issued duty cannot change."))
        elif changes:
            plan.to_update.append((item, duty, changes))
        else:
            plan.unchanged += 1
    return plan


# A service's field -> the column its refusal is shown in.
_DUTY_FIELDS = {name: name for name in DUTY_COLUMNS}


class DutyImport(sheets.SheetImport):
    """The duties of one organization for one period: matched by task and due date, made or changed through the
    services."""

    layout = DUTY_LAYOUT
    audit_action = "duties.import"
    refused_by = (PermissionDenied,)

    def __init__(self, organization: Organization, period: Period):
        self.organization = organization
        self.period = period

    def forbidden(self, actor) -> str:
        organization = self.organization
        if not (can(actor, Action.IMPORT, organization) and can(actor, Action.CHANGE, organization)):
            return _("%(org)s is outside the organizations you may import into.") % {"org": organization.name}
        if not organization.is_active:
            return _("%(org)s is no longer active.") % {"org": organization.name}
        return ""

    def check(self, actor, rows: list[sheets.Row]) -> _DutyPlan:
        items = _parse_rows(rows, self.period)
        _resolve_responsible(self.organization, items)
        return _plan(items, _stored_duties(self.organization, self.period))

    def write(self, actor, plan: _DutyPlan) -> sheets.Written:
        duty_list = services.duty_list_for(actor=actor, organization=self.organization, period=self.period)
        for item in plan.to_create:
            try:
                services.duty_create(actor=actor, duty_list=duty_list, **item.values)
            except ValidationError as exc:
                sheets.report_refusal(item.row, exc, _DUTY_FIELDS)
        for item, duty, changes in plan.to_update:
            try:
                services.duty_update(actor=actor, duty=duty, **changes)
            except ValidationError as exc:
                sheets.report_refusal(item.row, exc, _DUTY_FIELDS)
        return sheets.Written(
            created=len(plan.to_create),
            updated=len(plan.to_update),
            unchanged=plan.unchanged,
            obj=duty_list,
            details={"period": self.period.code},
        )


def import_duties(*, actor, organization: Organization, period: Period, path_or_file) -> ImportReport:
    """Import the duties of `organization` for `period` from an .xlsx or .csv file (all or nothing)."""
    importers = {DUTIES: DutyImport(organization, period)}
    return sheets.run_import(importers, actor=actor, kind=DUTIES, path_or_file=path_or_file)
