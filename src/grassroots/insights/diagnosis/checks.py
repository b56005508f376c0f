"""The diagnosis's checks, and the shape of what they find.

A check looks at a set of organizations over a period and returns findings: one per organization where the
problem shows, each in plain words, with the figure measured and the threshold it was held against, the
records that show it, and the actions that answer it (each a form opened prefilled, so one tap creates the
record). Every part of the insights app registers its checks here, in its `setup.ready()`:

    @check(code="study.behind_plan", problem="guidance", label=_("Study behind plan"), threshold=Decimal("0.8"))
    def study_behind_plan(organizations, period, threshold):
        ...
        yield Finding(...)

`organizations` is a queryset of `organizations.Organization` already restricted by the policy; `period` a
`core.Period`; `threshold` the value configured for the nearest scope (or the check's default).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# The essay's four typical problems, and formalism (work done for show), which the diagnosis reports beside them.
PROBLEMS = {
    "guidance": _("Weak political and ideological guidance"),
    "vanguard": _("Members' vanguard role not prominent"),
    "integration": _("Party work apart from business work"),
    "incentives": _("Imperfect assessment and incentives"),
    "formalism": _("Work done for show (formalism)"),
}


@dataclass(frozen=True)
class Link:
    """A record that shows the finding, or an action that answers it: its words and where it opens."""

    label: str
    url: str
    # The policy action the reader needs on the finding's organization to follow it ("change" for an action that
    # writes a record there, "pursue" to open a case); empty: whoever reads the finding may open it.
    permission: str = ""


@dataclass
class Finding:
    organization_id: int
    problem: str  # a key of PROBLEMS
    code: str  # the check's code
    text: str  # what was found, in plain words in the reader's language
    measured: Decimal | None = None
    threshold: Decimal | None = None
    evidence: list[Link] = field(default_factory=list)
    actions: list[Link] = field(default_factory=list)
    missing_data: bool = False  # found because records are missing, not because a figure fell short
    unit: str = ""  # how the figure reads: "share" (shown as a percentage), "count", "hours", "index"


CheckFunction = Callable[..., Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    code: str
    problem: str
    label: str
    function: CheckFunction
    threshold: Decimal | None = None  # the default where no scope configured one
    rule: str = ""  # what the threshold means, in plain words (shown beside every figure and where it is set)


CHECKS: dict[str, Check] = {}


def check(*, code: str, problem: str, label, threshold: Decimal | None = None, rule=""):
    """Register a check under its code (each code once); `rule` says what its threshold means."""
    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}")

    def register(function: CheckFunction) -> CheckFunction:
        if code in CHECKS and CHECKS[code].function is not function:
            raise ValueError(f"check {code!r} registered twice")
        CHECKS[code] = Check(code=code, problem=problem, label=label, function=function, threshold=threshold, rule=rule)
        return function

    return register
