"""Care for members in difficulty (cases and visits), and heart-to-heart talks."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.policy import Action, require
from grassroots.organizations.models import (
    Member,
)

from ..models import (
    CareCase,
    CareVisit,
    Talk,
)
from ._parse import _decimal


@transaction.atomic
def care_case_open(*, actor, member: Member, category: str, details: str = "", opened_on=None, interval_days=182):
    require(actor, Action.CHANGE, member)
    # The member locked before looking for an open case: on Citus the cases are distributed by id and the unique key
    # "one open case per member" is kept here, not by the database (grassroots.distributed.plan).
    list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True))
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
