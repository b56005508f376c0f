"""The REST API of organizational life: thin over the services, same policy, clear answers to bad input."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from grassroots.core.models import AuditEntry
from grassroots.orglife.models import (
    Appraisal,
    AppraisalResult,
    CareCase,
    Meeting,
    MeetingRule,
    MeetingState,
    PointEntry,
    PointRule,
    StudyPlan,
    StudyRecord,
)
from tests.factories import MemberFactory

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def branch(county):
    """Qingshan branch (C-T1-V1) with four more members, five in all; the first has the "member" account."""
    extra = [MemberFactory(organization=county.v11, name=f"成员{i}") for i in range(4)]
    county.branch_members = [county.members["C-T1-V1"], *extra]
    return county


def api(user=None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")  # messages are read in English
    if user is not None:
        client.force_authenticate(user)
    return client


def meeting_payload(branch, **fields):
    members = branch.branch_members
    payload = {
        "organization": branch.v11.code,
        "kind": "general",
        "held_on": YESTERDAY.isoformat(),
        "topic": "学习党的二十届四中全会精神",
        "place": "村委会会议室",
        "host": members[0].pk,
        "attendance": [
            {"member": members[0].pk, "status": "present"},
            {"member": members[1].pk, "status": "present"},
            {"member": members[2].pk, "status": "late"},
            {"member": members[3].pk, "status": "excused", "reason": "外出务工"},
            {"member": members[4].pk, "status": "absent"},
        ],
    }
    payload.update(fields)
    return payload


# ---------------------------------------------------------------- meetings


def test_meeting_with_attendance_through_the_api(branch):
    client = api(branch.users.secretary)
    response = client.post("/api/meetings/", meeting_payload(branch), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organization"] == "C-T1-V1" and body["state"] == "held"
    assert body["host_name"] == branch.branch_members[0].name
    by_member = {row["member"]: row for row in body["attendance"]}
    assert len(by_member) == 5
    assert by_member[branch.branch_members[3].pk]["reason"] == "外出务工"
    assert by_member[branch.branch_members[4].pk]["status"] == "absent"
    assert PointEntry.objects.get(member=branch.branch_members[4], rule__code="absent").points == -5

    detail = client.get(f"/api/meetings/{body['id']}/")
    assert detail.status_code == 200 and len(detail.json()["attendance"]) == 5
    listed = client.get(
        "/api/meetings/",
        {"organization": "C-T1-V1", "kind": "general", "held_from": YESTERDAY, "held_to": TODAY},
    ).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert client.get("/api/meetings/", {"kind": "lecture"}).json()["count"] == 0
    assert client.get("/api/meetings/", {"held_from": TODAY}).json()["count"] == 0
    assert client.get("/api/meetings/", {"within": "C-T1"}).json()["count"] == 1
    assert client.get("/api/meetings/", {"within": "NOPE"}).json()["count"] == 0
    # the member sees the meetings of their own organization
    assert api(branch.users.member).get(f"/api/meetings/{body['id']}/").status_code == 200
    assert api(branch.users.outsider).get(f"/api/meetings/{body['id']}/").status_code == 404


def test_a_stranger_in_the_attendance_is_refused_by_name(branch):
    stranger = branch.members["C-T1-V2"]  # a member of the neighbouring branch, visible to the township officer
    payload = meeting_payload(branch, attendance=[{"member": stranger.pk, "status": "present"}])
    response = api(branch.users.t1_officer).post("/api/meetings/", payload, format="json")
    assert response.status_code == 400
    assert stranger.name in " ".join(response.json()["attendance"])
    assert not Meeting.objects.exists()


def test_a_member_the_caller_cannot_see_is_not_named(branch):
    hidden = branch.members["C-T2-V1"]
    payload = meeting_payload(branch, attendance=[{"member": hidden.pk, "status": "present"}])
    response = api(branch.users.secretary).post("/api/meetings/", payload, format="json")
    assert response.status_code == 400
    message = " ".join(response.json()["attendance"])
    assert str(hidden.pk) in message and hidden.name not in message


@pytest.mark.parametrize(
    "change, field",
    [
        ({"attendance": [{"member": 0, "status": "present"}]}, "attendance"),
        ({"attendance": [{"member": 2**70, "status": "present"}]}, "attendance"),
        ({"attendance": [{"member": 1, "status": "asleep"}]}, "attendance"),
        ({"attendance": "everyone"}, "attendance"),
        ({"kind": "party"}, "kind"),
        ({"held_on": "yesterday"}, "held_on"),
        ({"held_on": (TODAY + dt.timedelta(days=3)).isoformat()}, "held_on"),
        ({"topic": ""}, "topic"),
        ({"host": 2**70}, "host"),
        ({"host": "abc"}, "host"),
        ({"state": "cancelled"}, "state"),
    ],
)
def test_bad_meetings_answer_400_by_field(branch, change, field):
    response = api(branch.users.secretary).post("/api/meetings/", meeting_payload(branch, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_leave_needs_a_reason_and_a_member_is_listed_once(branch):
    client = api(branch.users.secretary)
    member = branch.branch_members[1]
    no_reason = meeting_payload(branch, attendance=[{"member": member.pk, "status": "excused"}])
    assert client.post("/api/meetings/", no_reason, format="json").status_code == 400
    twice = meeting_payload(
        branch, attendance=[{"member": member.pk, "status": "present"}, {"member": member.pk, "status": "absent"}]
    )
    response = client.post("/api/meetings/", twice, format="json")
    assert response.status_code == 400 and "attendance" in response.json()


def test_an_organization_out_of_scope_is_404_and_a_reader_is_403(branch):
    payload = meeting_payload(branch, organization="C-T2-V1", attendance=[], host=None)
    assert api(branch.users.secretary).post("/api/meetings/", payload, format="json").status_code == 404
    payload = meeting_payload(branch, attendance=[], host=None)
    assert api(branch.users.auditor).post("/api/meetings/", payload, format="json").status_code == 403
    assert api().post("/api/meetings/", payload, format="json").status_code in (401, 403)
    assert not Meeting.objects.exists()


def test_a_planned_meeting_is_held_once_and_twice_is_409(branch):
    client = api(branch.users.secretary)
    planned = client.post(
        "/api/meetings/",
        meeting_payload(branch, kind="lecture", state="planned", held_on=TODAY.isoformat(), attendance=[]),
        format="json",
    )
    assert planned.status_code == 201 and planned.json()["state"] == "planned"
    url = f"/api/meetings/{planned.json()['id']}/hold/"
    member = branch.branch_members[0]
    held = client.post(
        url, {"minutes": "书记讲党课", "attendance": [{"member": member.pk, "status": "present"}]}, format="json"
    )
    assert held.status_code == 200, held.json()
    assert held.json()["state"] == "held" and held.json()["minutes"] == "书记讲党课"
    again = client.post(url, {}, format="json")
    assert again.status_code == 409
    assert Meeting.objects.get().state == MeetingState.HELD


def test_meeting_status_per_organization_and_period(branch):
    client = api(branch.users.secretary)
    client.post("/api/meetings/", meeting_payload(branch, kind="theme_day", attendance=[]), format="json")
    response = client.get("/api/meetings/status/", {"organization": "C-T1-V1", "period": str(TODAY.year)})
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()}
    assert rows["theme_day"]["required"] == 12 and rows["theme_day"]["held"] == 1
    assert rows["org_life"]["rule"]["per"] == "year"
    assert "group" not in rows
    assert client.get("/api/meetings/status/", {"organization": "C-T2-V1", "period": "2026"}).status_code == 404
    for bad in ({"organization": "C-T1-V1", "period": "0000"}, {"organization": "C-T1-V1", "period": "soon"}, {}):
        response = client.get("/api/meetings/status/", bad)
        assert response.status_code == 400, (bad, response.content)


# ---------------------------------------------------------------- meeting rules


def test_meeting_rules_are_read_by_all_and_written_by_the_administrator_only(branch):
    rules = api(branch.users.member).get("/api/meeting-rules/")
    assert rules.status_code == 200 and rules.json()["count"] == 6
    new_rule = {"kind": "lecture", "organization": "C-T1", "count": 2, "per": "quarter"}
    assert api(branch.users.officer).post("/api/meeting-rules/", new_rule, format="json").status_code == 403
    admin = api(branch.users.admin)
    made = admin.post("/api/meeting-rules/", new_rule, format="json")
    assert made.status_code == 201, made.json()
    assert admin.post("/api/meeting-rules/", new_rule, format="json").status_code == 400  # one per kind and place
    default = MeetingRule.objects.get(kind="lecture", organization=None)
    assert (
        admin.post("/api/meeting-rules/", {"kind": "lecture", "count": 1, "per": "year"}, format="json").status_code
        == 400
    )
    assert admin.patch(f"/api/meeting-rules/{default.pk}/", {"count": 0}, format="json").status_code == 400
    assert admin.patch(f"/api/meeting-rules/{default.pk}/", {"count": 2}, format="json").status_code == 200
    assert api(branch.users.secretary).delete(f"/api/meeting-rules/{default.pk}/").status_code == 403
    assert AuditEntry.objects.filter(action="orglife.meeting_rule.change").count() == 2
    # the township rule is seen inside the township only
    assert api(branch.users.member).get("/api/meeting-rules/").json()["count"] == 7
    outside = MemberFactory(organization=branch.v21, user=branch.users.outsider)
    assert outside.organization == branch.v21
    assert api(branch.users.outsider).get("/api/meeting-rules/").json()["count"] == 6


# ---------------------------------------------------------------- study


def test_study_of_more_than_24_hours_is_refused(branch):
    client = api(branch.users.secretary)
    member = branch.branch_members[1]
    payload = {"member": member.pk, "title": "学习强国", "studied_on": YESTERDAY.isoformat(), "hours": "25"}
    response = client.post("/api/study-records/", payload, format="json")
    assert response.status_code == 400 and "hours" in response.json()
    assert client.post("/api/study-records/", payload | {"hours": "20"}, format="json").status_code == 201
    response = client.post("/api/study-records/", payload | {"hours": "5", "title": "党章"}, format="json")
    assert response.status_code == 400 and "24" in " ".join(response.json()["hours"])
    for bad in (
        {"hours": "abc"},
        {"hours": "0"},
        {"hours": "-1"},
        {"studied_on": (TODAY + dt.timedelta(1)).isoformat()},
    ):
        assert client.post("/api/study-records/", payload | bad, format="json").status_code == 400
    assert StudyRecord.objects.count() == 1


def test_own_study_waits_for_the_secretary(branch):
    own = branch.members["C-T1-V1"]
    made = api(branch.users.member).post(
        "/api/study-records/",
        {"member": own.pk, "title": "学习强国", "studied_on": YESTERDAY.isoformat(), "hours": "2.5"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["state"] == "pending"
    url = f"/api/study-records/{made.json()['id']}/"
    assert api(branch.users.member).post(url + "confirm/").status_code == 403
    assert api(branch.users.auditor).post(url + "confirm/").status_code == 403
    confirmed = api(branch.users.secretary).post(url + "confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["confirmed_by"] == "secretary"
    assert api(branch.users.secretary).post(url + "reject/").status_code == 409
    other = branch.branch_members[1]
    refused = api(branch.users.member).post(
        "/api/study-records/",
        {"member": other.pk, "title": "x", "studied_on": YESTERDAY.isoformat(), "hours": "1"},
        format="json",
    )
    assert refused.status_code == 403


def test_study_plans(branch):
    client = api(branch.users.secretary)
    plan = {"organization": "C-T1-V1", "period": str(TODAY.year), "required_hours": "40", "required_hours_cadre": "60"}
    made = client.post("/api/study-plans/", plan, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["period"] == str(TODAY.year)
    assert client.post("/api/study-plans/", plan, format="json").status_code == 400
    assert client.post("/api/study-plans/", plan | {"organization": "C-T2-V1"}, format="json").status_code == 404
    assert (
        api(branch.users.auditor).post("/api/study-plans/", plan | {"period": "2020"}, format="json").status_code == 403
    )
    assert client.post("/api/study-plans/", plan | {"required_hours": "-3"}, format="json").status_code == 400
    assert StudyPlan.objects.count() == 1
    assert api(branch.users.auditor).get("/api/study-plans/").json()["count"] == 1
    assert AuditEntry.objects.filter(action="orglife.study_plan.create").count() == 1


# ---------------------------------------------------------------- points


def test_points_over_the_cap_are_refused(branch):
    client = api(branch.users.secretary)
    member = branch.branch_members[0]
    entry = {"member": member.pk, "rule": "volunteer", "earned_on": YESTERDAY.isoformat(), "note": "秋收志愿"}
    assert client.post("/api/point-entries/enter/", entry, format="json").status_code == 201
    assert client.post("/api/point-entries/enter/", entry | {"note": "敬老院"}, format="json").status_code == 201
    response = client.post("/api/point-entries/enter/", entry | {"note": "再一次"}, format="json")
    assert response.status_code == 400
    assert "cap" in str(response.json())
    assert PointEntry.objects.filter(member=member).count() == 2
    response = client.post("/api/point-entries/enter/", entry | {"rule": "attend"}, format="json")
    assert response.status_code == 400  # counted from the records, not entered
    assert client.post("/api/point-entries/enter/", entry | {"rule": "nope"}, format="json").status_code == 400
    assert client.post("/api/point-entries/enter/", entry | {"note": ""}, format="json").status_code == 400


def test_points_correction_and_ranking(branch):
    client = api(branch.users.secretary)
    a, b = branch.branch_members[0], branch.branch_members[1]
    base = {"rule": "manual", "earned_on": YESTERDAY.isoformat(), "note": "帮扶"}
    first = client.post("/api/point-entries/enter/", base | {"member": a.pk}, format="json").json()
    client.post("/api/point-entries/enter/", base | {"member": b.pk}, format="json")
    corrected = client.post(
        f"/api/point-entries/{first['id']}/correct/", {"points": "0", "reason": "录入错误"}, format="json"
    )
    assert corrected.status_code == 201 and corrected.json()["corrects"] == first["id"]
    assert corrected.json()["points"] == "-1.0"
    again = client.post(
        f"/api/point-entries/{corrected.json()['id']}/correct/", {"points": "3", "reason": "x"}, format="json"
    )
    assert again.status_code == 400
    same = client.post(f"/api/point-entries/{first['id']}/correct/", {"points": "0", "reason": "x"}, format="json")
    assert same.status_code == 400
    ranking = client.get("/api/point-entries/ranking/", {"organization": "C-T1-V1", "year": YESTERDAY.year})
    assert ranking.status_code == 200
    assert ranking.json()[0] == {"rank": 1, "member_id": b.pk, "name": b.name, "total": "1.0"}
    assert client.get("/api/point-entries/ranking/", {"organization": "C-T1-V1", "year": "x"}).status_code == 400
    assert client.get("/api/point-entries/ranking/", {"organization": "C-T2-V1"}).status_code == 404
    own = api(branch.users.member).get("/api/point-entries/").json()
    assert {row["member"] for row in own["results"]} == {a.pk}


def test_point_rules_are_read_by_code(branch):
    client = api(branch.users.member)
    rules = client.get("/api/point-rules/")
    assert rules.status_code == 200 and rules.json()["count"] == PointRule.objects.count()
    assert client.get("/api/point-rules/study/").json()["per_hour"] is True
    assert client.post("/api/point-rules/", {"code": "x"}, format="json").status_code == 405


# ---------------------------------------------------------------- appraisal


def test_appraisal_flow(branch):
    members = branch.branch_members
    secretary = api(branch.users.secretary)
    opened = secretary.post("/api/appraisals/", {"organization": "C-T1-V1", "year": TODAY.year}, format="json")
    assert opened.status_code == 201 and opened.json()["state"] == "voting"
    assert (
        secretary.post("/api/appraisals/", {"organization": "C-T1-V1", "year": TODAY.year}, format="json").status_code
        == 400
    )
    url = f"/api/appraisals/{opened.json()['id']}/"

    member = api(branch.users.member)
    assert member.get(url).status_code == 200
    vote = member.post(url + "vote/", {"votes": {str(m.pk): "qualified" for m in members}}, format="json")
    assert vote.status_code == 200 and vote.json() == {"votes": 5}
    assert member.post(url + "vote/", {"votes": {str(members[0].pk): "excellent"}}, format="json").status_code == 400
    for bad in ({"votes": {"abc": "qualified"}}, {"votes": {str(members[1].pk): "superb"}}, {"votes": {}}, {}):
        assert member.post(url + "vote/", bad, format="json").status_code == 400, bad
    assert secretary.post(url + "vote/", {"votes": {str(members[1].pk): "qualified"}}, format="json").status_code == 403
    assert member.get(url + "results/").json() == []

    too_many = {str(m.pk): {"grade": "excellent"} for m in members[:2]} | {
        str(m.pk): {"grade": "qualified"} for m in members[2:]
    }
    response = secretary.post(url + "close/", {"decisions": too_many}, format="json")
    assert response.status_code == 400 and "excellent" in str(response.json())
    decisions = {str(members[0].pk): {"grade": "excellent"}} | {str(m.pk): {"grade": "qualified"} for m in members[1:4]}
    decisions[str(members[4].pk)] = {"grade": "unqualified"}
    assert secretary.post(url + "close/", {"decisions": decisions}, format="json").status_code == 400
    assert member.post(url + "close/", {"decisions": decisions}, format="json").status_code == 403
    decisions[str(members[4].pk)] = {"grade": "unqualified", "follow_up": "由书记谈话，三个月内整改"}
    closed = secretary.post(url + "close/", {"decisions": decisions}, format="json")
    assert closed.status_code == 200, closed.json()
    results = {row["member"]: row for row in closed.json()}
    assert results[members[1].pk]["counts"] == {"qualified": 1} and results[members[0].pk]["grade"] == "excellent"
    assert AppraisalResult.objects.count() == 5
    assert secretary.post(url + "close/", {"decisions": decisions}, format="json").status_code == 409
    assert member.post(url + "vote/", {"votes": {str(members[1].pk): "qualified"}}, format="json").status_code == 409
    own = member.get(url + "results/").json()  # a plain member reads their own result, not colleagues' votes
    assert [row["member"] for row in own] == [branch.users.member.member.pk]
    assert len(secretary.get(url + "results/").json()) == 5
    assert Appraisal.objects.get().state == "closed"


# ---------------------------------------------------------------- care and talks


def test_a_visit_to_a_member_not_in_the_ledger_is_refused(branch):
    client = api(branch.users.secretary)
    member = branch.branch_members[2]
    visit = {"member": member.pk, "visited_on": YESTERDAY.isoformat(), "help_given": "送去米面油", "amount": "300"}
    response = client.post("/api/care-visits/", visit, format="json")
    assert response.status_code == 400
    assert "ledger" in str(response.json())
    case = client.post(
        "/api/care-cases/", {"member": member.pk, "category": "illness", "details": "肺癌术后"}, format="json"
    )
    assert case.status_code == 201, case.json()
    made = client.post("/api/care-visits/", visit, format="json")
    assert made.status_code == 201 and made.json()["amount"] == "300.00"
    assert client.post("/api/care-visits/", visit | {"amount": "-5"}, format="json").status_code == 400
    assert client.post("/api/care-visits/", visit | {"help_given": ""}, format="json").status_code == 400
    assert (
        client.post("/api/care-visits/", visit | {"member": branch.members["C-T2-V1"].pk}, format="json").status_code
        == 404
    )
    assert client.get("/api/care-visits/", {"member": member.pk}).json()["count"] == 1


def test_care_details_are_masked_for_those_without_personal_rights(branch):
    member = branch.branch_members[2]
    secretary = api(branch.users.secretary)
    case = secretary.post(
        "/api/care-cases/",
        {"member": member.pk, "category": "illness", "details": "肺癌术后，家庭困难", "opened_on": "2025-01-01"},
        format="json",
    ).json()
    url = f"/api/care-cases/{case['id']}/"
    assert secretary.get(url).json()["details"] == "肺癌术后，家庭困难"
    assert api(branch.users.t1_officer).get(url).json()["details_masked"] is False
    audited = api(branch.users.auditor).get(url).json()
    assert audited["details"] == "***" and audited["details_masked"] is True
    assert "肺癌" not in str(api(branch.users.auditor).get("/api/care-cases/").json())
    assert api(branch.users.member).get(url).status_code == 404  # the ledger is not for members

    alerts = secretary.get("/api/care-cases/alerts/", {"organization": "C-T1-V1"})
    assert alerts.status_code == 200 and [a["member"] for a in alerts.json()] == [member.pk]
    assert api(branch.users.auditor).get("/api/care-cases/alerts/", {"organization": "C-T1"}).json()[0]["never"]
    assert secretary.get("/api/care-cases/alerts/", {"organization": "C-T1"}).status_code == 404
    assert api(branch.users.officer).get("/api/care-cases/alerts/", {"organization": "C-T2"}).json() == []

    assert secretary.post(url + "close/", {"closed_on": "2024-01-01"}, format="json").status_code == 400
    assert api(branch.users.auditor).post(url + "close/", {}, format="json").status_code == 403
    closed = secretary.post(url + "close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["closed_on"] == TODAY.isoformat()
    assert secretary.post(url + "close/", {}, format="json").status_code == 409
    assert secretary.get("/api/care-cases/", {"open": "true"}).json()["count"] == 0
    assert CareCase.objects.get().closed_on == TODAY


def test_a_member_enters_the_ledger_once(branch):
    client = api(branch.users.secretary)
    payload = {"member": branch.branch_members[1].pk, "category": "old_age"}
    assert client.post("/api/care-cases/", payload, format="json").status_code == 201
    assert client.post("/api/care-cases/", payload, format="json").status_code == 400
    for bad in ({"category": "bored"}, {"visit_interval_days": 0}, {"opened_on": "2999-01-01"}):
        assert client.post("/api/care-cases/", payload | bad, format="json").status_code == 400, bad


def test_talks_hide_their_notes_and_missing_talks_are_listed(branch):
    members = branch.branch_members
    secretary = api(branch.users.secretary)
    talk = {
        "member": members[0].pk,
        "talked_on": YESTERDAY.isoformat(),
        "topic": "思想动态",
        "with_member": members[1].pk,
        "notes": "家中老人住院，情绪低落",
    }
    made = secretary.post("/api/talks/", talk, format="json")
    assert made.status_code == 201 and made.json()["notes"] == talk["notes"]
    url = f"/api/talks/{made.json()['id']}/"
    for user in (branch.users.auditor, branch.users.member):
        body = api(user).get(url).json()
        assert body["notes"] == "***" and body["notes_masked"] is True
    assert api(branch.users.officer).get(url).json()["notes"] == talk["notes"]
    assert secretary.post("/api/talks/", talk | {"with_member": None}, format="json").status_code == 400
    assert secretary.post("/api/talks/", talk | {"topic": ""}, format="json").status_code == 400
    missing = secretary.get("/api/talks/missing/", {"organization": "C-T1-V1", "year": YESTERDAY.year})
    assert missing.status_code == 200
    assert {row["id"] for row in missing.json()} == {m.pk for m in members[1:]}
    assert secretary.get("/api/talks/missing/", {"organization": "C-T2-V1"}).status_code == 404


# ---------------------------------------------------------------- never a server error


@pytest.mark.parametrize(
    "url",
    [
        "/api/meetings/?held_from=never",
        "/api/meetings/?host=99999999999999999999999",
        "/api/meetings/999999999999999999999999/",
        "/api/study-records/?member=-1",
        "/api/point-entries/?year=123456789",
        "/api/point-entries/ranking/?organization=C-T1-V1&year=99999",
        "/api/talks/?year=abc",
        "/api/care-visits/?case=1e400",
        "/api/appraisals/?year=99999999999999999999",
        "/api/talks/missing/",
        "/api/care-cases/alerts/?organization=",
    ],
)
def test_bad_queries_are_never_a_server_error(branch, url):
    response = api(branch.users.officer).get(url)
    assert response.status_code in (200, 400, 404), response.content


@pytest.mark.parametrize(
    "url, payload",
    [
        ("/api/study-records/", {"member": 2**70, "studied_on": "2025-01-01", "hours": "1"}),
        ("/api/study-records/", {"member": "x", "studied_on": "2025-01-01", "hours": "1e9"}),
        ("/api/study-records/", {"member": 1, "studied_on": "2025-01-01", "hours": "1", "course": 2**70}),
        ("/api/point-entries/enter/", {"member": True, "rule": [], "earned_on": 5, "note": {}}),
        ("/api/appraisals/", {"organization": None, "year": "2026"}),
        ("/api/appraisals/", {"organization": "C-T1-V1", "year": 99999}),
        ("/api/care-cases/", {"member": [], "category": None}),
        ("/api/care-visits/", {"member": 1, "visited_on": "2025-02-30", "help_given": "x", "amount": "NaN"}),
        ("/api/talks/", {"member": {"id": 1}, "talked_on": "x"}),
        ("/api/study-plans/", {"organization": "C-T1-V1", "period": "2026-13", "required_hours": "1e9"}),
        ("/api/meetings/", {"organization": ["C"], "attendance": [1, 2]}),
    ],
)
def test_bad_writes_are_never_a_server_error(branch, url, payload):
    response = api(branch.users.officer).post(url, payload, format="json")
    assert response.status_code in (400, 404), response.content
