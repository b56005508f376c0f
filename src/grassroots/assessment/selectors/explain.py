"""The explanation of one result: the indicator tree with its weights, the points each indicator cost, and the
records, entered values and ratings behind it."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from grassroots.core.templatetags.numbers import shown
from grassroots.core.text import enumerate_items, labelled
from grassroots.organizations.models import (
    Organization,
)

from .. import facts, rules
from ..engine import GRADE_ORDER
from ..models import (
    AssessmentRun,
    EnteredValue,
    Grade,
    Indicator,
    IndicatorKind,
    IndicatorValue,
    LeafStatus,
    Rating,
    Result,
    ValueSheet,
)
from .rows import Records, records_for
from .runs import result_list, run_asof
from .systems import _children, _group_weights


@dataclass
class Line:
    """One indicator of the explanation."""

    indicator: Indicator
    level: int
    local_weight: float | None
    global_weight: float | None
    effective_weight: float | None  # the share it actually carries: missing siblings give way
    value: IndicatorValue | None
    lost: float | None = None  # points of the weighted score it cost: effective weight x (100 - score)
    records: Records | None = None
    entered: EnteredValue | None = None
    ratings: list = field(default_factory=list)

    @property
    def score(self):
        return None if self.value is None else self.value.score

    @property
    def status(self) -> str:
        """scored, not_applicable, no_data or not_evaluated (no value at all: not applicable)."""
        return LeafStatus.NOT_APPLICABLE if self.value is None else self.value.status

    @property
    def status_label(self) -> str:
        return LeafStatus(self.status).label

    @property
    def rule(self) -> rules.Rule:
        return rules.rule_of(self.indicator)

    @property
    def why(self) -> str:
        """Why it has this status, by its rule (blank when scored)."""
        return str(self.rule.when(self.status))

    @property
    def fact(self) -> str:
        """What its value was found from, in a few words: the fact its metric counts, with the numerator and
        denominator or the count; the raters."""
        v = self.value
        if v is None or v.score is None:
            return self.why
        counted = facts.fact_of(self.indicator.metric) if self.indicator.metric else None
        figures = ""
        if v.denominator is not None and v.numerator is not None:
            figures = f"{shown(v.numerator)} / {shown(v.denominator)}"
        elif self.indicator.kind == IndicatorKind.QUALITATIVE and v.numerator:
            figures = str(_("%(n)s ratings") % {"n": shown(v.numerator)})
        elif v.raw is not None and self.indicator.is_adjustment:
            figures = f"× {shown(v.raw)}"
        if counted is not None:
            return labelled(str(counted.label), figures) if figures else str(counted.label)
        return figures or self.why

    @property
    def is_group(self) -> bool:
        return self.indicator.kind == IndicatorKind.GROUP

    @property
    def missing(self) -> bool:
        return self.value is None or self.value.score is None

    @property
    def flagged(self) -> bool:
        return self.status == LeafStatus.NO_DATA

    @property
    def fired(self) -> bool:
        return self.indicator.is_veto and self.value is not None and (self.value.raw or 0) > 0

    @property
    def count(self):
        return None if self.value is None or self.value.raw is None else self.value.raw


@dataclass
class Explanation:
    run: AssessmentRun
    organization: Organization
    result: Result
    lines: list[Line]
    adjustments: list[Line]
    asof: dt.date

    @property
    def lost_weighted(self) -> float:
        """Points lost in the weighted tree: the sum over the leaves; equals 100 - the weighted score."""
        return sum(line.lost or 0 for line in self.lines if not line.is_group)

    @property
    def deductions(self) -> list[Line]:
        return [a for a in self.adjustments if a.indicator.kind == IndicatorKind.DEDUCTION and not a.indicator.is_veto]

    @property
    def bonuses(self) -> list[Line]:
        return [a for a in self.adjustments if a.indicator.kind == IndicatorKind.BONUS]

    @property
    def vetoes(self) -> list[Line]:
        return [a for a in self.adjustments if a.indicator.is_veto]

    @property
    def losses(self) -> list[tuple[float, Line]]:
        """Every loss of points: the leaves' (effective weight x what they missed of 100) and the deductions', the
        biggest first."""
        found = [(line.lost, line) for line in self.lines if not line.is_group and (line.lost or 0) >= 0.05]
        found += [(line.score, line) for line in self.deductions if (line.score or 0) >= 0.05]
        return sorted(found, key=lambda pair: -pair[0])

    @property
    def top_losses(self) -> list[tuple[float, Line]]:
        """The three biggest losses: what to work on first."""
        return self.losses[:3]

    @property
    def general_rules(self) -> list[str]:
        """The rules of every score: the statuses, coverage, one fact one use (the page's head states the
        cross-check's)."""
        return [str(rules.STATUSES), rules.coverage_rule(), str(facts.RULE)]

    @property
    def not_applicable(self) -> list[Line]:
        return [line for line in self.lines if not line.is_group and line.status == LeafStatus.NOT_APPLICABLE]

    @property
    def not_evaluated(self) -> list[Line]:
        lines = [*self.lines, *self.adjustments]
        return [line for line in lines if not line.is_group and line.status == LeafStatus.NOT_EVALUATED]

    @property
    def nothing_recorded(self) -> list[Line]:
        return [line for line in self.lines if not line.is_group and line.flagged]


def explanation(*, user, run: AssessmentRun, organization: Organization, with_records: bool = True) -> Explanation:
    """The total of one organization taken apart: every indicator with its weights, score and cost, and records."""
    result = result_list(user=user, run=run).get(organization=organization)
    indicators = list(run.system.indicators.order_by("position", "id"))
    children = _children(indicators)
    nominal = _group_weights(children)
    # The sheet read with the run's order of its indicators as it is now in the database (the run at hand may be an
    # instance read before the computation).
    sheet = ValueSheet.objects.select_related("run").filter(run=run, organization=organization).first()
    values = sheet.indicator_values() if sheet else {}
    effective: dict[int, float] = {}

    def walk_effective(parent, share):
        # The weight each indicator carries here: those without a score (not applicable, not evaluated yet) give
        # theirs to their siblings.
        kids = [
            k
            for k in children.get(parent, [])
            if not k.is_adjustment and float(k.weight) > 0 and k.pk in values and values[k.pk].score is not None
        ]
        total = sum(float(k.weight) for k in kids)
        for k in kids:
            effective[k.pk] = share * float(k.weight) / total if total else 0.0
            walk_effective(k.pk, effective[k.pk])

    walk_effective(None, 1.0)
    entered = {
        e.indicator_id: e for e in EnteredValue.objects.filter(run=run, organization=organization).select_related()
    }
    ratings = _ratings_of(run, organization)
    lines: list[Line] = []
    adjustments: list[Line] = []

    def make(ind, level):
        value = values.get(ind.pk)
        line = Line(
            indicator=ind,
            level=level,
            local_weight=None if ind.is_adjustment else float(ind.weight),
            global_weight=None if ind.is_adjustment else nominal.get(ind.pk, 0.0),
            effective_weight=effective.get(ind.pk),
            value=value,
            entered=entered.get(ind.pk),
            ratings=ratings.get(ind.pk, []),
        )
        if value is not None and value.score is not None and line.effective_weight is not None:
            line.lost = line.effective_weight * (100.0 - value.score)
        if with_records and ind.metric:
            line.records = records_for(user=user, run=run, organization=organization, metric=ind.metric)
        return line

    def walk(parent, level):
        for ind in children.get(parent, []):
            if ind.is_adjustment:
                adjustments.append(make(ind, level))
                continue
            lines.append(make(ind, level))
            walk(ind.pk, level + 1)

    walk(None, 0)
    return Explanation(run, organization, result, lines, adjustments, run_asof(run))


def _ratings_of(run, organization) -> dict[int, list[dict]]:
    """Counts of the grades given, per qualitative indicator and rater group."""
    rows = (
        Rating.objects.filter(group__run=run, organization=organization)
        .order_by()
        .values("indicator_id", "group__kind", "group__min_raters", "grade")
        .annotate(n=Count("id"))
    )
    out: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_group = out[row["indicator_id"]].setdefault(
            row["group__kind"], {"kind": row["group__kind"], "counts": {}, "fewest": row["group__min_raters"]}
        )
        by_group["counts"][row["grade"]] = row["n"]
    from ..models import RaterKind

    result = {}
    for ind, groups in out.items():
        lines = []
        for kind, data in groups.items():
            counts = [(Grade(g).label, g, data["counts"].get(g, 0)) for g in GRADE_ORDER]
            given = enumerate_items(f"{label} {n}" for label, _g, n in counts if n)
            counted = sum(n for _label, _g, n in counts) >= data["fewest"]
            text = labelled(RaterKind(kind).label, given)
            if not counted:
                text = _("%(ratings)s (fewer than %(fewest)s raters: not counted)") % {
                    "ratings": text,
                    "fewest": data["fewest"],
                }
            lines.append({"kind": kind, "label": RaterKind(kind).label, "counts": counts, "text": text})
        result[ind] = lines
    return result
