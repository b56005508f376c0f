"""Writes of what a run reads besides the records: values entered by hand, and vetoes."""

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import Period
from grassroots.core.policy import Action, require, roles_with
from grassroots.core.text import enumerate_items
from grassroots.core.uploads import check_upload
from grassroots.organizations.models import Grant, Organization, OrgKind, ancestor_paths

from ..models import (
    AssessmentRun,
    EnteredValue,
    Indicator,
    IndicatorKind,
    IndicatorSystem,
    SystemState,
    VetoEvent,
)
from .runs import _locked, _require_not_frozen


def entered_value_check(*, actor, obj: AssessmentRun) -> None:
    """Refuses to enter or remove a run's values by hand unless the actor runs the run and it is not closed."""
    require(actor, Action.MANAGE_STRUCTURE, obj.scope)
    _require_not_frozen(obj)


@transaction.atomic
def entered_value_set(
    *, actor, run: AssessmentRun, organization: Organization, indicator: Indicator, value, note: str = "", evidence=None
) -> EnteredValue:
    run = _locked(run)
    entered_value_check(actor=actor, obj=run)
    if not run.assesses(organization):
        raise ValidationError(_("This organization is not assessed in this assessment."))
    by_hand = indicator.kind == IndicatorKind.ENTERED or (
        indicator.kind == IndicatorKind.BONUS and not indicator.metric
    )
    if indicator.system_id != run.system_id or not by_hand:
        raise ValidationError(_("This indicator is not entered by hand in this assessment."))
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({"value": _("The value must be a number from 0 to 100.")})
    if not 0 <= number <= 100:
        raise ValidationError({"value": _("The value must be a number from 0 to 100.")})
    if indicator.kind == IndicatorKind.BONUS and indicator.cap and number > indicator.cap:
        raise ValidationError(
            {"value": _("This bonus gives at most %(cap)s points.") % {"cap": f"{indicator.cap.normalize():f}"}}
        )
    checked = check_upload(evidence) if evidence is not None else None
    row, _created = EnteredValue.objects.update_or_create(
        run=run,
        organization=organization,
        indicator=indicator,
        defaults={"value": number, "note": note.strip(), "entered_by": actor},
    )
    if checked is not None:
        row.evidence.save(checked.name, ContentFile(checked.data), save=True)
    audit(
        "assessment.value.enter",
        actor=actor,
        obj=row,
        after={"indicator": indicator.code, "value": number, "note": note},
    )
    return row


@transaction.atomic
def entered_value_remove(*, actor, value: EnteredValue) -> None:
    """Take back a value entered by mistake (its run not closed); the audit trail keeps what it was."""
    run = _locked(value.run)
    entered_value_check(actor=actor, obj=run)
    before = {
        "organization": value.organization.code,
        "indicator": value.indicator.code,
        "value": value.value,
        "note": value.note,
        "evidence": value.evidence.name,
    }
    audit("assessment.value.remove", actor=actor, obj=value, organization=value.organization, before=before)
    value.delete()


@transaction.atomic
def veto_record(*, actor, period: Period, organization: Organization, reason: str, occurred_on: dt.date) -> VetoEvent:
    require(actor, Action.MANAGE_STRUCTURE, organization)
    reason = _reason(reason, _("Say what happened."))
    if not period.start <= occurred_on <= period.end:
        raise ValidationError(
            {
                "occurred_on": _("The date is outside the period %(period)s; it would not count in this assessment.")
                % {"period": period.code}
            }
        )
    _require_vetoes_something(period, organization)
    event = VetoEvent.objects.create(
        period=period, organization=organization, reason=reason, occurred_on=occurred_on, recorded_by=actor
    )
    audit("assessment.veto.record", actor=actor, obj=event, after={"reason": event.reason})
    return event


REASON_LENGTH = VetoEvent._meta.get_field("reason").max_length


def _reason(text: str, missing: str) -> str:
    """A reason given for a veto or for taking it back: said, and kept whole (never cut to fit)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reason": missing})
    if len(text) > REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Say it in %(n)d characters at most (this is %(len)d).")
                % {"n": REASON_LENGTH, "len": len(text)}
            }
        )
    return text


def _require_vetoes_something(period: Period, organization: Organization) -> None:
    """A veto counts for the assessed organization at or above the one it is recorded on (a discipline case in a
    party group vetoes its branch); one above every organization of the kinds assessed (a township committee, where
    branches are assessed) would veto nothing, silently."""
    kinds = set(IndicatorSystem.objects.filter(state=SystemState.ACTIVE).values_list("assessed_kind", flat=True))
    kinds |= set(AssessmentRun.objects.filter(period=period).values_list("system__assessed_kind", flat=True))
    if not Organization.objects.filter(path__in=ancestor_paths(organization.path), kind__in=kinds).exists():
        names = enumerate_items(OrgKind(k).label for k in sorted(kinds)) or "—"
        raise ValidationError(
            {
                "organization": _(
                    "No assessment counts a veto on %(org)s: record it on the organization assessed (%(kinds)s) it "
                    "concerns, or on one below it."
                )
                % {"org": organization.display_name(), "kinds": names}
            }
        )


def _recorders_reach(event: VetoEvent) -> Organization:
    """The highest organization above the vetoed one where its recorder was granted to manage: whoever takes the veto
    back must manage it too (a township does not take back the county's veto). Read from the recorder's grants, so
    that it holds after their account is closed; when the recorder is gone, the top of the vetoed one's tree."""
    chain = Organization.objects.filter(path__in=ancestor_paths(event.organization.path)).order_by("depth")
    if event.recorded_by_id is None:
        return chain.first() or event.organization
    granted = set(
        Grant.objects.filter(
            user_id=event.recorded_by_id, role__in=roles_with(Action.MANAGE_STRUCTURE), organization__in=chain
        ).values_list("organization_id", flat=True)
    )
    return next((o for o in chain if o.pk in granted), None) or chain.first() or event.organization


def veto_withdraw_check(*, actor, obj: VetoEvent) -> None:
    """Refuses to take a veto back unless the actor manages where its recorder was granted to (_recorders_reach) and
    it is not taken back already."""
    require(actor, Action.MANAGE_STRUCTURE, _recorders_reach(obj))
    if obj.withdrawn_at is not None:
        raise Conflict(_("This veto has already been taken back."))


@transaction.atomic
def veto_withdraw(*, actor, event: VetoEvent, reason: str) -> VetoEvent:
    """Take back a veto recorded by mistake, saying why: the runs of its period not yet closed lose it when they are
    computed again. The event stays, marked taken back, so that a closed run still shows the veto it counted beside
    the result and the reason it was frozen with; the audit trail has it too."""
    # With its organization: on Citus vetoes are distributed by it, and a row is locked only on its own shard.
    event = VetoEvent.objects.select_for_update().get(pk=event.pk, organization_id=event.organization_id)
    veto_withdraw_check(actor=actor, obj=event)
    reason = _reason(reason, _("Say why the veto is taken back."))
    before = {"reason": event.reason, "occurred_on": event.occurred_on, "period": event.period.code}
    audit(
        "assessment.veto.withdraw",
        actor=actor,
        obj=event,
        organization=event.organization,
        before=before,
        after={"why": reason},
    )
    event.withdrawn_at, event.withdrawn_by, event.withdrawn_reason = timezone.now(), actor, reason
    event.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason", "updated_at"])
    return event
