"""Reads of a run's inputs: vetoes, entered values, the organizations assessed, who may rate whom, links issued."""

from django.db.models import Count, Q

from grassroots.core.policy import Action, restrict, roles_with, subject
from grassroots.organizations.models import (
    Grant,
    Organization,
    subtree_q,
)

from ..models import (
    AssessmentRun,
    EnteredValue,
    Indicator,
    IndicatorKind,
    RaterGroup,
    RaterKind,
    Rating,
    RunState,
    VetoEvent,
)


def veto_event_list(*, user):
    """Every veto event the user may see, newest first."""
    qs = VetoEvent.objects.select_related("organization", "period")
    return restrict(user, Action.VIEW, qs).order_by("-occurred_on", "-id")


def veto_list(*, user, run: AssessmentRun):
    return (
        restrict(user, Action.VIEW, VetoEvent.objects.select_related("organization", "recorded_by", "withdrawn_by"))
        .filter(
            subtree_q(run.scope.path, "organization__path"),
            occurred_on__gte=run.period.start,
            occurred_on__lte=run.period.end,
        )
        .order_by("-occurred_on", "-id")
    )


def entered_list(*, user, run: AssessmentRun):
    return (
        restrict(user, Action.VIEW, EnteredValue.objects.select_related("organization", "indicator", "entered_by"))
        .filter(run=run)
        .order_by("organization__path", "indicator__position", "id")
    )


def entered_value_list(*, user):
    """Every value entered by hand that the user may see, by run and tree order."""
    qs = EnteredValue.objects.select_related("organization", "indicator", "run")
    return restrict(user, Action.VIEW, qs).order_by("run_id", "organization__path", "id")


def entered_indicators(run: AssessmentRun) -> list[Indicator]:
    """Indicators whose values are entered by hand: 'entered' ones, and bonuses without a metric."""
    return [
        i
        for i in run.system.indicators.order_by("position", "id")
        if i.kind == IndicatorKind.ENTERED or (i.kind == IndicatorKind.BONUS and not i.metric)
    ]


def _scope_organizations(user, run: AssessmentRun, action: str, **filters):
    """The active organizations of a run's scope that the user may `action`, in tree order."""
    qs = Organization.objects.filter(subtree_q(run.scope.path), is_active=True, **filters).order_by("path")
    return restrict(user, action, qs)


def assessed_organizations(*, user, run: AssessmentRun, action: str = Action.VIEW):
    """The organizations a run assesses (of the system's kind, active, in the scope) that the user may `action`."""
    return restrict(user, action, Organization.objects.filter(run.assessed_q()).order_by("path"))


def veto_organizations(*, user, run: AssessmentRun):
    """Where the user may record a veto of the run's period: the organizations of the scope they manage, of any
    kind (a discipline case in a party group vetoes its branch; the service refuses one above every organization
    assessed, which would veto nothing)."""
    return _scope_organizations(user, run, Action.MANAGE_STRUCTURE)


# The rater groups whose raters rate with their account, in the order they are offered.
ACCOUNT_RATERS = [RaterKind.SUPERIOR, RaterKind.PEERS, RaterKind.MEMBERS]


def ratable(*, user, run: AssessmentRun, kind: str):
    """The organizations of a run a user may rate with their account as `kind`, as the rating service checks it:
    as superior, those they are the nearest officers above (_nearest_superior_q); as a peer, the siblings of
    organizations they work for (not those they work for); as a member, their own organization. None when the run
    does not ask that group."""
    if not run.accepts_ratings or not run.rater_groups.filter(kind=kind).exists():
        return Organization.objects.none()
    return _ratable(user, run, kind)


def rating_ended_for(*, user, run: AssessmentRun, kind: str) -> bool:
    """Whether the user was a rater of the run as `kind` whose rating has ended (its results are published)."""
    if run.accepts_ratings or not run.rater_groups.filter(kind=kind).exists():
        return False
    return _ratable(user, run, kind).exists()


def _ratable(user, run: AssessmentRun, kind: str):
    """ratable, for a run known to be collecting the ratings of the group `kind`."""
    assessed = Organization.objects.filter(run.assessed_q())
    if kind == RaterKind.SUPERIOR:
        return assessed.filter(_nearest_superior_q(user)).order_by("path")
    if kind == RaterKind.PEERS:
        mine = restrict(user, Action.CHANGE, Organization.objects.all())
        return assessed.filter(parent__in=mine.values("parent")).exclude(pk__in=mine.values("pk")).order_by("path")
    if kind == RaterKind.MEMBERS:
        member = subject(user).member
        return assessed.filter(pk=member.organization_id) if member else Organization.objects.none()
    return Organization.objects.none()


MANAGING_ROLES = roles_with(Action.MANAGE_STRUCTURE)


def _nearest_superior_q(user) -> Q:
    """The organizations the user rates as their superior: those below an organization where the user is an officer
    with no organization with officers of its own in between. A township rates its villages, and the branches of
    its general branches, which have a secretary but no officers; the county rates only what no township stands
    between it and (it would otherwise rate every branch of every township, averaged with the township's ratings).
    Officers are active users granted a role that manages the structure of an active organization; a superuser
    rates by their grants, as anyone. Asked once per request (it is on every start page): one query for the
    officers below the user's grants, then path ranges (the subtrees of the nearest officers below each grant left
    out), which the path index serves at any size."""
    subj = subject(user)
    cached = getattr(subj, "_nearest_superior_q", None)
    if cached is not None:
        return cached
    granted = sorted({path for path, role in subj.grants if role in MANAGING_ROLES})
    q = Q(pk__in=[])
    if granted:
        within = Q(pk__in=[])
        for path in granted:
            within |= subtree_q(path, "organization__path")
        officers = sorted(
            set(
                Grant.objects.filter(
                    within, role__in=MANAGING_ROLES, user__is_active=True, organization__is_active=True
                ).values_list("organization__path", flat=True)
            )
        )
        for path in granted:
            below = []  # the nearest organizations with officers strictly below `path`
            for other in officers:
                if other.startswith(path) and other != path and not (below and other.startswith(below[-1])):
                    below.append(other)
            region = subtree_q(path, "path") & ~Q(path=path)
            for other in below:
                region &= ~(subtree_q(other, "path") & ~Q(path=other))
            q |= region
    subj._nearest_superior_q = q
    return q


def rated_by(*, user, run: AssessmentRun, kind: str) -> set[int]:
    """The organizations the user has rated in the run as `kind`."""
    return set(
        Rating.objects.filter(group__run=run, group__kind=kind, rater=user).values_list("organization_id", flat=True)
    )


def ratings_to_give(*, user) -> list[dict]:
    """The runs still collecting ratings in which the user may rate some organization with their account: per run
    and rater group, how many they may rate and how many they have rated. Asked on every start page: one query for
    the groups, one for what the user has rated, and a count per group."""
    groups = list(
        RaterGroup.objects.filter(
            run__state__in=[RunState.OPEN, RunState.COLLECTING, RunState.COMPUTED], kind__in=ACCOUNT_RATERS
        )
        .select_related("run__system", "run__period", "run__scope")
        .order_by("-run__period__start", "run__scope__path", "run_id")
    )
    done = dict(
        Rating.objects.filter(rater=user, group__in=groups)
        .order_by()
        .values_list("group_id")
        .annotate(n=Count("organization_id", distinct=True))
    )
    runs = {pk: n for n, pk in enumerate(dict.fromkeys(g.run_id for g in groups))}
    groups.sort(key=lambda g: (runs[g.run_id], ACCOUNT_RATERS.index(g.kind)))  # a run's groups in the usual order
    out = []
    for group in groups:
        count = _ratable(user, group.run, group.kind).count()
        if count:
            out.append(
                {
                    "run": group.run,
                    "kind": group.kind,
                    "label": RaterKind(group.kind).label,
                    "count": count,
                    "done": done.get(group.pk, 0),
                    "left": max(0, count - done.get(group.pk, 0)),
                }
            )
    return out


def token_counts(run: AssessmentRun) -> list[dict]:
    """Rating links issued and used, and ratings given with an account (organization and rater), per rater group."""
    out = []
    for group in RaterGroup.objects.filter(run=run).annotate(
        issued=Count("tokens"), used=Count("tokens", filter=Q(tokens__used_at__isnull=False))
    ):
        by_account = (
            Rating.objects.filter(group=group, token__isnull=True).values("organization_id", "rater_id").distinct()
        )
        out.append({"group": group, "issued": group.issued, "used": group.used, "by_account": by_account.count()})
    return out
