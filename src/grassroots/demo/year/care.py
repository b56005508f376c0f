"""The year's care: the ledger of members in difficulty and the visits to them."""

import datetime as dt
import random

import numpy as np

from grassroots.orglife.models import CareCase, CareVisit

from ..bulk import insert_rows, next_pk
from .base import _decimal

_CARE = (
    ("old_age", "年事已高，行动不便，子女在外务工。"),
    ("illness", "患慢性病，长期服药，医疗费用负担较重。"),
    ("poverty", "家庭收入低，享受最低生活保障。"),
    ("disability", "因伤致残，劳动能力受限。"),
    ("family", "家中遭遇变故，需要帮助。"),
)
_CARE_HELP = (
    "送去慰问金和米、油，了解身体和生活情况，帮助联系家庭医生上门随访。",
    "看望慰问，帮助打扫卫生，了解用药情况，嘱咐注意冬季保暖。",
    "走访慰问，帮助申请临时救助，协调解决饮水问题。",
    "上门看望，陪同聊天，帮助办理医保报销手续。",
)


_VISIT_FIELDS = (
    "case",
    "visited_on",
    "visitor",
    "visitor_name",
    "occasion",
    "help_given",
    "amount",
    "created_by",
    "created_at",
    "updated_at",
)


class _CareYear:
    """About 2.5% of members in the care ledger, with their visits (old member 张 waits for his)."""

    # -- care ---------------------------------------------------------------------------------------------------

    def _care(self) -> None:
        """About 2.5% of members in the ledger, mostly old; visits at Spring Festival, July 1st and in between."""
        c, r, today = self.c, self.r, self.today
        weight = np.where(c.age >= 75, 12.0, np.where(c.age >= 65, 3.0, 0.5))
        n = len(c.member_ids)
        k = min(n, max(3, round(n * 0.025)))
        chosen = set(self.rng.choice(n, size=k, replace=False, p=weight / weight.sum()).tolist())
        chosen.add(c.index[self.zhang])
        next_case = next_pk(CareCase)
        cases, visits = [], []
        first_year = dt.date(self.last, 1, 1)
        spring = random.Random(self.seed * 31 + 5)  # its own draws: the other stages' stay as they were
        for i in sorted(chosen):
            member = int(c.member_ids[i])
            branch = int(c.member_org[i])
            tier = c.tier_of(branch)
            category, details = _CARE[0] if c.age[i] >= 75 else r.choice(_CARE[1:])
            opened = first_year - dt.timedelta(days=r.randrange(60, 1500))
            if r.random() < 0.15:
                opened = dt.date(self.year, 1, 1) + dt.timedelta(
                    days=r.randrange(0, max(1, (today - dt.date(self.year, 1, 1)).days))
                )
            days = []
            for year in (self.last, self.year):
                days.append(dt.date(year, 1, 20) + dt.timedelta(days=r.randrange(0, 20)))  # Spring Festival
                if r.random() < self.JULY_VISIT[tier]:
                    days.append(dt.date(year, 6, 25) + dt.timedelta(days=r.randrange(0, 8)))  # July 1st
                if r.random() < self.AUTUMN_VISIT[tier] or branch == self.village.pk:  # 青山村: only 张 waits
                    days.append(dt.date(year, 9, 1) + dt.timedelta(days=r.randrange(0, 75)))
            # A visit in late spring, over six months before today: still late by the ledger's interval (and the
            # assessment's count), not yet a case (pursued a month past the interval).
            late_spring = today - dt.timedelta(days=spring.randrange(185, 206))
            if (
                late_spring.year == self.year
                and max(d for d in days if d <= today) < late_spring
                and spring.random() < self.LATE_SPRING_VISIT[tier]
            ):
                days.append(late_spring)
            if member == self.zhang:  # in the ledger for years; the last visit seven months ago (scene 6)
                category, details = "old_age", "87岁，独居，患高血压和慢性支气管炎，子女在外务工。"
                opened = first_year - dt.timedelta(days=700)
                last = today - dt.timedelta(days=213)
                days = [d for d in days if d < last - dt.timedelta(days=90)] + [last]
            stamp = self.stamp(opened, 10)
            cases.append((next_case, member, category, details, opened, None, 182, stamp, stamp))
            secretary = c.secretary_of.get(branch)
            for day in sorted(set(days)):
                if day < opened or day > today:
                    continue
                july = day.month == 7 or (day.month == 6 and day.day >= 20)
                occasion = "spring_festival" if day.month <= 2 else ("july_first" if july else "routine")
                amount = {"spring_festival": 500, "july_first": 300, "routine": 0}[occasion]
                stamp = self.stamp(day, 18)
                visits.append(
                    (next_case, day, secretary, "" if secretary else "村党支部书记", occasion, r.choice(_CARE_HELP))
                    + (_decimal(amount), None, stamp, stamp)
                )
            next_case += 1
        fields = ("id", "member", "category", "details", "opened_on", "closed_on", "visit_interval_days")
        self.counts["care_cases"] += insert_rows(CareCase, (*fields, "created_at", "updated_at"), cases)
        self.counts["care_visits"] += insert_rows(CareVisit, _VISIT_FIELDS, visits)
