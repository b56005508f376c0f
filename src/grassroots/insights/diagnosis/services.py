"""Writes of the diagnosis: the thresholds a committee sets for its subtree (the nearest one wins)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import PermissionDenied, ValidationError
from grassroots.core.policy import Action, can
from grassroots.organizations.models import Organization

from ..models import DiagnosisThreshold
from .checks import CHECKS

# The largest threshold accepted: shares are 0..1, counts of months or days stay far below it.
LARGEST = Decimal(100000)


def threshold_set_check(*, actor, organization: Organization, code: str = "", value=None) -> None:
    if not can(actor, Action.MANAGE_STRUCTURE, organization):
        raise PermissionDenied(_("Only the officers of a committee set the thresholds of the diagnosis."))
    if not code and value is None:
        return
    check = CHECKS.get(code)
    if check is None or check.threshold is None:
        raise ValidationError({"code": _("Choose a check of the diagnosis that has a threshold.")})
    _clean_value(value)


def _clean_value(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"value": _("Write the threshold as a number, like 0.8 or 3.")}) from None
    if not number.is_finite() or number < 0 or number > LARGEST:
        raise ValidationError({"value": _("A threshold is a number from 0 to 100,000.")})
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def threshold_set(*, actor, organization: Organization, code: str, value) -> DiagnosisThreshold:
    """Set the threshold of a check for the organization's subtree (again: change it)."""
    threshold_set_check(actor=actor, organization=organization, code=code, value=value)
    number = _clean_value(value)
    rule = DiagnosisThreshold.objects.select_for_update().filter(organization=organization, code=code).first()
    before = snapshot(rule, DiagnosisThreshold.audit_fields) if rule else None
    if rule is None:
        rule = DiagnosisThreshold(organization=organization, code=code)
    rule.value, rule.set_by = number, actor
    rule.save()
    audit("insights.threshold.set", actor=actor, obj=rule, before=before, after=snapshot(rule, rule.audit_fields))
    return rule


@transaction.atomic
def threshold_delete(*, actor, threshold: DiagnosisThreshold) -> None:
    """Remove a threshold: the one set above (or the check's default) holds again."""
    threshold_set_check(actor=actor, organization=threshold.organization)
    audit(
        "insights.threshold.delete",
        actor=actor,
        obj=threshold,
        before=snapshot(threshold, DiagnosisThreshold.audit_fields),
    )
    threshold.delete()
