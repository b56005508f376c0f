"""Writes of organizational life: meetings with attendance, study, points, appraisal, care and talks."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.policy import Action, can, require, restrict, subject
from grassroots.core.uploads import check_upload
from grassroots.organizations.models import (
    Member,
    Organization,
)

from . import selectors
from .models import (
    Appraisal,
    AppraisalGrade,
    AppraisalResult,
    AppraisalState,
    AppraisalVote,
    Attendance,
    AttendanceStatus,
    CareCase,
    CareVisit,
    Meeting,
    MeetingFile,
    MeetingKind,
    MeetingRule,
    MeetingState,
    PointEntry,
    PointRule,
    PointSource,
    RecordState,
    StudyCourse,
    StudyPlan,
    StudyRecord,
    Talk,
)
from .selectors import attendee_pool, plan_for
from .signals import meeting_recorded

# ---------------------------------------------------------------- meetings


def _member_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(v)s is not a member.") % {"v": value})


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
    file = MeetingFile.objects.select_for_update(of=("self",)).select_related("meeting__organization").get(pk=file.pk)
    meeting_file_describe_check(actor=actor, file=file)
    description = " ".join((description or "").split())
    if not description:
        raise ValidationError({"description": _("Say what the photo shows.")})
    if len(description) > 200:
        raise ValidationError({"description": _("A description has at most 200 characters.")})
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


# ---------------------------------------------------------------- study


def _decimal(value, field: str, message) -> Decimal:
    """A finite decimal from user input, or a ValidationError on `field` (NaN and infinity included)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: message})
    if not number.is_finite() or abs(number) >= Decimal("1e7"):
        raise ValidationError({field: message})
    return number


def _hours(value) -> Decimal:
    hours = _decimal(value, "hours", _("Hours must be a number, like 2 or 1.5."))
    if hours <= 0 or hours > 24:
        raise ValidationError({"hours": _("Study hours are more than 0 and at most 24 a day.")})
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def study_record_create(*, actor, member: Member, title: str, studied_on: dt.date, hours, course=None) -> StudyRecord:
    """A member records their own study; a secretary may record for members (confirmed at once)."""
    own = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    manager = can(actor, Action.CHANGE, member)
    if not (own or manager):
        raise PermissionDenied(_("You can record study only for yourself or for members you manage."))
    hours = _hours(hours)
    if studied_on > timezone.localdate():
        raise ValidationError({"studied_on": _("Study cannot be recorded for a future date.")})
    if not (title or (course and course.title) or "").strip():
        raise ValidationError({"title": _("Say what was studied.")})
    that_day = StudyRecord.objects.filter(member=member, studied_on=studied_on).exclude(
        state=RecordState.REJECTED
    ).aggregate(total=Sum("hours"))["total"] or Decimal(0)
    if that_day + hours > 24:
        raise ValidationError(
            {
                "hours": _("%(name)s already has %(h)s hours on that day; a day has 24.")
                % {"name": member.name, "h": that_day}
            }
        )
    plan = plan_for(member.organization, studied_on)
    confirmed = manager or (plan is not None and not plan.needs_confirmation)
    record = StudyRecord.objects.create(
        member=member,
        course=course,
        title=(title or course.title).strip(),
        studied_on=studied_on,
        hours=hours,
        state=RecordState.CONFIRMED if confirmed else RecordState.PENDING,
        confirmed_by=actor if confirmed else None,
        confirmed_at=timezone.now() if confirmed else None,
        entered_by=actor,
    )
    audit(
        "orglife.study.record",
        actor=actor,
        obj=record,
        organization=member.organization,
        after={"hours": hours, "title": record.title, "state": record.state},
    )
    if confirmed:
        award_study_points(record)
    return record


def study_record_decide_check(*, actor, record: StudyRecord) -> None:
    """Whether the actor may confirm or reject the record: the secretary, on a pending record not their own."""
    require(actor, Action.CHANGE, record.member, _("Only the secretary confirms study records."))
    if record.state != RecordState.PENDING:
        raise Conflict(_("This record was already decided."))
    if record.entered_by_id == getattr(actor, "pk", None) and record.member.user_id == actor.pk:
        raise PermissionDenied(_("Nobody confirms their own study record."))


@transaction.atomic
def study_record_decide(*, actor, record: StudyRecord, confirm: bool) -> StudyRecord:
    # With its member: on Citus study records are distributed by member, and a row is locked only on its own shard.
    record = (
        StudyRecord.objects.select_for_update(of=("self",))
        .select_related("member__organization")
        .get(pk=record.pk, member_id=record.member_id)
    )
    study_record_decide_check(actor=actor, record=record)
    record.state = RecordState.CONFIRMED if confirm else RecordState.REJECTED
    record.confirmed_by, record.confirmed_at = actor, timezone.now()
    # The fields decided only: Citus refuses an UPDATE that writes the distribution column (member), even unchanged.
    record.save(update_fields=["state", "confirmed_by", "confirmed_at", "updated_at"])
    audit(
        "orglife.study.decide",
        actor=actor,
        obj=record,
        organization=record.member.organization,
        after={"state": record.state},
    )
    if confirm:
        award_study_points(record)
    return record


PLAN_FIELDS = ("organization", "period", "required_hours", "required_hours_cadre", "needs_confirmation")


@transaction.atomic
def study_plan_create(
    *,
    actor,
    organization: Organization,
    period,
    required_hours: Decimal,
    required_hours_cadre: Decimal,
    needs_confirmation: bool = True,
) -> StudyPlan:
    """Set the hours each member of the organization's subtree must study in a period."""
    require(actor, Action.CHANGE, organization)
    plan = StudyPlan(
        organization=organization,
        period=period,
        required_hours=required_hours,
        required_hours_cadre=required_hours_cadre,
        needs_confirmation=needs_confirmation,
    )
    plan.full_clean()
    plan.save()
    audit(
        "orglife.study_plan.create", actor=actor, obj=plan, organization=organization, after=snapshot(plan, PLAN_FIELDS)
    )
    return plan


# ---------------------------------------------------------------- points


def _capped(rule: PointRule, member: Member, day: dt.date, points: Decimal) -> Decimal:
    """How much of `points` fits under the rule's daily, monthly and yearly caps (positive awards only)."""
    if points <= 0:
        return points
    entries = PointEntry.objects.filter(member=member, rule=rule)
    room = points
    windows = (
        (rule.daily_cap, {"earned_on": day}),
        (rule.monthly_cap, {"earned_on__year": day.year, "earned_on__month": day.month}),
        (rule.yearly_cap, {"earned_on__year": day.year}),
    )
    for cap, where in windows:
        if cap is None:
            continue
        used = entries.filter(**where).aggregate(total=Sum("points"))["total"] or Decimal(0)
        room = min(room, max(Decimal(0), cap - used))
    return room


def _award(
    rule_code: str, member: Member, day: dt.date, points: Decimal, source_type: str, source_id, note="", by=None
):
    rule = PointRule.objects.filter(code=rule_code, is_active=True).first()
    if rule is None:
        return None
    points = _capped(rule, member, day, points)
    if points == 0:
        return None
    try:
        with transaction.atomic():
            return PointEntry.objects.create(
                member=member,
                rule=rule,
                points=points,
                earned_on=day,
                source_type=source_type,
                source_id=str(source_id),
                note=note,
                created_by=by,
            )
    except IntegrityError:
        return None  # already awarded for this record


def _rule_points(code: str) -> Decimal:
    rule = PointRule.objects.filter(code=code, is_active=True).first()
    return rule.points if rule else Decimal(0)


def award_meeting_points(meeting: Meeting) -> None:
    """Attending a held meeting earns points; an unexcused absence costs them."""
    for row in meeting.attendance.select_related("member"):
        if row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
            _award("attend", row.member, meeting.held_on, _rule_points("attend"), "meeting", meeting.pk)
        elif row.status == AttendanceStatus.ABSENT:
            _award("absent", row.member, meeting.held_on, _rule_points("absent"), "meeting", meeting.pk)


def award_study_points(record: StudyRecord) -> None:
    rule = PointRule.objects.filter(code="study", is_active=True).first()
    if rule is None or record.state != RecordState.CONFIRMED:
        return
    points = rule.points * record.hours if rule.per_hour else rule.points
    _award("study", record.member, record.studied_on, points, "study", record.pk)


def award_duty_points(assignment) -> None:
    """The responsible person of accepted work, and the members whose claims completed, earn points."""
    day = timezone.localdate()
    if assignment.responsible_id:
        _award("duty", assignment.responsible, day, _rule_points("duty"), "assignment", assignment.pk)
    for claim in assignment.duty.claims.filter(state="completed", member__isnull=False).select_related("member"):
        _award("claim", claim.member, day, _rule_points("claim"), "claim", claim.pk)


@transaction.atomic
def points_enter(*, actor, member: Member, rule: PointRule, earned_on: dt.date, note: str, hours=None) -> PointEntry:
    """A secretary enters confirmed points by hand (volunteering, other); caps are enforced, not silently cut."""
    require(actor, Action.CHANGE, member, _("Only the secretary enters points."))
    if rule.source not in (PointSource.VOLUNTEER, PointSource.MANUAL):
        raise ValidationError(
            _("Points for %(rule)s are counted from the records themselves, not entered by hand.") % {"rule": rule.name}
        )
    if not note.strip():
        raise ValidationError({"note": _("Say what the points are for.")})
    if earned_on > timezone.localdate():
        raise ValidationError({"earned_on": _("Points cannot be given for a future date.")})
    points = rule.points * _hours(hours) if (rule.per_hour and hours is not None) else rule.points
    room = _capped(rule, member, earned_on, points)
    if room < points:
        raise ValidationError(
            _("This entry breaks the cap of the rule %(rule)s: only %(room)s points are left.")
            % {"rule": rule.name, "room": room}
        )
    entry = PointEntry.objects.create(
        member=member,
        rule=rule,
        points=points,
        earned_on=earned_on,
        note=note.strip(),
        created_by=actor,
        source_type="manual",
    )
    audit("orglife.points.enter", actor=actor, obj=member, after={"rule": rule.code, "points": points, "note": note})
    return entry


def points_correct_check(*, actor, entry: PointEntry) -> None:
    """Whether the actor may correct this ledger line: the secretary, on an original line (not a correction)."""
    require(actor, Action.CHANGE, entry.member, _("Only the secretary corrects points."))
    if entry.corrects_id:
        raise ValidationError(_("Correct the original entry, not a correction."))


@transaction.atomic
def points_correct(*, actor, entry: PointEntry, points, reason: str) -> PointEntry:
    """Correct a ledger line by a new line carrying the difference; the old line stays as it was."""
    entry = PointEntry.objects.select_for_update(of=("self",)).select_related("member", "rule").get(pk=entry.pk)
    points_correct_check(actor=actor, entry=entry)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the points are corrected.")})
    target = _decimal(points, "points", _("Points must be a number."))
    already = entry.points + sum((c.points for c in entry.corrections.all()), Decimal(0))
    delta = target - already
    if delta == 0:
        raise ValidationError({"points": _("The entry already has these points.")})
    correction = PointEntry.objects.create(
        member=entry.member,
        rule=entry.rule,
        points=delta,
        earned_on=entry.earned_on,
        source_type=entry.source_type,
        source_id=entry.source_id,
        note=reason.strip(),
        corrects=entry,
        created_by=actor,
    )
    audit(
        "orglife.points.correct",
        actor=actor,
        obj=entry.member,
        after={"entry": entry.pk, "from": already, "to": target, "reason": reason},
    )
    return correction


# ---------------------------------------------------------------- appraisal


@transaction.atomic
def appraisal_open(*, actor, organization: Organization, year: int) -> Appraisal:
    require(actor, Action.CHANGE, organization)
    if Appraisal.objects.filter(organization=organization, year=year).exists():
        raise ValidationError(_("This organization already has an appraisal for this year."))
    appraisal = Appraisal.objects.create(organization=organization, year=year)
    audit("orglife.appraisal.open", actor=actor, obj=appraisal)
    return appraisal


def appraisal_voter_check(*, actor, appraisal: Appraisal) -> Member:
    """The member the actor votes as: a full member of the appraised organization; anybody else is refused."""
    voter = selectors.appraisal_voter(user=actor, appraisal=appraisal)
    if voter is None:
        raise PermissionDenied(
            _("Only full members of %(org)s vote in its appraisal.") % {"org": appraisal.organization.display_name()}
        )
    return voter


def appraisal_vote_check(*, actor, appraisal: Appraisal) -> Member:
    """Whether the actor may vote now: the appraisal is open and they are one of its voters (who is returned)."""
    if appraisal.state != AppraisalState.VOTING:
        raise Conflict(_("Voting in this appraisal is closed."))
    return appraisal_voter_check(actor=actor, appraisal=appraisal)


@transaction.atomic
def appraisal_vote(*, actor, appraisal: Appraisal, votes: dict) -> int:
    """A full member rates members (themselves included, as self-assessment): {member_id: grade}."""
    appraisal = Appraisal.objects.select_related("organization").get(pk=appraisal.pk)
    voter = appraisal_vote_check(actor=actor, appraisal=appraisal)
    voters = {m.pk: m for m in selectors.appraisal_full_members(appraisal)}
    rows = []
    for subject_id, grade in votes.items():
        subject = voters.get(_member_id(subject_id))
        if subject is None:
            raise ValidationError(
                _("Only full members of this organization are rated; probationary members get no grade.")
            )
        if grade not in AppraisalGrade.values:
            raise ValidationError(
                _("%(g)s is not a grade; use excellent, qualified, basically qualified or unqualified.") % {"g": grade}
            )
        rows.append(AppraisalVote(appraisal=appraisal, voter=voter, subject=subject, grade=grade))
    try:
        with transaction.atomic():
            AppraisalVote.objects.bulk_create(rows)
    except IntegrityError:
        raise ValidationError(_("You have already rated one of these members."))
    audit("orglife.appraisal.vote", actor=actor, obj=appraisal, after={"votes": len(rows)})
    return len(rows)


def appraisal_close_check(*, actor, appraisal: Appraisal) -> None:
    """Whether the actor may count the votes and close: the organization's secretary, while voting is open."""
    require(actor, Action.CHANGE, appraisal.organization)
    if appraisal.state != AppraisalState.VOTING:
        raise Conflict(_("This appraisal is already closed."))


@transaction.atomic
def appraisal_close(*, actor, appraisal: Appraisal, decisions: dict) -> list[AppraisalResult]:
    """Record the decided grade of every full member: {member_id: (grade, follow_up)}; excellent at most 1/3."""
    appraisal = Appraisal.objects.select_for_update(of=("self",)).select_related("organization").get(pk=appraisal.pk)
    appraisal_close_check(actor=actor, appraisal=appraisal)
    members = {m.pk: m for m in selectors.appraisal_full_members(appraisal)}
    missing = [m.name for pk, m in members.items() if pk not in {_member_id(k) for k in decisions}]
    if missing:
        raise ValidationError(
            _("Decide a grade for every full member; missing: %(names)s") % {"names": "、".join(missing)}
        )
    excellent = sum(1 for grade, _f in decisions.values() if grade == AppraisalGrade.EXCELLENT)
    if members and excellent > len(members) * float(appraisal.excellent_share):
        raise ValidationError(
            _("At most %(share)d%% of members can be rated excellent (%(n)d of %(total)d here).")
            % {"share": round(float(appraisal.excellent_share) * 100), "n": excellent, "total": len(members)}
        )
    counts = selectors.appraisal_counts(appraisal)
    results = []
    for member_id, (grade, follow_up) in decisions.items():
        member = members.get(_member_id(member_id))
        if member is None:
            raise ValidationError(_("Only full members of this organization are rated."))
        if grade not in AppraisalGrade.values:
            raise ValidationError(_("%(g)s is not a grade.") % {"g": grade})
        if grade == AppraisalGrade.UNQUALIFIED and not (follow_up or "").strip():
            raise ValidationError(
                _("%(name)s is rated unqualified: write the follow-up (education, deadline, who helps).")
                % {"name": member.name}
            )
        results.append(
            AppraisalResult(
                appraisal=appraisal,
                member=member,
                counts=counts.get(member.pk, {}),
                grade=grade,
                follow_up=(follow_up or "").strip(),
            )
        )
    AppraisalResult.objects.bulk_create(results)
    appraisal.state, appraisal.closed_at = AppraisalState.CLOSED, timezone.now()
    appraisal.save()
    audit(
        "orglife.appraisal.close",
        actor=actor,
        obj=appraisal,
        after={"results": {str(r.member_id): r.grade for r in results}},
    )
    return results


# ---------------------------------------------------------------- care and talks


@transaction.atomic
def care_case_open(*, actor, member: Member, category: str, details: str = "", opened_on=None, interval_days=182):
    require(actor, Action.CHANGE, member)
    if CareCase.objects.filter(member=member, closed_on__isnull=True).exists():
        raise ValidationError(_("This member is already in the care ledger."))
    case = CareCase(
        member=member,
        category=category,
        details=details.strip(),
        opened_on=opened_on or timezone.localdate(),
        visit_interval_days=interval_days,
    )
    case.full_clean()
    case.save()
    audit("orglife.care.open", actor=actor, obj=case, after={"category": category})
    return case


def care_case_close_check(*, actor, case: CareCase) -> None:
    """Whether the actor may take the member off the care ledger: in their organizations, while in the ledger."""
    require(actor, Action.CHANGE, case.member)
    if case.closed_on is not None:
        raise Conflict(_("This member already left the care ledger."))


@transaction.atomic
def care_case_close(*, actor, case: CareCase, closed_on=None) -> CareCase:
    case = CareCase.objects.select_for_update(of=("self",)).select_related("member").get(pk=case.pk)
    care_case_close_check(actor=actor, case=case)
    closed_on = closed_on or timezone.localdate()
    if not case.opened_on <= closed_on <= timezone.localdate():
        raise ValidationError({"closed_on": _("The date must lie between the entry into the ledger and today.")})
    case.closed_on = closed_on
    case.save()
    audit("orglife.care.close", actor=actor, obj=case)
    return case


@transaction.atomic
def care_visit_record(
    *,
    actor,
    member: Member,
    visited_on: dt.date,
    help_given: str,
    visitor=None,
    visitor_name="",
    occasion="routine",
    amount=0,
) -> CareVisit:
    """Record a visit to a member in the care ledger; a member not in the ledger is refused."""
    require(actor, Action.CHANGE, member)
    case = CareCase.objects.filter(member=member, closed_on__isnull=True).first()
    if case is None:
        raise ValidationError(
            _("%(name)s is not in the ledger of members in difficulty; add them to the ledger first.")
            % {"name": member.name}
        )
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be dated in the future.")})
    if not help_given.strip():
        raise ValidationError({"help_given": _("Say what was done on the visit.")})
    amount = _decimal(amount or 0, "amount", _("The amount must be a number of yuan."))
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    visit = CareVisit.objects.create(
        case=case,
        visited_on=visited_on,
        visitor=visitor,
        visitor_name=visitor_name.strip(),
        occasion=occasion,
        help_given=help_given.strip(),
        amount=amount,
        created_by=actor,
    )
    audit("orglife.care.visit", actor=actor, obj=visit, after={"amount": amount, "occasion": occasion})
    return visit


@transaction.atomic
def talk_record(*, actor, member: Member, talked_on: dt.date, topic: str, with_member=None, with_name="", notes=""):
    require(actor, Action.CHANGE, member)
    if talked_on > timezone.localdate():
        raise ValidationError({"talked_on": _("A talk cannot be dated in the future.")})
    if not topic.strip():
        raise ValidationError({"topic": _("Give the talk's topic.")})
    if with_member is None and not with_name.strip():
        raise ValidationError({"with_member": _("Say who talked with the member.")})
    talk = Talk.objects.create(
        member=member,
        talked_on=talked_on,
        topic=topic.strip(),
        with_member=with_member,
        with_name=with_name.strip(),
        notes=notes.strip(),
        created_by=actor,
    )
    audit("orglife.talk.record", actor=actor, obj=talk)
    return talk
