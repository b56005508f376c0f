"""What the year's modules share: levels of work, the county as arrays, clocks, stamps and dates."""

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.db import connection
from django.utils import timezone

from grassroots.organizations.models import Member, Organization, OrgKind, Post, subtree_q

EXCELLENT, GOOD, FAIR, POOR = 0, 1, 2, 3  # a branch's level of work: 好 / 较好 / 一般 / 差
TIER_SHARES = (0.10, 0.60, 0.20, 0.10)

# ---------------------------------------------------------------------------------------------------------
# Small helpers


class _Clock:
    def __init__(self, stdout):
        self.start = time.monotonic()
        self.stdout = stdout

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"{text} ({time.monotonic() - self.start:.1f} s)\n")

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self.start, 1)


class _Stamps:
    """Database-ready timestamps of a day and hour (cached: rows by the hundred thousand share a few)."""

    def __init__(self):
        self.cache = {}

    def __call__(self, day: dt.date, hour: int = 20, minute: int = 0):
        key = day.toordinal() * 10_000 + hour * 100 + minute
        value = self.cache.get(key)
        if value is None:
            aware = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
            value = self.cache[key] = connection.ops.adapt_datetimefield_value(aware)
        return value


def _aware(day: dt.date, hour: int = 20, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _clamp(day: dt.date, lo: dt.date, hi: dt.date) -> dt.date:
    return min(max(day, lo), hi)


def _md(year: int, month: int, day: int) -> dt.date:
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


def _cn_date(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _decimal(value: float) -> str:
    return str(Decimal(str(round(float(value), 1))))


# ---------------------------------------------------------------------------------------------------------
# The county as arrays


class _County:
    """Organizations, members and posts of the scope, loaded once."""

    def __init__(self, root: Organization, today: dt.date, rng):
        self.root = root
        orgs = list(
            Organization.objects.filter(subtree_q(root.path), is_active=True)
            .order_by("path")
            .values_list("id", "path", "kind", "unit_type", "parent_id", "name")
        )
        self.org = {o[0]: o for o in orgs}
        self.branches = [o[0] for o in orgs if o[2] == OrgKind.BRANCH]
        self.groups_of: dict[int, list[int]] = defaultdict(list)
        for o in orgs:
            if o[2] == OrgKind.GROUP and o[4] in self.org:
                self.groups_of[o[4]].append(o[0])
        self.villages = [b for b in self.branches if self.org[b][3] == "village"]
        self.townships = [o[0] for o in orgs if o[2] == OrgKind.COMMITTEE and o[3] in ("township", "subdistrict")]
        members = list(
            Member.objects.filter(subtree_q(root.path, "organization__path"), status="active")
            .order_by("organization_id", "id")
            .values_list("id", "organization_id", "birth_date", "category", "occupation", "joined_on", "user_id")
        )
        self.member_ids = np.array([m[0] for m in members], dtype=np.int64)
        self.member_org = np.array([m[1] for m in members], dtype=np.int64)
        t0 = today.toordinal()
        self.age = np.array([(t0 - m[2].toordinal()) // 365 if m[2] else 50 for m in members], dtype=np.int64)
        self.full = np.array([m[3] == "full" for m in members])
        self.migrant = np.array([m[4] == "外出务工人员" for m in members])
        self.joined = np.array([m[5].toordinal() if m[5] else t0 - 3650 for m in members], dtype=np.int64)
        self.user_of = {m[0]: m[6] for m in members if m[6]}
        self.index = {int(m): i for i, m in enumerate(self.member_ids.tolist())}
        self.of_branch: dict[int, np.ndarray] = {}
        if len(members):
            cuts = np.flatnonzero(np.diff(self.member_org)) + 1
            starts = np.r_[0, cuts]
            ends = np.r_[cuts, len(members)]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                self.of_branch[int(self.member_org[s])] = np.arange(s, e)
        posts = Post.objects.filter(subtree_q(root.path, "organization__path"), ended_on__isnull=True).values_list(
            "member_id", "organization_id", "title"
        )
        self.cadre = np.zeros(len(members), dtype=bool)
        self.committee_of: dict[int, list[int]] = defaultdict(list)
        self.secretary_of: dict[int, int] = {}
        self.leader_of: dict[int, int] = {}
        for member_id, org_id, title in posts:
            i = self.index.get(member_id)
            if i is None:
                continue
            self.cadre[i] = True
            if title == "group_leader":
                self.leader_of[org_id] = member_id
            else:
                self.committee_of[org_id].append(member_id)
            if title == "secretary":
                self.secretary_of[org_id] = member_id
        # Members of each party group: the branch's members dealt round-robin, the leader in his own group.
        self.group_members: dict[int, list[int]] = {}
        for branch, groups in self.groups_of.items():
            rows = self.of_branch.get(branch, np.array([], dtype=np.int64))
            ids = self.member_ids[rows].tolist()
            for k, group in enumerate(groups):
                chosen = set(ids[k :: len(groups)])
                if group in self.leader_of:
                    chosen.add(self.leader_of[group])
                self.group_members[group] = sorted(chosen)
        # Levels of work: drawn by quota, so small trees get every level.
        order = rng.permutation(len(self.branches))
        cut = np.cumsum(TIER_SHARES) * len(self.branches)
        self.tier = {}
        for rank, b in enumerate(order.tolist()):
            self.tier[self.branches[b]] = int(np.searchsorted(cut, rank + 0.5))

    def under(self, org_id: int, top_id: int) -> bool:
        return self.org[org_id][1].startswith(self.org[top_id][1])

    def tier_of(self, org_id: int) -> int:
        """A branch's own level; a committee or general branch works as a fairly good one."""
        return self.tier.get(org_id, GOOD)


class _Levels:
    """What a branch's level of work makes of its records."""

    # By level of work (good, fairly good, average, poor), tuned so that the engine's grades come out near
    # the reference's 10/60/20/10. First what every branch of the level does: how past assignments end, ...
    ACCEPT = (0.995, 0.985, 0.85, 0.65)  # accepted by today
    ACCEPT_KEY = (0.998, 0.99, 0.96, 0.85)  # key work and major tasks
    LATE = (0.03, 0.1, 0.4, 0.8)  # accepted after the due date
    RETURNED = (0.02, 0.05, 0.15, 0.5)  # a report returned before the accepted one
    # ... required meetings missed (the chance of any gap, and at most how many), ...
    GAPS = (0.0, 0.03, 0.6, 0.9)
    MOST_MISSED = (1, 1, 2, 8)
    # ... study, talks and care (visits at July 1st and in the autumn besides Spring Festival); ...
    STUDY_HOURS = (37.0, 24.0, 19.0, 19.0)  # mean hours a year of a member
    TALKED = (0.99, 0.9, 0.6, 0.4)  # members with a heart-to-heart talk in a year
    JULY_VISIT = (0.8, 0.6, 0.35, 0.15)
    AUTUMN_VISIT = (0.9, 0.7, 0.5, 0.3)
    # ... and of the members whose last visit would be long past their interval, those visited in late spring, over
    # six months before the day the year is read (still late, but within the rules of pursuit's month of grace), ...
    LATE_SPRING_VISIT = (0.92, 0.92, 0.88, 0.85)
    # ... then each branch's own weak spots: how many (drawn from SPOTS), and key work left undone.
    SPOTS = ("late", "meetings", "study", "talks", "returned")
    SPOT_COUNT = (0, 4, 4, 5)
    KEY_SPOT = (0.0, 0.05, 0.1, 0.9)
    # Where a weak spot is: late work, returned reports, key work accepted, meetings missed, hours, talks.
    SPOT_LATE, SPOT_RETURNED, SPOT_KEY = 0.4, 0.35, 0.85
    SPOT_MEETINGS, SPOT_STUDY, SPOT_TALKS = (2, 3), -5.0, 0.6
    DONE_LATE = (0.8, 0.6, 0.35, 0.1)  # of the work not done 40 days after its due date, the share done since
    DONE_LATE_KEY = (0.95, 0.9, 0.9, 0.85)  # ... of key work and major tasks (pursued a month after their due date)
    DONE_LATE_LAST_YEAR = (0.95, 0.95, 0.9, 0.85)  # of last year's work still open, the share done since
    # The engine pro-rates a run made before the year's end (work due by then, meetings of the months passed,
    # the hours of the share of the year gone), so the same levels serve a run in November and one in spring.
