"""City and province: this year's records the assessment engine reads, in bulk, for the benchmarks."""

import datetime as dt
import random
from collections import defaultdict

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection

from grassroots.duties.models import Assignment, Duty
from grassroots.organizations.models import Member, Organization, OrgKind, Post
from grassroots.orglife.models import Attendance, CareCase, CareVisit, Meeting, StudyPlan, StudyRecord, Talk

from ..bulk import BATCH_SIZE, insert_rows, next_pk, reset_sequences
from .base import GOOD, TIER_SHARES, _Clock, _decimal, _md, _Stamps
from .care import _VISIT_FIELDS
from .duties import _ASSIGNMENT_FIELDS
from .orglife import _MEETING_FIELDS

_BULK_DUTIES = (
    ("开展党员冬训", "ideological", True, (3, 31)),
    ("召开组织生活会，开展民主评议党员", "organizational", False, (2, 28)),
    ("一季度主题党日活动", "political", False, (3, 25)),
    ("规范落实“三会一课”制度", "institutional", False, (4, 30)),
    ("二季度主题党日活动", "political", False, (6, 25)),
    ("推进清廉建设", "discipline", True, (6, 30)),
    ("开展“党员联系户”走访", "work_style", False, (7, 31)),
    ("三季度主题党日活动", "political", False, (9, 25)),
    ("做好发展党员工作", "organizational", True, (10, 31)),
    ("党建引领中心工作", "political", True, (11, 15)),
    ("四季度主题党日活动", "political", False, (12, 20)),
    ("年度党建工作总结", "institutional", False, (12, 31)),
)


class _Bulk:
    """This year's engine inputs for every branch of a city or province: rows only, chunk by chunk."""

    CHUNK = 50_000  # members per chunk

    def __init__(self, *, seed: int, today: dt.date, clock: _Clock):
        self.rng = np.random.default_rng([seed, 8])
        self.r = random.Random(seed * 7919 + 8)
        self.today = today
        self.year = today.year
        self.clock = clock
        self.stamp = _Stamps()
        self.counts: dict[str, int] = defaultdict(int)

    def build(self) -> dict:
        from grassroots.duties import services as duties

        r, today = self.r, self.today
        admin = get_user_model().objects.filter(is_superuser=True).order_by("id").first()
        root = Organization.objects.filter(depth=1).order_by("path").first()
        period = duties.period_for(str(self.year))
        StudyPlan.objects.get_or_create(organization=root, period=period)
        branches = list(
            Organization.objects.filter(kind=OrgKind.BRANCH, is_active=True)
            .order_by("path")
            .values_list("id", flat=True)
        )
        self.tier = dict(zip(branches, self.rng.choice(4, size=len(branches), p=TIER_SHARES).tolist(), strict=True))
        self.clock.say(f"Bulk year {self.year}: {len(branches):,} branches")
        duty_list = duties.duty_list_for(actor=admin, organization=root, period=period)
        secretaries = dict(
            Post.objects.filter(
                title="secretary", ended_on__isnull=True, organization__kind=OrgKind.BRANCH
            ).values_list("organization_id", "member_id")
        )
        created = self.stamp(min(dt.date(self.year, 1, 4), today), 10)
        fields = _ASSIGNMENT_FIELDS
        for title, dimension, key, (month, day) in _BULK_DUTIES:
            due = dt.date(self.year, month, day)
            duty = duties.duty_create(
                actor=admin,
                duty_list=duty_list,
                title=title,
                dimension=dimension,
                is_key=key,
                due_on=due,
                start_on=_md(self.year, max(1, month - 2), 1),
                requirement="按要求完成并报送佐证材料。",
            )
            Duty.objects.filter(pk=duty.pk).update(state="issued")
            rows = []
            for b in branches:
                state, accepted = "issued", None
                if due < today:
                    t = self.tier[b]
                    if r.random() < (0.99, 0.96, 0.9, 0.75)[t]:
                        if r.random() < (0.03, 0.08, 0.18, 0.35)[t]:
                            accepted = due + dt.timedelta(days=r.randrange(1, 20))
                        else:
                            accepted = due - dt.timedelta(days=r.randrange(0, 10))
                        accepted, state = min(accepted, today), "accepted"
                    else:
                        state = "in_progress"
                accepted_at = self.stamp(accepted, 16) if accepted else None
                rows.append(
                    (duty.pk, b, secretaries.get(b), state, duty.start_on, due, "1", 100 if accepted else 0, "")
                    + (created, accepted_at, accepted, 1, created, created)
                )
            self.counts["assignments"] += insert_rows(Assignment, fields, rows)
            self.counts["duties"] += 1
        self.clock.say(f"Assignments: {self.counts['assignments']:,}")
        self._meetings(branches, secretaries)
        self.clock.say(f"Meetings: {self.counts['meetings']:,}, attendance {self.counts['attendance']:,}")
        self._members()
        self.clock.say(
            f"Study records {self.counts['study_records']:,}, talks {self.counts['talks']:,}, "
            f"care cases {self.counts['care_cases']:,}, visits {self.counts['care_visits']:,}"
        )
        reset_sequences([Meeting, CareCase])
        return dict(self.counts)

    def _meetings(self, branches, secretaries) -> None:
        """About twelve meetings per branch (monthly theme days, quarterly general meetings) up to today;
        the attendance of each branch's first general meeting, by one INSERT ... SELECT over its members."""
        r, today = self.r, self.today
        first_id = next_meeting = next_pk(Meeting)
        meetings = []
        for b in branches:
            d = r.randrange(5, 20)
            skip = (0.0, 0.03, 0.1, 0.25)[self.tier[b]]
            for m in range(1, 13):
                plan = [("theme_day", _md(self.year, m, d), "主题党日")]
                if m in (1, 4, 7, 10):
                    plan.append(("general", _md(self.year, m, d + 3), "党员大会"))
                for kind, day, topic in plan:
                    if day > today or (kind == "theme_day" and r.random() < skip):
                        continue
                    stamp = self.stamp(day, 21)
                    meetings.append(
                        (next_meeting, b, kind, "held", day, "", secretaries.get(b), topic, "", "", None, stamp, stamp)
                    )
                    next_meeting += 1
            if len(meetings) >= BATCH_SIZE * 4:
                self.counts["meetings"] += insert_rows(Meeting, _MEETING_FIELDS, meetings)
                meetings = []
        self.counts["meetings"] += insert_rows(Meeting, _MEETING_FIELDS, meetings)
        q = connection.ops.quote_name
        at, mt, mb = (q(m._meta.db_table) for m in (Attendance, Meeting, Member))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {at} (meeting_id, member_id, status, reason) "
                "SELECT f.mid, mb.id, CASE WHEN mb.id %% 53 = 0 THEN 'absent' WHEN mb.id %% 11 = 0 THEN 'excused' "
                "ELSE 'present' END, CASE WHEN mb.id %% 11 = 0 AND mb.id %% 53 <> 0 THEN '外出务工' ELSE '' END "
                f"FROM (SELECT organization_id AS org, MIN(id) AS mid FROM {mt} WHERE kind = 'general' AND id >= %s "
                f"GROUP BY organization_id) f JOIN {mb} mb ON mb.organization_id = f.org AND mb.status = 'active'",
                [first_id],
            )
            self.counts["attendance"] += max(cursor.rowcount, 0)

    def _members(self) -> None:
        """Per member: two study records, a talk for about 70%; about 2% in the care ledger with visits."""
        y0 = dt.date(self.year, 1, 1)
        span = max(1, (self.today - y0).days)
        chunk = []
        qs = Member.objects.filter(status="active").order_by("id").values_list("id", "organization_id")
        for row in qs.iterator(chunk_size=20_000):
            chunk.append(row)
            if len(chunk) >= self.CHUNK:
                self._member_chunk(chunk, y0, span)
                chunk = []
        if chunk:
            self._member_chunk(chunk, y0, span)

    def _member_chunk(self, chunk, y0: dt.date, span: int) -> None:
        rng, today = self.rng, self.today
        n = len(chunk)
        ids = [m[0] for m in chunk]
        tiers = np.array([self.tier.get(m[1], GOOD) for m in chunk], dtype=np.int64)
        days = rng.integers(0, span + 1, (n, 2)).tolist()
        hours = np.clip(rng.normal(np.array([20.0, 18.0, 15.0, 12.0])[tiers], 4.0)[:, None] * [1.0, 0.8], 1, 24)
        hours = np.round(hours, 1).tolist()
        study = []
        for member, (d1, d2), (h1, h2) in zip(ids, days, hours, strict=True):
            for title, d, h in (("集中学习", d1, h1), ("网络课程", d2, h2)):
                day = y0 + dt.timedelta(days=d)
                stamp = self.stamp(day, 21)
                study.append((member, title, day, _decimal(h), "confirmed", stamp, stamp, stamp))
        fields = ("member", "title", "studied_on", "hours", "state", "confirmed_at", "created_at", "updated_at")
        self.counts["study_records"] += insert_rows(StudyRecord, fields, study)
        talked = rng.random(n) < 0.7
        talk_days = rng.integers(0, span + 1, n).tolist()
        talks = []
        for member, yes, d in zip(ids, talked.tolist(), talk_days, strict=True):
            if yes:
                day = y0 + dt.timedelta(days=d)
                stamp = self.stamp(day, 20)
                talks.append((member, day, "支部书记", "年度谈心谈话", "", stamp, stamp))
        fields = ("member", "talked_on", "with_name", "topic", "notes", "created_at", "updated_at")
        self.counts["talks"] += insert_rows(Talk, fields, talks)
        next_case = next_pk(CareCase)
        opened = y0 - dt.timedelta(days=400)
        cases, visits = [], []
        for i in np.flatnonzero(rng.random(n) < 0.02).tolist():
            stamp = self.stamp(opened, 10)
            cases.append((next_case, ids[i], "old_age", "", opened, None, 182, stamp, stamp))
            for month in (1, 7):
                day = dt.date(self.year, month, 25)
                if day <= today and self.r.random() < 0.85:
                    stamp = self.stamp(day, 18)
                    visits.append((next_case, day, None, "支部书记", "routine", "走访慰问", "0", None, stamp, stamp))
            next_case += 1
        fields = ("id", "member", "category", "details", "opened_on", "closed_on", "visit_interval_days")
        self.counts["care_cases"] += insert_rows(CareCase, (*fields, "created_at", "updated_at"), cases)
        self.counts["care_visits"] += insert_rows(CareVisit, _VISIT_FIELDS, visits)
