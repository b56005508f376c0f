"""Every scoring rule in words, once: what each metric counts, when it does not apply, when nothing was recorded,
when it is not evaluated yet; how groups, ratings, coverage and the cross-check are found. The engine and the
reference computation follow these rules; the explanation page and the API read them from here, so that what a
reader is told is what was computed."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from grassroots.core.templatetags.numbers import shown

from . import outside
from .models import MIN_COVERAGE, IndicatorKind, LeafStatus, Metric

# The engine's own column of the duties open for claiming to each organization (a claims indicator does not apply
# where none was).
OFFERED = "offered"

# Counts made only at the period's end: not evaluated before it.
AT_PERIOD_END = frozenset({Metric.MAJOR_FAILED})

# Ratios whose numerator counts the organization's own records of what was due: where it is zero, nothing was
# recorded (scored 0 and flagged). Where the numerator counts how things went (on time, accepted without return,
# attendance, visits in time, attainment), zero is a score like any other.
ZERO_IS_NOTHING_RECORDED = frozenset({Metric.MEETINGS, Metric.STUDY, Metric.TALKS, Metric.CLAIMS})


# Posts that make a member a cadre, studying to the cadre plan.
CADRE_POSTS_TEXT = _("the secretary, the deputy secretary and the committee members (not group leaders)")


@dataclass(frozen=True)
class Rule:
    """A metric's rule in words: what it counts, and when it does not apply, has nothing recorded, or is not
    evaluated yet (blank: it cannot happen)."""

    counts: str
    not_applicable: str = ""
    no_data: str = ""
    not_evaluated: str = ""

    def when(self, status: str) -> str:
        return {
            LeafStatus.NOT_APPLICABLE: self.not_applicable,
            LeafStatus.NO_DATA: self.no_data,
            LeafStatus.NOT_EVALUATED: self.not_evaluated,
        }.get(status, "")


NO_DUTY_DUE = _("No duty was due by the day counted to.")
NO_MEMBER = _("It had no member in the period.")

METRIC_RULES = {
    Metric.COMPLETION: Rule(
        _(
            "The duties due in the period by the day counted to, each weighted (key work and major tasks weigh more, "
            "as the indicator system sets): the weighted share accepted by that day."
        ),
        NO_DUTY_DUE,
    ),
    Metric.ON_TIME: Rule(
        _(
            "Of the duties due by the day counted to, the share accepted on or before their due day; one accepted "
            "late, or not yet, counts against."
        ),
        NO_DUTY_DUE,
    ),
    Metric.KEY_WORK: Rule(
        _("The key work and major tasks due by the day counted to, weighted: the weighted share accepted."),
        _("No key work or major task was due by the day counted to."),
    ),
    Metric.RETURNED: Rule(
        _(
            "Of the progress reports reviewed (on duties due in the period), the share accepted; each report "
            "returned counts against."
        ),
        _("No report was reviewed."),
    ),
    Metric.MEETINGS: Rule(
        _(
            "For each kind of meeting the rule in force requires (the nearest rule set above the organization, else "
            "the default; committee meetings only of a branch of 7 members or more, which has a committee), the "
            "meetings held, up to the number required by the months passed; a surplus of one kind does not make up "
            "for another."
        ),
        _("No meeting was required of it."),
        _("None of the required meetings was recorded as held."),
    ),
    Metric.ATTENDANCE: Rule(
        _(
            "At the meetings held in the period, the members present or late, out of all recorded except those "
            "absent with leave."
        ),
        _("No meeting with attendance was held (meetings not held are counted by the meetings indicator)."),
    ),
    Metric.STUDY: Rule(
        _(
            "Each member's study hours recorded while in the organization (confirmed or awaiting confirmation; "
            "rejected ones do not count) against the yearly plan for the part of the year passed, at most the plan; "
            "cadres (the secretary, the deputy secretary and the committee members holding the post on the day "
            "counted to) against the cadre plan; the mean over the members, each weighing the share of the days "
            "counted they belonged to it (a transfer counts from the day it was decided, a member who left until "
            "the day before)."
        ),
        NO_MEMBER,
        _("No study hours were recorded."),
    ),
    Metric.TALKS: Rule(
        _(
            "The share of members who had a heart-to-heart talk in the period while in the organization, each "
            "weighing the share of the days counted they belonged to it."
        ),
        NO_MEMBER,
        _("No talk was recorded."),
    ),
    Metric.CLAIMS: Rule(
        _(
            "Duties claimed in the period by the day counted to (claims active or completed), each in the "
            "organization its member belonged to on the day it was made, per member, against the target: that many "
            "claims per member earn full marks."
        ),
        _("No duty was open for claiming to it in the period, or it had no member."),
        _("No member claimed a duty open to them."),
    ),
    Metric.CARE: Rule(
        _(
            "Of the care cases open on the day counted to, of people who were members that day, those visited "
            "within their visit interval before it; cases of members who had left do not count."
        ),
        _("No member of it is in the care ledger."),
    ),
    Metric.OBJECTIVES: Rule(
        _(
            "Each business objective of the period: its progress from the baseline towards the target by its latest "
            "measurement (0 to 100%); the mean over the objectives."
        ),
        _("No business objective was set for the period."),
    ),
    Metric.OVERDUE_KEY: Rule(_("Key work and major tasks past their due day and not accepted by the day counted to.")),
    Metric.MISSING_MEETINGS: Rule(_("Required meetings not held, kind by kind.")),
    Metric.UNEXCUSED: Rule(_("Absences without leave at the meetings held.")),
    Metric.MAJOR_FAILED: Rule(
        _("Major tasks not accepted by the end of the period."),
        not_evaluated=_("Counted only at the end of the period."),
    ),
    Metric.VETO_EVENTS: Rule(
        _(
            "Veto events (a serious discipline case, for one) recorded for it or any organization under it, "
            "occurred in the period and not taken back."
        )
    ),
}

RATED = Rule(
    _(
        "The grades given by each group of raters (excellent 100, good 85, fair 75, poor 60), made into shares and "
        "combined with the groups' weights (fuzzy comprehensive evaluation). A group with fewer raters of the "
        "organization than its fewest gives no opinion, and its weight goes to the other groups."
    ),
    _("The assessment collects no ratings of it."),
    _("Too few raters rated it in any group: nothing recorded, 0."),
    _("Ratings may still come: the assessment counts to a day before the end of the period."),
)
ENTERED = Rule(_("A score from 0 to 100 entered with its evidence."), no_data=_("No value was entered: 0."))
GROUP = Rule(
    _(
        "The weighted mean of its indicators that apply; one that does not apply, or is not evaluated yet, gives "
        "its weight to the others."
    ),
    _("None of its indicators applies."),
    not_evaluated=_("None of its indicators is evaluated yet."),
)
DEDUCTION = _("%(points)s points each, at most %(cap)s.")
DEDUCTION_UNCAPPED = _("%(points)s points each.")
VETO = _("Any one grades it the lowest, whatever its score.")

COVERAGE = _(
    "An organization is assessed when it had members in the period and the indicators that apply to it carry at "
    "least %(share)s of the system's weight; otherwise it is not assessed, with the reason, and has no score, grade "
    "or rank (a veto still grades it the lowest)."
)


def coverage_rule() -> str:
    return COVERAGE % {"share": f"{MIN_COVERAGE:.0%}"}


STATUSES = _(
    "An indicator is scored; not applicable (nothing was due, by its rule: its weight goes to the others of its "
    "group); nothing recorded (something was due and nothing was recorded: 0, flagged); or not evaluated yet."
)
# The cross-check's rule (the weighted rank is the one that counts).
TOPSIS = _(
    "TOPSIS ranks each organization by its distance from the best and the worst value of every indicator; it fills "
    "an indicator that does not apply to an organization with that indicator's mean over the organizations assessed."
)


def metric_rule(metric: str) -> Rule:
    """A metric's rule: a built-in metric's, or the one an outside metric was registered with (outside.py)."""
    if metric in METRIC_RULES:
        return METRIC_RULES[metric]
    found = outside.metric(metric)
    if found is None:
        raise KeyError(metric)
    return found.rule


def rule_of(indicator) -> Rule:
    """The rule of an indicator: its metric's, a rated or entered indicator's, a group's."""
    if indicator.kind == IndicatorKind.GROUP:
        return GROUP
    if indicator.metric:
        rule = metric_rule(indicator.metric)
        if indicator.kind == IndicatorKind.COMPUTED:
            return rule
        points = {"points": shown(indicator.points), "cap": shown(indicator.cap)}
        scoring = VETO if indicator.is_veto else (DEDUCTION if indicator.cap else DEDUCTION_UNCAPPED) % points
        return Rule(f"{rule.counts} {scoring}", rule.not_applicable, rule.no_data, rule.not_evaluated)
    if indicator.kind == IndicatorKind.QUALITATIVE:
        return RATED
    if indicator.kind == IndicatorKind.BONUS:
        points = {"points": shown(indicator.points), "cap": shown(indicator.cap)}
        return Rule(str(_("Points entered with evidence, at most %(cap)s.") % points))
    return ENTERED
