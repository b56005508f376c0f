"""Reads of the appeals: the branch's list and one appeal (the policy's VIEW: the organization's secretary, officers
and auditors, and the scopes above it), the requester's own appeal by its code (VIEW_PUBLIC, the public role), and
the figures of a subtree per child organization (response time and satisfaction), in one grouped query."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from grassroots.core.policy import Action, can, restrict
from grassroots.core.tree import subtree_q
from grassroots.organizations.models import Organization

from ..models import ANSWER_DAYS, Appeal, hash_follow_code, normalize_follow_code

# Satisfaction is shown only where this many ratings were given: fewer say nothing either way.
MIN_RATINGS = 3


def appeal_list(
    *,
    user,
    organization: Organization | None = None,
    state: str = "",
    category: str = "",
    unread: bool = False,
    overdue: bool = False,
) -> QuerySet:
    """The appeals the user may read, newest first; narrowed to an organization's subtree, a state, a category, the
    unread ones (not yet opened by one who answers) or the overdue ones (no response within ANSWER_DAYS days)."""
    qs = restrict(user, Action.VIEW, Appeal.objects.select_related("organization", "assignment"))
    if organization is not None:
        qs = qs.filter(subtree_q(organization.path, "organization__path"))
    if state:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category=category)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if overdue:
        qs = qs.filter(overdue_q())
    return qs.order_by("-created_at", "-pk")


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Appeals with no response whose days to answer in have passed (Appeal.is_overdue, as a filter)."""
    limit = (now or timezone.now()) - dt.timedelta(days=ANSWER_DAYS)
    return Q(first_response_at__isnull=True, created_at__lt=limit)


def appeal_of(*, user, pk: int) -> Appeal | None:
    return appeal_list(user=user).select_related("photo").filter(pk=pk).first()


def may_answer(user, appeal: Appeal) -> bool:
    return can(user, Action.CHANGE, appeal.organization)


def may_read_phone(user, appeal: Appeal) -> bool:
    """Whether the user's role reads a requester's phone unmasked (each reading audited by the service)."""
    return can(user, Action.VIEW_PERSONAL, appeal)


def appeal_organizations(*, user) -> QuerySet:
    """The organizations whose appeals the user reads (to narrow the list to one)."""
    return restrict(user, Action.VIEW, Organization.objects.filter(is_active=True)).order_by("path")


# ---------------------------------------------------------------- the public


def public_organization(*, user, code: str) -> Organization | None:
    """An organization that receives appeals on its public page, as the public reads it."""
    qs = Organization.objects.filter(is_active=True, code=(code or "")[:50])
    return restrict(user, Action.VIEW_PUBLIC, qs).first()


def public_appeal(*, user, organization: Organization, code: str) -> Appeal | None:
    """The appeal that a follow code opens, on its organization's page: the requester's own, nothing else."""
    code = normalize_follow_code(code)
    if not code:
        return None
    qs = Appeal.objects.filter(organization=organization, follow_hash=hash_follow_code(code))
    return restrict(user, Action.VIEW_PUBLIC, qs.select_related("assignment")).first()


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    """An organization's (or a subtree's) appeals in a span: how many, how fast answered, how satisfied."""

    organization: Organization | None
    received: int = 0
    responded: int = 0
    in_time: int = 0
    overdue: int = 0  # no response and the days to answer in have passed
    rated: int = 0
    satisfied: int = 0  # rated 4 or 5
    response: dt.timedelta | None = None  # the average time to the first response
    rating: float | None = None  # the average rating, where at least MIN_RATINGS were given
    own: bool = False  # the organization's own appeals, not its subtree's
    notes: list = field(default_factory=list)

    @property
    def response_days(self) -> float | None:
        return None if self.response is None else self.response.total_seconds() / 86400

    @property
    def in_time_share(self) -> float | None:
        return self.in_time / self.responded if self.responded else None

    @property
    def enough_ratings(self) -> bool:
        return self.rated >= MIN_RATINGS


def _aggregates(now: dt.datetime) -> dict:
    in_time = Q(response_seconds__lte=ANSWER_DAYS * 86400)
    return {
        "received": Count("pk"),
        "responded": Count("pk", filter=Q(first_response_at__isnull=False)),
        "in_time": Count("pk", filter=in_time),
        "overdue": Count("pk", filter=overdue_q(now)),
        "rated": Count("pk", filter=Q(rating__isnull=False)),
        "satisfied": Count("pk", filter=Q(rating__gte=4)),
        "response": Avg("response_seconds"),
        "rating": Avg("rating"),
    }


def _figures(organization, row: dict | None, own: bool = False) -> Figures:
    out = Figures(organization=organization, own=own)
    if row:
        for name in (*COUNTS, "response", "rating"):
            setattr(out, name, row[name])
    if out.rated < MIN_RATINGS:
        out.rating = None
    if out.response is not None:
        out.response = _as_timedelta(out.response)
    return out


COUNTS = ("received", "responded", "in_time", "overdue", "rated", "satisfied")


def _combined(rows) -> dict:
    """The figures of several groups as one: counts summed, averages weighted by what each averaged over."""
    rows = list(rows)
    out = {name: sum(r[name] for r in rows) for name in COUNTS}
    took = [(_as_timedelta(r["response"]), r["responded"]) for r in rows if r["response"] is not None]
    out["response"] = sum((t * n for t, n in took), dt.timedelta()) / out["responded"] if took else None
    rated = [(r["rating"], r["rated"]) for r in rows if r["rating"] is not None]
    out["rating"] = sum(a * n for a, n in rated) / out["rated"] if rated else None
    return out


def _as_timedelta(value) -> dt.timedelta:
    """An average of seconds as a duration."""
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=float(value))


def _span(qs, start: dt.date | None, end: dt.date | None):
    if start is not None:
        qs = qs.filter(created_at__date__gte=start)
    if end is not None:
        qs = qs.filter(created_at__date__lte=end)
    return qs


def subtree_figures(
    *, user, organization: Organization, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[Figures, list[Figures]]:
    """The figures of an organization's whole subtree, and per child organization (each with its own subtree; the
    organization's own appeals first when it has any), in one grouped query: every appeal of the subtree grouped by
    its organization's path cut to the children's length (a child's path and all below it share that prefix); the
    whole is the groups combined."""
    now = timezone.now()
    qs = _span(
        restrict(user, Action.VIEW, Appeal.objects.filter(subtree_q(organization.path, "organization__path"))),
        start,
        end,
    )
    length = len(organization.path) + Organization.steplen
    rows = {
        r["branch"]: r
        for r in qs.annotate(branch=Substr("organization__path", 1, length))
        .values("branch")
        .annotate(**_aggregates(now))
        .order_by()
    }
    total = _figures(organization, _combined(rows.values()))
    children = list(
        restrict(user, Action.VIEW, Organization.objects.filter(parent=organization, is_active=True)).order_by("path")
    )
    per = [_figures(child, rows.get(child.path)) for child in children]
    if organization.path in rows:
        per.insert(0, _figures(organization, rows[organization.path], own=True))
    return total, per


def figures_by_organization(*, organizations, start: dt.date, end: dt.date) -> dict[int, Figures]:
    """Each organization's own appeals received in a span, by id (one grouped query), for the diagnosis."""
    now = timezone.now()
    qs = _span(Appeal.objects.filter(organization__in=organizations), start, end)
    rows = qs.values("organization_id").annotate(**_aggregates(now)).order_by()
    return {r["organization_id"]: _figures(None, r) for r in rows}
