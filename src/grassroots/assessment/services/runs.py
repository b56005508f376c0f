"""Writes of the runs of an assessment: opening one, computing it, and the moves of its state."""

import math
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import Period
from grassroots.core.policy import Action, require
from grassroots.organizations.models import Organization

from .. import engine
from ..models import (
    AssessmentRun,
    EnteredValue,
    IndicatorSystem,
    RaterGroup,
    RaterKind,
    Rating,
    RunState,
    SystemState,
)

# The longest reason of an early publication kept.
REASON_MAX = 1000


def _closing_day_valid(period: Period, day) -> None:
    """Refuses a closing day outside the period (an empty one stands for the period's end)."""
    if day is not None and not period.start <= day <= period.end:
        raise ValidationError(
            {
                "closes_on": _("The closing day must lie within the period, from %(start)s to %(end)s.")
                % {"start": period.start.isoformat(), "end": period.end.isoformat()}
            }
        )


# A group of raters gives its opinion of an organization from this many raters of it up, unless the run says
# otherwise (RaterGroup.min_raters).
FEWEST_RATERS = 3


@transaction.atomic
def run_create(
    *,
    actor,
    system: IndicatorSystem,
    period: Period,
    scope: Organization,
    rater_weights=None,
    closes_on=None,
    fewest_raters=None,
):
    """Open the run of a period over a scope. `closes_on`: the day its results count to when published (within
    the period; None: the period's end). `fewest_raters`: the raters of an organization a group needs for its
    opinion to count (FEWEST_RATERS if not given)."""
    require(actor, Action.MANAGE_STRUCTURE, scope)
    if not 2000 <= period.start.year <= timezone.localdate().year + 1:
        raise ValidationError(_("An assessment is of a period from 2000 to next year."))
    _closing_day_valid(period, closes_on)
    system = IndicatorSystem.objects.get(pk=system.pk)  # its state now, whatever the caller's copy says
    if system.state == SystemState.DRAFT:
        # A draft's weights and indicators may still change, which would change what its runs' results mean.
        raise ValidationError(
            _("This indicator system is still a draft: put it in use before assessing with it (a draft may change).")
        )
    if system.state == SystemState.RETIRED:
        raise ValidationError(_("This version of the indicator system is retired: assess with the version in use."))
    version = (
        # Any version of the system: a period and scope are assessed once, and a new version of the system makes
        # a new version of the run by recomputing it.
        AssessmentRun.objects.filter(system__code=system.code, period=period, scope=scope)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if version is not None:
        raise ValidationError(_("This assessment already exists; open it, or recompute it to make a new version."))
    run = AssessmentRun.objects.create(system=system, period=period, scope=scope, closes_on=closes_on)
    weights = rater_weights or {RaterKind.SUPERIOR: 0.4, RaterKind.MEMBERS: 0.3, RaterKind.MASSES: 0.3}
    _set_rater_groups(run, weights, FEWEST_RATERS if fewest_raters is None else fewest_raters)
    audit("assessment.run.create", actor=actor, obj=run, after=snapshot(run, run.audit_fields))
    return run


def _set_rater_groups(run, weights: dict, fewest: int) -> None:
    try:
        fewest = int(fewest)
    except (TypeError, ValueError):
        raise ValidationError(_("The fewest raters must be a whole number."))
    if not 1 <= fewest <= 1000:
        raise ValidationError(_("The fewest raters of a group must be from 1 to 1000."))
    try:
        values = {str(k): float(v) for k, v in weights.items()}
        if not all(map(math.isfinite, values.values())):
            raise ValueError("not finite")
    except (TypeError, ValueError):
        raise ValidationError(_("Rater weights must be numbers."))
    if any(k not in RaterKind.values for k in values):
        raise ValidationError(_("Unknown rater group."))
    if any(v < 0 for v in values.values()):
        raise ValidationError(_("Weights cannot be negative."))
    values = {k: v for k, v in values.items() if v > 0}  # a group weighing nothing is not asked
    if abs(sum(values.values()) - 1) > 0.001:
        raise ValidationError(_("The rater groups' weights must add up to 1."))
    for kind, weight in values.items():
        RaterGroup.objects.update_or_create(
            run=run, kind=kind, defaults={"weight": Decimal(str(weight)), "min_raters": fewest}
        )


def _locked(run: AssessmentRun) -> AssessmentRun:
    """The run as it is now, locked until the caller's transaction ends (its state decides what may change)."""
    return AssessmentRun.objects.select_for_update(of=("self",)).select_related("system", "scope").get(pk=run.pk)


def _require_not_frozen(run: AssessmentRun) -> None:
    if run.is_frozen:
        raise Conflict(_("This assessment is closed and its results are frozen. Recompute it to make a new version."))


def _alone() -> bool:
    """Whether no caller's transaction is open (atomic or by hand): then every record the engine reads is committed,
    and a second connection may read some of them while the run's own reads the rest (engine.compute's
    `concurrent`). Inside a caller's transaction (a test's, the demo's bulk load) they may not be committed yet."""
    return transaction.get_autocommit()


def run_compute_check(*, actor, obj: AssessmentRun) -> None:
    """Refuses to compute the run unless the actor runs it and it is not closed (a published run is computed
    again only when the caller confirms that its publication is withdrawn: run_compute's `withdraw`)."""
    require(actor, Action.MANAGE_STRUCTURE, obj.scope)
    _require_not_frozen(obj)


def _computed(run: AssessmentRun, *, asof, concurrent: bool, progress=None) -> dict:
    """The engine's figures for the run, then its state: computed (from open or collecting), at the moment whose
    vetoes counted. Returns the engine's timings."""
    at = timezone.now()
    told = {"progress": progress} if progress is not None else {}
    timings = engine.compute(run, asof=asof, vetoes_at=at, concurrent=concurrent, **told)
    run.computed_at = at
    if run.state in (RunState.OPEN, RunState.COLLECTING):
        run.state = RunState.COMPUTED
    run.save(update_fields=["computed_at", "state", "updated_at"])
    return timings


def run_compute(*, actor, run: AssessmentRun, asof=None, withdraw: bool = False, progress=None) -> dict:
    """Compute the whole subtree in place; a closed run is refused (recompute makes a new version). A published
    run is computed again only when the caller says to `withdraw` its publication: its results go back to computed,
    to be published again. `progress` is told each stage of the engine (core.jobs, for the run's page)."""
    concurrent = _alone()
    with transaction.atomic():
        run = (
            AssessmentRun.objects.select_for_update(of=("self",))
            .select_related("system", "period", "scope")
            .get(pk=run.pk)
        )
        run_compute_check(actor=actor, obj=run)
        published = run.state == RunState.PUBLISHED
        if published and not withdraw:
            raise Conflict(
                _(
                    "The results are published: computing again withdraws them until they are published again. "
                    "Confirm to go on."
                )
            )
        timings = _computed(run, asof=asof, concurrent=concurrent, progress=progress)
        after = {"assessed": run.assessed_count, "seconds": round(run.computed_seconds, 3)}
        if published:
            run.state, run.published_at = RunState.COMPUTED, None
            run.early_publication_reason, run.published_asof = "", None
            run.save(
                update_fields=["state", "published_at", "early_publication_reason", "published_asof", "updated_at"]
            )
            after["publication"] = "withdrawn"
        audit("assessment.run.compute", actor=actor, obj=run, after=after)
        return timings


# The moves of a run's state by its buttons: the states each may leave from.
MOVES_FROM = {
    RunState.COLLECTING: (RunState.OPEN, RunState.COMPUTED),
    RunState.PUBLISHED: (RunState.COMPUTED,),
    RunState.CLOSED: (RunState.PUBLISHED, RunState.COMPUTED),
}


def _move_check(actor, run: AssessmentRun, to: str) -> None:
    require(actor, Action.MANAGE_STRUCTURE, run.scope)
    if run.state not in MOVES_FROM[to]:
        raise Conflict(
            _("This assessment is %(state)s; it cannot go to %(to)s from there.")
            % {"state": run.get_state_display(), "to": RunState(to).label}
        )


def _provisional_message(run: AssessmentRun) -> dict:
    return {"asof": run.counted_to.isoformat(), "closes": run.closing_day.isoformat()}


@transaction.atomic
def _move(run, actor, to, action, check, reason=""):
    """Move the run, as it is now, to the state `to` once its `check` lets it (as the page's button asked)."""
    run = AssessmentRun.objects.select_for_update(of=("self",)).select_related("period", "scope").get(pk=run.pk)
    check(actor=actor, obj=run)
    before = run.state
    run.state = to
    after = {"state": to}
    if to == RunState.PUBLISHED:
        run.published_at = timezone.now()
        run.published_asof = run.counted_to
        run.early_publication_reason = reason.strip() if run.is_provisional else ""
        after |= {"asof": run.published_asof.isoformat(), "closing_day": run.closing_day.isoformat()}
        if run.early_publication_reason:
            after |= {"early": True, "reason": run.early_publication_reason}
    if to == RunState.CLOSED:
        run.closed_at = timezone.now()
    run.save()
    audit(action, actor=actor, obj=run, before={"state": before}, after=after)
    return run


def run_collect_check(*, actor, obj: AssessmentRun) -> None:
    """Refuses to start collecting ratings unless the actor runs the run and it is open or computed."""
    _move_check(actor, obj, RunState.COLLECTING)


def run_collect(*, actor, run):
    return _move(run, actor, RunState.COLLECTING, "assessment.run.collect", run_collect_check)


def run_publish_check(*, actor, obj: AssessmentRun, reason: str | None = "") -> None:
    """Refuses to publish unless the actor runs the run and it is computed, as of its closing day (the period's end
    unless the scope set an earlier one). Provisional results (computed as of an earlier day) are published only
    early and on purpose: with the `reason`, which the pages and exports then state. A page asking whether to offer
    the publication at all passes `reason=None`: the reason is asked on its form."""
    _move_check(actor, obj, RunState.PUBLISHED)
    if reason is None or not obj.is_provisional:
        return
    if not reason.strip():
        raise ValidationError(
            {
                "reason": _(
                    "These results are provisional: they count records up to %(asof)s, before the closing day "
                    "%(closes)s. Compute them as of %(closes)s to publish them, or publish them early and say why."
                )
                % _provisional_message(obj)
            }
        )
    if len(reason.strip()) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Say why in %(n)d characters or fewer.") % {"n": REASON_MAX}},
        )


def run_publish(*, actor, run, reason: str = ""):
    """Publish the computed results: the organizations see theirs, and they count for what follows
    (AssessmentRun.objects.final()). Provisional results only with the `reason` of their early publication,
    kept on the run with the day they counted to, and audited."""
    reason = reason or ""
    check = partial(run_publish_check, reason=reason)
    return _move(run, actor, RunState.PUBLISHED, "assessment.run.publish", check, reason=reason)


def run_close_check(*, actor, obj: AssessmentRun) -> None:
    """Refuses to close unless the actor runs the run and it is published, or computed as of its closing day
    (provisional results are closed only once published early, with their reason)."""
    _move_check(actor, obj, RunState.CLOSED)
    if obj.state == RunState.COMPUTED and obj.is_provisional:
        raise ValidationError(
            _(
                "These results are provisional: they count records up to %(asof)s, before the closing day "
                "%(closes)s. Compute them as of %(closes)s, or publish them early and say why, before closing them."
            )
            % _provisional_message(obj)
        )


def run_close(*, actor, run):
    return _move(run, actor, RunState.CLOSED, "assessment.run.close", run_close_check)


def run_closing_day_check(*, actor, obj: AssessmentRun) -> None:
    """Refuses to set the closing day unless the actor runs the run and its results are not published yet (the
    day they count to is fixed once they are)."""
    require(actor, Action.MANAGE_STRUCTURE, obj.scope)
    if obj.is_published:
        raise Conflict(_("The results are published: the closing day they count to is fixed."))


@transaction.atomic
def run_set_closing_day(*, actor, run: AssessmentRun, closes_on=None) -> AssessmentRun:
    """Set the day the run's results count to when published (within the period; None: the period's end)."""
    run = AssessmentRun.objects.select_for_update(of=("self",)).select_related("period", "scope").get(pk=run.pk)
    run_closing_day_check(actor=actor, obj=run)
    _closing_day_valid(run.period, closes_on)
    if closes_on == run.period.end:
        closes_on = None  # the default, said once
    before = {"closes_on": run.closes_on.isoformat() if run.closes_on else None}
    run.closes_on = closes_on
    run.save(update_fields=["closes_on", "updated_at"])
    after = {"closes_on": closes_on.isoformat() if closes_on else None}
    audit("assessment.run.closing_day", actor=actor, obj=run, before=before, after=after)
    return run


def run_recompute_check(*, actor, obj: AssessmentRun) -> None:
    """Refuses a new version unless the actor runs the run, it is closed, and it is the latest version (a later one
    already carries, and may have added to, its inputs)."""
    require(actor, Action.MANAGE_STRUCTURE, obj.scope)
    if not obj.is_frozen:
        raise ValidationError(_("Only a closed assessment is recomputed as a new version; compute this one."))
    latest = AssessmentRun.objects.filter(system=obj.system, period=obj.period, scope=obj.scope).order_by("-version")[0]
    if latest.pk != obj.pk:
        raise Conflict(
            _("Version %(v)d of this assessment already exists: work on it (recompute it once it is closed).")
            % {"v": latest.version}
        )


def run_recompute(*, actor, run: AssessmentRun, asof=None) -> AssessmentRun:
    """A new version of a closed run: its inputs copied, computed afresh; the closed one stays as it was."""
    concurrent = _alone()  # (the inputs copied below are not what the second connection reads)
    with transaction.atomic():
        run = _locked(run)  # two requests to recompute it are taken one after the other
        run_recompute_check(actor=actor, obj=run)
        new = AssessmentRun.objects.create(
            system=run.system,
            period=run.period,
            scope=run.scope,
            version=run.version + 1,
            previous=run,
            closes_on=run.closes_on,
        )
        groups = {}
        for group in run.rater_groups.all():
            groups[group.pk] = RaterGroup.objects.create(
                run=new, kind=group.kind, weight=group.weight, min_raters=group.min_raters
            )
        Rating.objects.bulk_create(
            [
                Rating(
                    group=groups[r.group_id],
                    organization_id=r.organization_id,
                    indicator_id=r.indicator_id,
                    grade=r.grade,
                    rater_id=r.rater_id,
                )
                for r in Rating.objects.filter(group__run=run)
            ],
            batch_size=5000,
        )
        EnteredValue.objects.bulk_create(
            [
                EnteredValue(
                    run=new,
                    organization_id=e.organization_id,
                    indicator_id=e.indicator_id,
                    value=e.value,
                    evidence=e.evidence.name,
                    note=e.note,
                    entered_by_id=e.entered_by_id,
                )
                for e in run.entered_values.all()
            ]
        )
        audit("assessment.run.recompute", actor=actor, obj=new, after={"from_version": run.version})
        _computed(new, asof=asof, concurrent=concurrent)
        return new
