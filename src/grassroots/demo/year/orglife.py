"""The year's organizational life: study plans, meetings and attendance, study, talks, appraisal, points."""

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db import connection
from django.utils import timezone

from grassroots.duties.models import Assignment, Claim
from grassroots.orglife.models import (
    Appraisal,
    AppraisalResult,
    AppraisalVote,
    Attendance,
    Meeting,
    PointEntry,
    StudyPlan,
    StudyRecord,
    Talk,
)

from ..bulk import insert_rows, next_pk, reset_sequences
from .base import GOOD, POOR, _aware, _decimal, _md
from .diagnosis import AWAY_REASON

_THEME_TOPICS = (
    "学习贯彻党的创新理论",
    "乡村振兴政策宣讲",
    "人居环境整治志愿服务",
    "重温入党誓词",
    "党史学习教育",
    "防汛备汛和安全生产",
    "关爱留守老人和儿童",
    "移风易俗倡树文明新风",
    "秸秆禁烧和森林防火宣传",
    "党员联系户走访",
    "学习党章党规",
    "产业发展议事",
)
_TOPICS = {
    "general": ("传达学习上级会议精神，讨论村级重大事项", "审议发展对象和预备党员转正", "通报党费收缴和党务公开情况"),
    "committee": ("研究本月党建和村级重点工作", "研究发展党员和党员教育管理", "研究“四议两公开”议题"),
    "group": ("学习文件，交流思想，收集群众意见", "党员联系户情况交流", "开展谈心谈话和批评与自我批评"),
    "lecture": ("书记讲党课：坚定理想信念，当好乡村振兴带头人", "专题党课：严守纪律规矩", "专题党课：发挥先锋模范作用"),
    "org_life": ("年度组织生活会：对照检查，开展批评和自我批评",),
}
_MINUTES = {
    "general": "到会党员{k}人，超过应到人数的一半。会议传达学习了上级会议精神，讨论并通过了有关事项。",
    "committee": "支委{k}人参加。会议研究了本月重点工作，明确了分工和完成时限。",
    "group": "小组党员{k}人参加，学习了有关文件，交流了思想和工作情况，收集群众意见{m}条。",
    "lecture": "书记以“{topic}”为题讲党课，党员{k}人参加，会后开展了交流讨论。",
    "theme_day": "党员{k}人参加，学习了有关文件，开展了“{topic}”活动。",
    "org_life": "党员{k}人参加。会前开展了谈心谈话，会上支委班子和党员逐一对照检查，开展了批评和自我批评。",
}
_EXCUSES = ("外出务工", "生病住院", "在外地照顾家人", "参加防汛值班", "外出学习培训", "家中有事请假")
_WINTER = "党员冬训集中学习"
_STUDY = (
    "学习贯彻党的创新理论专题学习",
    "共产党员网在线课程",
    "“三会一课”集中学习",
    "党章党规和纪律处分条例学习",
    "乡村振兴政策和实用技术培训",
    "主题党日集中学习",
)
_ROTATION = "县委党校基层党组织书记轮训"
_TALK_TOPICS = (
    "年度谈心谈话，了解思想和生产生活情况",
    "听取对支部工作的意见建议",
    "外出务工党员联系谈话",
    "预备党员教育考察谈话",
    "民主评议前征求意见",
)

_MEETING_FIELDS = (
    "id",
    "organization",
    "kind",
    "state",
    "held_on",
    "place",
    "host",
    "topic",
    "minutes",
    "resolutions",
    "created_by",
    "created_at",
    "updated_at",
)


class _OrgLifeYear:
    """Meetings as the rules require, study hours, talks, last year's appraisal and the points ledger."""

    # -- study plans ------------------------------------------------------------------------------------------

    def _plans(self) -> None:
        for year in (self.last, self.year):
            StudyPlan.objects.get_or_create(
                organization=self.county,
                period=self.period[year],
                defaults={"required_hours": 32, "required_hours_cadre": 56, "needs_confirmation": True},
            )
            self.counts["study_plans"] += 1

    # -- meetings and attendance --------------------------------------------------------------------------------

    def _meetings(self, year: int) -> None:
        """Meetings as the rules require, with the gaps of each branch's level; planned ones ahead of today."""
        c, r, ri, today = self.c, self.r, self.ri, self.today
        upto = min(dt.date(year, 12, 31), today)
        rich = year == self.year
        if not hasattr(self, "fixed_day"):  # each branch keeps its relatively fixed day of the month
            self.fixed_day = {b: ri(5, 16) for b in c.branches}
        next_meeting = next_pk(Meeting)
        meetings, attendance = [], []
        for b in c.branches:
            tier = c.tier_of(b)
            d = self.fixed_day[b]
            plan = []
            for m in range(1, 13):
                plan.append(("theme_day", _md(year, m, d + 1), b))
                plan.append(("committee", _md(year, m, d - 2), b))
                plan += [("group", _md(year, m, d + 4), g) for g in c.groups_of.get(b, ())]
            plan += [("general", _md(year, m, d + 6), b) for m in (1, 4, 7, 10)]
            plan += [("lecture", _md(year, m, d + 1), b) for m in (2, 5, 8, 11)]
            plan.append(("org_life", dt.date(year, 11, 10) + dt.timedelta(days=ri(0, 45)), b))
            # Gaps: the required meetings this branch did not hold.
            skip = set()
            if b == self.village.pk:
                if year == self.assessed_year:  # a missed lecture (scene 7)
                    skip.add(next(i for i, p in enumerate(plan) if p[0] == "lecture" and p[1].month == 8))
            else:
                n = r.randint(1, self.MOST_MISSED[tier]) if r.random() < self.GAPS[tier] else 0
                if "meetings" in self.spots[b]:
                    n += r.randint(*self.SPOT_MEETINGS) + max(0, tier - GOOD)
                kinds = [
                    i
                    for i, p in enumerate(plan)
                    if p[0] in ("lecture", "theme_day", "committee", "group") and p[1] <= upto
                ]
                skip = set(r.sample(kinds, min(n, len(kinds))))
            # A branch behind on its meetings has not yet held those of the month under way: they are planned
            # for its last days (so the month now ending does not make up for the gaps of the months before).
            later = set()
            if skip and year == today.year and (today + dt.timedelta(days=1)).month == today.month:
                later = {i for i, p in enumerate(plan) if p[1].month == today.month and p[1] <= today} - skip
            secretary = c.secretary_of.get(b)
            n_members = len(c.of_branch.get(b, ()))
            empty = (0.0, 0.0, 0.05, 0.3)[tier]
            place = "村党群服务中心" if c.org[b][3] == "village" else "党员活动室"
            for i, (kind, day, org) in enumerate(plan):
                if i in skip:
                    continue
                state = "held"
                if i in later:
                    state, day = "planned", today + dt.timedelta(days=1)
                elif day > upto:
                    if not (rich and day <= today + dt.timedelta(days=21) and kind in ("theme_day", "committee")):
                        continue
                    state = "planned"
                if kind == "theme_day":
                    topic = _THEME_TOPICS[(day.month - 1 + b) % len(_THEME_TOPICS)]
                else:
                    topic = _TOPICS[kind][(day.month + b) % len(_TOPICS[kind])]
                minutes = ""
                if state == "held" and r.random() >= empty:
                    k = len(c.committee_of.get(org, ())) if kind == "committee" else n_members
                    minutes = _MINUTES[kind].format(k=max(1, k - ri(0, 3)), m=ri(1, 6), topic=topic)
                host = c.leader_of.get(org, secretary) if kind == "group" else secretary
                created = self.stamp(min(day + dt.timedelta(days=ri(0, 3)), today), 21)
                meetings.append(
                    (next_meeting, org, kind, state, day, place, host, topic, minutes, "", None, created, created)
                )
                if state == "held":
                    who = self._attendees(kind, org, b, day, rich)
                    if who:
                        attendance += self._attendance(next_meeting, who, tier)
                next_meeting += 1
        self.counts["meetings"] += insert_rows(Meeting, _MEETING_FIELDS, meetings)
        self.counts["attendance"] += insert_rows(Attendance, ("meeting", "member", "status", "reason"), attendance)

    def _attendees(self, kind: str, org: int, branch: int, day: dt.date, rich: bool) -> list:
        """Whose attendance is recorded: every meeting in 新街镇 (and in the tiny county); elsewhere this year's
        general meetings and organizational-life meeting, last year's October general meeting and org-life
        meeting (the sign-in sheets of the others were not typed in)."""
        c = self.c
        typed_in = kind == "org_life" or (kind == "general" and (rich or day.month == 10))
        if branch not in self.detailed and not typed_in:
            return []
        if kind == "committee":
            return [c.index[m] for m in c.committee_of.get(org, ()) if m in c.index]
        if kind == "group":
            return [c.index[m] for m in c.group_members.get(org, ()) if m in c.index]
        return c.of_branch.get(org, np.array([], dtype=np.int64)).tolist()

    def _attendance(self, meeting_id: int, rows, tier: int) -> list[tuple]:
        c = self.c
        absent_p = (0.002, 0.006, 0.015, 0.035)[tier]
        excused_p = (0.04, 0.06, 0.08, 0.11)[tier]
        out = []
        for i, u in zip(rows, self.rng.random(len(rows)).tolist(), strict=True):
            if i in self.away:  # working away all year (the diagnosis's members never active)
                status, reason = "excused", AWAY_REASON
            elif c.age[i] >= 80:
                status, reason = ("excused", "年老体弱，行动不便") if u < 0.8 else ("present", "")
            elif c.migrant[i] and u < 0.55:
                status, reason = "excused", "外出务工"
            elif u < absent_p:
                status, reason = "absent", ""
            elif u < absent_p + excused_p:
                status, reason = "excused", _EXCUSES[int(u * 10_000) % len(_EXCUSES)]
            elif u < absent_p + excused_p + 0.02:
                status, reason = "late", ""
            else:
                status, reason = "present", ""
            out.append((meeting_id, int(c.member_ids[i]), status, reason))
        return out

    # -- study and talks ----------------------------------------------------------------------------------------

    def _study(self, year: int) -> None:
        """Hours per member drawn from the branch's level (members 25-40, secretaries more), spread over the year:
        winter training in the first quarter, then a record a quarter (two in last year's coarser record)."""
        c, rng, today = self.c, self.rng, self.today
        upto = min(dt.date(year, 12, 31), today)
        n = len(c.member_ids)
        tiers = np.array([c.tier_of(int(o)) for o in c.member_org.tolist()], dtype=np.int64)
        behind = np.array([("study" in self.spots.get(int(o), ())) for o in c.member_org.tolist()])
        hours = rng.normal(np.array(self.STUDY_HOURS)[tiers] + np.where(behind, self.SPOT_STUDY, 0.0), 5.0)
        hours = np.where(c.cadre, hours + 22.0, hours)
        hours = np.clip(np.where(c.age >= 78, hours * 0.75, hours), 4, 80)
        winter = np.minimum(hours, rng.choice([8.0, 12.0, 16.0], n))
        slots = ((90, 210), (211, 350)) if year == self.year else ((120, 350),)
        share = rng.dirichlet([4.0] * len(slots), n) * (hours - winter)[:, None]
        days = [rng.integers(9, 85, n)] + [rng.integers(lo, hi, n) for lo, hi in slots]
        parts = [winter] + [share[:, k] for k in range(len(slots))]
        titles = [[_WINTER]] + [list(_STUDY)] * len(slots)
        picks = rng.integers(0, 6, (n, len(slots) + 1)).tolist()
        y0 = dt.date(year, 1, 1).toordinal()
        li_user = self.users["secretary"].pk
        columns = [(h.tolist(), d.tolist()) for h, d in zip(parts, days, strict=True)]
        next_id = next_pk(StudyRecord)
        rows = []
        ids, orgs, joined = c.member_ids.tolist(), c.member_org.tolist(), c.joined.tolist()
        limit, recent = upto.toordinal(), today.toordinal() - 10
        for i, member in enumerate(ids):
            if i in self.away:
                continue  # working away all year: no study recorded
            confirmer = li_user if orgs[i] == self.village.pk else None
            for k, (h_list, d_list) in enumerate(columns):
                left = round(h_list[i], 1)
                ordinal = y0 + d_list[i]
                title = titles[k][picks[i][k] % len(titles[k])]
                if c.cadre[i] and k == 1:
                    title = _ROTATION  # the county's rotation training of secretaries and committee members
                while left >= 0.5 and joined[i] <= ordinal <= limit:  # a day holds at most 16 hours here
                    h, left = min(left, 16.0), left - min(left, 16.0)
                    day = dt.date.fromordinal(ordinal)
                    stamp = self.stamp(day, 21)
                    if ordinal > recent:  # the last ten days' records wait for the secretary's confirmation
                        rows.append((next_id, member, title, day, _decimal(h), "pending", None, None, stamp, stamp))
                    else:
                        confirmed = self.stamp(min(day + dt.timedelta(days=2), today), 9)
                        rows.append((next_id, member, title, day, _decimal(h), "confirmed", confirmer, confirmed))
                        rows[-1] += (stamp, stamp)
                    next_id += 1
                    ordinal += 9
        fields = ("id", "member", "title", "studied_on", "hours", "state", "confirmed_by", "confirmed_at")
        self.counts["study_records"] += insert_rows(StudyRecord, (*fields, "created_at", "updated_at"), rows)
        if year == self.year:
            self.study_rows = rows

    def _talks(self, year: int) -> None:
        c, r, today = self.c, self.r, self.today
        start, upto = dt.date(year, 1, 10), min(dt.date(year, 12, 20), today)
        if upto < start:
            return
        span = (upto - start).days
        tiers = np.array([c.tier_of(int(o)) for o in c.member_org.tolist()], dtype=np.int64)
        talked = np.array(self.TALKED)[tiers]
        talked = np.where(
            [("talks" in self.spots.get(int(o), ())) for o in c.member_org.tolist()],
            np.minimum(self.SPOT_TALKS, talked),
            talked,
        )
        covered = self.rng.random(len(c.member_ids)) < talked
        rows = []
        for i in np.flatnonzero(covered).tolist():
            member = int(c.member_ids[i])
            secretary = c.secretary_of.get(int(c.member_org[i]))
            partner, name = (None, "镇党委书记") if secretary in (None, member) else (secretary, "")
            day = start + dt.timedelta(days=r.randrange(0, span + 1))
            if not c.full[i]:
                topic = _TALK_TOPICS[3]
            elif c.migrant[i]:
                topic = _TALK_TOPICS[2]
            else:
                topic = _TALK_TOPICS[0] if r.random() < 0.6 else r.choice(_TALK_TOPICS[1:2] + _TALK_TOPICS[4:])
            stamp = self.stamp(day, 20)
            rows.append((member, day, partner, name, topic, "", None, stamp, stamp))
        fields = ("member", "talked_on", "with_member", "with_name", "topic", "notes", "created_by")
        self.counts["talks"] += insert_rows(Talk, (*fields, "created_at", "updated_at"), rows)

    # -- last year's democratic appraisal ---------------------------------------------------------------------------

    def _appraisal(self) -> None:
        """Every branch but one appraised its full members for last year (closed in February); excellent at most
        1/3."""
        c, r, today = self.c, self.r, self.today
        closed = min(dt.date(self.year, 2, 20), today - dt.timedelta(days=1))
        opened = min(dt.date(self.year, 1, 15), closed)
        next_appraisal = next_pk(Appraisal)
        appraisals, results, votes = [], [], []
        field = AppraisalResult._meta.get_field("counts")
        order = ["excellent", "qualified", "basic", "unqualified"]
        spread = np.array([[0.8, 0.2, 0, 0], [0.1, 0.85, 0.05, 0], [0, 0.35, 0.6, 0.05], [0, 0.1, 0.3, 0.6]])
        unqualified_left = max(1, round(len(c.member_ids) / 2500))
        cutoff = dt.date(self.last, 6, 30).toordinal()
        for b in c.branches:
            rows = [i for i in c.of_branch.get(b, ()) if c.full[i] and c.joined[i] < cutoff]
            if not rows or b == self.no_appraisal:  # (one branch held none: the diagnosis's appraisal not held)
                continue
            appraisals.append(
                (next_appraisal, b, self.last, "closed", "0.33", self.stamp(closed, 16))
                + (self.stamp(opened, 9), self.stamp(closed, 16))
            )
            n = len(rows)
            share = r.uniform(0.12, 0.30)
            grades = [("excellent" if r.random() < share else "qualified") for _i in rows]
            grades = [("basic" if r.random() < 0.015 else g) for g in grades]
            if c.tier_of(b) == POOR and unqualified_left and n > 10:
                grades[r.randrange(n)] = "unqualified"
                unqualified_left -= 1
            quota = int(n / 3)
            for j in [j for j, g in enumerate(grades) if g == "excellent"][quota:]:
                grades[j] = "qualified"
            votes_of = self.rng.multinomial(n, spread[[order.index(g) for g in grades]])
            stamp = self.stamp(closed, 16)
            for i, grade, counts in zip(rows, grades, votes_of.tolist(), strict=True):
                counts = {g: v for g, v in zip(order, counts, strict=True) if v}
                follow = "由支部书记谈话提醒，限期三个月改正，支委会跟踪帮教。" if grade == "unqualified" else ""
                results.append(
                    (next_appraisal, int(c.member_ids[i]), field.get_db_prep_save(counts, connection), grade, grade)
                    + (follow, stamp, stamp)
                )
            if b == self.village.pk:  # 青山村's ballots themselves, for the appraisal page
                ids = [int(c.member_ids[i]) for i in rows]
                stamp = self.stamp(opened + dt.timedelta(days=10), 15)
                for voter in ids:
                    for subject, grade in zip(ids, grades, strict=True):
                        g = order.index(grade)
                        u = r.random()
                        g = g if u < 0.75 else max(0, min(3, g + (1 if u < 0.9 else -1)))
                        votes.append((next_appraisal, voter, subject, order[g], stamp))
            next_appraisal += 1
        fields = ("id", "organization", "year", "state", "excellent_share", "closed_at", "created_at", "updated_at")
        self.counts["appraisals"] += insert_rows(Appraisal, fields, appraisals)
        fields = ("appraisal", "member", "counts", "proposed", "grade", "follow_up", "created_at", "updated_at")
        self.counts["appraisal_results"] += insert_rows(AppraisalResult, fields, results)
        insert_rows(AppraisalVote, ("appraisal", "voter", "subject", "grade", "created_at"), votes)
        reset_sequences([Appraisal, AppraisalResult, AppraisalVote])

    # -- points ----------------------------------------------------------------------------------------------------

    def _points(self) -> None:
        """This year's ledger from the records: meetings attended, study hours, accepted duties; caps applied."""
        attend, absent, study, duty = (self.rules.get(k) for k in ("attend", "absent", "study", "duty"))
        rows = []
        used: dict[tuple, float] = defaultdict(float)
        start = dt.date(self.year, 1, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a.member_id, m.id, m.held_on, a.status FROM {Attendance._meta.db_table} a "
                f"JOIN {Meeting._meta.db_table} m ON m.id = a.meeting_id "
                "WHERE m.held_on >= %s AND m.state = 'held' ORDER BY m.held_on, m.id",
                [start],
            )
            attended = cursor.fetchall()
        c = self.c
        for member, meeting, held_on, status in attended:
            i = c.index.get(member)
            if i is None or int(c.member_org[i]) not in self.detailed:
                continue  # elsewhere the ledger counts study and duties: only 新街镇 typed in every sheet
            if isinstance(held_on, str):
                held_on = dt.date.fromisoformat(held_on)
            stamp = self.stamp(held_on, 22)
            if status in ("present", "late") and attend and used[(member, "attend", held_on)] + 2 <= 4:
                used[(member, "attend", held_on)] += 2
                rows.append((member, attend, "2.0", held_on, "meeting", str(meeting), "", None, None, stamp))
            elif status == "absent" and absent:
                rows.append((member, absent, "-5.0", held_on, "meeting", str(meeting), "", None, None, stamp))
        for row in getattr(self, "study_rows", []) if study else ():
            if row[5] != "confirmed":
                continue
            member, day, hours = row[1], row[3], float(row[4])
            room = min(hours, 4 - used[(member, "study", day)], 20 - used[(member, "study", day.month)])
            if room <= 0:
                continue
            used[(member, "study", day)] += room
            used[(member, "study", day.month)] += room
            rows.append((member, study, _decimal(room), day, "study", str(row[0]), "", None, None, self.stamp(day, 22)))
        if duty:
            accepted = Assignment.objects.filter(
                state="accepted", accepted_on__gte=start, responsible__isnull=False, duty__in=list(self.duty_key)
            ).values_list("id", "responsible_id", "accepted_on")
            for assignment, member, day in accepted.order_by("accepted_on", "id"):
                if used[(member, "duty", day.month)] + 3 > 15:
                    continue
                used[(member, "duty", day.month)] += 3
                rows.append(
                    (member, duty, "3.0", day, "assignment", str(assignment), "", None, None, self.stamp(day, 16))
                )
        claim = self.rules.get("claim")
        completed = Claim.objects.filter(state="completed", member__isnull=False, completed_at__gte=_aware(start, 0))
        for pk, member, at in completed.exclude(duty=self.claim_duty[self.year]).values_list(
            "id", "member_id", "completed_at"
        ):
            day = timezone.localtime(at).date()
            if claim and used[(member, "claim", day.month)] + 5 <= 20:
                used[(member, "claim", day.month)] += 5
                rows.append((member, claim, "5.0", day, "claim", str(pk), "", None, None, self.stamp(day, 17)))
        fields = ("member", "rule", "points", "earned_on", "source_type", "source_id", "note", "corrects", "created_by")
        self.counts["points"] += insert_rows(PointEntry, (*fields, "created_at"), rows)
