"""Issue 22, as a client meets it: the received duty readable, evidence downloadable, review where the rule says,
a roll-up a county officer expects."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from grassroots.duties import services
from grassroots.duties.models import Assignment

from .test_api import api, due_in, png


def token_client(user) -> APIClient:
    """A client as an integrator has one: a token asked for with a password, no session."""
    user.set_password("s3cret-pass-22")
    user.save()
    anonymous = APIClient()
    token = anonymous.post("/api/token/", {"username": user.username, "password": "s3cret-pass-22"}).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def decomposed(county, period):
    """A county duty issued to both townships; 新街镇 adds its note, decomposes it and issues it to its two branches.

    Returns (county duty id, township duty id, {organization code: assignment id})."""
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
            "evidence_expected": "方案和照片",
        },
        format="json",
    ).json()
    assert officer.post(f"/api/duties/{duty['id']}/issue/", {"mode": "children"}, format="json").status_code == 201
    middle = Assignment.objects.get(duty_id=duty["id"], organization=county.t1)
    response = township.patch(f"/api/assignments/{middle.pk}/", {"note": "月底前报镇党委"}, format="json")
    assert response.status_code == 200, response.json()
    response = township.post(
        f"/api/assignments/{middle.pk}/decompose/",
        {"requirement": "每村一份整顿方案", "description": "逐村过堂"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    sub = response.json()
    response = township.post(
        f"/api/duties/{sub['id']}/issue/", {"mode": "pick", "ids": ["C-T1-V1", "C-T1-V2"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    ids = {a.organization.code: a.pk for a in Assignment.objects.filter(duty_id__in=[duty["id"], sub["id"]])}
    return duty["id"], sub["id"], ids


# ------------------------------------------------------------------------------------------ the received duty


def test_the_receiver_reads_what_was_issued_to_it_and_the_chain_above(county, decomposed):
    _duty_id, sub_id, ids = decomposed
    secretary = api(county.users.secretary)
    body = secretary.get(f"/api/assignments/{ids['C-T1-V1']}/").json()
    assert body["duty"] == sub_id and body["issuer"] == "C-T1"
    assert body["issued"]["requirement"] == "每村一份整顿方案"
    assert body["issued"]["description"] == "逐村过堂"
    assert body["issued"]["evidence_expected"] == "方案和照片"
    assert [(link["organization"], link["receiver"], link["requirement"], link["note"]) for link in body["chain"]] == [
        ("C", "C-T1", "整顿方案和验收材料", "月底前报镇党委"),
        ("C-T1", "C-T1-V1", "每村一份整顿方案", ""),
    ]
    # The same in lists (read together per page) and in the caller's own work.
    rows = secretary.get("/api/assignments/", {"duty": sub_id}).json()["results"]
    assert [len(r["chain"]) for r in rows] == [2]
    mine = secretary.get("/api/assignments/mine/").json()["results"]
    assert [r["chain"][0]["note"] for r in mine if r["id"] == ids["C-T1-V1"]] == ["月底前报镇党委"]


def test_the_assignment_page_shows_the_same_chain(county, decomposed, client):
    _duty_id, _sub_id, ids = decomposed
    client.force_login(county.users.secretary)
    page = client.get(reverse("duties:assignment", args=[ids["C-T1-V1"]]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="chain"' in page and "月底前报镇党委" in page and "整顿方案和验收材料" in page


# ------------------------------------------------------------------------------------------ evidence downloads


def test_evidence_downloads_with_a_token_within_the_policy(county, decomposed):
    _duty_id, _sub_id, ids = decomposed
    secretary = token_client(county.users.secretary)
    response = secretary.post(
        f"/api/assignments/{ids['C-T1-V1']}/report/",
        {"text": "整顿方案已报", "percent": 100, "files": [png()]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    [evidence] = response.json()["evidence"]
    assert evidence["url"].endswith(f"/api/evidence/{evidence['id']}/file/")
    assert evidence["thumbnail_url"].endswith(f"/api/evidence/{evidence['id']}/thumbnail/")

    township = token_client(county.users.t1_officer)
    download = township.get(evidence["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff" and "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    thumb = township.get(evidence["thumbnail_url"], HTTP_ACCEPT="image/*")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    # The list of the report's evidence, and the same row as a detail.
    rows = township.get("/api/evidence/", {"report": response.json()["id"]}).json()["results"]
    assert [r["id"] for r in rows] == [evidence["id"]]

    # Outside the policy: another township's officer, a stranger and no credentials at all.
    from tests.factories import UserFactory, grant

    other = grant(UserFactory(username="t2officer"), county.t2, "officer")
    assert token_client(other).get(evidence["url"]).status_code == 404
    assert token_client(county.users.outsider).get(evidence["url"]).status_code == 404
    assert APIClient().get(evidence["url"]).status_code in (401, 403)


def test_a_file_without_a_thumbnail_says_so(county, decomposed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _duty_id, _sub_id, ids = decomposed
    secretary = api(county.users.secretary)
    pdf = SimpleUploadedFile(
        "plan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )
    response = secretary.post(
        f"/api/assignments/{ids['C-T1-V1']}/report/",
        {"text": "方案", "percent": 50, "files": [pdf]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    [evidence] = response.json()["evidence"]
    assert evidence["thumbnail_url"] is None
    assert secretary.get(f"/api/evidence/{evidence['id']}/thumbnail/").status_code == 404
    download = secretary.get(evidence["url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


# ------------------------------------------------------------------------------------------ review where the rule says


@pytest.fixture
def township_report(county, decomposed):
    """青山村 reports on the township's duty: 新街镇 reviews it; the county may only take it over."""
    _duty_id, _sub_id, ids = decomposed
    response = api(county.users.secretary).post(
        f"/api/assignments/{ids['C-T1-V1']}/report/", {"text": "方案已报", "percent": 100}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_the_issuer_reviews_and_the_county_only_by_taking_over(county, township_report):
    from grassroots.core.models import AuditEntry, Notification
    from grassroots.duties.models import ProgressReport

    officer = api(county.users.officer)
    # The county's own queue does not hold it; ?others=1 does.
    assert township_report not in [r["id"] for r in officer.get("/api/reports/to_review/").json()["results"]]
    others = officer.get("/api/reports/to_review/", {"others": "1"}).json()["results"]
    assert [r["id"] for r in others] == [township_report]
    # The township's queue holds it, and its ?others=1 does not.
    township = api(county.users.t1_officer)
    assert [r["id"] for r in township.get("/api/reports/to_review/").json()["results"]] == [township_report]
    assert township.get("/api/reports/to_review/", {"others": "1"}).json()["results"] == []

    # Without take_over the county is refused, and says how to go on.
    response = officer.post(f"/api/reports/{township_report}/accept/")
    assert response.status_code == 403
    assert "take the review over" in response.json()["detail"]
    response = officer.post(f"/api/reports/{township_report}/return/", {"reason": "缺照片"})
    assert response.status_code == 403
    assert ProgressReport.objects.get(pk=township_report).state == "submitted"

    # Taken over: accepted, audited as taken over, the township's managers told.
    response = officer.post(f"/api/reports/{township_report}/accept/", {"take_over": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "accepted" and response.json()["reviewer"] == "officer"
    entry = AuditEntry.objects.filter(action__startswith="duties.report.accept").latest("seq")
    assert entry.action == "duties.report.accept_taken_over" and entry.after.get("taken_over") is True
    told = Notification.objects.filter(kind="duties.review_taken_over_accepted")
    assert [n.recipient for n in told] == [county.users.t1_officer]


def test_the_issuer_needs_no_take_over(county, township_report):
    from grassroots.core.models import AuditEntry

    township = api(county.users.t1_officer)
    response = township.post(f"/api/reports/{township_report}/return/", {"reason": "缺照片"}, format="json")
    assert response.status_code == 200, response.json()
    assert AuditEntry.objects.filter(action="duties.report.return").exists()
    assert not AuditEntry.objects.filter(action__endswith="_taken_over").exists()


def test_the_review_page_offers_the_others_with_a_checkbox(county, township_report, client):
    client.force_login(county.users.officer)
    own = client.get(reverse("duties:review"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'id="review-{township_report}"' not in own and "?others=1" in own
    others = client.get(reverse("duties:review") + "?others=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'id="review-{township_report}"' in others and 'name="take_over"' in others
    assert "Review in place of" in others
    # Posted without the box: refused, nothing changes; with it: accepted.
    url = reverse("duties:report_review", args=[township_report])
    client.post(url, {"decision": "accept"}, HTTP_ACCEPT_LANGUAGE="en")
    from grassroots.duties.models import ProgressReport

    assert ProgressReport.objects.get(pk=township_report).state == "submitted"
    client.post(url, {"decision": "accept", "take_over": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert ProgressReport.objects.get(pk=township_report).state == "accepted"
