"""The facts the metrics are counted from, in one table, and the rule that a fact takes points once.

A metric is a way of counting a fact: the assignments due are counted as a completion rate, an on-time rate, a
key-work rate, a number of key items overdue and a number of major tasks failed; the meetings required and held as
a rate and as a number missing. An indicator system uses a fact once for points: in its weighted leaves (computed
indicators, which may be several: completion and key work measure different shares of the same assignments), or in
a deduction or bonus that takes points, not both, unless the system's designer says why on the deduction or bonus
(`Indicator.double_use_reason`). A veto takes no points (it sets the grade), so it is not a second use; nor is a
leaf whose weight is nothing. Two deductions or bonuses that take points for the same fact are two uses as well.

A draft may break the rule while it is being changed; putting it in use is refused while it does
(services.systems.system_activate).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.core.text import enumerate_items

from . import outside
from .models import Indicator, IndicatorKind, Metric


class Fact(models.TextChoices):
    """What happened or was recorded, that one or more metrics count."""

    ASSIGNMENTS = "assignments", gettext_lazy("the assignments due")
    REPORTS = "reports", gettext_lazy("the progress reports reviewed")
    MEETINGS = "meetings", gettext_lazy("the meetings required and held")
    ATTENDANCE = "attendance", gettext_lazy("the attendance at meetings")
    STUDY = "study", gettext_lazy("the members' study hours")
    TALKS = "talks", gettext_lazy("the heart-to-heart talks")
    CLAIMS = "claims", gettext_lazy("the duties claimed by members")
    CARE = "care", gettext_lazy("the care cases of members in difficulty")
    OBJECTIVES = "objectives", gettext_lazy("the business objectives")
    VETO_EVENTS = "veto_events", gettext_lazy("the veto events recorded")


# Every metric and the fact it counts: the one table of it.
METRIC_FACT: dict[str, Fact] = {
    Metric.COMPLETION: Fact.ASSIGNMENTS,
    Metric.ON_TIME: Fact.ASSIGNMENTS,
    Metric.KEY_WORK: Fact.ASSIGNMENTS,
    Metric.OVERDUE_KEY: Fact.ASSIGNMENTS,
    Metric.MAJOR_FAILED: Fact.ASSIGNMENTS,
    Metric.RETURNED: Fact.REPORTS,
    Metric.MEETINGS: Fact.MEETINGS,
    Metric.MISSING_MEETINGS: Fact.MEETINGS,
    Metric.ATTENDANCE: Fact.ATTENDANCE,
    Metric.UNEXCUSED: Fact.ATTENDANCE,
    Metric.STUDY: Fact.STUDY,
    Metric.TALKS: Fact.TALKS,
    Metric.CLAIMS: Fact.CLAIMS,
    Metric.CARE: Fact.CARE,
    Metric.OBJECTIVES: Fact.OBJECTIVES,
    Metric.VETO_EVENTS: Fact.VETO_EVENTS,
}

# The rule in words, for the pages that state it.
RULE = gettext_lazy(
    "One fact, one use: a fact (the assignments due, the meetings held, the attendance...) takes points either in "
    "the weighted indicators or in a deduction or bonus, not both, unless the deduction or bonus says why. Two "
    "weighted indicators may count the same fact: they measure different shares of it (completion and key work). "
    "A veto is not a second use: it sets the grade and takes no points."
)


def fact_of(metric: str) -> Fact | outside.Fact | None:
    """The fact a metric counts (an outside metric's, its source's: outside.py); None for no metric (an indicator
    entered or rated)."""
    if not metric:
        return None
    if metric in METRIC_FACT:
        return METRIC_FACT[metric]
    source = outside.source_of(metric)
    return source.fact if source is not None else None


def label(indicator: Indicator) -> str:
    """An indicator as the messages name it: its code and its name in the reader's language."""
    return f"{indicator.code} {indicator.display_name()}"


def takes_points(indicator: Indicator) -> bool:
    """A deduction or bonus counted from records that takes points (a veto taking none does not)."""
    return (
        indicator.kind in (IndicatorKind.DEDUCTION, IndicatorKind.BONUS)
        and bool(indicator.metric)
        and indicator.points > 0
    )


def weighted_leaves(indicators: list[Indicator]) -> list[Indicator]:
    """The computed leaves that weigh in the total: a weight above nothing along their whole path."""
    by_pk = {i.pk: i for i in indicators}

    def weighs(ind: Indicator | None) -> bool:
        while ind is not None:
            if ind.is_adjustment or ind.weight <= 0:
                return False
            ind = by_pk.get(ind.parent_id)
        return True

    return [i for i in indicators if i.kind == IndicatorKind.COMPUTED and i.metric and weighs(i)]


@dataclass(frozen=True)
class SecondUse:
    """A deduction or bonus that takes points for a fact that other indicators count for points as well."""

    indicator: Indicator
    fact: Fact
    others: tuple[Indicator, ...]

    @property
    def reason(self) -> str:
        return (self.indicator.double_use_reason or "").strip()

    @property
    def explained(self) -> bool:
        return bool(self.reason)

    def others_label(self) -> str:
        return enumerate_items(label(o) for o in self.others)

    def message(self) -> str:
        """Why putting the system in use is refused, naming the indicators and the fact."""
        return _(
            "%(indicator)s takes points for %(fact)s, which %(others)s already count for points: one failure would "
            "cost twice. Remove one of them, or say on %(indicator)s why the fact is counted twice."
        ) % {
            "indicator": label(self.indicator),
            "fact": self.fact.label,
            "others": self.others_label(),
        }


def uses_for_points(indicators: list[Indicator]) -> dict[Fact, list[Indicator]]:
    """The indicators that take points for each fact: weighted leaves, then deductions and bonuses taking points."""
    uses: dict[Fact, list[Indicator]] = {}
    for ind in [*weighted_leaves(indicators), *filter(takes_points, indicators)]:
        fact = fact_of(ind.metric)
        if fact is not None:
            uses.setdefault(fact, []).append(ind)
    return uses


def second_uses(indicators: list[Indicator]) -> list[SecondUse]:
    """Every deduction or bonus taking points for a fact that a weighted leaf, or another deduction or bonus taking
    points, also counts; in the order given."""
    uses = uses_for_points(indicators)
    out = []
    for ind in filter(takes_points, indicators):
        fact = fact_of(ind.metric)
        others = tuple(o for o in uses.get(fact, []) if o.pk != ind.pk)
        if fact is not None and others:
            out.append(SecondUse(ind, fact, others))
    return out


def unexplained(indicators: list[Indicator]) -> list[SecondUse]:
    """The second uses whose deduction or bonus does not say why."""
    return [use for use in second_uses(indicators) if not use.explained]
