"""Writes of the diagnosis: the thresholds a committee sets for its subtree (the nearest one wins), and the summaries
of large subtrees computed ahead of their readers."""

import time
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import PermissionDenied, ValidationError
from grassroots.core.policy import Action, can, require
from grassroots.organizations.models import Organization

from ..models import DiagnosedOrganization, DiagnosisThreshold, KeptDiagnosis
from . import engine
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


# A subtree with at least this many organizations diagnosed has its summary computed ahead (`grassroots diagnosis
# keep`, in the daily timer): a county's 1,100 take seconds on request, a city's 11,000 tens of seconds, a province's
# minutes (README, Diagnosis).
KEEP_FROM = 3000


def subtrees_to_keep(*, smallest: int = KEEP_FROM, under: Organization | None = None) -> list[Organization]:
    """The organizations whose subtrees hold at least `smallest` organizations diagnosed (any period: those founded
    later are few), highest first; `under`: within its subtree only."""
    diagnosed = Organization.objects.filter(is_active=True).filter(engine.DIAGNOSED)
    if under is not None:
        diagnosed = diagnosed.filter(under.subtree_q())
    steplen = Organization.steplen
    counts: Counter = Counter()
    for path in diagnosed.order_by().values_list("path", flat=True).iterator(chunk_size=10000):
        counts.update(path[:n] for n in range(steplen, len(path), steplen))
    paths = [p for p, n in counts.items() if n >= smallest]
    return list(Organization.objects.filter(path__in=paths, is_active=True).order_by("path"))


def kept_around(organization: Organization):
    """The summaries computed ahead that a threshold set at `organization` changes: its own subtree's, those above it
    and those below it."""
    steplen = organization.steplen
    above = [organization.path[:n] for n in range(steplen, len(organization.path) + 1, steplen)]
    return KeptDiagnosis.objects.filter(organization__path__in=above) | KeptDiagnosis.objects.filter(
        organization__path__startswith=organization.path
    )


def diagnosis_keep_check(*, actor, organization: Organization | None = None) -> None:
    """Computing ahead is the daily timer's (no actor) or a committee officer's, for the summaries a threshold set in
    their subtree changes (`organization`); over the whole tree, a system administrator's."""
    if actor is None:
        return
    if organization is None:
        organization = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        if organization is None:
            raise ValidationError(_("There is no organization yet."))
    require(actor, Action.MANAGE_STRUCTURE, organization)


def diagnosis_keep(*, actor, period, smallest: int = KEEP_FROM, around: Organization | None = None, progress=None):
    """Compute ahead the summaries of the subtrees with at least `smallest` organizations diagnosed (`around`: only
    those kept already that a threshold set there changes) for the period, and keep them, each audited. A subtree
    inside another is counted from its diagnosis: one diagnosis per topmost subtree. Reads outside any transaction
    (minutes, for a province); each subtree's row written in a short one. Returns the rows kept."""
    diagnosis_keep_check(actor=actor, organization=around)
    if around is not None:
        roots = list(
            Organization.objects.filter(pk__in=kept_around(around).filter(period=period).values("organization"))
            .filter(is_active=True)
            .order_by("path")
        )
    else:
        roots = subtrees_to_keep(smallest=smallest)
    tops = [r for r in roots if not any(o is not r and r.path.startswith(o.path) for o in roots)]
    kept = []
    for done, top in enumerate(tops):
        if progress is not None:
            progress(_("Diagnosing %(org)s") % {"org": top.display_name()}, done, len(tops))
        clock, stamp = time.monotonic(), engine.thresholds_stamp()
        inside = [r for r in roots if r.path.startswith(top.path)]
        summaries = engine.summarize_many(
            organizations=DiagnosedOrganization.objects.filter(is_active=True).filter(top.subtree_q()),
            period=period,
            roots=[r.path for r in inside],
            root_path=top.path,
        )
        seconds = round(time.monotonic() - clock, 1)
        for root in inside:
            kept.append(
                _keep(
                    actor=actor,
                    organization=root,
                    period=period,
                    summary=summaries[root.path],
                    stamp=stamp,
                    seconds=seconds,
                )
            )
    if progress is not None:
        progress(_("Done"), len(tops), len(tops))
    return kept


@transaction.atomic
def _keep(*, actor, organization, period, summary, stamp: str, seconds: float) -> KeptDiagnosis:
    data = engine.summary_to_data(summary)
    ids = {code: organization_ids for code, _n, _missing, organization_ids in data["ranked"]}
    data["ranked"] = [(code, n, missing, []) for code, n, missing, _ids in data["ranked"]]
    row, _created = KeptDiagnosis.objects.update_or_create(
        organization=organization,
        period=period,
        defaults={
            "thresholds": stamp,
            "computed_at": timezone.now(),
            "seconds": seconds,
            "summary": data,
            "organization_ids": ids,
        },
    )
    audit(
        "insights.diagnosis.keep",
        actor=actor,
        obj=row,
        after={
            "period": period.code,
            "diagnosed": summary.diagnosed,
            "findings": len(summary.ranked),
            "seconds": seconds,
        },
    )
    return row
