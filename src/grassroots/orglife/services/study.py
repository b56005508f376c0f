"""Study records, their confirmation, and study plans."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.policy import Action, can, require
from grassroots.organizations.models import (
    Member,
    Organization,
)

from ..models import (
    RecordState,
    StudyPlan,
    StudyRecord,
)
from ..selectors import plan_for
from ._parse import _hours
from .points import award_study_points


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
