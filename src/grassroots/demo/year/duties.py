"""The year's duties: the county's lists of last year and this, issued down the tree; objectives; claims."""

import datetime as dt
from decimal import Decimal

import numpy as np

from grassroots.duties.models import Assignment, BusinessObjective, Claim, Duty, DutyList, ObjectiveValue
from grassroots.organizations.models import Organization

from ..bulk import insert_rows, next_pk, reset_sequences
from .base import EXCELLENT, FAIR, GOOD, POOR, _aware, _clamp, _decimal, _md

# ---------------------------------------------------------------------------------------------------------
# The county's duty list: (key, title, dimension, key work, major task, monthly, due, start, receivers,
# requirement, evidence expected). Due and start are (month, day), or ("soon", days from today).

_DUTIES = (
    (
        "theme_day",
        "每月开展一次乡村振兴主题党日",
        "political",
        False,
        False,
        True,
        (1, 25),
        None,
        "villages",
        "每月固定一天开展主题党日，围绕乡村振兴学政策、议村事、办实事，党员参加率不低于80%。",
        "活动照片3张以上、签到表",
    ),
    (
        "training",
        "开展党员冬训",
        "ideological",
        True,
        False,
        False,
        (3, 31),
        (1, 6),
        "branches",
        "集中培训不少于3天（24学时），覆盖全体党员；外出务工党员通过网络补学，年老体弱党员送学上门。",
        "培训方案、签到表、培训照片",
    ),
    (
        "appraisal",
        "召开组织生活会，开展民主评议党员",
        "organizational",
        False,
        False,
        False,
        (2, 28),
        (1, 10),
        "branches",
        "会前谈心谈话全覆盖，会上开展批评和自我批评，评议结果报上级党委备案，优秀比例不超过三分之一。",
        "会议记录、评议结果汇总表",
    ),
    (
        "review",
        "各乡镇6月30日前完成对所属支部的工作检查",
        "organizational",
        True,
        False,
        False,
        (6, 30),
        (4, 1),
        "townships",
        "逐个支部检查“三会一课”、发展党员和党费收缴台账，形成问题清单并督促整改到位。",
        "检查记录、问题清单、整改台账",
    ),
    (
        "rules",
        "规范落实“四议两公开”工作法",
        "institutional",
        False,
        False,
        False,
        (6, 30),
        (2, 1),
        "villages",
        "村级重大事项全部经党支部提议、“两委”商议、党员大会审议、村民代表会议决议，决议和实施结果公开。",
        "会议记录、公开栏照片",
    ),
    (
        "clean",
        "推进清廉村居建设",
        "discipline",
        True,
        False,
        False,
        (8, 31),
        (3, 1),
        "villages",
        "村务、财务、党务按时公开，村级小微权力清单和运行流程图上墙，村务监督委员会全程监督。",
        "公开栏照片、小微权力清单",
    ),
    (
        "rectify",
        "软弱涣散党组织整顿",
        "organizational",
        False,
        True,
        False,
        (9, 30),
        (3, 1),
        "weak",
        "落实“一村一策”整顿方案，选优配强班子，县级领导联村、乡镇领导包村，整顿期满由县委组织部验收销号。",
        "整顿方案、整改台账、验收报告",
    ),
    (
        "visits",
        "开展“党员联系户”入户走访",
        "work_style",
        True,
        False,
        False,
        (9, 30),
        (5, 1),
        "branches",
        "每名党员联系5至10户群众，每季度走访不少于1次，收集的问题建立台账、限时办结。",
        "走访台账、问题办结清单",
    ),
    (
        "recruit",
        "做好发展党员工作",
        "organizational",
        True,
        False,
        False,
        (10, 31),
        (1, 15),
        "branches",
        "每个支部至少培养1名35岁以下入党积极分子，严格执行发展党员工作程序，杜绝“带病入党”。",
        "积极分子培养考察材料、支部委员会会议记录",
    ),
    (
        "economy",
        "党建引领发展壮大村级集体经济",
        "political",
        True,
        False,
        False,
        (10, 20),
        (2, 1),
        "villages",
        "村集体经济经营性收入比上年增长10%以上；年收入不足10万元的村制定增收计划，明确项目和责任人。",
        "收入台账、项目合同",
    ),
    (
        "info",
        "完成党员信息采集核对和组织关系排查",
        "organizational",
        False,
        False,
        False,
        ("soon", 3),
        ("soon", -20),
        "branches",
        "逐一核对党员基本信息、联系方式和组织关系，排查失联党员，核对结果录入系统。",
        "党员信息核对表",
    ),
    (
        "activity",
        "组织所属村党组织开展“学党章、守党纪”主题党日",
        "discipline",
        False,
        False,
        False,
        ("soon", 10),
        ("soon", -30),
        "townships",
        "组织所属村党组织开展主题党日，学习党章和纪律处分条例，观看警示教育片，开展廉政谈话。",
        "活动方案、照片、签到表",
    ),
)
# Last year the two duties placed near today were due on fixed dates.
_LAST_YEAR_DATES = {"info": ((11, 30), (11, 1)), "activity": ((10, 31), (10, 1))}
_CLAIMABLE = (
    "组织秋收助老志愿服务队，帮助高龄独居老人抢收晚稻",
    "开展人居环境整治党员志愿服务",
    "结对帮扶留守儿童和困难群众",
    "认领群众“微心愿”",
)


_ASSIGNMENT_FIELDS = (
    "duty",
    "organization",
    "responsible",
    "state",
    "start_on",
    "due_on",
    "weight",
    "percent",
    "note",
    "issued_at",
    "accepted_at",
    "accepted_on",
    "version",
    "created_at",
    "updated_at",
)


class _DutiesYear:
    """Business objectives, the duty lists and their issue, the duties open for claiming."""

    def _objectives(self) -> None:
        """Collective income of each village (万元), measured in summer and autumn; the county's share target."""
        r = self.r
        self.county_objective = {}
        attained = {EXCELLENT: (0.95, 1.2), GOOD: (0.7, 1.05), FAIR: (0.45, 0.85), POOR: (0.1, 0.6)}
        for year in (self.last, self.year):
            period = self.period[year]
            county, _created = BusinessObjective.objects.get_or_create(
                organization=self.county,
                period=period,
                name="集体经济经营性收入10万元以上村占比",
                defaults={"measure": "年末统计", "unit": "%", "baseline": Decimal(42), "target": Decimal(60)},
            )
            self.county_objective[year] = county
            for month, value in ((6, 47), (10, 53), (12, 58)):
                day = _md(year, month, 30)
                if day <= self.today:
                    ObjectiveValue.objects.get_or_create(
                        objective=county, measured_on=day, defaults={"value": Decimal(value), "note": "乡镇上报汇总"}
                    )
            next_id = next_pk(BusinessObjective)
            rows, values = [], []
            stamp = self.stamp(period.start, 9)
            for b in self.c.villages:
                base = min(60.0, max(2.0, 8 * np.exp(0.5 * r.gauss(0, 1))))
                target = round(base * r.uniform(1.1, 1.3), 1)
                base = round(base, 1)
                share = r.uniform(*attained[self.c.tier_of(b)])
                rows.append(
                    (next_id, b, period.pk, "村集体经济经营性收入", "财务报表", "万元")
                    + (_decimal(base), _decimal(target), stamp, stamp)
                )
                for month, part in ((6, 0.45), (10, 0.85), (12, 1.0)):
                    day = _md(year, month, 30)
                    if day > self.today:
                        break
                    values.append(
                        (next_id, day, _decimal(base + (target - base) * share * part), "", self.stamp(day, 10))
                    )
                next_id += 1
            fields = ("id", "organization", "period", "name", "measure", "unit", "baseline", "target")
            insert_rows(BusinessObjective, (*fields, "created_at", "updated_at"), rows)
            insert_rows(ObjectiveValue, ("objective", "measured_on", "value", "note", "created_at"), values)
            self.counts["objectives"] += len(rows) + 1
        reset_sequences([BusinessObjective, ObjectiveValue])

    # -- duties ------------------------------------------------------------------------------------------------

    def _dates(self, year: int, spec) -> tuple[dt.date, dt.date | None]:
        key, due, start = spec[0], spec[6], spec[7]
        period = self.period[year]
        if year == self.last and key in _LAST_YEAR_DATES:
            (dm, dd), (sm, sd) = _LAST_YEAR_DATES[key]
            return dt.date(year, dm, dd), dt.date(year, sm, sd)

        def place(value):
            if value is None:
                return None
            if value[0] == "soon":
                return _clamp(self.today + dt.timedelta(days=value[1]), period.start, period.end)
            return _md(year, *value)

        return place(due), place(start)

    def _duty_fields(self, spec, due, start, year) -> dict:
        key, title, dimension, is_key, is_major, monthly = spec[:6]
        fields = {
            "title": title,
            "dimension": dimension,
            "is_key": is_key,
            "is_major": is_major,
            "weight": Decimal(2 if is_major else 1),
            "due_on": due,
            "start_on": start,
            "recurrence": "monthly" if monthly else "none",
            "requirement": spec[9],
            "evidence_expected": spec[10],
            "post": "secretary",
        }
        if key == "economy":
            fields["objective"] = self.county_objective[year]
        return fields

    def _duties(self) -> None:
        """Last year's list, then this year's copied from it and edited (scene 1); every duty issued down."""
        from grassroots.duties import services as duties

        officer = self.users["county"]
        c = self.c
        weak = [b for b in c.villages if c.tier_of(b) == POOR and b != self.baishi]
        self.weak = weak[: max(1, round(len(c.villages) * 0.05))] or [c.villages[-1]]
        receivers = {}
        for name, ids in (
            ("villages", c.villages),
            ("branches", c.branches),
            ("townships", c.townships),
            ("weak", self.weak),
        ):
            receivers[name] = list(Organization.objects.filter(pk__in=ids).order_by("path"))
        self.duty_of: dict[tuple[int, str], Duty] = {}
        lists = {
            self.last: duties.duty_list_create(
                actor=officer,
                organization=self.county,
                period=self.period[self.last],
                title=f"青山县{self.last}年基层党建责任清单",
            )
        }
        for spec in _DUTIES:
            due, start = self._dates(self.last, spec)
            fields = self._duty_fields(spec, due, start, self.last)
            self.duty_of[(self.last, spec[0])] = duties.duty_create(actor=officer, duty_list=lists[self.last], **fields)
        lists[self.year] = duties.duty_list_copy(
            actor=officer,
            source=lists[self.last],
            organization=self.county,
            period=self.period[self.year],
            title=f"青山县{self.year}年基层党建责任清单",
        )
        copied = {d.title: d for d in lists[self.year].duties.all()}
        for spec in _DUTIES:
            duty = copied[spec[1]]
            due, start = self._dates(self.year, spec)
            changes = {}
            if duty.due_on != due or duty.start_on != start:
                changes.update(due_on=due, start_on=start)
            if spec[0] == "economy":
                changes["objective"] = self.county_objective[self.year]
            if changes:
                duty = duties.duty_update(actor=officer, duty=duty, **changes)
            self.duty_of[(self.year, spec[0])] = duty
        for year in (self.last, self.year):
            for spec in _DUTIES:
                self._issue(self.duty_of[(year, spec[0])], receivers[spec[8]], officer)
                self.counts["duties"] += 1
        self.duty_key: dict[int, str] = {}
        self.duty_year: dict[int, int] = {}
        by_pk = {d.pk: (year, key) for (year, key), d in self.duty_of.items()}
        for pk, series in Duty.objects.filter(duty_list__in=list(lists.values())).values_list("id", "series_id"):
            year, key = by_pk[series or pk]
            self.duty_key[pk], self.duty_year[pk] = key, year
        # The lists were drawn up in the first days of January.
        for year, duty_list in lists.items():
            day = _aware(min(dt.date(year, 1, 4), self.today), 10)
            DutyList.objects.filter(pk=duty_list.pk).update(created_at=day, updated_at=day)
            Duty.objects.filter(duty_list=duty_list).update(created_at=day, updated_at=day)
        self._claimables()
        self.counts["assignments"] = Assignment.objects.filter(
            duty__organization__in=[self.county, *receivers["townships"]]
        ).count()

    def _issue(self, duty: Duty, receivers: list, actor) -> int:
        """What duties.services.duty_issue does, for thousands of receivers: the occurrences through the service,
        the assignments written with executemany (its bulk_create costs about 0.5 ms a row), its audit entry."""
        from grassroots.core.audit import audit
        from grassroots.duties import services as duties

        occurrences = duties.duty_generate_occurrences(actor=actor, duty=duty) if duty.is_series else [duty]
        january = dt.date(duty.due_on.year, 1, 4)
        issued = min(max(january, (duty.start_on or january) - dt.timedelta(days=3)), self.today)
        stamp = self.stamp(issued, 16)
        rows = [
            (occ.pk, org.pk, self.c.secretary_of.get(org.pk), "issued", occ.start_on, occ.due_on, str(occ.weight))
            + (0, "", stamp, None, None, 0, stamp, stamp)
            for occ in occurrences
            for org in receivers
        ]
        insert_rows(Assignment, _ASSIGNMENT_FIELDS, rows)
        Duty.objects.filter(pk__in=[o.pk for o in occurrences] + [duty.pk]).update(state="issued")
        after = {"receivers": len(receivers), "assignments": len(rows), "occurrences": len(occurrences)}
        audit("duties.duty.issue", actor=actor, obj=duty, after=after)
        return len(rows)

    def _claimables(self) -> None:
        """Each township opens a duty for claiming; members of its villages claim it (新街镇's is scene 5)."""
        c, r = self.c, self.r
        self.claim_duty = {}
        claims, done_assignments = [], []
        next_id = next_pk(Claim)
        for year in (self.last, self.year):
            start, due = dt.date(year, 9, 20), dt.date(year, 10, 31)
            done = due + dt.timedelta(days=3) < self.today
            for t, township in enumerate(c.townships):
                ours = township == self.township.pk
                duty, limit = self._claimable_duty(year, t, township, start, due)
                self.counts["duties"] += 1
                if ours and year == self.year:
                    continue  # scene 5: claimed through the services, in _claim_story
                if done:
                    done_assignments.append(duty.pk)
                for i in self._claimers(township, limit):
                    day = start - dt.timedelta(days=r.randrange(1, 15))
                    if day > self.today:
                        continue
                    completed = self.stamp(due + dt.timedelta(days=3), 17) if done else None
                    claims.append(
                        (next_id, duty.pk, int(c.member_ids[i]), None, "completed" if done else "active")
                        + ("参加志愿服务队", completed, self.stamp(day, 19), self.stamp(day, 19))
                    )
                    next_id += 1
        fields = ("id", "duty", "member", "organization", "state", "note", "completed_at", "created_at", "updated_at")
        self.counts["claims"] += insert_rows(Claim, fields, claims)
        insert_rows(Duty.collaborators.through, ("duty", "member"), sorted({(row[1], row[2]) for row in claims}))
        for pk in done_assignments:
            due = Duty.objects.get(pk=pk).due_on
            Assignment.objects.filter(duty_id=pk).update(
                state="accepted",
                percent=100,
                accepted_on=due + dt.timedelta(days=2),
                accepted_at=_aware(due + dt.timedelta(days=2), 10),
            )

    def _claimable_duty(self, year: int, t: int, township: int, start: dt.date, due: dt.date) -> tuple:
        """(duty, claim limit): 新街镇's duty through the services, the other townships' written as issued."""
        from grassroots.duties import services as duties

        period = self.period[year]
        ours = township == self.township.pk
        fields = {
            "title": _CLAIMABLE[0] if ours else _CLAIMABLE[1 + t % (len(_CLAIMABLE) - 1)],
            "dimension": "work_style",
            "due_on": due,
            "start_on": start,
            "requirement": "党员自愿认领，组成志愿服务队，服务对象和成效留痕。",
            "evidence_expected": "服务照片、服务对象签字",
            "claimable": True,
            "claim_limit": 5 if ours else None,
        }
        if ours:
            wang = self.users["township"]
            duty_list = duties.duty_list_for(actor=wang, organization=self.township, period=period)
            duty = duties.duty_create(actor=wang, duty_list=duty_list, **fields)
            duties.duty_issue(actor=wang, duty=duty)
            self.claim_duty[year] = duty
            return duty, fields["claim_limit"]
        duty_list, _created = DutyList.objects.get_or_create(
            organization_id=township,
            period=period,
            is_template=False,
            defaults={"title": f"{self.c.org[township][5]}{year}年责任清单"},
        )
        duty = Duty.objects.create(duty_list=duty_list, organization_id=township, state="issued", **fields)
        Duty.objects.filter(pk=duty.pk).update(lineage=f"{duty.pk:010d}")
        Assignment.objects.create(
            duty=duty,
            organization_id=township,
            state="issued",
            start_on=start,
            due_on=due,
            issued_at=_aware(min(start, self.today), 9),
        )
        return duty, fields["claim_limit"]

    def _claimers(self, township: int, limit: int | None) -> list[int]:
        """Members of the township's branches who claim its duty, more where the branch works well."""
        c, r = self.c, self.r
        picked = []
        for b in c.branches:
            if b == self.village.pk or not c.under(b, township):
                continue
            share = (0.18, 0.10, 0.05, 0.015)[c.tier_of(b)]
            picked += [i for i in c.of_branch.get(b, ()) if c.age[i] <= 72 and r.random() < share]
        if limit:
            picked = picked[:limit]
        return picked
