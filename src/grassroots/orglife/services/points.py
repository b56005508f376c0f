"""Members' points: awarded by the rules for meetings, study and duties, entered by hand, corrected."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import ValidationError
from grassroots.core.policy import Action, require
from grassroots.organizations.models import (
    Member,
)

from ..models import (
    AttendanceStatus,
    Meeting,
    PointEntry,
    PointRule,
    PointSource,
    RecordState,
    StudyRecord,
)
from ._parse import _decimal, _hours


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
    # The lock names the member too: on Citus the ledger is distributed by member (one shard, one row).
    entry = (
        PointEntry.objects.select_for_update(of=("self",))
        .select_related("member", "rule")
        .get(pk=entry.pk, member_id=entry.member_id)
    )
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
