"""Where each member was, day by day, in the days an assessment counts (its period's first day to its as-of day).

Most members stayed where they are all along: the set-based statements count them whole in their organization of
today. The few who moved (a completed transfer decided after the first day) or left (a status other than active,
since a day after the first) are counted here instead, for each organization they were in, for the days they were
there (their stays):
- a transfer completes on the day it is decided (organizations.services._complete_transfer): the member belongs to
  the organization they came from until the day before, and to the one they went to from that day on;
- a member who left belongs to their last organization until the day before they left (Member.left_on); one who left
  on a day not recorded counts nowhere, as none who left counted before the day was kept.

Each stay counts for its share of those days (a member who never moved: share 1 in their organization).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from grassroots.organizations.models import Member, MemberStatus, Organization, Transfer, TransferState

# Members per IN list of a query about the members who moved.
CHUNK = 500


def chunks(ids, size: int = CHUNK):
    """`ids` sorted, in lists of at most `size`."""
    ordered = sorted(ids)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


@dataclass(frozen=True)
class Stay:
    """A member in an organization from the day `first` to the day `last`, both counted."""

    member_id: int
    organization_id: int
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def holds(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass
class Moves:
    """The members who moved or left after the first day counted (`start`), each with their stays up to `asof`
    (none for one who left before the first day or on a day not recorded), their organization today, and the path of
    every organization named."""

    start: dt.date
    asof: dt.date
    stays: dict = field(default_factory=dict)  # member id -> [Stay], in date order
    now: dict = field(default_factory=dict)  # member id -> organization id today
    paths: dict = field(default_factory=dict)  # organization id -> path

    @property
    def days(self) -> int:
        """The days counted: the first day to the as-of day."""
        return max(1, (self.asof - self.start).days + 1)

    @property
    def members(self) -> list[int]:
        return sorted(self.stays)

    def share(self, stay: Stay) -> float:
        """The part of the days counted that the stay covers."""
        return stay.days / self.days

    def where(self, member_id: int, day: dt.date) -> int | None:
        """The organization the member belonged to on `day` (None: not a member then, or a day not counted)."""
        return next((s.organization_id for s in self.stays.get(member_id, ()) if s.holds(day)), None)

    def inside(self, organization_id: int | None, path: str) -> bool:
        """Whether the organization lies in the subtree at `path`."""
        return organization_id is not None and self.paths.get(organization_id, "\x00").startswith(path)

    def within(self, path: str) -> list[Stay]:
        """The stays in organizations of the subtree at `path`, member by member."""
        return [s for m in self.members for s in self.stays[m] if self.inside(s.organization_id, path)]


def moves_in(start: dt.date, asof: dt.date, path: str = "") -> Moves:
    """The members who moved or left after `start`, with their stays from `start` to `asof`; with `path`, only those
    who belong to its subtree today or stayed in it."""
    moves = Moves(start, asof)
    # A transfer decided on the first day moves the member before anything is counted.
    since = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=1), dt.time.min))
    moved = defaultdict(list)
    for member_id, day, origin in (
        Transfer.objects.filter(state=TransferState.COMPLETED, decided_at__gte=since)
        .order_by("decided_at", "id")
        .values_list("member_id", "decided_at", "from_organization_id")
    ):
        moved[member_id].append((timezone.localdate(day), origin))
    members = list(
        Member.objects.filter(left_on__gt=start)
        .exclude(status=MemberStatus.ACTIVE)
        .values_list("pk", "organization_id", "status", "left_on")
    )
    known = {m[0] for m in members}
    for chunk in chunks(set(moved) - known):
        members += Member.objects.filter(pk__in=chunk).values_list("pk", "organization_id", "status", "left_on")
    for member_id, organization_id, status, left_on in members:
        moves.now[member_id] = organization_id
        moves.stays[member_id] = _stays(member_id, organization_id, status, left_on, moved[member_id], start, asof)
    named = set(moves.now.values()) | {origin for changes in moved.values() for _day, origin in changes}
    for chunk in chunks(named):
        moves.paths.update(Organization.objects.filter(pk__in=chunk).values_list("pk", "path"))
    if path:
        for member_id in list(moves.stays):
            here = moves.inside(moves.now[member_id], path)
            if not here and not any(moves.inside(s.organization_id, path) for s in moves.stays[member_id]):
                del moves.stays[member_id], moves.now[member_id]
    return moves


def _stays(member_id, organization_id, status, left_on, changes, start, asof) -> list[Stay]:
    """A member's stays from `start` to `asof`: before each transfer in the organization it took them from, after
    the last in their organization today; up to the day before they left."""
    end = asof
    if status != MemberStatus.ACTIVE:
        if left_on is None:
            return []
        end = min(end, left_on - dt.timedelta(days=1))
    spans, since = [], dt.date.min
    for day, origin in changes:
        spans.append((origin, since, day - dt.timedelta(days=1)))
        since = day
    spans.append((organization_id, since, dt.date.max))
    stays = []
    for org, first, last in spans:
        first, last = max(first, start), min(last, end)
        if first <= last:
            stays.append(Stay(member_id, org, first, last))
    return stays
