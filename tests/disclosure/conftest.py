"""The fixtures of the disclosure tests, built once and kept (tests/shelf.py): the small county with a duty issued
to its four branches and meetings of Qingshan's branch (`disclosed`); the tiny demo with private fields planted with
sentinel values, for the crawl of the public site (`planted`)."""

import datetime as dt

from django.utils import timezone

from tests import shelf

TODAY = timezone.localdate()
# Values planted in private fields: none of them may ever appear on a public page.
SENTINELS = {
    "id_number": "11010519491231002X",
    "phone": "13912345678",
    "birth_date": dt.date(1931, 2, 3),
    "care": "SENTINEL-CARE-DETAILS",
    "talk": "SENTINEL-TALK-NOTES",
    "minutes": "SENTINEL-MINUTES-NOT-RELEASED",
    "report": "SENTINEL-PROGRESS-REPORT",
    "facts": "SENTINEL-CASE-FACTS",
    "note": "SENTINEL-ASSIGNMENT-NOTE",
    "requirement": "SENTINEL-DUTY-REQUIREMENT",
    "appraisal": "SENTINEL-APPRAISAL-FOLLOW-UP",
    "provisional": "SENTINEL-PROVISIONAL-RUN",
    "provisional_score": "43.21",  # every result of the run computed and not published scores this
    "internal": "SENTINEL-INTERNAL-NOTICE",
    "withdrawn": "SENTINEL-WITHDRAWN-NOTICE",
}


def build_disclosed(county):
    from grassroots.duties import services as duties
    from grassroots.orglife.models import Meeting

    officer = county.users.officer
    period = duties.period_for(str(TODAY.year))
    duty_list = duties.duty_list_for(actor=officer, organization=county.county, period=period)
    duty = duties.duty_create(
        actor=officer,
        duty_list=duty_list,
        title="落实三会一课制度",
        dimension="organizational",
        due_on=dt.date(TODAY.year, 12, 31),
        requirement="每月召开支部党员大会",
    )
    duties.duty_issue(actor=officer, duty=duty, targets=[county.v11, county.v12, county.v21, county.v22])
    county.meetings = [
        Meeting.objects.create(
            organization=county.v11,
            kind="general",
            state="held",
            held_on=TODAY - dt.timedelta(days=30 * i + 1),
            topic=f"学习贯彻党的二十大精神（第{i + 1}次）",
            minutes=f"会议纪要{i + 1}：传达学习文件，讨论本村发展。",
        )
        for i in range(3)
    ]
    county.planned = Meeting.objects.create(
        organization=county.v11, kind="lecture", state="planned", held_on=TODAY + dt.timedelta(days=5), topic="党课"
    )
    return county


disclosed = shelf.shelved(
    "disclosed",
    build_disclosed,
    below="county",
    doc="The county with a duty issued to its four branches and three meetings held in Qingshan's branch (C-T1-V1), "
    "one planned.",
)


def build_planted():
    """The tiny demo, its public items published (the demo does it through the services), and sentinels planted
    in private fields of the rows the public site could come near: the members of every branch, care, talks,
    minutes not released, reports, cases, an internal and a withdrawn notice, a run computed and not published."""
    from grassroots.accountability.models import Case, DutyReport
    from grassroots.assessment.models import AssessmentRun, Result, RunState
    from grassroots.demo import build_demo
    from grassroots.disclosure import services as disclosure
    from grassroots.disclosure.models import ReleasedMinutes
    from grassroots.duties.models import Assignment, Duty, ProgressReport
    from grassroots.organizations.models import Member, Organization
    from grassroots.orglife.models import AppraisalResult, CareCase, Meeting, Talk
    from tests.factories import seed_default_rules

    seed_default_rules()
    build_demo(scale="tiny", seed=1, today=TODAY)
    s = SENTINELS
    first = Member.objects.order_by("pk").first()
    Member.objects.filter(pk=first.pk).update(id_number=s["id_number"])
    Member.objects.update(phone=s["phone"], birth_date=s["birth_date"])
    CareCase.objects.update(details=s["care"])
    Talk.objects.update(notes=s["talk"])
    Meeting.objects.exclude(pk__in=ReleasedMinutes.objects.values("meeting")).update(minutes=s["minutes"])
    ProgressReport.objects.update(text=s["report"])
    Case.objects.update(facts=s["facts"])
    DutyReport.objects.update(text=s["report"])
    Assignment.objects.update(note=s["note"])
    Duty.objects.update(requirement=s["requirement"])
    AppraisalResult.objects.update(follow_up=s["appraisal"])
    # A run computed and not published, of the county, with a result for every branch it has.
    published = AssessmentRun.objects.final().order_by("-version").first()
    hidden = AssessmentRun.objects.create(
        system=published.system, period=published.period, scope=published.scope, version=99, state=RunState.COMPUTED
    )
    Result.objects.bulk_create(
        Result(
            run=hidden,
            organization_id=r.organization_id,
            weighted=43.21,
            score=43.21,
            grade=r.grade,
            veto_reason=s["provisional"],
        )
        for r in Result.objects.filter(run=published)
    )
    from django.contrib.auth import get_user_model

    county = Organization.objects.get(depth=1)
    officer = get_user_model().objects.get(username="county")
    disclosure.notice_post(actor=officer, organization=county, title=s["internal"], body=s["internal"], public=False)
    gone = disclosure.notice_post(
        actor=officer, organization=county, title=s["withdrawn"], body=s["withdrawn"], public=True
    )
    disclosure.notice_withdraw(actor=officer, notice=gone)
    return {"organizations": Organization.objects.count()}


planted = shelf.shelved("planted", build_planted, doc="The tiny demo with sentinels in its private fields.")
