"""Reads of the runs and their results, scoped by the policy (see the package's docstring for who sees what)."""

import datetime as dt

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone, translation

from grassroots.core.collation import by_reading
from grassroots.core.policy import Action, can, restrict, scope_q, subject
from grassroots.organizations.models import (
    Organization,
    subtree_q,
)

from ..engine import GRADE_ORDER
from ..models import (
    AssessmentRun,
    Grade,
    Result,
    RunState,
    Standing,
)

PUBLISHED = (RunState.PUBLISHED, RunState.CLOSED)
# A rank is called sensitive to the weights when its range under ±10% weights (worst - best) is wider than this share
# of the organizations ranked together, and never for a range of UNSTABLE_FLOOR places or fewer.
UNSTABLE_SHARE = 0.05
UNSTABLE_FLOOR = 2
# The weighted rank (rank in the level) is the rank that counts; TOPSIS ranks the same organizations as a cross-check.
# An organization whose two ranks lie more than this share of the organizations ranked apart is marked for a second
# look.
SECOND_LOOK_SHARE = 0.10


def visible_results(*, user):
    """Results the user may see, over all runs (see the module's docstring)."""
    qs = Result.objects.all()
    subj = subject(user)
    if subj.is_superuser:
        return qs
    whole_runs = restrict(user, Action.VIEW, AssessmentRun.objects.all()).values("pk")
    viewable = scope_q(user, Action.VIEW, Result)
    managed = scope_q(user, Action.MANAGE_STRUCTURE, Result)
    return qs.filter(Q(run_id__in=whole_runs) | (Q(run__state__in=PUBLISHED) & viewable) | managed)


def run_list(*, user):
    runs = AssessmentRun.objects.select_related("system", "period", "scope")
    if subject(user).is_superuser:
        return runs
    whole = scope_q(user, Action.VIEW, AssessmentRun)
    return runs.filter(whole | Q(pk__in=visible_results(user=user).values("run_id")))


def run_get(*, user, pk) -> AssessmentRun:
    return run_list(user=user).get(pk=pk)


def may_manage(user, run: AssessmentRun) -> bool:
    return can(user, Action.MANAGE_STRUCTURE, run.scope)


def result_list(*, user, run: AssessmentRun):
    return visible_results(user=user).filter(run=run).select_related("organization")


def results_to_export(*, user, results):
    """The results of `results` the user may export."""
    return restrict(user, Action.EXPORT, results)


def grade_counts(run: AssessmentRun, results=None) -> list[dict]:
    qs = results if results is not None else Result.objects.filter(run=run)
    counts = dict(qs.order_by().values_list("grade").annotate(n=Count("id")))
    total = sum(counts.values()) or 1
    labels = dict(Grade.choices + Standing.choices)
    # The four grades always; "not assessed" when some are.
    shown = [*GRADE_ORDER, *([Standing.NOT_ASSESSED] if counts.get(Standing.NOT_ASSESSED) else [])]
    return [
        {"grade": g, "label": labels[g], "count": counts.get(g, 0), "share": 100.0 * counts.get(g, 0) / total}
        for g in shown
    ]


# The orders of a list of results; those not assessed (no score, no rank) last in every order by a figure.
SORTS = {
    "rank": (F("rank_level").asc(nulls_last=True), "organization__path"),
    "score": (F("score").asc(nulls_last=True), "organization__path"),
    "-score": (F("score").desc(nulls_last=True), "organization__path"),
    "name": ("organization__name", "organization__path"),
    "closeness": (F("closeness").desc(nulls_last=True), "organization__path"),
    "topsis": (F("rank_topsis").asc(nulls_last=True), "organization__path"),
    "range": (F("spread").desc(nulls_last=True), F("rank_level").asc(nulls_last=True)),
    "path": ("organization__path",),
}


def filter_results(
    qs,
    *,
    organization: Organization | None = None,
    unit_type="",
    grade="",
    vetoed=None,
    second_look_limit: int | None = None,
    sort="",
):
    """Results filtered by subtree, kind of unit, grade, veto and (given its limit, see second_look_limit) those
    marked for a second look, in one of the orders of SORTS."""
    if second_look_limit is not None:
        qs = second_look(qs, second_look_limit)
    if organization is not None:
        qs = qs.filter(subtree_q(organization.path, "organization__path"))
    if unit_type:
        qs = qs.filter(organization__unit_type=unit_type)
    if grade:
        qs = qs.filter(grade=grade)
    if vetoed is not None:
        qs = qs.filter(vetoed=vetoed)
    qs = qs.annotate(spread=F("rank_high") - F("rank_low"))
    if sort == "name" and not translation.get_language().startswith("zh"):
        # By the name the reader sees: the English one where there is one.
        english = Lower(Coalesce(NullIf(F("organization__name_en"), Value("")), F("organization__name")))
        return qs.order_by(english, "organization__path")
    if sort == "name":
        return qs.order_by(by_reading("organization__name"), "organization__path")  # by pinyin
    return qs.order_by(*SORTS.get(sort, SORTS["rank"]))


def level_size(run: AssessmentRun) -> int:
    """How many organizations a run ranked together in the level (all of them, whoever reads)."""
    return Result.objects.filter(run=run).count()


def unstable_range(size: int) -> int:
    """The widest range of ranks (worst - best) still called stable among `size` organizations ranked together."""
    return max(UNSTABLE_FLOOR, int(size * UNSTABLE_SHARE))


def unstable(qs, limit: int):
    """The results whose range of ranks under ±10% weights is wider than `limit` places."""
    return qs.filter(rank_high__gt=F("rank_low") + limit)


def run_asof(run: AssessmentRun) -> dt.date:
    """The day the run counted up to (AssessmentRun.counted_to); today, within the period, before it is computed."""
    return run.counted_to or min(timezone.localdate(), run.period.end)


def published_runs(*, user=None):
    """The runs whose results count for what follows (cases, boards, commendations): published or closed, so
    computed as of their closing day or published early with a reason (AssessmentRun.objects.final()); those the
    user may see, or all of them without a user."""
    runs = AssessmentRun.objects.select_related("system", "period", "scope")
    if user is not None:
        runs = run_list(user=user)
    return runs.filter(pk__in=AssessmentRun.objects.final().values("pk"))


def ranked_count(run: AssessmentRun) -> int:
    """How many organizations the run ranked (those with a rank in the level), whoever reads."""
    return Result.objects.filter(run=run, rank_level__isnull=False).count()


def second_look_limit(size: int) -> int:
    """The widest gap between the weighted rank and the TOPSIS rank still not marked for a second look, among `size`
    organizations ranked: SECOND_LOOK_SHARE of them (a gap of whole places is wider than the share exactly when it
    is wider than its whole part)."""
    return int(size * SECOND_LOOK_SHARE)


def ranks_far_apart(rank_level: int | None, rank_topsis: int | None, limit: int) -> bool:
    """Whether a weighted rank and a TOPSIS rank lie more than `limit` places apart (see second_look_limit); never
    without both ranks."""
    return rank_level is not None and rank_topsis is not None and abs(rank_level - rank_topsis) > limit


def needs_second_look(result: Result, limit: int) -> bool:
    """Whether the result is marked for a second look: its two ranks are far apart (ranks_far_apart)."""
    return ranks_far_apart(result.rank_level, result.rank_topsis, limit)


def second_look(qs, limit: int):
    """The results of `qs` that needs_second_look."""
    return qs.filter(
        Q(rank_topsis__gt=F("rank_level") + limit) | Q(rank_level__gt=F("rank_topsis") + limit),
        rank_level__isnull=False,
        rank_topsis__isnull=False,
    )


def runs_to_advance(*, user, today: dt.date | None = None):
    """The assessments the user runs that wait for a step of theirs: computed ones to publish, and open or collecting
    ones whose period has ended, to compute. The start page counts them; the list of assessments shows them alone."""
    today = today or timezone.localdate()
    managed = restrict(user, Action.MANAGE_STRUCTURE, Organization.objects.all())
    due = Q(state__in=[RunState.OPEN, RunState.COLLECTING], period__end__lt=today) | Q(state=RunState.COMPUTED)
    return run_list(user=user).filter(due, scope__in=managed)
