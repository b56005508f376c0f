"""The diagnosis run: every registered check over a set of organizations for a period, each with the threshold of
the nearest scope, as a constant number of set-based queries per check (never one per organization); and the
summary a committee reads of its subtree, findings ranked by how many organizations share them."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q
from django.utils.translation import get_language

from grassroots.core.tree import subtree_q
from grassroots.organizations.models import OrgKind

from ..models import DiagnosisThreshold
from . import stats
from .checks import CHECKS, PROBLEMS, Check, Finding
from .measures import base
from .measures.integration import standings

# The organizations diagnosed: those that keep members and hold the organizational life, branches and general
# branches without branches below (a committee, or a general branch over branches, reads the findings of its subtree;
# a party group's life is its branch's).
DIAGNOSED_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)
DIAGNOSED = Q(kind=OrgKind.BRANCH) | Q(kind=OrgKind.GENERAL_BRANCH, numchild=0)


def is_diagnosed(organization) -> bool:
    return organization.kind == OrgKind.BRANCH or (
        organization.kind == OrgKind.GENERAL_BRANCH and not organization.numchild
    )


def threshold_rules() -> dict[str, dict[str, Decimal]]:
    """Every threshold set, by check and by the path of the organization that set it (one query; a few rows)."""
    out: dict[str, dict[str, Decimal]] = {}
    for code, path, value in DiagnosisThreshold.objects.values_list("code", "organization__path", "value"):
        out.setdefault(code, {})[path] = value
    return out


def thresholds_stamp() -> str:
    """What the thresholds in force are, in a few characters: a summary computed under another stamp is out of date."""
    stamp = DiagnosisThreshold.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return f"{stamp['n']}:{stamp['last'].isoformat() if stamp['last'] else ''}"[:80]


def threshold_for(code: str, path: str, rules: dict[str, dict[str, Decimal]] | None = None):
    """The threshold in force for one organization: the nearest set at or above it, else the check's default."""
    rules = threshold_rules() if rules is None else rules
    return base.nearest(path, rules.get(code, {}), CHECKS[code].threshold)


def threshold_groups(rules: dict[str, Decimal], default, root_path: str | None = None) -> list[tuple[Q | None, object]]:
    """The organizations split by the threshold in force, each part as a filter on the path: the subtree of a rule
    minus the subtrees of the rules below it; what no rule covers keeps the default (or the nearest rule above
    `root_path`, when every organization lies in that subtree)."""
    base_value = default
    inside = rules
    if root_path is not None:
        above = {p: v for p, v in rules.items() if root_path.startswith(p)}
        if above:
            base_value = above[max(above, key=len)]
        inside = {p: v for p, v in rules.items() if p.startswith(root_path) and p not in above}
    if not inside:
        return [(None, base_value)]
    paths = sorted(inside)
    groups: list[tuple[Q | None, object]] = []
    top = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    outside = Q()
    for p in top:
        outside &= ~subtree_q(p)
    groups.append((outside, base_value))
    for p in paths:
        below = [q for q in paths if q != p and q.startswith(p)]
        direct = [q for q in below if not any(q != r and q.startswith(r) for r in below)]
        q_filter = subtree_q(p)
        for d in direct:
            q_filter &= ~subtree_q(d)
        groups.append((q_filter, inside[p]))
    return groups


def diagnose(
    *, organizations, period, codes=None, root_path: str | None = None, detailed: bool = True
) -> list[Finding]:
    """The findings of every check (or those named) over the organizations (a queryset the policy restricted) for
    the period. `root_path`: the organizations all lie in that subtree (its thresholds are then fewer parts)."""
    # An organization founded after the period was not there to be diagnosed.
    organizations = organizations.filter(DIAGNOSED).exclude(founded_on__gt=period.end)
    rules = threshold_rules()
    token = base.set_detailed(detailed)
    language = base.set_language(get_language())
    try:
        findings: list[Finding] = []
        for check in checks(codes):
            for q, value in threshold_groups(rules.get(check.code, {}), check.threshold, root_path):
                part = organizations if q is None else organizations.filter(q)
                findings.extend(check.function(part, period, value))
        if not detailed:  # the summary counts organizations: no record or action is shown
            for f in findings:
                f.evidence, f.actions = [], []
        return findings
    finally:
        base.reset_detailed(token)
        base.reset_language(language)


def checks(codes=None) -> list[Check]:
    order = list(PROBLEMS)
    chosen = [c for c in CHECKS.values() if codes is None or c.code in codes]
    return sorted(chosen, key=lambda c: (order.index(c.problem), c.code))


@dataclass
class Ranked:
    """One check over a subtree: how many organizations share the finding (and of them, for want of data)."""

    check: Check
    organizations: int
    missing_data: int
    organization_ids: list[int] = field(default_factory=list)

    @property
    def problem_label(self):
        return PROBLEMS[self.check.problem]


@dataclass
class Summary:
    diagnosed: int  # organizations diagnosed in the subtree
    ranked: list[Ranked]
    by_problem: dict[str, int]  # organizations with at least one finding of each problem
    integration: stats.Correlation
    computed_at: object = None  # when computed ahead (a datetime), else None: computed on request
    out_of_date: bool = False  # computed ahead under thresholds changed since


def summarize(*, organizations, period, root_path: str | None = None) -> Summary:
    """A subtree's findings ranked by how many organizations share them, and the integration index over it."""
    return summarize_many(organizations=organizations, period=period, roots=[root_path or ""], root_path=root_path)[
        root_path or ""
    ]


def summarize_many(*, organizations, period, roots: list[str], root_path: str | None = None) -> dict[str, Summary]:
    """The summaries of several subtrees, each named by its path ("" for all the organizations), from one diagnosis:
    the findings and the standings are computed once and counted for each subtree (a province and its cities at night
    cost the province alone)."""
    diagnosed_qs = organizations.filter(DIAGNOSED).exclude(founded_on__gt=period.end)
    wanted = set(roots)
    lengths = sorted({len(p) for p in wanted})
    within: dict[int, list[str]] = {
        pk: [path[:n] for n in lengths if n <= len(path) and path[:n] in wanted]
        for pk, path in diagnosed_qs.order_by().values_list("pk", "path").iterator(chunk_size=5000)
    }
    counted = {p: ({}, {}, {}) for p in wanted}  # per subtree: organizations by check, for want of data, by problem
    for f in diagnose(organizations=organizations, period=period, root_path=root_path, detailed=False):
        for p in within.get(f.organization_id, ()):
            by_code, missing, problems = counted[p]
            by_code.setdefault(f.code, set()).add(f.organization_id)
            problems.setdefault(f.problem, set()).add(f.organization_id)
            if f.missing_data:
                missing.setdefault(f.code, set()).add(f.organization_id)
    pairs: dict[str, list[tuple[float, float]]] = {p: [] for p in wanted}
    diagnosed: Counter = Counter()
    for paths in within.values():
        diagnosed.update(paths)
    for s in standings(diagnosed_qs, period).values():
        if s.completion is not None and s.attainment is not None:
            for p in within.get(s.organization_id, ()):
                pairs[p].append((s.completion, s.attainment))
    out = {}
    for p, (by_code, missing, problems) in counted.items():
        ranked = [
            Ranked(CHECKS[code], len(orgs), len(missing.get(code, ())), sorted(orgs))
            for code, orgs in by_code.items()
            if code in CHECKS
        ]
        ranked.sort(key=lambda r: (-r.organizations, r.check.code))
        out[p] = Summary(
            diagnosed=diagnosed[p],
            ranked=ranked,
            by_problem={problem: len(problems.get(problem, ())) for problem in PROBLEMS},
            integration=stats.correlation([a for a, _b in pairs[p]], [b for _a, b in pairs[p]]),
        )
    return out


def summary_to_data(summary: Summary) -> dict:
    """The summary as plain data, for the cache."""
    c = summary.integration
    return {
        "diagnosed": summary.diagnosed,
        "ranked": [(r.check.code, r.organizations, r.missing_data, r.organization_ids) for r in summary.ranked],
        "by_problem": summary.by_problem,
        "integration": (c.n, c.rho, c.low, c.high),
    }


def summary_from_data(data: dict) -> Summary:
    return Summary(
        diagnosed=data["diagnosed"],
        ranked=[Ranked(CHECKS[code], n, missing, ids) for code, n, missing, ids in data["ranked"] if code in CHECKS],
        by_problem=data["by_problem"],
        integration=stats.Correlation(*data["integration"]),
    )


def counts_by_code(findings) -> Counter:
    return Counter(f.code for f in findings)
