"""The chain "determine -> perform" through the REST API, with every refusal answered clearly and never by a 500."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from grassroots.core.models import Notification, Period
from grassroots.duties import services
from grassroots.duties.models import Assignment, AssignmentState, DutyList, ProgressReport
from grassroots.organizations.models import Post


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def secretaries(county):
    """Each village branch's member is its secretary, so issued assignments name a responsible person."""
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )


def api(user=None) -> APIClient:
    """A client in English, so that the messages checked here read the same whatever catalogs are compiled."""
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def png(name="photo.png", color=(200, 30, 30)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def due_in(period, days=30) -> dt.date:
    return min(max(dt.date.today() + dt.timedelta(days=days), period.start), period.end)


@pytest.fixture
def county_duty(county, period, secretaries):
    """A county duty issued to all four village branches through the API; returns (duty id, assignment of 青山村)."""
    officer = api(county.users.officer)
    duty_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=period)
    response = officer.post(
        "/api/duties/",
        {
            "duty_list": duty_list.pk,
            "title": "每月开展一次乡村振兴主题党日",
            "dimension": "political",
            "due_on": due_in(period).isoformat(),
            "requirement": "有照片、有签到表",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    duty_id = response.json()["id"]
    assert officer.post(f"/api/duties/{duty_id}/issue/", {"mode": "kind", "kind": "branch"}).json()["assignments"] == 4
    return duty_id, Assignment.objects.get(duty_id=duty_id, organization=county.v11)


# ------------------------------------------------------------------------------------------ what a report costs


QUERIES_PER_REPORT = 40  # 45 before the audit's chain, the roll-up's flag and the answer read less


def test_a_report_with_a_photo_runs_a_fixed_number_of_queries(county, county_duty, django_assert_max_num_queries):
    """The deadline day's dearest request: the assignment read (and locked), the report, its photo, the state, the
    audit entry on its region's chain (found in one select, its head read once), the reviewers told, the formalism
    check's signatures and searches, the evidence read back for the answer; a report on an assignment that is not a
    middle one reads one select for the roll-up's flag. Lower it when it goes down; a rise is a regression."""
    _duty, assignment = county_duty
    with django_assert_max_num_queries(QUERIES_PER_REPORT):
        response = api(county.users.secretary).post(
            f"/api/assignments/{assignment.pk}/report/",
            {"text": "开展了党课，到会28人", "percent": 80, "files": [png()]},
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    assert [e["kind"] for e in response.json()["evidence"]] == ["image"]


# ------------------------------------------------------------------------------------------ the chain


def test_the_whole_chain_through_the_api(county, period, secretaries):
    officer, secretary = api(county.users.officer), api(county.users.secretary)
    year = str(period.start.year)

    response = officer.post("/api/duty-lists/", {"organization": "C", "period": year, "title": "青山县委责任清单"})
    assert response.status_code == 201, response.json()
    assert response.json()["organization"] == "C" and response.json()["period"] == year
    list_id = response.json()["id"]

    response = officer.post(
        "/api/duties/",
        {
            "duty_list": list_id,
            "title": "每季度上一次党课",
            "dimension": "ideological",
            "is_key": True,
            "post": "secretary",
            "due_on": due_in(period).isoformat(),
            "requirement": "有讲稿、有签到表",
            "evidence_expected": "讲稿和照片",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    duty = response.json()
    assert duty["organization"] == "C" and duty["state"] == "draft" and duty["is_key"] is True

    response = officer.post(f"/api/duties/{duty['id']}/issue/", {"mode": "kind", "kind": "branch"}, format="json")
    assert response.status_code == 201 and response.json()["assignments"] == 4
    made = response.json()["made"]  # the assignments made, each named as the assignments API names it
    assert sorted(a["organization"] for a in made) == ["C-T1-V1", "C-T1-V2", "C-T2-V1", "C-T2-V2"]
    assert {(a["duty"], a["due_on"]) for a in made} == {(duty["id"], duty["due_on"])}
    assert sorted(a["id"] for a in made) == sorted(
        Assignment.objects.filter(duty_id=duty["id"]).values_list("pk", flat=True)
    )
    response = officer.post(f"/api/duties/{duty['id']}/issue/", {"mode": "kind", "kind": "branch"}, format="json")
    assert response.status_code == 200 and response.json() == {"assignments": 0, "made": []}  # nothing issued twice

    # The branch secretary sees only its own branch's assignment.
    rows = secretary.get("/api/assignments/", {"duty": duty["id"]}).json()["results"]
    assert [(r["organization"], r["issuer"], r["state"]) for r in rows] == [("C-T1-V1", "C", "issued")]
    assert rows[0]["light"] in ("green", "yellow")
    assignment_id = rows[0]["id"]
    assert rows[0]["responsible"] == county.members["C-T1-V1"].pk

    response = secretary.post(
        f"/api/assignments/{assignment_id}/report/",
        {"text": "开展了党课，到会28人", "percent": 80, "files": [png()]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["state"] == "submitted" and report["author"] == "secretary"
    assert [(e["original_name"], e["kind"]) for e in report["evidence"]] == [("photo.png", "image")]

    response = officer.post(f"/api/reports/{report['id']}/return/", {"reason": "照片不清晰，请补充签到表"})
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "returned" and response.json()["return_reason"] == "照片不清晰，请补充签到表"
    assert secretary.get(f"/api/assignments/{assignment_id}/").json()["state"] == "returned"

    response = secretary.post(
        f"/api/assignments/{assignment_id}/report/",
        {"text": "补充了签到表", "percent": 100, "files": [png("sign-in.png", (20, 200, 20))]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    again = response.json()

    assert [r["id"] for r in officer.get("/api/reports/to_review/").json()["results"]] == [again["id"]]
    response = officer.post(f"/api/reports/{again['id']}/accept/")
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert response.json()["reviewer"] == "officer"

    detail = secretary.get(f"/api/assignments/{assignment_id}/").json()
    assert (detail["state"], detail["light"], detail["percent"]) == ("accepted", "done", 100)
    progress = officer.get(f"/api/duties/{duty['id']}/progress/").json()
    assert (progress["total"], progress["accepted"], progress["completion"]) == (4, 1, 25.0)


def test_township_decomposes_its_assignment_and_issues_it_to_its_branches(county, period, secretaries):
    officer, township = api(county.users.officer), api(county.users.t1_officer)
    duty_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=period)
    duty = officer.post(
        "/api/duties/",
        {
            "duty_list": duty_list.pk,
            "title": "开展软弱涣散党组织整顿",
            "dimension": "organizational",
            "due_on": due_in(period).isoformat(),
            "requirement": "整顿方案和验收材料",
        },
        format="json",
    ).json()
    officer.post(f"/api/duties/{duty['id']}/issue/", {"mode": "children"}, format="json")
    received = township.get("/api/assignments/", {"duty": duty["id"], "organization": "C-T1"}).json()["results"]
    assert len(received) == 1
    response = township.post(
        f"/api/assignments/{received[0]['id']}/decompose/", {"requirement": "每村一份整顿方案"}, format="json"
    )
    assert response.status_code == 201, response.json()
    sub = response.json()
    assert sub["organization"] == "C-T1" and sub["source_assignment"] == received[0]["id"]
    response = township.post(
        f"/api/duties/{sub['id']}/issue/", {"mode": "pick", "ids": ["C-T1-V1", "C-T1-V2"]}, format="json"
    )
    assert response.json()["assignments"] == 2
    assert sorted(a["organization"] for a in response.json()["made"]) == ["C-T1-V1", "C-T1-V2"]
    progress = officer.get(f"/api/duties/{duty['id']}/progress/").json()
    assert progress["total"] == 3  # the second township and the two branches below the first (its work)


# ------------------------------------------------------------------------------------------ refusals


def test_reviewing_an_already_reviewed_report_is_a_conflict(county, county_duty):
    _duty_id, assignment = county_duty
    report = api(county.users.secretary).post(
        f"/api/assignments/{assignment.pk}/report/", {"text": "完成", "percent": 100}, format="multipart"
    )
    report_id = report.json()["id"]
    assert api(county.users.officer).post(f"/api/reports/{report_id}/accept/").status_code == 200
    response = api(county.users.admin).post(f"/api/reports/{report_id}/return/", {"reason": "迟交"})
    assert response.status_code == 409
    assert "already" in response.json()["detail"]
    assert ProgressReport.objects.get(pk=report_id).state == "accepted"


def test_invalid_transitions_answer_400_with_the_reason(county, county_duty):
    _duty_id, assignment = county_duty
    secretary, officer = api(county.users.secretary), api(county.users.officer)
    report_id = secretary.post(
        f"/api/assignments/{assignment.pk}/report/", {"text": "完成", "percent": 100}, format="multipart"
    ).json()["id"]
    response = officer.post(f"/api/reports/{report_id}/return/", {"reason": " "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    officer.post(f"/api/reports/{report_id}/accept/")
    response = secretary.post(f"/api/assignments/{assignment.pk}/report/", {"text": "再报", "percent": 100})
    assert response.status_code == 400
    assert "cannot be made now" in response.json()["detail"][0]
    response = secretary.post(f"/api/assignments/{assignment.pk}/decompose/", {}, format="json")
    assert response.status_code == 400 and "open assignment" in response.json()["detail"][0]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"text": "", "percent": 50}, "text"),
        ({"text": "进展", "percent": 101}, "percent"),
        ({"text": "进展", "percent": "很多"}, "percent"),
        ({"text": "进展"}, "percent"),
    ],
)
def test_bad_report_input_names_the_field(county, county_duty, payload, field):
    _duty_id, assignment = county_duty
    response = api(county.users.secretary).post(f"/api/assignments/{assignment.pk}/report/", payload)
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.png", b"%PDF-1.4 a pdf named as a photo"),
        ("report.pdf", b"<html><script>alert(1)</script></html>"),
        ("tool.exe", b"MZ\x90\x00 an executable"),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not really a jpeg at all"),
    ],
)
def test_a_disguised_upload_is_refused_and_nothing_is_kept(county, county_duty, name, content):
    _duty_id, assignment = county_duty
    response = api(county.users.secretary).post(
        f"/api/assignments/{assignment.pk}/report/",
        {"text": "见附件", "percent": 50, "files": [SimpleUploadedFile(name, content)]},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert name in " ".join(response.json()["detail"])
    assert not ProgressReport.objects.exists()
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ISSUED


def test_outside_the_callers_scope_is_not_found(county, county_duty):
    duty_id, _assignment = county_duty
    secretary = api(county.users.secretary)
    elsewhere = Assignment.objects.get(duty_id=duty_id, organization=county.v21)
    assert secretary.get(f"/api/assignments/{elsewhere.pk}/").status_code == 404
    response = secretary.post(f"/api/assignments/{elsewhere.pk}/report/", {"text": "x", "percent": 1})
    assert response.status_code == 404
    assert secretary.get(f"/api/duties/{duty_id}/").status_code == 404  # the county's own duty
    county_list = DutyList.objects.get(organization=county.county)
    response = secretary.post(
        "/api/duties/",
        {"duty_list": county_list.pk, "title": "越权", "dimension": "political", "due_on": "2026-05-01"},
        format="json",
    )
    assert response.status_code == 404
    response = secretary.post(
        "/api/duty-lists/", {"organization": "C-T2-V1", "period": "2026", "title": "越权"}, format="json"
    )
    assert response.status_code == 404


def test_a_receiver_cannot_issue_or_review_for_the_issuer(county, county_duty):
    duty_id, assignment = county_duty
    secretary = api(county.users.secretary)
    response = secretary.post(f"/api/assignments/{assignment.pk}/report/", {"text": "完成", "percent": 100})
    report_id = response.json()["id"]
    assert secretary.post(f"/api/reports/{report_id}/accept/").status_code == 403
    auditor = api(county.users.auditor)  # sees township 1, changes nothing
    assert auditor.get(f"/api/assignments/{assignment.pk}/").status_code == 200
    assert auditor.patch(f"/api/assignments/{assignment.pk}/", {"note": "x"}, format="json").status_code == 403


def test_anonymous_callers_are_refused(county_duty):
    duty_id, assignment = county_duty
    client = api()
    for url in ("/api/duties/", f"/api/assignments/{assignment.pk}/", "/api/notifications/", "/api/periods/"):
        assert client.get(url).status_code in (401, 403)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"dimension": "cultural"}, "dimension"),
        ({"due_on": "2099-01-01"}, "due_on"),
        ({"due_on": "tomorrow"}, "due_on"),
        ({"weight": "0"}, "weight"),
        ({"start_on": "{year}-12-31", "due_on": "{year}-01-05"}, "__all__"),
        ({"responsible": 999999}, "responsible"),
        ({"recurrence": "custom"}, "interval_months"),
        ({"post": "chairman"}, "post"),
        ({"requirement": ""}, "requirement"),
    ],
)
def test_bad_duty_input_answers_400_by_field(county, period, payload, field):
    duty_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=period)
    data = {
        "duty_list": duty_list.pk,
        "title": "开展一次组织生活会",
        "dimension": "organizational",
        "due_on": due_in(period).isoformat(),
        "requirement": "有会议记录",
    }
    data.update(
        {k: v.replace("{year}", str(period.start.year)) if isinstance(v, str) else v for k, v in payload.items()}
    )
    response = api(county.users.officer).post("/api/duties/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_bad_issue_input_answers_400(county, county_duty, period):
    duty_list = services.duty_list_for(actor=county.users.t1_officer, organization=county.t1, period=period)
    duty = services.duty_create(
        actor=county.users.t1_officer,
        duty_list=duty_list,
        title="镇级任务",
        dimension="political",
        due_on=due_in(period),
        requirement="x",
    )
    township = api(county.users.t1_officer)
    url = f"/api/duties/{duty.pk}/issue/"
    assert "ids" in township.post(url, {"mode": "pick"}, format="json").json()
    assert "ids" in township.post(url, {"mode": "pick", "ids": ["NO-SUCH-CODE"]}, format="json").json()
    assert "mode" in township.post(url, {"mode": "everyone"}, format="json").json()
    response = township.post(url, {"mode": "pick", "ids": ["C-T1"]}, format="json")  # itself is not below itself
    assert response.status_code == 400
    response = township.post(url, {"mode": "kind", "kind": "group", "unit_type": "school"}, format="json")
    assert response.status_code == 400 and "at least one" in response.json()["detail"][0]


def test_concurrent_due_date_decisions_one_wins(county, county_duty):
    _duty_id, assignment = county_duty
    secretary, officer = api(county.users.secretary), api(county.users.officer)
    new_due = assignment.due_on + dt.timedelta(days=10)
    response = secretary.post(
        f"/api/assignments/{assignment.pk}/due_date_request/",
        {"new_due": new_due.isoformat(), "reason": "秋收农忙"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]
    response = officer.post(f"/api/due-date-requests/{request_id}/decide/", {"grant": False}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = officer.post(f"/api/due-date-requests/{request_id}/decide/", {"grant": True}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "granted"
    assert api(county.users.secretary).get(f"/api/assignments/{assignment.pk}/").json()["due_on"] == str(new_due)
    response = api(county.users.admin).post(
        f"/api/due-date-requests/{request_id}/decide/", {"grant": False, "note": "不同意"}, format="json"
    )
    assert response.status_code == 409


# ------------------------------------------------------------------------------------------ the rest


def test_the_receiver_names_its_responsible_person(county, county_duty):
    _duty_id, assignment = county_duty
    from tests.factories import MemberFactory

    deputy = MemberFactory(organization=county.v11, name="李副书记")
    secretary = api(county.users.secretary)
    response = secretary.patch(
        f"/api/assignments/{assignment.pk}/", {"responsible": deputy.pk, "note": "每名党员写心得"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["responsible"], response.json()["note"]) == (deputy.pk, "每名党员写心得")
    elsewhere = county.members["C-T2-V1"]
    response = secretary.patch(f"/api/assignments/{assignment.pk}/", {"responsible": elsewhere.pk}, format="json")
    assert response.status_code == 400 and "responsible" in response.json()


def test_assignments_filter_by_light_and_state(county, county_duty):
    duty_id, assignment = county_duty
    Assignment.objects.filter(pk=assignment.pk).update(due_on=dt.date.today() - dt.timedelta(days=1))
    officer = api(county.users.officer)
    red = officer.get("/api/assignments/", {"light": "red"}).json()["results"]
    assert [(a["id"], a["light"]) for a in red] == [(assignment.pk, "red")]
    assert officer.get("/api/assignments/", {"state": "issued", "duty": duty_id}).json()["count"] == 4
    assert officer.get("/api/assignments/", {"light": "purple"}).status_code == 400
    mine = api(county.users.member).get("/api/assignments/mine/").json()["results"]
    assert [a["id"] for a in mine] == [assignment.pk]  # the member is the branch's responsible secretary
    member = api(county.users.member)
    assert member.get("/api/assignments/mine/", {"state": "accepted"}).json()["results"] == []  # filters apply
    assert member.get("/api/assignments/mine/", {"organization": county.v11.code}).json()["count"] == 1


def test_members_claim_and_withdraw(county, period):
    duty_list = services.duty_list_for(actor=county.users.t1_officer, organization=county.t1, period=period)
    duty = services.duty_create(
        actor=county.users.t1_officer,
        duty_list=duty_list,
        title="组建志愿服务队",
        dimension="work_style",
        due_on=due_in(period),
        requirement="服务记录",
        claimable=True,
    )
    member = api(county.users.member)
    assert [d["id"] for d in member.get("/api/duties/claimable/").json()["results"]] == [duty.pk]
    me = county.members["C-T1-V1"].pk
    response = member.post("/api/claims/", {"duty": duty.pk, "member": me, "note": "我来组织"}, format="json")
    assert response.status_code == 201, response.json()
    claim = response.json()
    assert (claim["member"], claim["state"]) == (me, "active")
    response = member.post("/api/claims/", {"duty": duty.pk, "member": me}, format="json")
    assert response.status_code == 400 and "already" in response.json()["detail"][0]
    assert member.post("/api/claims/", {"duty": duty.pk}, format="json").status_code == 400
    assert member.post("/api/claims/", {"duty": "abc", "member": me}, format="json").status_code == 400
    assert member.post(f"/api/claims/{claim['id']}/withdraw/").json()["state"] == "withdrawn"
    assert member.post(f"/api/claims/{claim['id']}/withdraw/").status_code == 409
    # The branch claims too: its secretary, a member of the branch, sees what is open above it.
    from tests.factories import MemberFactory

    MemberFactory(organization=county.v11, name="王书记", user=county.users.secretary)
    response = api(county.users.secretary).post(
        "/api/claims/", {"duty": duty.pk, "organization": "C-T1-V1"}, format="json"
    )
    assert response.status_code == 201 and response.json()["organization"] == "C-T1-V1"


def test_objectives_record_values_and_show_attainment(county, period):
    township = api(county.users.t1_officer)
    response = township.post(
        "/api/objectives/",
        {
            "organization": "C-T1-V1",
            "period": str(period.start.year),
            "name": "村集体经济收入",
            "unit": "万元",
            "baseline": "10",
            "target": "20",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    objective = response.json()
    assert objective["attainment"] == 0.0
    response = township.post(
        f"/api/objectives/{objective['id']}/record_value/", {"measured_on": "2026-06-30", "value": "15"}, format="json"
    )
    assert response.status_code == 201 and response.json()["attainment"] == 0.5
    bad = township.post(
        "/api/objectives/",
        {"organization": "C-T1-V1", "period": "2026", "name": "x", "baseline": "5", "target": "5"},
        format="json",
    )
    assert bad.status_code == 400


def test_copy_a_list_into_next_year(county, period):
    officer = api(county.users.officer)
    duty_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=period)
    services.duty_create(
        actor=county.users.officer,
        duty_list=duty_list,
        title="每季度上一次党课",
        dimension="ideological",
        due_on=dt.date(period.start.year, 6, 30),
        requirement="有讲稿",
    )
    next_year = str(period.start.year + 1)
    response = officer.post(f"/api/duty-lists/{duty_list.pk}/copy/", {"period": next_year}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["period"], response.json()["duty_count"]) == (next_year, 1)
    duties = officer.get("/api/duties/", {"duty_list": response.json()["id"]}).json()["results"]
    assert [d["due_on"] for d in duties] == [f"{next_year}-06-30"]
    response = officer.post(f"/api/duty-lists/{duty_list.pk}/copy/", {"period": "someday"}, format="json")
    assert response.status_code == 400 and "period" in response.json()
    # Copying into a period that already has a list with duties needs into_existing.
    again = officer.post(f"/api/duty-lists/{duty_list.pk}/copy/", {"period": next_year}, format="json")
    assert again.status_code == 400 and "into_existing" in again.json()
    forced = {"period": next_year, "into_existing": True}
    assert officer.post(f"/api/duty-lists/{duty_list.pk}/copy/", forced, format="json").json()["duty_count"] == 2


def test_periods_are_made_by_code(county):
    officer = api(county.users.officer)
    response = officer.post("/api/periods/", {"code": "2027-q3"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"code": "2027-Q3", "kind": "quarter", "start": "2027-07-01", "end": "2027-09-30"}
    assert officer.get("/api/periods/2027-Q3/").status_code == 200
    assert officer.post("/api/periods/", {"code": "2027-13"}, format="json").status_code == 400
    assert api(county.users.member).post("/api/periods/", {"code": "2028"}, format="json").status_code == 403
    assert not Period.objects.filter(code="2028").exists()


def test_recurring_duty_occurrences(county, period):
    duty_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=period)
    duty = services.duty_create(
        actor=county.users.officer,
        duty_list=duty_list,
        title="主题党日",
        dimension="political",
        due_on=dt.date(period.start.year, 1, 25),
        requirement="照片",
        recurrence="quarterly",
    )
    officer = api(county.users.officer)
    assert officer.get(f"/api/duties/{duty.pk}/occurrences/").json() == []
    made = officer.post(f"/api/duties/{duty.pk}/occurrences/").json()
    assert [d["due_on"][5:] for d in made] == ["01-25", "04-25", "07-25", "10-25"]
    assert officer.post(f"/api/duties/{duty.pk}/occurrences/").json() == made  # made once
    response = officer.patch(f"/api/duties/{duty.pk}/", {"recurrence": "monthly"}, format="json")
    assert response.status_code == 200  # still a draft: the recurrence may change
    once = officer.post(f"/api/duties/{made[0]['id']}/occurrences/")
    assert once.status_code == 400


def test_notifications_are_the_callers_own(county, county_duty):
    secretary = api(county.users.secretary)
    assert secretary.get("/api/notifications/unread_count/").json() == {"count": 1}
    rows = secretary.get("/api/notifications/", {"unread": "true"}).json()["results"]
    assert [r["kind"] for r in rows] == ["duties.issued"]
    assert "每月开展一次乡村振兴主题党日" in rows[0]["text"]
    others = Notification.objects.exclude(recipient=county.users.secretary).values_list("pk", flat=True)
    assert secretary.post("/api/notifications/mark_read/", {"ids": list(others)}, format="json").json() == {"marked": 0}
    assert secretary.post("/api/notifications/mark_read/", {}, format="json").json() == {"marked": 1}
    assert secretary.get("/api/notifications/unread_count/").json() == {"count": 0}


def test_cancel_needs_a_reason_and_closes_the_assignments(county, county_duty):
    duty_id, assignment = county_duty
    officer = api(county.users.officer)
    assert "reason" in officer.post(f"/api/duties/{duty_id}/cancel/", {}, format="json").json()
    response = officer.post(f"/api/duties/{duty_id}/cancel/", {"reason": "上级调整部署"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.CANCELLED


ODD_VALUES = [None, "", "x", -1, 0, 2**70, 1.5, [], {}, [1], {"a": 1}, True, "2026-02-30", "\x00", "长" * 600]
WRITES = {
    "duties": [
        "duty_list",
        "title",
        "dimension",
        "due_on",
        "responsible",
        "collaborators",
        "weight",
        "objective",
        "post",
    ],
    "duties/{duty}/issue": ["mode", "kind", "unit_type", "root", "ids"],
    "assignments/{assignment}/report": ["text", "percent", "files"],
    "assignments/{assignment}/decompose": ["title", "due_on", "responsible", "weight"],
    "assignments/{assignment}/due_date_request": ["new_due", "reason"],
    "claims": ["duty", "member", "organization"],
    "duty-lists": ["organization", "period", "title", "is_template"],
    "objectives": ["organization", "period", "baseline", "target"],
    "periods": ["code"],
    "notifications/mark_read": ["ids"],
}
READS = ["duties", "assignments", "reports", "claims", "due-date-requests", "duty-lists", "objectives", "notifications"]
ODD_FILTERS = [
    {"duty": "x"},
    {"duty": str(2**70)},
    {"assignment": "-3"},
    {"light": "x"},
    {"page": "x"},
    {"unread": "?"},
]


def test_odd_input_never_causes_a_server_error(county, county_duty):
    duty_id, assignment = county_duty
    officer = api(county.users.officer)
    errors = []
    for template, fields in WRITES.items():
        url = "/api/" + template.format(duty=duty_id, assignment=assignment.pk) + "/"
        for body in [[], "null", 5, *({field: value} for field in fields for value in ODD_VALUES)]:
            status = officer.post(url, body, format="json").status_code
            if status >= 500:
                errors.append((url, body, status))
    for path in READS:
        for pk in [str(2**70), "-1", "abc", "0"]:
            if (status := officer.get(f"/api/{path}/{pk}/").status_code) >= 500:
                errors.append((path, pk, status))
        for query in ODD_FILTERS:
            if (status := officer.get(f"/api/{path}/", query).status_code) >= 500:
                errors.append((path, query, status))
    for change in ({"due_on": None}, {"duty_list": 1}, {"state": "accepted"}):
        if (status := officer.patch(f"/api/duties/{duty_id}/", change, format="json").status_code) >= 500:
            errors.append(("patch", change, status))
    assert not errors


def test_weights_are_numbers_as_in_progress(county, county_duty):
    duty_id, assignment = county_duty
    officer = api(county.users.officer)
    assert officer.patch(f"/api/duties/{duty_id}/", {"weight": 2.5}, format="json").json()["weight"] == 2.5
    assert officer.get(f"/api/assignments/{assignment.pk}/").json()["weight"] == 1
    progress = officer.get(f"/api/duties/{duty_id}/progress/").json()
    assert isinstance(progress["weight_total"], float) and progress["weight_total"] == 4
