"""Import of meetings (with attendance) and study records from the spreadsheets branch offices keep.

Reading is grassroots.core.sheets': a title row above the header, merged cells, CSV in UTF-8, UTF-16 or
GB18030 with commas, tabs or semicolons, dates as offices write them. Every row is checked and every problem
collected with its row and column; one problem anywhere means nothing is imported.

Meetings: one row a meeting, its organization by code (组织编码) or name (所在党组织), the kind (支部党员大会, 支委会,
党小组会, 党课, 主题党日, 组织生活会), the day, place, host, topic, and the people by name: 参会人员, 缺席人员 and
请假人员, separated by 、 ， , ; or spaces, a reason in brackets after a name (王五(外出务工)); leave needs a reason.
全体党员 in 参会人员 means every member not listed as absent, on leave or late. Every name must be one member of the
organization (of the branch, for a party group's meeting).
Study: one row a member's study on a day: the member by ID number (preferred) or by name (with the organization
when names repeat), what was studied, the day and the hours.

Writing goes through the services as the importing user, in one transaction: meetings are recorded as held (a
planned meeting with the same key is turned into the record of the meeting held), study records are entered by
a manager and so are confirmed. A meeting is known by organization, kind, day and topic, a study record by member,
day and what was studied: importing the same file again changes nothing, and a row disagreeing with the record
already kept is a problem (correct it on the record's page). One audit entry records the import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import sheets
from grassroots.core.errors import Conflict
from grassroots.core.policy import Action, PermissionDenied, can, restrict
from grassroots.core.sheets import DAY, ImportReport, Problem, clean_text
from grassroots.organizations.importing import (
    ID_NUMBER_COLUMN,
    audit_organization,
    member_id_number,
    resolve_organizations,
)
from grassroots.organizations.models import Member, MemberStatus, Organization, subtree_q
from grassroots.organizations.validation import clean_name

from . import selectors, services
from .models import AttendanceStatus, Meeting, MeetingKind, MeetingState, StudyRecord

__all__ = ["MEETINGS", "STUDY", "ImportReport", "Problem", "import_file", "import_path"]

MEETINGS = "meetings"
STUDY = "study"
KINDS = (MEETINGS, STUDY)

_ORG_CODE = (
    "org_code",
    "组织编码",
    "Organization code",
    ("党组织编码", "所在党组织编码", "组织代码", "org code", "organisation code"),
)
_ORGANIZATION = (
    "organization",
    "所在党组织",
    "Organization",
    (
        "所在党支部",
        "所在支部",
        "所属党组织",
        "所属党支部",
        "党组织名称",
        "党组织",
        "支部名称",
        "党支部",
        "organisation",
        "organization name",
        "branch",
    ),
)

MEETING_COLUMNS = sheets.columns(
    _ORG_CODE,
    _ORGANIZATION,
    ("kind", "会议类型", "Meeting", ("会议类别", "会议形式", "类型", "活动类型", "kind", "type", "meeting type")),
    (
        "held_on",
        "日期",
        "Date",
        ("会议日期", "召开日期", "会议时间", "召开时间", "时间", "活动日期", "活动时间", "held on", "date held"),
    ),
    ("place", "地点", "Place", ("会议地点", "召开地点", "活动地点", "venue", "location")),
    ("host", "主持人", "Host", ("主持", "会议主持人", "chair", "chaired by")),
    (
        "topic",
        "主题",
        "Topic",
        ("会议主题", "活动主题", "议题", "会议议题", "会议内容", "内容", "subject", "theme"),
    ),
    (
        "present",
        "参会人员",
        "Present",
        ("参会党员", "出席人员", "到会人员", "参加人员", "实到人员", "参会", "出席", "attendees", "attended"),
    ),
    ("late", "迟到人员", "Late", ("迟到", "迟到党员")),
    ("absent", "缺席人员", "Absent", ("缺席", "缺席党员", "无故缺席", "无故缺席人员", "absent without leave")),
    ("excused", "请假人员", "On leave", ("请假", "请假党员", "excused", "absent with leave")),
    ("minutes", "会议记录", "Minutes", ("记录", "会议纪要", "纪要", "notes")),
    ("resolutions", "决议", "Resolutions", ("会议决议", "决定事项", "决议事项")),
)

STUDY_COLUMNS = sheets.columns(
    ("name", "姓名", "Name", ("党员姓名", "名字", "full name", "member name", "member")),
    ID_NUMBER_COLUMN,
    _ORG_CODE,
    _ORGANIZATION,
    (
        "title",
        "学习内容",
        "What was studied",
        ("学习主题", "学习课程", "课程", "课程名称", "学习篇目", "学习资料", "内容", "title", "course", "content"),
    ),
    ("studied_on", "日期", "Date", ("学习日期", "学习时间", "时间", "studied on", "date studied")),
    ("hours", "学时", "Hours", ("学习时长", "学习学时", "学时数", "时长", "小时", "课时", "hours studied", "duration")),
)

KIND_WORDS = sheets.words(
    {
        MeetingKind.GENERAL: (
            "支部党员大会",
            "党员大会",
            "支部大会",
            "党支部党员大会",
            "全体党员大会",
            "general meeting",
            "branch general meeting",
        ),
        MeetingKind.COMMITTEE: ("支委会", "支部委员会", "支委会议", "支部委员会会议", "委员会", "committee meeting"),
        MeetingKind.GROUP: ("党小组会", "小组会", "党小组会议", "group meeting", "party group meeting"),
        MeetingKind.LECTURE: ("党课", "专题党课", "讲党课", "lecture", "party lecture"),
        MeetingKind.THEME_DAY: ("主题党日", "主题党日活动", "党日活动", "theme day", "theme party day"),
        MeetingKind.ORG_LIFE: ("组织生活会", "专题组织生活会", "民主生活会", "org life", "organizational life meeting"),
    }
)
_KIND_HINT = "支部党员大会, 支委会, 党小组会, 党课, 主题党日, 组织生活会"

# The people columns of a meeting and the attendance each gives.
_PEOPLE = (
    ("present", AttendanceStatus.PRESENT),
    ("late", AttendanceStatus.LATE),
    ("absent", AttendanceStatus.ABSENT),
    ("excused", AttendanceStatus.EXCUSED),
)
_EVERYONE = {
    sheets.match_key(w) for w in ("全体党员", "全体", "全体成员", "全体党员参加", "all", "all members", "everyone")
}
_OPEN, _CLOSE = "([【〔{", ")]】〕}"
_SEPARATORS = "、,;"
_PERSON = re.compile(r"(?P<name>[^(\[【〔{]+?)\s*(?:[(\[【〔{]\s*(?P<reason>[^)\]】〕}]*?)\s*[)\]】〕}]?)?")
_HOURS_UNIT = re.compile(r"\s*(个?小时|学时|课时|hours?|hrs?|h)$", re.IGNORECASE)
MAX_HOURS = Decimal(24)


# --------------------------------------------------------------------------------------------------
# Rows


@dataclass
class _Person:
    name: str
    status: str
    reason: str
    column: str  # the field of the column naming the person


@dataclass
class _MeetingRow:
    row: sheets.Row
    org_code: str = ""
    org_name: str = ""
    organization: Organization | None = None
    values: dict = field(default_factory=dict)  # kind, held_on, topic, place, minutes, resolutions
    host_name: str = ""
    people: list[_Person] = field(default_factory=list)
    everyone: bool = False  # 全体党员 in 参会人员
    attendance: dict[int, tuple[str, str]] = field(default_factory=dict)  # member id -> (status, reason)

    def key(self):
        v = self.values
        if self.organization is None or not all(v.get(name) for name in ("kind", "held_on", "topic")):
            return None
        return (self.organization.pk, v["kind"], v["held_on"], _same(v["topic"]))


@dataclass
class _StudyRow:
    row: sheets.Row
    id_number: str = ""  # empty when not given, or when given wrong (the row then has a problem)
    id_given: bool = False
    name: str = ""
    org_code: str = ""
    org_name: str = ""
    organization: Organization | None = None
    member: Member | None = None
    values: dict = field(default_factory=dict)  # title, studied_on, hours

    def key(self):
        v = self.values
        if self.member is None or not all(v.get(name) for name in ("studied_on", "title")):
            return None
        return (self.member.pk, v["studied_on"], _same(v["title"]))


def split_names(text: str) -> list[tuple[str, str]]:
    """(name, reason) of each person in a cell: 张三、李四(外出务工)，王五 (生病住院) 赵六."""
    tokens: list[str] = []
    buffer: list[str] = []
    depth = 0

    def flush():
        token = "".join(buffer).strip()
        buffer.clear()
        if not token:
            return
        if token[0] in _OPEN and tokens:  # 王五 (外出务工): the reason belongs to the name before it
            tokens[-1] += token
        else:
            tokens.append(token)

    for ch in clean_text(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and (ch in _SEPARATORS or ch.isspace()):
            flush()
            continue
        buffer.append(ch)
    flush()
    out = []
    for token in tokens:
        match = _PERSON.fullmatch(token)
        if match is not None:
            out.append((clean_name(match.group("name")), clean_text(match.group("reason") or "")))
        elif token[0] in _OPEN:  # a bracket and nothing before it
            out.append(("", token.strip(_OPEN + _CLOSE + " ")))
        else:  # text after the brackets: not a name as written; it will be reported as such
            out.append((clean_name(token), ""))
    return out


def _day(row: sheets.Row, name: str, today: dt.date) -> dt.date | None:
    """A day (not a month or a year), not in the future."""
    value, precision = row.date(name)
    if value is None:
        if not row.has(name):
            row.problem(name, _("The date is missing."))
        return None
    if precision != DAY:
        row.problem(name, _("Give the day, not only the month or the year: %(value)s.") % {"value": row.text(name)})
        return None
    if value > today:
        row.problem(name, _("%(date)s is in the future.") % {"date": value.isoformat()})
        return None
    return value


def _same(text: str) -> str:
    """Text reduced for matching: full-width and half-width punctuation and spaces count as the same."""
    return clean_text(text)


def _prose(row: sheets.Row, name: str, max_length: int | None = None) -> str:
    """A cell of Chinese prose (a topic, minutes) as written: spaces tidied, full-width punctuation kept."""
    value = row.raw(name)
    if not isinstance(value, str):
        return row.text(name, max_length)
    text = re.sub(r"[^\S\n]+", " ", value.replace("\r\n", "\n")).strip()
    if clean_text(text) in sheets.EXCEL_ERRORS or (max_length and len(text) > max_length):
        return row.text(name, max_length)  # reports the problem
    return text


def _required_text(row: sheets.Row, name: str, max_length: int, missing: str) -> str:
    text = _prose(row, name, max_length)
    if not text and not row.has(name):
        row.problem(name, missing)
    return text


def _parse_meeting(row: sheets.Row, today: dt.date) -> _MeetingRow:
    item = _MeetingRow(
        row=row,
        org_code=row.text("org_code", 32),
        org_name=row.text("organization", 200, clean_name),
    )
    kind = row.choice("kind", KIND_WORDS, MeetingKind, _KIND_HINT)
    if kind:
        item.values["kind"] = kind
    elif not row.has("kind"):
        row.problem("kind", _("The kind of meeting is missing (%(kinds)s).") % {"kinds": _KIND_HINT})
    held_on = _day(row, "held_on", today)
    if held_on:
        item.values["held_on"] = held_on
    topic = _required_text(row, "topic", 300, _("The topic is missing."))
    if topic:
        item.values["topic"] = topic
    for name, max_length in (("place", 200), ("minutes", None), ("resolutions", None)):
        item.values[name] = _prose(row, name, max_length)
    item.host_name = row.text("host", 100, clean_name)

    for column, status in _PEOPLE:
        text = row.text(column)
        if not text:
            continue
        if column == "present" and sheets.match_key(text) in _EVERYONE:
            item.everyone = True
            continue
        for name, reason in split_names(text):
            if not name:
                row.problem(
                    column, _("A reason in brackets needs a name before it: (%(reason)s).") % {"reason": reason}
                )
                continue
            person_status = status
            if status == AttendanceStatus.PRESENT and "迟到" in reason:
                person_status = AttendanceStatus.LATE
            if status == AttendanceStatus.EXCUSED and not reason:
                row.problem(
                    column,
                    _("Give the reason for the leave of %(name)s in brackets after the name, like %(name)s(外出务工).")
                    % {"name": name},
                )
                continue
            if len(reason) > 200:
                row.problem(column, _("The reason given for %(name)s is too long.") % {"name": name})
                continue
            keep = status in (AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT)
            item.people.append(_Person(name, person_status, reason if keep else "", column))
    return item


def _hours(row: sheets.Row) -> Decimal | None:
    text = row.text("hours")
    if not text:
        if not row.has("hours"):
            row.problem("hours", _("The hours are missing."))
        return None
    try:
        hours = Decimal(_HOURS_UNIT.sub("", text))
    except InvalidOperation:
        row.problem("hours", _("%(value)s is not a number of hours, like 2 or 1.5.") % {"value": text})
        return None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        row.problem(
            "hours", _("%(value)s hours cannot be studied in a day: more than 0, at most 24.") % {"value": text}
        )
        return None
    return hours.quantize(Decimal("0.1"))


def _parse_study(row: sheets.Row, today: dt.date) -> _StudyRow:
    item = _StudyRow(
        row=row,
        name=row.text("name", 100, clean_name),
        org_code=row.text("org_code", 32),
        org_name=row.text("organization", 200, clean_name),
    )
    if row.has("id_number"):
        item.id_given = True
        item.id_number = member_id_number(row)
    elif not item.name and not row.bad:
        row.problem("name", _("Name the member: the ID number (身份证号) or the name."))
    title = _required_text(row, "title", 200, _("Say what was studied."))
    if title:
        item.values["title"] = title
    studied_on = _day(row, "studied_on", today)
    if studied_on:
        item.values["studied_on"] = studied_on
    hours = _hours(row)
    if hours is not None:
        item.values["hours"] = hours
    return item


# --------------------------------------------------------------------------------------------------
# Organizations and members


def _resolve_organizations(actor, items, *, required: bool) -> None:
    """The organization of each row, by code or by name among those the actor may import into and change."""
    resolve_organizations(
        actor,
        items,
        queryset=Organization.objects.select_related("parent"),
        actions=(Action.IMPORT, Action.CHANGE),
        required=required,
    )


def _by_name(members) -> dict[str, list[Member]]:
    out: dict[str, list[Member]] = defaultdict(list)
    for member in members:
        out[member.name].append(member)
    return out


def _resolve_people(items: list[_MeetingRow]) -> None:
    """Each name in a meeting row: one member of the organization's attendee pool; the host likewise."""
    pools: dict[int, dict[str, list[Member]]] = {}
    hosts: dict[int, dict[str, list[Member]]] = {}
    for item in items:
        org, row = item.organization, item.row
        if org is None:
            continue
        if org.pk not in pools:
            pools[org.pk] = _by_name(selectors.attendee_pool(org).order_by("pk"))
        pool = pools[org.pk]
        seen: dict[int, str] = {}
        for person in item.people:
            found = pool.get(person.name, [])
            if not found:
                row.problem(
                    person.column,
                    _("%(name)s is not a member of %(org)s; only its members can be in the attendance.")
                    % {"name": person.name, "org": org.name},
                )
                continue
            if len(found) > 1:
                row.problem(
                    person.column,
                    _(
                        "%(n)d members of %(org)s are named %(name)s; record this meeting on its page, where members "
                        "are picked from the list."
                    )
                    % {"n": len(found), "org": org.name, "name": person.name},
                )
                continue
            member = found[0]
            if member.pk in seen:
                row.problem(
                    person.column,
                    _("%(name)s is named twice (also in %(column)s).")
                    % {"name": person.name, "column": row.column(seen[member.pk])[0]},
                )
                continue
            seen[member.pk] = person.column
            item.attendance[member.pk] = (person.status, person.reason)
        if item.everyone:
            for members in pool.values():
                for member in members:
                    item.attendance.setdefault(member.pk, (AttendanceStatus.PRESENT, ""))
        if item.host_name:
            item.values["host"] = _host(item, pools[org.pk], hosts)


def _host(item: _MeetingRow, pool: dict[str, list[Member]], cache: dict) -> Member | None:
    """The host: a member of the organization, or else the one member of that name in the tree it belongs to."""
    org, row, name = item.organization, item.row, item.host_name
    found = pool.get(name, [])
    if len(found) == 1:
        return found[0]
    if not found:
        around = org.parent or org
        if around.pk not in cache:
            members = Member.objects.filter(subtree_q(around.path, "organization__path"), status=MemberStatus.ACTIVE)
            cache[around.pk] = _by_name(members.select_related("organization").order_by("pk"))
        found = cache[around.pk].get(name, [])
        if len(found) == 1:
            return found[0]
    if not found:
        row.problem(
            "host",
            _(
                "There is no member named %(name)s in %(org)s or beside it; leave the cell empty and write the host in "
                "the minutes."
            )
            % {"name": name, "org": org.name},
        )
    else:
        row.problem(
            "host",
            _("%(n)d members named %(name)s could be the host; record this meeting on its page.")
            % {"n": len(found), "name": name},
        )
    return None


def _resolve_members(actor, items: list[_StudyRow]) -> None:
    """The member of each study row: by ID number, else by name (within the organization given, if any)."""
    ids = sorted({i.id_number for i in items if i.id_number})
    by_id: dict[str, Member] = {}
    for chunk in sheets.chunks(ids):
        for member in Member.objects.filter(id_number__in=chunk).select_related("organization"):
            by_id[member.id_number] = member
    named = sorted({i.name for i in items if i.name and not i.id_given})
    candidates: dict[str, list[Member]] = defaultdict(list)
    scope = restrict(actor, Action.IMPORT, Member.objects.filter(status=MemberStatus.ACTIVE))
    for chunk in sheets.chunks(named):
        for member in scope.filter(name__in=chunk).select_related("organization").order_by("pk"):
            candidates[member.name].append(member)
    allowed: dict[int, bool] = {}
    for item in items:
        row = item.row
        if item.id_number:
            column, member = "id_number", by_id.get(item.id_number)
            if member is not None and member.pk not in allowed:
                allowed[member.pk] = can(actor, Action.IMPORT, member) and can(actor, Action.CHANGE, member)
            if member is None or not allowed[member.pk]:  # who holds an ID number outside the scope is not told
                row.problem(column, _("There is no member with this ID number among those you may import into."))
                continue
            if item.name and item.name != member.name:
                row.problem(
                    "name",
                    _("The ID number belongs to %(member)s, not to %(name)s.")
                    % {"member": member.name, "name": item.name},
                )
                continue
        elif item.name and not item.id_given:
            column = "name"
            found = candidates.get(item.name, [])
            if item.organization is not None:
                found = [m for m in found if m.organization_id == item.organization.pk]
            where = item.organization.name if item.organization else _("the organizations you may import into")
            if not found:
                row.problem(
                    column, _("There is no member named %(name)s in %(org)s.") % {"name": item.name, "org": where}
                )
                continue
            if len(found) > 1:
                row.problem(
                    column,
                    _(
                        "%(n)d members named %(name)s belong to %(org)s; add the column 身份证号 (ID number) "
                        "to say which."
                    )
                    % {"n": len(found), "name": item.name, "org": where},
                )
                continue
            member = found[0]
        else:
            continue
        if item.organization is not None and member.organization_id != item.organization.pk:
            row.problem(
                "org_code" if item.org_code else "organization",
                _("%(name)s belongs to %(org)s.") % {"name": member.name, "org": member.organization.name},
            )
            continue
        if member.status != MemberStatus.ACTIVE:
            row.problem(column, _("%(name)s is no longer an active member.") % {"name": member.name})
            continue
        if member.pk not in allowed:
            allowed[member.pk] = can(actor, Action.IMPORT, member) and can(actor, Action.CHANGE, member)
        if not allowed[member.pk]:
            row.problem(column, _("You may not record study for %(name)s.") % {"name": member.name})
            continue
        item.member = member


# --------------------------------------------------------------------------------------------------
# Checking and writing

# A service's field -> the column its refusal is shown in.
_MEETING_FIELDS = {"held_on": "held_on", "topic": "topic", "kind": "kind", "host": "host", "attendance": "present"}
_STUDY_FIELDS = {"hours": "hours", "studied_on": "studied_on", "title": "title"}


def _duplicates(items, describe) -> None:
    sheets.mark_repeats(
        items, lambda item: None if item.row.bad else item.key(), lambda first: describe(first.row.number)
    )


def _same_attendance(meeting: Meeting, attendance: dict[int, tuple[str, str]]) -> bool:
    stored = {row.member_id: row.status for row in meeting.attendance.all()}
    return stored == {pk: status for pk, (status, _reason) in attendance.items()}


@dataclass
class _Plan:
    """The records to make (and, of meetings, the planned ones to record as held), and the organizations touched."""

    to_create: list = field(default_factory=list)
    to_hold: list[tuple[_MeetingRow, Meeting]] = field(default_factory=list)
    unchanged: int = 0
    paths: set[str] = field(default_factory=set)


class _OrgLifeImport(sheets.SheetImport):
    audit_action = "orglife.import"
    refused_by = (PermissionDenied,)
    kind: str

    def written(self, actor, plan: _Plan) -> sheets.Written:
        return sheets.Written(
            created=len(plan.to_create),
            updated=len(plan.to_hold),
            unchanged=plan.unchanged,
            organization=audit_organization(actor, plan.paths),
            details={"kind": self.kind},
        )


def _stored_meetings(ready: list[_MeetingRow]) -> dict[tuple, Meeting]:
    """The meetings kept on the organizations and days of the rows, by the key of a row."""
    existing: dict[tuple, Meeting] = {}
    orgs = {item.organization.pk for item in ready}
    days = {item.values["held_on"] for item in ready}
    if ready:
        for meeting in Meeting.objects.filter(organization_id__in=orgs, held_on__in=days).prefetch_related(
            "attendance"
        ):
            existing.setdefault((meeting.organization_id, meeting.kind, meeting.held_on, _same(meeting.topic)), meeting)
    return existing


def _plan_meetings(ready: list[_MeetingRow], existing: dict[tuple, Meeting]) -> _Plan:
    plan = _Plan(paths={item.organization.path for item in ready})
    for item in ready:
        meeting = existing.get(item.key())
        if meeting is None:
            plan.to_create.append(item)
        elif meeting.state == MeetingState.PLANNED:
            plan.to_hold.append((item, meeting))
        elif meeting.state == MeetingState.CANCELLED:
            item.row.problem("held_on", _("This meeting was cancelled; it is not recorded as held by import."))
        elif not item.attendance or _same_attendance(meeting, item.attendance):
            plan.unchanged += 1
        else:
            item.row.problem(
                "present",
                _("This meeting is already recorded with a different attendance; correct it on the meeting's page."),
            )
    return plan


class MeetingImport(_OrgLifeImport):
    """Meetings recorded as held, with their attendance."""

    kind = MEETINGS
    layout = sheets.Layout(
        MEETING_COLUMNS, required=(("org_code", "organization"), ("kind",), ("held_on",), ("topic",))
    )

    def check(self, actor, rows: list[sheets.Row]) -> _Plan:
        today = timezone.localdate()
        items = [_parse_meeting(row, today) for row in rows]
        _resolve_organizations(actor, items, required=True)
        _resolve_people(items)
        _duplicates(
            items,
            lambda number: (
                "topic",
                _("The same meeting (kind, date and topic) is also on row %(row)d.") % {"row": number},
            ),
        )
        ready = [item for item in items if not item.row.bad and item.key() is not None]
        return _plan_meetings(ready, _stored_meetings(ready))

    def write(self, actor, plan: _Plan) -> sheets.Written:
        for item in plan.to_create:
            try:
                services.meeting_record(
                    actor=actor, organization=item.organization, attendance=item.attendance, **item.values
                )
            except ValidationError as exc:
                sheets.report_refusal(item.row, exc, _MEETING_FIELDS)
        for item, meeting in plan.to_hold:
            values = item.values
            try:
                services.meeting_hold(
                    actor=actor,
                    meeting=meeting,
                    held_on=values["held_on"],
                    minutes=values["minutes"],
                    resolutions=values["resolutions"],
                    attendance=item.attendance,
                )
            except ValidationError as exc:
                sheets.report_refusal(item.row, exc, _MEETING_FIELDS)
            except Conflict as exc:
                item.row.report.add(item.row.number, "", str(exc.message))
        return self.written(actor, plan)


def _plan_study(ready: list[_StudyRow]) -> _Plan:
    plan = _Plan(paths={item.member.organization.path for item in ready})
    existing: dict[tuple, StudyRecord] = {}
    members = {item.member.pk for item in ready}
    days = {item.values["studied_on"] for item in ready}
    for chunk in sheets.chunks(sorted(members)):
        for record in StudyRecord.objects.filter(member_id__in=chunk, studied_on__in=days):
            existing.setdefault((record.member_id, record.studied_on, _same(record.title)), record)
    for item in ready:
        record = existing.get(item.key())
        if record is None:
            plan.to_create.append(item)
        elif record.hours == item.values["hours"]:
            plan.unchanged += 1
        else:
            item.row.problem(
                "hours",
                _("This study is already recorded with %(hours)s hours; correct it on the record's page.")
                % {"hours": record.hours},
            )
    return plan


class StudyImport(_OrgLifeImport):
    """Members' study records, entered by a manager and so confirmed."""

    kind = STUDY
    layout = sheets.Layout(STUDY_COLUMNS, required=(("id_number", "name"), ("title",), ("studied_on",), ("hours",)))

    def check(self, actor, rows: list[sheets.Row]) -> _Plan:
        today = timezone.localdate()
        items = [_parse_study(row, today) for row in rows]
        _resolve_organizations(actor, items, required=False)
        _resolve_members(actor, items)
        _duplicates(
            items,
            lambda number: (
                "title",
                _("The same study (member, date and what was studied) is also on row %(row)d.") % {"row": number},
            ),
        )
        ready = [item for item in items if not item.row.bad and item.key() is not None and len(item.values) == 3]
        return _plan_study(ready)

    def write(self, actor, plan: _Plan) -> sheets.Written:
        for item in plan.to_create:
            try:
                services.study_record_create(actor=actor, member=item.member, **item.values)
            except ValidationError as exc:
                sheets.report_refusal(item.row, exc, _STUDY_FIELDS)
        return self.written(actor, plan)


IMPORTS = {MEETINGS: MeetingImport(), STUDY: StudyImport()}


# --------------------------------------------------------------------------------------------------
# Entry points


def import_file(*, actor, kind: str, uploaded) -> ImportReport:
    """Import an uploaded .xlsx or .csv file of meetings or study records (all or nothing)."""
    return sheets.run_import(IMPORTS, actor=actor, kind=kind, path_or_file=uploaded)


def import_path(*, actor, kind: str, path) -> ImportReport:
    """Import a .xlsx or .csv file of meetings or study records from disk (the command line), all or nothing."""
    return sheets.run_import(IMPORTS, actor=actor, kind=kind, path_or_file=path)
