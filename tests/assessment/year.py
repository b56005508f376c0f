"""A county's year of work for the assessment tests: built once per module and worker (tests/shelf.py), each test
rolled back to it."""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from grassroots.assessment import defaults, services
from grassroots.duties import services as duties
from grassroots.duties.models import Assignment, Claim
from grassroots.organizations import services as org_services
from grassroots.organizations.models import Organization, Post, Transfer
from grassroots.orglife import services as orglife
from grassroots.orglife.models import CareCase, CareVisit, StudyRecord, Talk
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


def at_ten(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def moved(county, member, to, on: dt.date):
    """`member` transferred to `to`, the transfer decided on the day `on` (the posts it ended, ended that day)."""
    transfer = org_services.transfer_request(actor=county.users.officer, member=member, to_organization=to)
    Transfer.objects.filter(pk=transfer.pk).update(decided_at=at_ten(on))
    Post.objects.filter(member=member, ended_on__isnull=False, ended_on__gt=on).update(ended_on=on)
    member.refresh_from_db()
    return member


def left(county, member, on: dt.date, status="transferred_out"):
    """`member` left on the day `on`."""
    return org_services.member_update(actor=county.users.officer, member=member, status=status, left_on=on)


def studied(member, day: dt.date, hours, state="confirmed"):
    return StudyRecord.objects.create(member=member, title="学习", studied_on=day, hours=hours, state=state)


def talked(member, day: dt.date):
    return Talk.objects.create(member=member, talked_on=day, topic="谈心")


def claimed(member, day: dt.date, state="active"):
    """A claim by `member` of a duty of the year they have not claimed yet, made on `day`."""
    taken = Claim.objects.filter(member=member).values("duty")
    duty = Assignment.objects.exclude(duty__in=taken).order_by("due_on").first().duty
    claim = Claim.objects.create(duty=duty, member=member, state=state)
    Claim.objects.filter(pk=claim.pk).update(created_at=at_ten(day))
    return claim


def in_care(member, opened_on: dt.date, visited_on: dt.date | None = None):
    case = CareCase.objects.create(member=member, category="illness", opened_on=opened_on, visit_interval_days=90)
    if visited_on:
        CareVisit.objects.create(case=case, visited_on=visited_on, help_given="慰问")
    return case


def year_of_moves(county):
    """The year of work with members who moved or left in it, each with study hours (confirmed, waiting, rejected),
    talks, claims and care cases before and after: a plain member of Liuwan (v12) moved to Shimen (v22) on 1 July;
    Baishi's (v21) secretary moved to Qingshan (v11) on 1 April, her post ending; a member of Qingshan moved to
    Liuwan on 1 March and back on 1 September; a member of Shimen left on 1 July; one of Baishi moved to Liuwan after
    the year; another of Shimen left the year before. They are `county.people` a, b, c, e, f and g."""
    y = YEAR
    d = dt.date
    plain = {
        org.code: list(org.members.filter(posts__isnull=True).order_by("pk")) for org in Organization.objects.all()
    }
    a = plain["C-T1-V2"][0]
    studied(a, d(y, 3, 2), 10)
    studied(a, d(y, 9, 2), 6, state="pending")
    studied(a, d(y, 9, 3), 4, state="rejected")
    talked(a, d(y, 3, 5))
    claimed(a, d(y, 4, 10))
    moved(county, a, county.v22, d(y, 7, 1))
    b = county.members["C-T2-V1"]  # a secretary (year_of_work)
    studied(b, d(y, 2, 1), 20)
    studied(b, d(y, 10, 1), 15)
    studied(b, d(y, 10, 2), 15)
    talked(b, d(y, 10, 8))
    in_care(b, d(y, 1, 10), d(y, 12, 1))
    moved(county, b, county.v11, d(y, 4, 1))
    c = plain["C-T1-V1"][0]
    for month in range(1, 13):
        studied(c, d(y, month, 15), 3)
    talked(c, d(y, 5, 1))
    claimed(c, d(y, 11, 2))
    moved(county, c, county.v12, d(y, 3, 1))
    moved(county, c, county.v11, d(y, 9, 1))
    e = plain["C-T2-V2"][0]
    studied(e, d(y, 5, 1), 8)
    studied(e, d(y, 8, 1), 8)
    in_care(e, d(y, 2, 1), d(y, 6, 20))
    talked(e, d(y, 6, 1))
    left(county, e, d(y, 7, 1))
    f = plain["C-T2-V1"][0]
    studied(f, d(y, 6, 1), 20)
    studied(f, d(y, 6, 3), 20)
    claimed(f, d(y, 6, 2))
    in_care(f, d(y, 3, 1))
    moved(county, f, county.v12, d(y + 1, 2, 1))
    g = plain["C-T2-V2"][1]
    studied(g, d(y, 1, 5), 12)
    in_care(g, d(y - 1, 10, 1))
    left(county, g, d(y - 1, 12, 1), status="deceased")
    county.people = SimpleNamespace(a=a, b=b, c=c, e=e, f=f, g=g)
    return county
