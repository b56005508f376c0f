"""The fixtures of the diagnosis tests, built once and kept (tests/shelf.py): the small county's last year (a whole
year, read as of its last day), its four villages each shaped to show findings:

- 青山村 (C-T1-V1), the good branch: study on plan, every lecture and theme day, every member taking on duties and
  earning points, the appraisal held and all qualified, talks with everyone, its duties linked and done, its
  objective moved three quarters of the way;
- 柳湾村 (C-T1-V2): members and nothing else recorded (every area's data missing);
- 白石村 (C-T2-V1): behind in everything: little study, one member never studying, a lecture missed, a member in
  difficulty never visited, talks missing, two members appraised basically qualified, one of them commended as an
  excellent member; its objective fully attained;
- 石门村 (C-T2-V2): its linked duties all done, its objective barely moved (the "two skins").
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import shelf
from tests.factories import MemberFactory

TODAY = timezone.localdate()
YEAR = TODAY.year - 1


def _good_life(org, members, officer, *, lectures=4, theme_days=12, hours=40, study_until=12):
    from grassroots.orglife.models import Attendance, Meeting, StudyRecord

    for month in range(1, 13):
        if month <= theme_days:
            meeting = Meeting.objects.create(
                organization=org, kind="theme_day", state="held", held_on=dt.date(YEAR, month, 10), topic="主题党日"
            )
            Attendance.objects.bulk_create([Attendance(meeting=meeting, member=m, status="present") for m in members])
        if month % 3 == 0 and month // 3 <= lectures:
            Meeting.objects.create(
                organization=org, kind="lecture", state="held", held_on=dt.date(YEAR, month, 20), topic="党课"
            )
    for m in members:
        for month in range(1, study_until + 1):
            StudyRecord.objects.create(
                member=m,
                title="学习",
                studied_on=dt.date(YEAR, month, 5),
                hours=Decimal(hours) / 12,
                state="confirmed",
            )


def build_diagnosed(county):
    from grassroots.accountability.models import Commendation
    from grassroots.duties import services as duties
    from grassroots.duties.models import Assignment, BusinessObjective, Claim, ObjectiveValue
    from grassroots.orglife.models import (
        Appraisal,
        AppraisalResult,
        CareCase,
        PointEntry,
        PointRule,
        Talk,
    )

    officer = county.users.officer
    villages = (county.v11, county.v12, county.v21, county.v22)
    for org in villages:
        MemberFactory.create_batch(3, organization=org)
    members = {org.code: list(org.members.order_by("pk")) for org in villages}
    period = duties.period_for(str(YEAR))
    county.period = period

    # Business objectives of the villages, and duties serving them issued to every village.
    objectives = {}
    for org, value in ((county.v11, 17.5), (county.v21, 20), (county.v22, 11)):
        objective = BusinessObjective.objects.create(
            organization=org, period=period, name="村集体经济收入", unit="万元", baseline=10, target=20
        )
        ObjectiveValue.objects.create(objective=objective, measured_on=dt.date(YEAR, 11, 30), value=value)
        objectives[org.code] = objective
    county_objective = BusinessObjective.objects.create(
        organization=county.county, period=period, name="集体经济强村占比", baseline=40, target=60
    )
    duty_list = duties.duty_list_for(actor=officer, organization=county.county, period=period)
    for month, linked in ((3, True), (6, True), (9, False)):
        duty = duties.duty_create(
            actor=officer,
            duty_list=duty_list,
            title=f"任务{month}",
            dimension="organizational",
            due_on=dt.date(YEAR, month, 28),
            requirement="按要求完成",
            objective=county_objective if linked else None,
        )
        duties.duty_issue(actor=officer, duty=duty, targets=[county.v11, county.v21, county.v22])
    for a in Assignment.objects.filter(organization__in=[county.v11, county.v22]):
        Assignment.objects.filter(pk=a.pk).update(
            state="accepted", accepted_on=a.due_on, percent=100, responsible=members[a.organization.code][0]
        )
    march = Assignment.objects.filter(organization=county.v11, due_on__month=3).first().duty
    for m in members["C-T1-V1"][1:]:
        claim = Claim.objects.create(duty=march, member=m, state="active")
        Claim.objects.filter(pk=claim.pk).update(created_at=dt.datetime(YEAR, 3, 2, tzinfo=dt.UTC))

    # Organizational life.
    _good_life(county.v11, members["C-T1-V1"], officer)
    _good_life(county.v22, members["C-T2-V2"], officer)
    baishi = members["C-T2-V1"]
    _good_life(county.v21, baishi[:3], officer, lectures=3, hours=12, study_until=6)  # behind; the 4th never studies
    rule = PointRule.objects.get(code="manual")
    for code in ("C-T1-V1", "C-T2-V2"):
        for m in members[code]:
            PointEntry.objects.create(member=m, rule=rule, points=Decimal(5), earned_on=dt.date(YEAR, 6, 1))
            Talk.objects.create(member=m, talked_on=dt.date(YEAR, 9, 1), topic="谈心")
    Talk.objects.create(member=baishi[0], talked_on=dt.date(YEAR, 9, 1), topic="谈心")
    for code, weak in (("C-T1-V1", 0), ("C-T2-V2", 0), ("C-T2-V1", 2)):
        org = next(o for o in villages if o.code == code)
        appraisal = Appraisal.objects.create(organization=org, year=YEAR, state="closed")
        for i, m in enumerate(members[code]):
            grade = "basic" if i < weak else "qualified"
            AppraisalResult.objects.create(appraisal=appraisal, member=m, grade=grade)
    county.never_visited = CareCase.objects.create(
        member=baishi[3], category="old_age", opened_on=dt.date(YEAR - 1, 6, 1), visit_interval_days=90
    )
    county.commended = Commendation.objects.create(
        kind="excellent_member",
        period=period,
        organization=county.v21,
        member=baishi[0],
        commending=county.t2,
        state="proposed",
    )
    county.baishi = baishi
    county.objectives = objectives
    return county


diagnosed = shelf.shelved("diagnosed", build_diagnosed, below="county", doc=__doc__)


@pytest.fixture(autouse=True)
def _no_summary_kept():
    """A subtree's summary is cached for minutes; each test reads its own data."""
    cache.clear()
    yield
    cache.clear()
