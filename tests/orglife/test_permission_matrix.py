"""The permission matrix of the organizational-life API: every role, inside and outside its subtree, for every
model and operation.

"Inside" objects live in 青山村党支部 (C-T1-V1, in township 1); "outside" objects in 白石村党支部 (C-T2-V1, in
township 2). Every object concerns the branch's member; inside, that member is the plain "member" account. The
township officer and the auditor hold their roles on township 1, the secretary on C-T1-V1, the county officer
on the county; the administrator is a superuser.

What "create" and "change" mean for each model:

    meeting       create: record a held meeting with attendance    change: hold a planned meeting
    study_record  create: record study hours for the member        change: confirm a pending record
    point_entry   create: enter points by hand                     change: correct an entry
    appraisal     create: open last year's appraisal               change: close this year's with decisions
    care_case     create: add another member to the ledger         change: close the case
    care_visit    create: record a visit                           change: none (visits are never edited)
    talk          create: record a talk                            change: none (talks are never edited)

The details of a care case and the notes of a talk are restricted: shown only to roles that may read the
member's personal data (administrator, officers, secretary), masked for the auditor and the member.
"""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from grassroots.orglife import services
from grassroots.orglife.models import MeetingState, PointRule
from tests import shelf
from tests.factories import MemberFactory, UserFactory

ROLES = ["admin", "officer", "t1_officer", "secretary", "auditor", "member", "outsider", "anonymous"]
MODELS = ["meeting", "study_record", "point_entry", "appraisal", "care_case", "care_visit", "talk"]
OPS = ["list", "detail", "create", "change"]

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)

EVERYONE_INSIDE = {"admin", "officer", "t1_officer", "secretary", "auditor"}
CHANGERS_INSIDE = {"admin", "officer", "t1_officer", "secretary"}
OUTSIDE = {"admin", "officer"}
MEMBER = {"member"}  # the plain member: their own organization's meetings and appraisal, their own records
NOBODY: set[str] = set()

# (model, op) -> (roles allowed inside, roles allowed outside)
EXPECTED = {
    ("meeting", "list"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("meeting", "detail"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("meeting", "create"): (CHANGERS_INSIDE, OUTSIDE),
    ("meeting", "change"): (CHANGERS_INSIDE, OUTSIDE),
    ("study_record", "list"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("study_record", "detail"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("study_record", "create"): (CHANGERS_INSIDE | MEMBER, OUTSIDE),  # a member records their own study
    ("study_record", "change"): (CHANGERS_INSIDE, OUTSIDE),  # nobody confirms their own
    ("point_entry", "list"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("point_entry", "detail"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("point_entry", "create"): (CHANGERS_INSIDE, OUTSIDE),
    ("point_entry", "change"): (CHANGERS_INSIDE, OUTSIDE),
    ("appraisal", "list"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("appraisal", "detail"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("appraisal", "create"): (CHANGERS_INSIDE, OUTSIDE),
    ("appraisal", "change"): (CHANGERS_INSIDE, OUTSIDE),
    # The ledger is not shown to members; a member in it reads their own case (the case here is the member's).
    ("care_case", "list"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("care_case", "detail"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("care_case", "create"): (CHANGERS_INSIDE, OUTSIDE),
    ("care_case", "change"): (CHANGERS_INSIDE, OUTSIDE),
    ("care_visit", "list"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("care_visit", "detail"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("care_visit", "create"): (CHANGERS_INSIDE, OUTSIDE),
    ("care_visit", "change"): (NOBODY, NOBODY),
    ("talk", "list"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),  # a member sees the talks with them
    ("talk", "detail"): (EVERYONE_INSIDE | MEMBER, OUTSIDE),
    ("talk", "create"): (CHANGERS_INSIDE, OUTSIDE),
    ("talk", "change"): (NOBODY, NOBODY),
}
# Who reads the restricted text (care details, talk notes) unmasked: (inside, outside).
RESTRICTED_READERS = (CHANGERS_INSIDE, OUTSIDE)
RESTRICTED = {"care_case": "details", "talk": "notes"}

BASE = {
    "meeting": "/api/meetings/",
    "study_record": "/api/study-records/",
    "point_entry": "/api/point-entries/",
    "appraisal": "/api/appraisals/",
    "care_case": "/api/care-cases/",
    "care_visit": "/api/care-visits/",
    "talk": "/api/talks/",
}


def test_the_table_is_complete():
    assert set(EXPECTED) == {(model, op) for model in MODELS for op in OPS}
    assert set(BASE) == set(MODELS)


def _world(county, model: str, where: str) -> dict:
    """The object of `model` at the inside or the outside branch, made through the services."""
    admin = county.users.admin
    org = county.v11 if where == "inside" else county.v21
    member = county.members[org.code]
    objs = {"org": org, "member": member}
    if model == "meeting":
        objs["obj"] = services.meeting_record(
            actor=admin,
            organization=org,
            kind="lecture",
            held_on=TODAY,
            topic="党课：弘扬伟大建党精神",
            state=MeetingState.PLANNED,
        )
    elif model == "study_record":
        author = county.users.member
        if where == "outside":
            author = UserFactory(username="studier-outside")
            member.user = author
            member.save()
        objs["obj"] = services.study_record_create(
            actor=author, member=member, title="学习强国", studied_on=YESTERDAY, hours=2
        )
    elif model == "point_entry":
        objs["obj"] = services.points_enter(
            actor=admin, member=member, rule=PointRule.objects.get(code="manual"), earned_on=YESTERDAY, note="帮扶"
        )
    elif model == "appraisal":
        objs["obj"] = services.appraisal_open(actor=admin, organization=org, year=TODAY.year)
    elif model in ("care_case", "care_visit"):
        case = services.care_case_open(actor=admin, member=member, category="illness", details="住院治疗，家庭困难")
        objs["obj"] = case
        if model == "care_visit":
            objs["obj"] = services.care_visit_record(
                actor=admin, member=member, visited_on=YESTERDAY, help_given="送去慰问金", amount=500
            )
    else:
        objs["obj"] = services.talk_record(
            actor=admin, member=member, talked_on=YESTERDAY, topic="思想动态", with_name="书记", notes="家中老人住院"
        )
    return objs


objs = shelf.shelved("objs", _world, below="county", params=("model", "where"))


def _create(client, model: str, objs: dict):
    org, member = objs["org"], objs["member"]
    if model == "meeting":
        payload = {
            "organization": org.code,
            "kind": "general",
            "held_on": YESTERDAY.isoformat(),
            "topic": "支部党员大会",
            "attendance": [{"member": member.pk, "status": "present"}],
        }
        return client.post(BASE[model], payload, format="json")
    if model == "study_record":
        payload = {"member": member.pk, "title": "党章", "studied_on": YESTERDAY.isoformat(), "hours": "1.5"}
        return client.post(BASE[model], payload, format="json")
    if model == "point_entry":
        payload = {"member": member.pk, "rule": "manual", "earned_on": YESTERDAY.isoformat(), "note": "义务巡河"}
        return client.post(BASE[model] + "enter/", payload, format="json")
    if model == "appraisal":
        return client.post(BASE[model], {"organization": org.code, "year": TODAY.year - 1}, format="json")
    if model == "care_case":
        other = MemberFactory(organization=org, name="困难党员")
        return client.post(BASE[model], {"member": other.pk, "category": "old_age"}, format="json")
    if model == "care_visit":
        payload = {"member": member.pk, "visited_on": TODAY.isoformat(), "help_given": "送米面油"}
        return client.post(BASE[model], payload, format="json")
    payload = {"member": member.pk, "talked_on": TODAY.isoformat(), "topic": "工作打算", "with_name": "组织委员"}
    return client.post(BASE[model], payload, format="json")


def _change(client, model: str, objs: dict):
    url = f"{BASE[model]}{objs['obj'].pk}/"
    if model == "meeting":
        return client.post(
            url + "hold/", {"attendance": [{"member": objs["member"].pk, "status": "present"}]}, format="json"
        )
    if model == "study_record":
        return client.post(url + "confirm/", format="json")
    if model == "point_entry":
        return client.post(url + "correct/", {"points": "0", "reason": "录入错误"}, format="json")
    if model == "appraisal":
        decisions = {str(objs["member"].pk): {"grade": "qualified"}}
        return client.post(url + "close/", {"decisions": decisions}, format="json")
    if model == "care_case":
        return client.post(url + "close/", {}, format="json")
    return client.patch(url, {"topic": "改", "help_given": "改"}, format="json")


def _request(client, model: str, op: str, objs: dict) -> tuple[int, bool, dict | None]:
    obj = objs["obj"]
    if op == "list":
        response = client.get(BASE[model], {"page_size": 500})
        rows = response.json()["results"] if response.status_code == 200 else []
        row = next((r for r in rows if r["id"] == obj.pk), None)
        return response.status_code, row is not None, row
    if op == "detail":
        response = client.get(f"{BASE[model]}{obj.pk}/")
        return (
            response.status_code,
            response.status_code == 200,
            response.json() if response.status_code == 200 else None,
        )
    response = _create(client, model, objs) if op == "create" else _change(client, model, objs)
    return response.status_code, response.status_code in (200, 201), None


@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(county, objs, role, model, op, where):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(getattr(county.users, role))
    status, allowed, row = _request(client, model, op, objs)
    inside = where == "inside"
    expected = role in EXPECTED[(model, op)][0 if inside else 1]
    assert status < 500
    assert allowed == expected, f"{role} {op} {model} {where}: HTTP {status}"
    if role == "anonymous":
        assert status in (401, 403)
    elif not expected and op != "list":
        refused = (405,) if EXPECTED[(model, op)] == (NOBODY, NOBODY) else (403, 404)
        assert status in refused, f"{role} {op} {model} {where}: HTTP {status}"
    if row is not None and model in RESTRICTED:
        field = RESTRICTED[model]
        reader = role in RESTRICTED_READERS[0 if inside else 1]
        assert row[f"{field}_masked"] is (not reader), f"{role} reads {field} of {model} {where}"
        assert (row[field] == "***") is (not reader)


def test_a_refused_write_leaves_no_trace(county):
    """The auditor reads the branch but records nothing: the meeting is refused and nothing is stored."""
    from grassroots.orglife.models import Attendance, Meeting

    client = APIClient()
    client.force_authenticate(county.users.auditor)
    member = county.members["C-T1-V1"]
    response = client.post(
        BASE["meeting"],
        {
            "organization": "C-T1-V1",
            "kind": "general",
            "held_on": YESTERDAY.isoformat(),
            "topic": "越权记录",
            "attendance": [{"member": member.pk, "status": "present"}],
        },
        format="json",
    )
    assert response.status_code == 403
    assert not Meeting.objects.exists() and not Attendance.objects.exists()
