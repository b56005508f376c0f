"""A county's year of work for the assessment tests: built once per module and worker (tests/shelf.py), each test
rolled back to it."""

import datetime as dt

from grassroots.assessment import defaults, services
from grassroots.duties import services as duties
from grassroots.duties.models import Assignment, Claim
from grassroots.organizations.models import Post
from grassroots.orglife import services as orglife
from tests.factories import MemberFactory

YEAR = 2025
END = dt.date(YEAR, 12, 31)


def year_of_work(county):
    """A year of work in the four villages of the small county: duties, meetings, claims; Baishi (C-T2-V1) has a
    discipline case (a veto); the assessment of the year is opened on the county (`county.run`)."""
    officer = county.users.officer
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2020, 1, 1)
        )
    for org in (county.v11, county.v12, county.v21, county.v22):
        MemberFactory.create_batch(3, organization=org)
    period = duties.period_for(str(YEAR))
    duty_list = duties.duty_list_for(actor=officer, organization=county.county, period=period)
    for month, key in ((3, True), (6, False), (9, False), (11, True)):
        duty = duties.duty_create(
            actor=officer,
            duty_list=duty_list,
            title=f"任务{month}",
            dimension="political",
            is_key=key,
            due_on=dt.date(YEAR, month, 28),
            requirement="r",
        )
        duties.duty_issue(actor=officer, duty=duty, targets=[county.v11, county.v12, county.v21, county.v22])
    # Qingshan (v11) does everything on time; Liuwan (v12) is late with a key duty; the others do half.
    for a in Assignment.objects.all():
        org = a.organization.code
        done = org == "C-T1-V1" or (org == "C-T1-V2" and not a.duty.is_key) or a.due_on.month <= 6
        if done:
            Assignment.objects.filter(pk=a.pk).update(state="accepted", accepted_on=a.due_on, percent=100)
    for org in (county.v11, county.v12, county.v21, county.v22):
        members = list(org.members.all())
        for month in range(1, 13) if org.code == "C-T1-V1" else range(1, 7):
            orglife.meeting_record(
                actor=officer,
                organization=org,
                kind="theme_day",
                held_on=dt.date(YEAR, month, 10),
                topic="主题党日",
                attendance={m.pk: "present" for m in members},
            )
    # Claims: two of Qingshan's members and one of Dongtou's take on the March duty (one of them withdrawn again).
    march = Assignment.objects.filter(due_on__month=3).first().duty
    claimants = [*list(county.v11.members.order_by("pk"))[:3], county.v21.members.order_by("pk").first()]
    for k, member in enumerate(claimants):
        claim = Claim.objects.create(duty=march, member=member, state="withdrawn" if k == 2 else "active")
        Claim.objects.filter(pk=claim.pk).update(created_at=dt.datetime(YEAR, 4, 1 + k, tzinfo=dt.UTC))
    system_branch, _secretary = defaults.install(actor=officer, owner=county.county)
    services.veto_record(
        actor=officer, period=period, organization=county.v21, reason="村支委严重违纪", occurred_on=dt.date(YEAR, 8, 1)
    )
    run = services.run_create(actor=officer, system=system_branch, period=period, scope=county.county)
    county.run = run
    return county


def computed(assessed):
    """The year's assessment computed as of the year's end."""
    services.run_compute(actor=assessed.users.officer, run=assessed.run, asof=END)
    return assessed


def published(computed):
    """The computed assessment published."""
    services.run_publish(actor=computed.users.officer, run=computed.run)
    return computed


# The deductions the default branch system had before "one fact, one use" (assessment.facts): overdue key work and
# missing meetings, each counting again what weighted leaves count, with the reason a designer would have to give.
# The tests of deductions (their records, their rules and zeros on the pages) assess with them.
DEDUCTIONS = [
    {
        "code": "X1",
        "name": "重点工作逾期扣分",
        "name_en": "Key work overdue",
        "kind": "deduction",
        "metric": "overdue_key",
        "points": 2,
        "cap": 10,
        "double_use_reason": "测试：逾期的重点工作另行扣分",
    },
    {
        "code": "X2",
        "name": "未按规定开展组织生活扣分",
        "name_en": "Required meetings not held",
        "kind": "deduction",
        "metric": "missing_meetings",
        "points": 0.5,
        "cap": 5,
        "double_use_reason": "测试：缺开的会议另行扣分",
    },
]


def deductions_system(county):
    """The default branch system with DEDUCTIONS too, in use under its own code."""
    officer = county.users.officer
    system = services.system_create(
        actor=officer,
        owner=county.county,
        code="branch-deductions",
        name="党支部建设考核（含扣分）",
        name_en="Branch assessment with deductions",
        spec=[*defaults.BRANCH_SYSTEM, *DEDUCTIONS],
        ahp_upper=defaults.SIX_AREAS_AHP,
        assessed_kind="branch",
    )
    return services.system_activate(actor=officer, system=system)


def with_deductions(county, asof=END):
    """The year assessed with deductions_system and computed as of `asof`: `county.run` is that assessment."""
    officer = county.users.officer
    run = services.run_create(
        actor=officer, system=deductions_system(county), period=county.run.period, scope=county.county
    )
    services.run_compute(actor=officer, run=run, asof=asof)
    run.refresh_from_db()
    county.run = run
    return county
