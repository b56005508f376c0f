"""Writes of the assessment: indicator systems and weights, runs and their states, ratings, entered values, vetoes."""

import datetime as dt
import math
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.models import Period
from grassroots.core.policy import Action, require, roles_with
from grassroots.core.text import enumerate_items, join_clauses
from grassroots.core.uploads import check_upload
from grassroots.organizations.models import Grant, Organization, OrgKind, ancestor_paths

from . import engine, methods, selectors
from .models import (
    DEFAULT_BANDS,
    AssessmentRun,
    EnteredValue,
    Grade,
    Indicator,
    IndicatorKind,
    IndicatorSystem,
    RaterGroup,
    RaterKind,
    Rating,
    RatingToken,
    RunState,
    SystemState,
    VetoEvent,
    WeightMethod,
    hash_token,
)

# ---------------------------------------------------------------- indicator systems

ADJUSTMENTS = (IndicatorKind.DEDUCTION, IndicatorKind.BONUS)


def _check_bands(bands) -> list[dict]:
    try:
        cleaned = sorted(({"grade": b["grade"], "min": float(b["min"])} for b in bands), key=lambda b: -b["min"])
    except (KeyError, TypeError, ValueError):
        raise ValidationError(_("Grade bands are a list of a grade and the lowest score that earns it."))
    if not cleaned or cleaned[-1]["min"] != 0:
        raise ValidationError(_("The lowest grade band must start at 0."))
    if any(b["grade"] not in Grade.values for b in cleaned):
        raise ValidationError(_("Unknown grade in the bands."))
    if len({b["min"] for b in cleaned}) != len(cleaned):
        raise ValidationError(_("Two grade bands start at the same score."))
    return cleaned


@transaction.atomic
def system_create(
    *, actor, owner: Organization, code: str, name: str, spec: list[dict], ahp_upper=None, **fields
) -> IndicatorSystem:
    """Create a system from a nested spec: [{code, name, kind, weight, metric, children: [...], ahp_upper: [...]}].

    `ahp_upper` sets the top level's weights from pairwise comparisons; a group's own `ahp_upper` sets its children's.
    """
    require(actor, Action.MANAGE_STRUCTURE, owner)
    bands = _check_bands(fields.pop("grade_bands", DEFAULT_BANDS))
    version = (
        IndicatorSystem.objects.filter(code=code).order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    system = IndicatorSystem.objects.create(
        owner=owner, code=code, name=name, version=version, grade_bands=bands, **fields
    )
    _build(system, None, spec)
    if ahp_upper is not None:
        set_ahp_weights(indicator_group=None, upper=ahp_upper, system=system)
    validate_system(system)
    audit("assessment.system.create", actor=actor, obj=system, after=snapshot(system, system.audit_fields))
    return system


def _build(system, parent, nodes) -> None:
    for position, node in enumerate(nodes):
        node = dict(node)
        kids = node.pop("children", [])
        upper = node.pop("ahp_upper", None)
        indicator = Indicator.objects.create(system=system, parent=parent, position=position, **node)
        if kids and upper is None and not any("weight" in k for k in kids):
            for kid in kids:
                kid.setdefault("weight", round(1 / len([k for k in kids if k.get("kind") not in ADJUSTMENTS]), 4))
        _build(system, indicator, kids)
        if upper is not None:
            set_ahp_weights(indicator_group=indicator, upper=upper, system=system)


def validate_system(system: IndicatorSystem) -> None:
    """Siblings' weights sum to 1 (weighted ones), leaves have what they need, groups have children."""
    problems = []
    by_parent: dict = {}
    for ind in system.indicators.all():
        by_parent.setdefault(ind.parent_id, []).append(ind)
    for kids in by_parent.values():
        weighted = [k for k in kids if not k.is_adjustment]
        total = sum(float(k.weight) for k in weighted)
        if weighted and abs(total - 1.0) > 0.001:
            where = next((k.parent.display_name() for k in kids if k.parent_id), _("the top level"))
            problems.append(
                _("The weights under %(where)s add up to %(total).3f, not 1.") % {"where": where, "total": total}
            )
    if not any(not k.is_adjustment and k.weight > 0 for k in by_parent.get(None, [])):
        problems.append(_("An indicator system needs at least one weighted indicator at its top level."))
    for ind in system.indicators.all():
        if ind.kind == IndicatorKind.GROUP and ind.pk not in by_parent:
            problems.append(_("The group %(name)s has no indicators.") % {"name": ind.display_name()})
        if ind.kind in (IndicatorKind.COMPUTED, IndicatorKind.DEDUCTION) and not ind.metric:
            problems.append(_("%(name)s needs the records it is computed from.") % {"name": ind.display_name()})
        if ind.kind in (IndicatorKind.DEDUCTION, IndicatorKind.BONUS) and not ind.is_veto and ind.cap <= 0:
            problems.append(_("The deduction or bonus %(name)s needs a cap.") % {"name": ind.display_name()})
    if problems:
        raise ValidationError(problems)


def upper_to_matrix(upper, n: int):
    """The upper triangle as entered (row by row, Saaty's 1-9 scale or fractions like "1/3") to a full matrix."""
    values = []
    for raw in upper:
        text = str(raw).strip()
        try:
            if "/" in text:
                a, b = text.split("/", 1)
                value = float(a) / float(b)
            else:
                value = float(text)
        except (ValueError, ZeroDivisionError):
            raise ValidationError(_("%(v)s is not a comparison; use 1 to 9 or 1/2 to 1/9.") % {"v": text})
        if not 1 / 9 - 1e-9 <= value <= 9 + 1e-9:
            raise ValidationError(_("%(v)s is outside Saaty's scale (1/9 to 9).") % {"v": text})
        values.append(value)
    if len(values) != n * (n - 1) // 2:
        raise ValidationError(
            _("%(n)d indicators need %(k)d comparisons; %(got)d were given.")
            % {"n": n, "k": n * (n - 1) // 2, "got": len(values)}
        )
    return methods.reciprocal_matrix_from_upper(values, n)


def ahp_check(upper, names: list[str]) -> dict:
    """Weights, CR and the pairs to revisit, for the live check of the AHP page (nothing is saved)."""
    matrix = upper_to_matrix(upper, len(names))
    result = methods.ahp(matrix)
    pairs = [
        {"a": names[p.i], "b": names[p.j], "given": float(p.given), "suggested": float(p.suggested)}
        for p in result.worst_pairs
    ]
    return {
        "weights": [float(w) for w in result.weights],
        "lambda_max": float(result.lambda_max),
        "ci": float(result.ci),
        "cr": float(result.cr),
        "consistent": bool(result.consistent),
        "pairs": pairs,
    }


@transaction.atomic
def set_ahp_weights(
    *, indicator_group: Indicator | None, upper, system: IndicatorSystem | None = None, actor=None
) -> dict:
    """Set the weights of a group's weighted children from an AHP matrix; an inconsistent one is refused."""
    system = system or indicator_group.system
    if actor is not None:
        require(actor, Action.MANAGE_STRUCTURE, system.owner)
        if system.state != SystemState.DRAFT:
            raise ValidationError(_("Only a draft indicator system can change; make a new version."))
    parent_id = indicator_group.pk if indicator_group is not None else None
    kids = [k for k in system.indicators.filter(parent_id=parent_id).order_by("position", "id") if not k.is_adjustment]
    # The pairs to revisit are named in the reader's language (the names identify nothing here).
    check = ahp_check(upper, [k.display_name() for k in kids])
    if not check["consistent"]:
        pairs = join_clauses(f"{p['a']} / {p['b']}" for p in check["pairs"][:2])
        raise ValidationError(
            _("The comparisons are inconsistent (CR = %(cr).3f, it must be below 0.1). Revisit: %(pairs)s.")
            % {"cr": check["cr"], "pairs": pairs}
        )
    for kid, weight in zip(kids, check["weights"], strict=True):
        kid.weight = Decimal(str(round(weight, 4)))
        kid.save(update_fields=["weight"])
    _fix_rounding(kids)
    if indicator_group is None:
        system.ahp_upper = [str(u) for u in upper]
        system.ahp_cr = Decimal(str(round(check["cr"], 4)))
        system.save(update_fields=["ahp_upper", "ahp_cr"])
    else:
        indicator_group.weight_method = WeightMethod.AHP
        indicator_group.ahp_upper = [str(u) for u in upper]
        indicator_group.ahp_cr = Decimal(str(round(check["cr"], 4)))
        indicator_group.save(update_fields=["weight_method", "ahp_upper", "ahp_cr"])
    if actor is not None:
        audit(
            "assessment.system.weights",
            actor=actor,
            obj=system,
            after={"group": parent_id, "weights": check["weights"], "cr": check["cr"]},
        )
    return check


def _fix_rounding(kids) -> None:
    """Make rounded weights add up to exactly 1 by adjusting the largest."""
    total = sum(k.weight for k in kids)
    if kids and total != 1:
        largest = max(kids, key=lambda k: k.weight)
        largest.weight += Decimal(1) - total
        largest.save(update_fields=["weight"])


@transaction.atomic
def set_direct_weights(*, actor, system: IndicatorSystem, parent: Indicator | None, weights: dict) -> None:
    """Weights entered directly: {indicator_id: weight}; they must add up to 1."""
    require(actor, Action.MANAGE_STRUCTURE, system.owner)
    if system.state != SystemState.DRAFT:
        raise ValidationError(_("Only a draft indicator system can change; make a new version."))
    kids = {k.pk: k for k in system.indicators.filter(parent=parent) if not k.is_adjustment}
    try:
        values = {int(k): Decimal(str(v)) for k, v in weights.items()}
    except (ValueError, ArithmeticError):
        raise ValidationError(_("Weights must be numbers."))
    if set(values) != set(kids):
        raise ValidationError(_("Give a weight to every indicator of the group."))
    if any(v < 0 for v in values.values()):
        raise ValidationError(_("Weights cannot be negative."))
    total = sum(values.values())
    if abs(total - 1) > Decimal("0.001"):
        raise ValidationError(_("The weights add up to %(total)s; they must add up to 1.") % {"total": total})
    for pk, value in values.items():
        kids[pk].weight = value
        kids[pk].save(update_fields=["weight"])
    if parent is not None:
        parent.weight_method, parent.ahp_upper, parent.ahp_cr = WeightMethod.DIRECT, None, None
        parent.save(update_fields=["weight_method", "ahp_upper", "ahp_cr"])
    else:  # the comparisons of the top level no longer say how its weights were found
        system.ahp_upper, system.ahp_cr = None, None
        system.save(update_fields=["ahp_upper", "ahp_cr"])
    audit(
        "assessment.system.weights",
        actor=actor,
        obj=system,
        after={"group": getattr(parent, "pk", None), "weights": {str(k): v for k, v in values.items()}},
    )


def _versions_of(code: str) -> list[IndicatorSystem]:
    """Every version of a system, locked: making or putting in use a version is decided one at a time per code.
    Read again once the lock is held: on PostgreSQL the locking statement itself does not see a version that the
    transaction it waited for has just added."""
    versions = IndicatorSystem.objects.filter(code=code).order_by("version")
    list(versions.select_for_update())
    return list(versions)


def _label(system: IndicatorSystem) -> str:
    return f"{system.display_name()} v{system.version}"


def _check_names(name: str, name_en: str) -> tuple[str, str]:
    name, name_en = (name or "").strip(), (name_en or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the indicator system a name.")})
    limit = IndicatorSystem._meta.get_field("name").max_length
    if len(name) > limit or len(name_en) > limit:
        raise ValidationError(_("A name can have at most %(n)d characters.") % {"n": limit})
    return name, name_en


# What a new version copies of a system and of each indicator: every field but the identity and the links.
_SYSTEM_COPIED = (
    "name",
    "name_en",
    "owner",
    "assessed_kind",
    "assesses_secretaries",
    "grade_bands",
    "key_work_weight",
    "major_task_weight",
    "ahp_upper",
    "ahp_cr",
)
_INDICATOR_NOT_COPIED = {"id", "system", "parent"}


@transaction.atomic
def system_new_version(*, actor, system: IndicatorSystem, name: str | None = None, name_en: str | None = None):
    """A draft copy of a system with the next version number and the same code: its whole indicator tree (kinds,
    metrics, targets, points, caps, vetoes, weights and AHP comparisons), grade bands and key-work weights.

    The draft is what changes; the version copied, and the assessments made with it, stay as they are. There is at
    most one draft of a code at a time.
    """
    require(actor, Action.MANAGE_STRUCTURE, system.owner)
    versions = _versions_of(system.code)
    source = next((v for v in versions if v.pk == system.pk), None)
    if source is None:
        raise ValidationError(_("This indicator system no longer exists."))
    draft = next((v for v in versions if v.state == SystemState.DRAFT), None)
    if draft is not None:
        raise Conflict(
            _("%(draft)s is already a draft of this indicator system: change that one, or put it in use first.")
            % {"draft": _label(draft)}
        )
    copy = IndicatorSystem(
        code=source.code,
        version=versions[-1].version + 1,
        state=SystemState.DRAFT,
        previous=source,
        **{f: getattr(source, f) for f in _SYSTEM_COPIED},
    )
    copy.name, copy.name_en = _check_names(
        source.name if name is None else name, source.name_en if name_en is None else name_en
    )
    copy.save()
    _copy_indicators(source, copy)
    audit(
        "assessment.system.new_version",
        actor=actor,
        obj=copy,
        after={**snapshot(copy, copy.audit_fields), "copied_from": source.version},
    )
    return copy


def _copy_indicators(source: IndicatorSystem, target: IndicatorSystem) -> None:
    fields = [f.attname for f in Indicator._meta.concrete_fields if f.name not in _INDICATOR_NOT_COPIED]
    children: dict = {}
    for ind in source.indicators.order_by("position", "id"):
        children.setdefault(ind.parent_id, []).append(ind)

    def copy(parent_id, new_parent):
        for ind in children.get(parent_id, []):
            new = Indicator.objects.create(system=target, parent=new_parent, **{f: getattr(ind, f) for f in fields})
            copy(ind.pk, new)

    copy(None, None)


@transaction.atomic
def system_activate(*, actor, system: IndicatorSystem) -> IndicatorSystem:
    """Put a draft in use: the version in use until now of the same code is retired (its assessments stay readable
    and keep it); new assessments are opened with the new one."""
    require(actor, Action.MANAGE_STRUCTURE, system.owner)
    versions = _versions_of(system.code)
    system = next((v for v in versions if v.pk == system.pk), None)
    if system is None:
        raise ValidationError(_("This indicator system no longer exists."))
    if system.state != SystemState.DRAFT:
        raise Conflict(
            _("Only a draft is put in use; %(system)s is not a draft (%(state)s). Make a new version of it instead.")
            % {"system": _label(system), "state": system.get_state_display()}
        )
    validate_system(system)
    retired = [v for v in versions if v.state == SystemState.ACTIVE]
    for old in retired:
        old.state = SystemState.RETIRED
        old.save(update_fields=["state", "updated_at"])
        audit(
            "assessment.system.retire",
            actor=actor,
            obj=old,
            before={"state": SystemState.ACTIVE},
            after={"state": SystemState.RETIRED, "replaced_by": system.version},
        )
    system.state = SystemState.ACTIVE
    system.save(update_fields=["state", "updated_at"])
    audit(
        "assessment.system.activate",
        actor=actor,
        obj=system,
        before={"state": SystemState.DRAFT},
        after={"state": SystemState.ACTIVE, "retired": [old.version for old in retired]},
    )
    return system


# ---------------------------------------------------------------- runs


@transaction.atomic
def run_create(*, actor, system: IndicatorSystem, period: Period, scope: Organization, rater_weights=None):
    require(actor, Action.MANAGE_STRUCTURE, scope)
    if not 2000 <= period.start.year <= timezone.localdate().year + 1:
        raise ValidationError(_("An assessment is of a period from 2000 to next year."))
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
    run = AssessmentRun.objects.create(system=system, period=period, scope=scope)
    weights = rater_weights or {RaterKind.SUPERIOR: 0.4, RaterKind.MEMBERS: 0.3, RaterKind.MASSES: 0.3}
    _set_rater_groups(run, weights)
    audit("assessment.run.create", actor=actor, obj=run, after=snapshot(run, run.audit_fields))
    return run


def _set_rater_groups(run, weights: dict) -> None:
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
        RaterGroup.objects.update_or_create(run=run, kind=kind, defaults={"weight": Decimal(str(weight))})


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


def run_compute(*, actor, run: AssessmentRun, asof=None, withdraw: bool = False) -> dict:
    """Compute the whole subtree in place; a closed run is refused (recompute makes a new version). A published
    run is computed again only when the caller says to `withdraw` its publication: its results go back to computed,
    to be published again."""
    concurrent = _alone()
    with transaction.atomic():
        run = (
            AssessmentRun.objects.select_for_update(of=("self",))
            .select_related("system", "period", "scope")
            .get(pk=run.pk)
        )
        require(actor, Action.MANAGE_STRUCTURE, run.scope)
        _require_not_frozen(run)
        published = run.state == RunState.PUBLISHED
        if published and not withdraw:
            raise Conflict(
                _(
                    "The results are published: computing again withdraws them until they are published again. "
                    "Confirm to go on."
                )
            )
        timings = engine.compute(run, asof=asof, concurrent=concurrent)
        after = {"assessed": run.assessed_count, "seconds": round(run.computed_seconds, 3)}
        if published:
            run.state, run.published_at = RunState.COMPUTED, None
            run.save(update_fields=["state", "published_at", "updated_at"])
            after["publication"] = "withdrawn"
        audit("assessment.run.compute", actor=actor, obj=run, after=after)
        return timings


def _move(run, actor, allowed_from, to, action):
    run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
    require(actor, Action.MANAGE_STRUCTURE, run.scope)
    if run.state not in allowed_from:
        raise Conflict(
            _("This assessment is %(state)s; it cannot go to %(to)s from there.")
            % {"state": run.get_state_display(), "to": RunState(to).label}
        )
    before = run.state
    run.state = to
    if to == RunState.PUBLISHED:
        run.published_at = timezone.now()
    if to == RunState.CLOSED:
        run.closed_at = timezone.now()
    run.save()
    audit(action, actor=actor, obj=run, before={"state": before}, after={"state": to})
    return run


def run_collect(*, actor, run):
    return _move(run, actor, (RunState.OPEN, RunState.COMPUTED), RunState.COLLECTING, "assessment.run.collect")


def run_publish(*, actor, run):
    return _move(run, actor, (RunState.COMPUTED,), RunState.PUBLISHED, "assessment.run.publish")


def run_close(*, actor, run):
    return _move(run, actor, (RunState.PUBLISHED, RunState.COMPUTED), RunState.CLOSED, "assessment.run.close")


def run_recompute(*, actor, run: AssessmentRun, asof=None) -> AssessmentRun:
    """A new version of a closed run: its inputs copied, computed afresh; the closed one stays as it was."""
    concurrent = _alone()  # (the inputs copied below are not what the second connection reads)
    with transaction.atomic():
        run = _locked(run)  # two requests to recompute it are taken one after the other
        require(actor, Action.MANAGE_STRUCTURE, run.scope)
        if not run.is_frozen:
            raise ValidationError(_("Only a closed assessment is recomputed as a new version; compute this one."))
        latest = AssessmentRun.objects.filter(system=run.system, period=run.period, scope=run.scope).order_by(
            "-version"
        )[0]
        if latest.pk != run.pk:
            # One line of versions: a later one already carries (and may have added to) this one's inputs.
            raise Conflict(
                _("Version %(v)d of this assessment already exists: work on it (recompute it once it is closed).")
                % {"v": latest.version}
            )
        new = AssessmentRun.objects.create(
            system=run.system, period=run.period, scope=run.scope, version=latest.version + 1, previous=run
        )
        groups = {}
        for group in run.rater_groups.all():
            groups[group.pk] = RaterGroup.objects.create(run=new, kind=group.kind, weight=group.weight)
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
        engine.compute(new, asof=asof, concurrent=concurrent)
        return new


# ---------------------------------------------------------------- inputs


@transaction.atomic
def entered_value_set(
    *, actor, run: AssessmentRun, organization: Organization, indicator: Indicator, value, note: str = "", evidence=None
) -> EnteredValue:
    run = _locked(run)
    require(actor, Action.MANAGE_STRUCTURE, run.scope)
    _require_not_frozen(run)
    if not organization.is_within(run.scope) or organization.kind != run.system.assessed_kind:
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
    require(actor, Action.MANAGE_STRUCTURE, run.scope)
    _require_not_frozen(run)
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


@transaction.atomic
def veto_withdraw(*, actor, event: VetoEvent, reason: str) -> VetoEvent:
    """Take back a veto recorded by mistake, saying why: the runs of its period not yet closed lose it when they are
    computed again. The event stays, marked taken back, so that a closed run still shows the veto it counted beside
    the result and the reason it was frozen with; the audit trail has it too."""
    require(actor, Action.MANAGE_STRUCTURE, _recorders_reach(event))
    reason = _reason(reason, _("Say why the veto is taken back."))
    event = VetoEvent.objects.select_for_update().get(pk=event.pk)
    if event.withdrawn_at is not None:
        raise Conflict(_("This veto has already been taken back."))
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


@transaction.atomic
def tokens_issue(
    *, actor, run: AssessmentRun, kind: str, organization: Organization, count: int, days: int = 30
) -> list[str]:
    """One-time rating links for raters without an account; the secrets are returned once, only hashes are kept."""
    run = _locked(run)
    require(actor, Action.MANAGE_STRUCTURE, run.scope)
    _require_not_frozen(run)
    if not run.accepts_ratings:
        raise Conflict(
            _("Rating for this assessment has ended: links are issued only until its results are published.")
        )
    if not organization.is_within(run.scope) or organization.kind != run.system.assessed_kind:
        raise ValidationError(_("This organization is not assessed in this assessment."))
    if not 1 <= int(count) <= 1000:
        raise ValidationError({"count": _("Issue between 1 and 1000 links at a time.")})
    group = RaterGroup.objects.filter(run=run, kind=kind).first()
    if group is None:
        raise ValidationError(_("This assessment has no rater group %(kind)s.") % {"kind": kind})
    secrets_out = [RatingToken.new_secret() for _i in range(int(count))]
    expires = timezone.now() + dt.timedelta(days=days)
    RatingToken.objects.bulk_create(
        [
            RatingToken(group=group, organization=organization, token_hash=hash_token(s), expires_at=expires)
            for s in secrets_out
        ]
    )
    if run.state == RunState.OPEN:
        run.state = RunState.COLLECTING
        run.save(update_fields=["state"])
    audit(
        "assessment.tokens.issue",
        actor=actor,
        obj=run,
        organization=organization,
        after={"group": kind, "count": int(count)},
    )
    return secrets_out


def token_lookup(secret: str) -> RatingToken:
    """The token behind a link, or a clear refusal: unknown, used, expired, or its assessment closed."""
    token = (
        RatingToken.objects.select_related("group__run__system", "organization")
        .filter(token_hash=hash_token(secret or ""))
        .first()
    )
    if token is None:
        raise ValidationError(_("This rating link is not valid."))
    if token.used_at is not None:
        raise Conflict(_("This rating link has already been used. Each link rates once."))
    if token.expires_at < timezone.now():
        raise ValidationError(_("This rating link has expired."))
    if not token.group.run.accepts_ratings:
        raise ValidationError(_("Rating for this assessment has ended."))
    return token


def qualitative_indicators(run: AssessmentRun) -> list[Indicator]:
    """The rated indicators of a run's system, in the order of the tree."""
    order = {}
    indicators = list(run.system.indicators.all())
    children: dict = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)

    def walk(parent):
        for ind in sorted(children.get(parent, []), key=lambda i: (i.position, i.pk)):
            order[ind.pk] = len(order)
            walk(ind.pk)

    walk(None)
    return sorted((i for i in indicators if i.kind == IndicatorKind.QUALITATIVE), key=lambda i: order[i.pk])


@transaction.atomic
def rating_submit(*, secret: str, grades: dict) -> int:
    """Spend a token: grade every qualitative indicator once ({indicator_id: grade}); a second use is refused."""
    token = token_lookup(secret)
    token = RatingToken.objects.select_for_update().get(pk=token.pk)
    if token.used_at is not None:
        raise Conflict(_("This rating link has already been used. Each link rates once."))
    indicators = {i.pk: i for i in qualitative_indicators(token.group.run)}
    try:
        chosen = {int(k): v for k, v in grades.items()}
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a grade for each question."))
    missing = [indicators[pk].display_name() for pk in indicators if pk not in chosen]
    if missing:
        raise ValidationError(_("Choose a grade for: %(names)s") % {"names": join_clauses(missing)})
    if set(chosen) - set(indicators):
        raise ValidationError(_("Unknown question."))
    if any(g not in Grade.values for g in chosen.values()):
        raise ValidationError(_("Choose one of the four grades."))
    try:
        Rating.objects.bulk_create(
            [
                Rating(token=token, group=token.group, organization=token.organization, indicator_id=pk, grade=g)
                for pk, g in chosen.items()
            ]
        )
    except IntegrityError:
        raise Conflict(_("This rating link has already been used. Each link rates once."))
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    return len(chosen)


@transaction.atomic
def rating_by_user(*, actor, run: AssessmentRun, kind: str, organization: Organization, grades: dict) -> int:
    """A rater with an account (the superior or a peer organization, a member) grades an organization once."""
    run = _locked(run)
    _require_not_frozen(run)
    if not run.accepts_ratings:
        raise Conflict(_("Rating for this assessment has ended."))
    if not organization.is_within(run.scope) or organization.kind != run.system.assessed_kind:
        raise ValidationError(_("This organization is not assessed in this assessment."))
    if kind not in selectors.ACCOUNT_RATERS:
        raise PermissionDenied(_("The masses rate through one-time links."))
    group = RaterGroup.objects.filter(run=run, kind=kind).first()
    if group is None:
        raise ValidationError(_("This assessment has no rater group %(kind)s.") % {"kind": kind})
    # Who may rate whom, as the pages and the API offer it (selectors.ratable).
    if not selectors.ratable(user=actor, run=run, kind=kind).filter(pk=organization.pk).exists():
        refusal = {
            RaterKind.SUPERIOR: _("Only the organization above %(org)s rates it as its superior."),
            RaterKind.MEMBERS: _("Only members of %(org)s rate it as members."),
            RaterKind.PEERS: _("Only peer organizations rate %(org)s as peers."),
        }[kind]
        raise PermissionDenied(refusal % {"org": organization.display_name()})
    if Rating.objects.filter(group=group, organization=organization, rater=actor).exists():
        raise Conflict(_("You have already rated this organization."))
    indicators = {i.pk for i in qualitative_indicators(run)}
    if set(int(k) for k in grades) != indicators or any(g not in Grade.values for g in grades.values()):
        raise ValidationError(_("Choose one of the four grades for each question."))
    Rating.objects.bulk_create(
        [
            Rating(rater=actor, group=group, organization=organization, indicator_id=int(pk), grade=g)
            for pk, g in grades.items()
        ]
    )
    audit("assessment.rating.user", actor=actor, obj=run, organization=organization, after={"group": kind})
    return len(grades)
