"""The fixtures of the pursuit tests, built once and kept (tests/shelf.py): the small county with a person
concerned in Qingshan's branch, an officer of the other township, and one case opened by hand by Xinjie's officer
(`pursuit`); and the assessment tests' year of work in it, on which the rules of pursuit run (`pursued`)."""

from tests import shelf
from tests.assessment import year
from tests.factories import MemberFactory, UserFactory, grant

pursued = shelf.shelved("pursued", year.year_of_work, below="county")


def build_pursuit(county):
    from grassroots.accountability import services

    users = county.users
    users.person = UserFactory(username="concerned")
    person = MemberFactory(organization=county.v11, name="李责任", user=users.person)
    users.t2_officer = grant(UserFactory(username="t2officer"), county.t2, "officer")
    county.person = person
    county.case = services.case_open(
        actor=users.t1_officer,
        organization=county.v11,
        person=person,
        title="第二季度重点工作逾期未完成",
        facts="The key work of the second quarter was left undone for 40 days.",
        evidence=[{"label": "The assignment", "url": "/work/"}, {"label": "Minutes of the branch meeting", "url": ""}],
    )
    return county


pursuit = shelf.shelved(
    "pursuit",
    build_pursuit,
    below="county",
    doc="The county with a person concerned (李责任, Qingshan's branch, user 'concerned'), Baishi's officer, and a "
    "case on Qingshan's branch decided by Xinjie (opened by hand by its officer).",
)
