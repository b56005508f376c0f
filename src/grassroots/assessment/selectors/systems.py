"""Reads of the indicator systems: the ones a user sees or assesses with, and a system's tree of weights."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from grassroots.core.policy import Action, scope_q, subject
from grassroots.organizations.models import (
    ancestor_paths,
)

from ..engine import global_leaf_weights
from ..models import (
    Indicator,
    IndicatorKind,
    IndicatorSystem,
    SystemState,
)
from .runs import run_list


def _in_use_above(user) -> Q:
    """Systems in use owned by an organization at or above a subtree the user runs assessments in: a county's
    systems, for the township officers who assess their own branches with them."""
    owners = {above for root in subject(user).paths_for(Action.MANAGE_STRUCTURE) for above in ancestor_paths(root)}
    return Q(state=SystemState.ACTIVE, owner__path__in=sorted(owners))


def system_list(*, user):
    """The systems a user may look at: those of organizations they may view, and those in use above the subtrees
    where they run assessments."""
    qs = IndicatorSystem.objects.select_related("owner").order_by("code", "-version")
    q = scope_q(user, Action.VIEW, IndicatorSystem)
    if q is None:
        return qs
    return qs.filter(q | _in_use_above(user))


def systems_for_runs(*, user, every_version: bool = False):
    """The systems a user may open an assessment with: those in use that they may look at. With `every_version`,
    their drafts and retired versions too, for a caller that lets the service say why one is refused (the API)."""
    if every_version:
        return system_list(user=user)
    return system_list(user=user).filter(state=SystemState.ACTIVE)


def systems_visible(*, user):
    """system_list and the systems of the assessments the user may see (for a system's own pages and endpoints)."""
    q = scope_q(user, Action.VIEW, IndicatorSystem)
    if q is None:
        return IndicatorSystem.objects.select_related("owner")
    runs = run_list(user=user).values("system_id")
    return IndicatorSystem.objects.select_related("owner").filter(q | _in_use_above(user) | Q(pk__in=runs))


def draft_of(system: IndicatorSystem) -> IndicatorSystem | None:
    """The draft of a system's code, if one is being prepared."""
    return IndicatorSystem.objects.filter(code=system.code, state=SystemState.DRAFT).first()


@dataclass
class TreeLine:
    indicator: Indicator
    level: int
    global_weight: float | None
    children: list = field(default_factory=list)

    @property
    def local_weight(self) -> float | None:
        return None if self.indicator.is_adjustment else float(self.indicator.weight)


def _children(indicators) -> dict:
    children: dict = defaultdict(list)
    for ind in indicators:
        children[ind.parent_id].append(ind)
    return children


def _group_weights(children: dict) -> dict[int, float]:
    """The share of the total of every weighted node (groups too): the product of the weights along its path."""
    out = {}

    def walk(parent, share):
        kids = [k for k in children.get(parent, []) if not k.is_adjustment and float(k.weight) > 0]
        total = sum(float(k.weight) for k in kids) or 1.0
        for k in kids:
            out[k.pk] = share * float(k.weight) / total
            walk(k.pk, out[k.pk])

    walk(None, 1.0)
    return out


def system_tree(system: IndicatorSystem) -> list[TreeLine]:
    """The indicators in tree order, each with its level and global weight (None outside the weighted tree)."""
    indicators = list(system.indicators.order_by("position", "id"))
    children = _children(indicators)
    weights = _group_weights(children)
    leaves = global_leaf_weights(children)
    weights.update(leaves)
    out: list[TreeLine] = []

    def walk(parent, level):
        for ind in children.get(parent, []):
            out.append(TreeLine(ind, level, weights.get(ind.pk), children.get(ind.pk, [])))
            walk(ind.pk, level + 1)

    walk(None, 0)
    return out


def weighted_children(system: IndicatorSystem, group: Indicator | None) -> list[Indicator]:
    """The children whose weights are set together: those of a group (or the top level) outside the adjustments."""
    parent_id = group.pk if group is not None else None
    kids = system.indicators.filter(parent_id=parent_id).order_by("position", "id")
    return [k for k in kids if not k.is_adjustment]


def groups_of(system: IndicatorSystem) -> list[Indicator]:
    return list(system.indicators.filter(kind=IndicatorKind.GROUP).order_by("position", "id"))
