"""The fixtures of the reports tests, built once and kept (tests/shelf.py): the assessment tests' year of work in the
small county, with a care case, a talk, a case of accountability and a meeting whose topic looks like a formula, its
assessment computed (provisional: not published) — `reported`; and the same published — `reported_published`."""

import datetime as dt

from tests import shelf
from tests.assessment import year

CARE_DETAILS = "家中失火，住房受损"
TALK_NOTES = "谈心内容：家庭困难，需组织关心"
FORMULA_TOPIC = '=HYPERLINK("http://example.org","点此")'
CASE_TITLE = "重点工作逾期：党建引领集体经济"


def build_reported(county):
    from grassroots.accountability import services as pursuit
    from grassroots.core.periods import period_for
    from grassroots.orglife import services as orglife

    year.year_of_work(county)
    officer = county.users.officer
    member = county.members["C-T1-V1"]
    orglife.care_case_open(
        actor=officer, member=member, category="illness", details=CARE_DETAILS, opened_on=dt.date(year.YEAR, 2, 1)
    )
    orglife.care_visit_record(
        actor=officer, member=member, visited_on=dt.date(year.YEAR, 3, 1), help_given="送去慰问金"
    )
    orglife.talk_record(
        actor=officer,
        member=member,
        talked_on=dt.date(year.YEAR, 4, 2),
        topic="谈心谈话",
        with_name="王书记",
        notes=TALK_NOTES,
    )
    orglife.meeting_record(
        actor=officer,
        organization=county.v11,
        kind="lecture",
        held_on=dt.date(year.YEAR, 5, 20),
        topic=FORMULA_TOPIC,
        attendance={member.pk: "present"},
    )
    pursuit.case_open(
        actor=county.users.t1_officer,
        organization=county.v11,
        title=CASE_TITLE,
        facts="The key work was left undone.",
        period=period_for(str(year.YEAR)),
    )
    year.computed(county)
    return county


reported = shelf.shelved(
    "reported",
    build_reported,
    below="county",
    doc="The small county's year 2025 with care, a talk, a formula-like meeting topic and a case; assessed, not "
    "published.",
)
reported_published = shelf.shelved("reported_published", year.published, below="reported")
