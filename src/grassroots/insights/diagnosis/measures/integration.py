"""Problem 3, party work apart from business work ("two skins", 两张皮): the share of the duties received that serve a
business objective, and the integration index: whether an organization that completes its linked duties moves its
own objectives more than comparable organizations (same kind, same unit type, same committee above)."""

import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy

from grassroots.duties.models import Assignment, AssignmentState, BusinessObjective, ObjectiveValue
from grassroots.organizations.models import Organization

from ..checks import Finding, check
from .base import CHANGE, as_of, ids, link, number, percent, ratio, started
from .base import tr as _

FEW_PEERS = 5  # fewer comparable organizations than this: the finding says the comparison is thin
UNCOUNTED = (AssignmentState.DRAFT, AssignmentState.CANCELLED)


@dataclass
class Standing:
    """One organization's two shares: its linked duties completed, its own objectives moved."""

    organization_id: int
    parent_id: int | None
    kind: str
    unit_type: str
    received: int = 0  # assignments received in the period
    linked: int = 0  # of them, serving a business objective
    linked_due: int = 0  # linked and due by the day read
    linked_done: int = 0  # of those, accepted
    objectives: int = 0  # own objectives of the period with a value measured by the day read
    attainment: float | None = None  # their mean share of the way from baseline to target

    @property
    def completion(self) -> float | None:
        return self.linked_done / self.linked_due if self.linked_due else None

    @property
    def peer_key(self) -> tuple:
        return (self.parent_id, self.kind, self.unit_type)


def standings(organizations, period) -> dict[int, Standing]:
    """Both shares for every organization of the set, in three queries whatever its size."""
    upto = as_of(period)
    out = {
        pk: Standing(pk, parent, kind, unit)
        for pk, parent, kind, unit in organizations.order_by().values_list("pk", "parent_id", "kind", "unit_type")
    }
    linked = Q(duty__objective__isnull=False)
    rows = (
        Assignment.objects.filter(organization__in=ids(organizations), due_on__range=(period.start, period.end))
        .exclude(state__in=UNCOUNTED)
        .order_by()
        .values("organization_id")
        .annotate(
            received=Count("id"),
            linked=Count("id", filter=linked),
            linked_due=Count("id", filter=linked & Q(due_on__lte=upto)),
            linked_done=Count("id", filter=linked & Q(due_on__lte=upto, state=AssignmentState.ACCEPTED)),
        )
    )
    for row in rows:
        s = out[row["organization_id"]]
        s.received, s.linked, s.linked_due, s.linked_done = (
            row["received"],
            row["linked"],
            row["linked_due"],
            row["linked_done"],
        )
    latest = ObjectiveValue.objects.filter(objective=OuterRef("pk"), measured_on__lte=upto).order_by(
        "-measured_on", "-id"
    )
    objectives = (
        BusinessObjective.objects.filter(organization__in=ids(organizations), period=period)
        .annotate(latest=Subquery(latest.values("value")[:1]))
        .filter(latest__isnull=False)
        .order_by()
    )
    shares: dict[int, list[float]] = {}
    for objective in objectives.only("pk", "organization_id", "baseline", "target"):
        shares.setdefault(objective.organization_id, []).append(objective.attainment(objective.latest))
    for org_id, values in shares.items():
        out[org_id].objectives = len(values)
        out[org_id].attainment = sum(values) / len(values)
    return out


@check(
    code="integration.linked",
    problem="integration",
    label=gettext_lazy("Duties linked to a business objective"),
    threshold=Decimal("0.30"),
    rule=gettext_lazy("Share of the duties received in the period that serve a business objective: at least"),
)
def linked(organizations, period, threshold):
    if not started(period):
        return
    for org_id, s in standings(organizations, period).items():
        share = ratio(s.linked, s.received)
        if s.received and share >= threshold:
            continue
        if s.received:
            text = _(
                "%(linked)d of the %(received)d duties received in %(period)s serve a business objective (%(share)s; at "
                "least %(threshold)s asked): party work runs apart from the unit's own work."
            ) % {
                "linked": s.linked,
                "received": s.received,
                "period": period.code,
                "share": percent(share),
                "threshold": percent(threshold),
            }
        else:
            text = _(
                "No duty was received in %(period)s: the data is missing, whether party work serves the business "
                "cannot be judged."
            ) % {"period": period.code}
        yield Finding(
            organization_id=org_id,
            problem="integration",
            code="integration.linked",
            text=text,
            measured=share,
            threshold=threshold,
            evidence=[
                link(_("Duty lists"), "duties:org_lists", org_id),
                link(_("Business objectives"), "duties:objectives", org_id),
            ],
            actions=[
                link(
                    _("Issue a duty serving a business objective"),
                    "insights:new_duty",
                    org_id,
                    CHANGE,
                    period=period.code,
                    dimension="organizational",
                )
            ],
            missing_data=not s.received,
            unit="share",
        )


def peer_medians(all_standings: dict[int, Standing]) -> dict[int, tuple[float | None, int]]:
    """For each organization: the median attainment of its comparable organizations (same committee above, same kind,
    same unit type, with a measured objective; itself left out) and how many they are."""
    groups: dict[tuple, list[tuple[int, float]]] = {}
    for s in all_standings.values():
        if s.attainment is not None:
            groups.setdefault(s.peer_key, []).append((s.organization_id, s.attainment))
    out = {}
    for org_id, s in all_standings.items():
        peers = [a for pk, a in groups.get(s.peer_key, []) if pk != org_id]
        out[org_id] = (statistics.median(peers) if peers else None, len(peers))
    return out


@check(
    code="integration.index",
    problem="integration",
    label=gettext_lazy("Integration index: do completed duties move the objectives?"),
    threshold=Decimal("0.20"),
    rule=gettext_lazy(
        "How far the organization's objectives may lag behind the median of comparable organizations (share of the way "
        "from baseline to target): at most"
    ),
)
def index(organizations, period, threshold):
    if not started(period):
        return
    mine = standings(organizations, period)
    # The comparable organizations: those under the same committees, of the same kinds (one more pass of queries).
    parents = {s.parent_id for s in mine.values()}
    kinds = {s.kind for s in mine.values()}
    population = standings(Organization.objects.filter(parent_id__in=parents, kind__in=kinds), period)
    medians = peer_medians(population)
    for org_id, s in mine.items():
        evidence = [link(_("Business objectives"), "duties:objectives", org_id)]
        if s.attainment is None:
            yield Finding(
                organization_id=org_id,
                problem="integration",
                code="integration.index",
                text=_(
                    "No business objective of %(period)s has a measured value: the data is missing, whether party work "
                    "moves the business cannot be judged."
                )
                % {"period": period.code},
                evidence=evidence,
                actions=[link(_("Set or measure a business objective"), "duties:objectives", org_id, CHANGE)],
                missing_data=True,
                unit="index",
            )
            continue
        median, peers = medians.get(org_id, (None, 0))
        if median is None:
            continue
        gap = Decimal(str(round(s.attainment - median, 3)))
        if gap >= -threshold:
            continue
        completion = s.completion
        words = {
            "attained": percent(Decimal(str(s.attainment))),
            "median": percent(Decimal(str(median))),
            "peers": peers,
            "gap": number(gap * 100),
            "threshold": number(threshold * 100),
        }
        if completion is not None and completion >= 0.8:
            text = _(
                "Its linked duties are done (%(done)s), yet its objectives moved %(attained)s of the way against "
                "%(median)s for the %(peers)d comparable organizations (%(gap)s points; a lag of at most %(threshold)s "
                "allowed): party work and business work run apart."
            ) % {**words, "done": percent(Decimal(str(round(completion, 3))))}
        elif completion is not None:
            text = _(
                "Its linked duties are %(done)s done and its objectives moved %(attained)s of the way against %(median)s "
                "for the %(peers)d comparable organizations (%(gap)s points; a lag of at most %(threshold)s allowed)."
            ) % {**words, "done": percent(Decimal(str(round(completion, 3))))}
        else:
            text = (
                _(
                    "No duty serving an objective was due, and its objectives moved %(attained)s of the way against "
                    "%(median)s for the %(peers)d comparable organizations (%(gap)s points; a lag of at most %(threshold)s "
                    "allowed)."
                )
                % words
            )
        if peers < FEW_PEERS:
            text += " " + _("Only %(peers)d comparable organizations: read it with care.") % {"peers": peers}
        yield Finding(
            organization_id=org_id,
            problem="integration",
            code="integration.index",
            text=text,
            measured=gap,
            threshold=-threshold,
            evidence=[*evidence, link(_("Duty lists"), "duties:org_lists", org_id)],
            actions=[
                link(
                    _("Issue a duty serving a business objective"),
                    "insights:new_duty",
                    org_id,
                    CHANGE,
                    period=period.code,
                    dimension="organizational",
                )
            ],
            unit="index",
        )
