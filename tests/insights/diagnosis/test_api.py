"""The diagnosis through the API: findings of an organization, the subtree's summary, thresholds set through the
services (refusals 403, bad input 400 with messages)."""

from tests.insights.diagnosis.conftest import YEAR


def test_the_findings_of_an_organization(diagnosed, client):
    client.force_login(diagnosed.users.officer)
    data = client.get(f"/api/diagnosis/{diagnosed.v21.code}/?period={YEAR}").json()
    codes = {f["code"] for f in data}
    assert {"guidance.study_hours", "incentives.care", "vanguard.appraisal"} <= codes
    study = next(f for f in data if f["code"] == "guidance.study_hours")
    assert study["measured"] == "0.141" and study["threshold"] == "0.800" and study["unit"] == "share"
    assert study["rule"] and study["evidence"][0]["url"].startswith("/orgs/")


def test_the_findings_read_in_chinese(diagnosed, client):
    client.force_login(diagnosed.users.officer)
    data = client.get(f"/api/diagnosis/{diagnosed.v12.code}/?period={YEAR}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in f["text"]) for f in data)


def test_the_summary_of_a_subtree(diagnosed, client):
    client.force_login(diagnosed.users.officer)
    data = client.get(f"/api/diagnosis/{diagnosed.county.code}/summary/?period={YEAR}").json()
    assert data["diagnosed"] == 4
    assert data["ranked"][0]["organizations"] >= data["ranked"][-1]["organizations"]
    assert data["integration"]["n"] == 3 and data["integration"]["enough"] is False


def test_a_bad_period_is_bad_input(diagnosed, client):
    client.force_login(diagnosed.users.officer)
    response = client.get(f"/api/diagnosis/{diagnosed.v21.code}/?period=nope", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "not a period" in str(response.json())


def test_thresholds_through_the_api(diagnosed, client):
    client.force_login(diagnosed.users.t1_officer)
    response = client.post(
        "/api/diagnosis-thresholds/",
        {"organization": diagnosed.t1.code, "code": "incentives.talks", "value": "0.3"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    listed = client.get("/api/diagnosis-thresholds/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["organization"], r["code"], r["value"]) for r in rows] == [
        (diagnosed.t1.code, "incentives.talks", "0.30")
    ]
    bad = client.post(
        "/api/diagnosis-thresholds/",
        {"organization": diagnosed.t1.code, "code": "no.such", "value": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"code", "value"} <= set(bad.json())
    other = client.post(
        "/api/diagnosis-thresholds/",
        {"organization": diagnosed.t2.code, "code": "incentives.talks", "value": "0.3"},
        content_type="application/json",
    )
    assert other.status_code == 400  # not among the organizations this officer sees
    assert client.delete(f"/api/diagnosis-thresholds/{rows[0]['id']}/").status_code == 204


def test_a_secretary_may_not_set_a_threshold_through_the_api(diagnosed, client):
    client.force_login(diagnosed.users.secretary)
    response = client.post(
        "/api/diagnosis-thresholds/",
        {"organization": diagnosed.v11.code, "code": "incentives.talks", "value": "0.3"},
        content_type="application/json",
    )
    assert response.status_code == 403
