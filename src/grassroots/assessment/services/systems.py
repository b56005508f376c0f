"""Writes of the indicator systems: making them, their weights (AHP or direct), their deductions and bonuses, versions,
putting one in use (a fact takes points once: see assessment.facts)."""

import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.policy import Action, require
from grassroots.core.text import join_clauses
from grassroots.organizations.models import Organization

from .. import facts, methods, outside
from ..models import (
    DEFAULT_BANDS,
    RATIO_METRICS,
    Grade,
    Indicator,
    IndicatorKind,
    IndicatorSystem,
    Metric,
    SystemState,
    WeightMethod,
    metric_values,
)

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
    _build(system, None, spec, actor)
    if ahp_upper is not None:
        set_ahp_weights(actor=actor, indicator_group=None, upper=ahp_upper, system=system)
    validate_system(system)
    audit("assessment.system.create", actor=actor, obj=system, after=snapshot(system, system.audit_fields))
    return system


def _build(system, parent, nodes, actor) -> None:
    for position, node in enumerate(nodes):
        node = dict(node)
        kids = node.pop("children", [])
        upper = node.pop("ahp_upper", None)
        indicator = Indicator(system=system, parent=parent, position=position, **node)
        _clean_reason(indicator)
        indicator.save()
        if kids and upper is None and not any("weight" in k for k in kids):
            for kid in kids:
                kid.setdefault("weight", round(1 / len([k for k in kids if k.get("kind") not in ADJUSTMENTS]), 4))
        _build(system, indicator, kids, actor)
        if upper is not None:
            set_ahp_weights(actor=actor, indicator_group=indicator, upper=upper, system=system)


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
    # The metrics: the built-in ones, and the outside ones (outside.py, ratios) for a computed indicator only.
    known, ratios = set(metric_values()), set(outside.codes())
    for ind in system.indicators.all():
        if ind.kind == IndicatorKind.GROUP and ind.pk not in by_parent:
            problems.append(_("The group %(name)s has no indicators.") % {"name": ind.display_name()})
        if ind.metric and (ind.metric not in known or (ind.metric in ratios and ind.kind != IndicatorKind.COMPUTED)):
            problems.append(
                _("%(name)s is computed from records not offered for its kind.") % {"name": ind.display_name()}
            )
        if ind.kind in (IndicatorKind.COMPUTED, IndicatorKind.DEDUCTION) and not ind.metric:
            problems.append(_("%(name)s needs the records it is computed from.") % {"name": ind.display_name()})
        if ind.kind in (IndicatorKind.DEDUCTION, IndicatorKind.BONUS) and not ind.is_veto and ind.cap <= 0:
            problems.append(_("The deduction or bonus %(name)s needs a cap.") % {"name": ind.display_name()})
    if problems:
        raise ValidationError(problems)


def _clean_reason(indicator: Indicator) -> None:
    """The reason for counting a fact twice, trimmed; only a deduction or bonus taking points for records gives one."""
    reason = (indicator.double_use_reason or "").strip()
    limit = Indicator._meta.get_field("double_use_reason").max_length
    if len(reason) > limit:
        raise ValidationError({"double_use_reason": _("The reason can have at most %(n)d characters.") % {"n": limit}})
    if reason and not facts.takes_points(indicator):
        raise ValidationError(
            {
                "double_use_reason": _(
                    "%(indicator)s takes no points for records, so it counts no fact a second time: leave the "
                    "reason empty."
                )
                % {"indicator": facts.label(indicator)}
            }
        )
    indicator.double_use_reason = reason


def check_one_use(system: IndicatorSystem) -> None:
    """Refuses a system in which a fact takes points twice (a weighted leaf and a deduction or bonus, or two
    deductions or bonuses) where the deduction or bonus does not say why (assessment.facts)."""
    problems = [use.message() for use in facts.unexplained(list(system.indicators.order_by("position", "id")))]
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


def system_weights_check(*, actor, obj: IndicatorSystem) -> None:
    """Refuses to change a system's weights unless the actor manages its owner and it is a draft."""
    require(actor, Action.MANAGE_STRUCTURE, obj.owner)
    if obj.state != SystemState.DRAFT:
        raise ValidationError(_("Only a draft indicator system can change; make a new version."))


@transaction.atomic
def set_ahp_weights(*, actor, indicator_group: Indicator | None, upper, system: IndicatorSystem | None = None) -> dict:
    """Set the weights of a group's weighted children from an AHP matrix; an inconsistent one is refused."""
    system = system or indicator_group.system
    system_weights_check(actor=actor, obj=system)
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
    system_weights_check(actor=actor, obj=system)
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


def system_activate_check(*, actor, obj: IndicatorSystem) -> None:
    """Refuses to put a system in use unless the actor manages its owner and it is a draft."""
    require(actor, Action.MANAGE_STRUCTURE, obj.owner)
    if obj.state != SystemState.DRAFT:
        raise Conflict(
            _("Only a draft is put in use; %(system)s is not a draft (%(state)s). Make a new version of it instead.")
            % {"system": _label(obj), "state": obj.get_state_display()}
        )


@transaction.atomic
def system_activate(*, actor, system: IndicatorSystem) -> IndicatorSystem:
    """Put a draft in use: the version in use until now of the same code is retired (its assessments stay readable
    and keep it); new assessments are opened with the new one."""
    require(actor, Action.MANAGE_STRUCTURE, system.owner)
    versions = _versions_of(system.code)
    system = next((v for v in versions if v.pk == system.pk), None)
    if system is None:
        raise ValidationError(_("This indicator system no longer exists."))
    system_activate_check(actor=actor, obj=system)
    validate_system(system)
    check_one_use(system)
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


# ---------------------------------------------------------------- one indicator of a draft

# What may change on an indicator, by its kind; its weight is set with its siblings' (set_*_weights).
EDITABLE = {
    IndicatorKind.GROUP: ("name", "name_en"),
    IndicatorKind.COMPUTED: ("name", "name_en", "metric", "target"),
    IndicatorKind.ENTERED: ("name", "name_en"),
    IndicatorKind.QUALITATIVE: ("name", "name_en"),
    IndicatorKind.DEDUCTION: ("name", "name_en", "metric", "points", "cap", "is_veto", "double_use_reason"),
    IndicatorKind.BONUS: ("name", "name_en", "metric", "points", "cap", "double_use_reason"),
}
# The largest points, cap and target the fields store (six digits, two or three after the point).
_LIMITS = {"points": Decimal("9999.99"), "cap": Decimal("9999.99"), "target": Decimal("99999.999")}
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def indicator_edit_check(*, actor, obj: IndicatorSystem) -> None:
    """Refuses to add, change or remove an indicator unless the actor manages the system's owner and it is a draft."""
    system_weights_check(actor=actor, obj=obj)


def _number(field: str, value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give a number.")})
    if not number.is_finite() or number < 0 or number > _LIMITS[field]:
        raise ValidationError({field: _("Give a number from 0 to %(max)s.") % {"max": _LIMITS[field]}})
    return number


def _set_fields(indicator: Indicator, data: dict) -> dict:
    """The changes of `data` made on the indicator (not saved), checked one by one; returns the fields as before."""
    allowed_fields = EDITABLE[indicator.kind]
    unknown = sorted(set(data) - set(allowed_fields))
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed on a %(kind)s: %(fields)s.")
            % {"kind": indicator.get_kind_display().lower(), "fields": ", ".join(unknown)}
        )
    before = {f: getattr(indicator, f) for f in data}
    for field, value in data.items():
        if field in ("name", "name_en", "double_use_reason", "metric"):
            value = str(value if value is not None else "").strip()
        elif field in _LIMITS:
            value = _number(field, value)
        elif field == "is_veto":
            value = bool(value)
        setattr(indicator, field, value)
    return before


def _clean_indicator(indicator: Indicator) -> None:
    """What one indicator must be whatever the rest of the draft is (the whole is checked when put in use)."""
    name_limit = Indicator._meta.get_field("name").max_length
    if not indicator.name:
        raise ValidationError({"name": _("Give the indicator a name.")})
    if len(indicator.name) > name_limit or len(indicator.name_en) > name_limit:
        raise ValidationError(_("A name can have at most %(n)d characters.") % {"n": name_limit})
    metric = indicator.metric
    # An outside metric (outside.py) is a ratio, for a computed indicator only.
    ratios = RATIO_METRICS | set(outside.codes())
    offered = set(Metric.values) | (ratios if indicator.kind == IndicatorKind.COMPUTED else set())
    if metric and metric not in offered:
        raise ValidationError({"metric": _("Choose the records it is computed from among those offered.")})
    if indicator.kind == IndicatorKind.COMPUTED and metric not in ratios:
        raise ValidationError(
            {"metric": _("A computed indicator is a share: choose records counted as a share (a rate).")}
        )
    if indicator.kind == IndicatorKind.COMPUTED and indicator.target <= 0:
        raise ValidationError({"target": _("The target must be above 0.")})
    if indicator.kind == IndicatorKind.DEDUCTION and not metric:
        raise ValidationError({"metric": _("A deduction counts records: choose which.")})
    if indicator.kind in ADJUSTMENTS and not indicator.is_veto and indicator.cap <= 0:
        raise ValidationError({"cap": _("A deduction or bonus needs a cap above 0.")})
    _clean_reason(indicator)


def _indicator_snapshot(indicator: Indicator) -> dict:
    fields = ("code", "name", "name_en", "kind", "metric", "target", "points", "cap", "is_veto", "double_use_reason")
    return {f: getattr(indicator, f) for f in fields}


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, data: dict) -> Indicator:
    """Change an indicator of a draft: names; the records a computed one counts and its target; a deduction's or
    bonus's records, points, cap, veto and the reason for counting a fact its weighted leaves count too."""
    indicator = Indicator.objects.select_for_update().select_related("system__owner").get(pk=indicator.pk)
    indicator_edit_check(actor=actor, obj=indicator.system)
    before = _set_fields(indicator, data)
    _clean_indicator(indicator)
    indicator.save(update_fields=list(data))
    audit(
        "assessment.indicator.update",
        actor=actor,
        obj=indicator,
        organization=indicator.system.owner,
        before=before,
        after={f: getattr(indicator, f) for f in data},
    )
    return indicator


@transaction.atomic
def indicator_add(*, actor, system: IndicatorSystem, data: dict) -> Indicator:
    """Add a deduction or bonus to a draft, after its last indicator of the top level: `data` has its code, kind
    (deduction or bonus) and the fields indicator_update changes."""
    indicator_edit_check(actor=actor, obj=system)
    data = dict(data)
    code = str(data.pop("code", "") or "").strip()
    kind = data.pop("kind", "")
    if kind not in ADJUSTMENTS:
        raise ValidationError({"kind": _("Only a deduction or a bonus is added here.")})
    if not _CODE.fullmatch(code):
        raise ValidationError({"code": _("A code is 1 to 20 letters, digits, - or _.")})
    if system.indicators.filter(code__iexact=code).exists():
        raise ValidationError({"code": _("This indicator system already has an indicator %(code)s.") % {"code": code}})
    last = system.indicators.filter(parent=None).order_by("-position").values_list("position", flat=True).first()
    indicator = Indicator(system=system, parent=None, code=code, kind=kind, position=(last or 0) + 1)
    _set_fields(indicator, data)
    _clean_indicator(indicator)
    indicator.save()
    audit(
        "assessment.indicator.add",
        actor=actor,
        obj=indicator,
        organization=system.owner,
        after=_indicator_snapshot(indicator),
    )
    return indicator


@transaction.atomic
def indicator_remove(*, actor, indicator: Indicator) -> None:
    """Remove a deduction, bonus or veto from a draft (a weighted indicator stays: its weight is its siblings')."""
    indicator = Indicator.objects.select_for_update().select_related("system__owner").get(pk=indicator.pk)
    indicator_edit_check(actor=actor, obj=indicator.system)
    if not indicator.is_adjustment:
        raise ValidationError(_("Only a deduction, bonus or veto is removed; the weighted indicators stay."))
    audit(
        "assessment.indicator.remove",
        actor=actor,
        obj=indicator,
        organization=indicator.system.owner,
        before=_indicator_snapshot(indicator),
    )
    indicator.delete()
