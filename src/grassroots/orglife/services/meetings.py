"""Meetings with attendance and files, and the rule books: meeting rules, point rules, study courses."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.policy import Action, require, restrict, subject
from grassroots.core.uploads import check_upload, clean_description, stored_until_committed
from grassroots.organizations.models import (
    Member,
    Organization,
)

from ..models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingFile,
    MeetingKind,
    MeetingRule,
    MeetingState,
    PointRule,
    StudyCourse,
)
from ..selectors import attendee_pool
from ..signals import meeting_recorded
from ._parse import _member_id
from .points import award_meeting_points


def _parse_attendance(actor, organization, attendance: dict) -> list[tuple[Member, str, str]]:
    pool = {m.pk: m for m in attendee_pool(organization)}
    rows, strangers = [], []
    for member_id, value in attendance.items():
        status, reason = (value, "") if isinstance(value, str) else value
        member = pool.get(_member_id(member_id))
        if member is None:
            # Name the stranger only when the actor may see them; otherwise just the id.
            stranger = restrict(actor, Action.VIEW, Member.objects.filter(pk=_member_id(member_id))).first()
            strangers.append(stranger.name if stranger else f"#{member_id}")
            continue
        if status not in AttendanceStatus.values:
            raise ValidationError({"attendance": _("Unknown attendance %(s)s.") % {"s": status}})
        if status == AttendanceStatus.EXCUSED and not (reason or "").strip():
            raise ValidationError(
                {"attendance": _("Give the reason why %(name)s was absent with leave.") % {"name": member.name}}
            )
        reason = (reason or "").strip()
        if len(reason) > 200:
            raise ValidationError(
                {
                    "attendance": _("The reason for %(name)s is too long (200 characters at most).")
                    % {"name": member.name}
                }
            )
        rows.append((member, status, reason))
    if strangers:
        raise ValidationError(
            {
                "attendance": _("Not members of %(org)s: %(names)s. Only its members can be in the attendance.")
                % {"org": organization.name, "names": "、".join(strangers)}
            }
        )
    return rows


def _save_files(meeting, files):
    for item in [check_upload(f) for f in files]:
        MeetingFile(meeting=meeting).attach(item).save()


def _refuse_twice(organization: Organization, kind: str, held_on: dt.date, topic: str) -> None:
    """A meeting is its organization's kind, date and topic (as the import matches them): the same sent again (the
    back button and the form sent once more) is refused, never counted twice towards the meetings required."""
    same = Meeting.objects.filter(organization=organization, kind=kind, held_on=held_on, topic=topic).exclude(
        state=MeetingState.CANCELLED
    )
    if same.exists():
        raise ValidationError(
            {
                "topic": _(
                    "A %(kind)s of %(date)s on this topic is already recorded: it is not recorded twice. Open it from "
                    "the list of meetings to change it."
                )
                % {"kind": MeetingKind(kind).label, "date": held_on.isoformat()}
            }
        )


@stored_until_committed()  # a meeting not kept leaves no file behind
@transaction.atomic
def meeting_record(
    *,
    actor,
    organization: Organization,
    kind: str,
    held_on: dt.date,
    topic: str,
    state: str = MeetingState.HELD,
    place: str = "",
    host: Member | None = None,
    minutes: str = "",
    resolutions: str = "",
    attendance: dict | None = None,
    files=(),
) -> Meeting:
    """Record a meeting that was held (with attendance), or publish one planned ahead."""
    require(actor, Action.CHANGE, organization)
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Unknown kind of meeting.")})
    if not (topic or "").strip():
        raise ValidationError({"topic": _("Give the meeting's topic.")})
    today = timezone.localdate()
    if state == MeetingState.HELD and held_on > today:
        raise ValidationError({"held_on": _("A meeting that was held cannot be dated in the future.")})
    if state == MeetingState.PLANNED and held_on < today:
        raise ValidationError({"held_on": _("A planned meeting must be dated today or later.")})
    if host is not None and not host.organization.is_within(organization.parent or organization):
        raise ValidationError({"host": _("The host must be a member of this organization.")})
    _refuse_twice(organization, kind, held_on, topic.strip())
    rows = _parse_attendance(actor, organization, attendance or {})
    meeting = Meeting.objects.create(
        organization=organization,
        kind=kind,
        state=state,
        held_on=held_on,
        topic=topic.strip(),
        place=place.strip(),
        host=host,
        minutes=minutes.strip(),
        resolutions=resolutions.strip(),
        created_by=actor,
    )
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=m, status=s, reason=r) for m, s, r in rows], batch_size=500
    )
    _save_files(meeting, files)
    audit(
        "orglife.meeting.record",
        actor=actor,
        obj=meeting,
        after={**snapshot(meeting, meeting.audit_fields), "attendance": len(rows)},
    )
    if state == MeetingState.HELD:
        award_meeting_points(meeting)
        meeting_recorded.send(sender=Meeting, meeting=meeting)
    return meeting


def meeting_hold_check(*, actor, meeting: Meeting) -> None:
    """Whether the actor may record this meeting as held: it is a planned one, in their organizations."""
    require(actor, Action.CHANGE, meeting.organization)
    if meeting.state != MeetingState.PLANNED:
        raise Conflict(_("This meeting is not a planned one any more."))


@stored_until_committed()
@transaction.atomic
def meeting_hold(*, actor, meeting: Meeting, held_on=None, minutes="", resolutions="", attendance=None, files=()):
    """Turn a planned meeting into the record of the meeting held."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("organization").get(pk=meeting.pk)
    meeting_hold_check(actor=actor, meeting=meeting)
    held_on = held_on or meeting.held_on
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A meeting that was held cannot be dated in the future.")})
    rows = _parse_attendance(actor, meeting.organization, attendance or {})
    meeting.state, meeting.held_on = MeetingState.HELD, held_on
    meeting.minutes, meeting.resolutions = (
        minutes.strip() or meeting.minutes,
        resolutions.strip() or meeting.resolutions,
    )
    meeting.save()
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create([Attendance(meeting=meeting, member=m, status=s, reason=r) for m, s, r in rows])
    _save_files(meeting, files)
    audit("orglife.meeting.hold", actor=actor, obj=meeting, after={"attendance": len(rows)})
    award_meeting_points(meeting)
    meeting_recorded.send(sender=Meeting, meeting=meeting)
    return meeting


def meeting_file_describe_check(*, actor, file: MeetingFile) -> None:
    """A meeting's photo is described by those who keep the meeting's organization's records."""
    if file.kind != "image":
        raise ValidationError(_("Only a photo is described."))
    require(actor, Action.CHANGE, file.meeting.organization)


@transaction.atomic
def meeting_file_describe(*, actor, file: MeetingFile, description: str) -> MeetingFile:
    """Say what a meeting's photo shows (its text alternative, read out by a screen reader)."""
    file = (
        MeetingFile.objects.select_for_update(of=("self",))
        .select_related("meeting__organization")
        .get(pk=file.pk, meeting_id=file.meeting_id)  # (the meeting: the row's shard on a cluster)
    )
    meeting_file_describe_check(actor=actor, file=file)
    description = clean_description(description)
    before = file.description
    file.description = description
    file.save(update_fields=["description"])
    audit(
        "orglife.meeting_file.describe",
        actor=actor,
        obj=file.meeting,
        before={"file": file.pk, "description": before},
        after={"file": file.pk, "description": description},
    )
    return file


RULE_FIELDS = ("kind", "organization", "count", "per", "applies_to_groups")


def meeting_rule_change_check(*, actor) -> None:
    """Meeting rules are the same for the whole tree: only a system administrator changes them."""
    if not subject(actor).is_superuser:
        raise PermissionDenied(_("Only a system administrator changes meeting rules."))


def _rule_book_write(*, actor, model, row, fields: dict, allowed: tuple, action: str):
    """Make a row of a rule book, or change the given one, with only the `allowed` fields; audited before/after."""
    if row is None:
        row, before = model(), None
    else:
        row = model.objects.select_for_update().get(pk=row.pk)
        before = snapshot(row, allowed)
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"{model.__name__} has no field {name!r} written here")
        setattr(row, name, value)
    row.full_clean()
    row.save()
    audit(action, actor=actor, obj=row, before=before, after=snapshot(row, allowed))
    return row


@transaction.atomic
def meeting_rule_set(*, actor, rule: MeetingRule | None = None, **fields) -> MeetingRule:
    """Make a meeting rule, or change the given one: {kind, organization, count, per, applies_to_groups}."""
    meeting_rule_change_check(actor=actor)
    return _rule_book_write(
        actor=actor,
        model=MeetingRule,
        row=rule,
        fields=fields,
        allowed=RULE_FIELDS,
        action="orglife.meeting_rule.change",
    )


@transaction.atomic
def meeting_rule_delete(*, actor, rule: MeetingRule) -> None:
    meeting_rule_change_check(actor=actor)
    before = snapshot(rule, RULE_FIELDS)
    audit("orglife.meeting_rule.change", actor=actor, obj=rule, before=before, after=None)
    rule.delete()


POINT_RULE_FIELDS = PointRule.EDITABLE_FIELDS


def point_rule_change_check(*, actor) -> None:
    """The points rule book is the same for the whole tree: only a system administrator changes it."""
    if not subject(actor).is_superuser:
        raise PermissionDenied(_("Only a system administrator changes the points rules."))


@transaction.atomic
def point_rule_set(*, actor, rule: PointRule | None = None, **fields) -> PointRule:
    """Make a points rule, or change the given one (a rule is retired by taking it out of force, never deleted:
    the ledger's entries point at it)."""
    point_rule_change_check(actor=actor)
    return _rule_book_write(
        actor=actor,
        model=PointRule,
        row=rule,
        fields=fields,
        allowed=POINT_RULE_FIELDS,
        action="orglife.point_rule.change",
    )


COURSE_FIELDS = ("title", "organization", "hours", "description")


def study_course_change_check(*, actor, organization: Organization | None) -> None:
    """A course offered to an organization's subtree is its managers' to change; one offered to everyone, only a
    system administrator's."""
    if organization is None:
        if not subject(actor).is_superuser:
            raise PermissionDenied(_("Only a system administrator offers a course to every organization."))
    else:
        require(actor, Action.CHANGE, organization)


@transaction.atomic
def study_course_set(*, actor, course: StudyCourse | None = None, **fields) -> StudyCourse:
    """Offer a course, or change the given one: {title, organization, hours, description}."""
    current = course.organization if course is not None else None
    if course is not None:
        study_course_change_check(actor=actor, organization=current)
    if course is None or fields.get("organization", current) != current:  # offered anew, or elsewhere
        study_course_change_check(actor=actor, organization=fields.get("organization"))
    return _rule_book_write(
        actor=actor, model=StudyCourse, row=course, fields=fields, allowed=COURSE_FIELDS, action="orglife.course.change"
    )


@transaction.atomic
def study_course_delete(*, actor, course: StudyCourse) -> None:
    """Withdraw a course; the study records that named it keep their hours and lose the link."""
    study_course_change_check(actor=actor, organization=course.organization)
    audit("orglife.course.change", actor=actor, obj=course, before=snapshot(course, COURSE_FIELDS), after=None)
    course.delete()
