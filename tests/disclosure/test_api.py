"""The API of disclosure: rules, an organization's standings and choices, minutes released, notices (post, read,
unread, receipts, withdraw); the same services and refusals as the pages."""

from rest_framework.test import APIClient

from grassroots.disclosure.models import DisclosureRule, Item, ReleasedMinutes


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_an_officer_sets_changes_and_removes_a_rule(county):
    client = _client(county.users.t1_officer)
    made = client.post(
        "/api/disclosure-rules/", {"organization": "C-T1", "item": "minutes", "level": "must"}, format="json"
    )
    assert made.status_code == 201, made.content
    again = client.post(
        "/api/disclosure-rules/", {"organization": "C-T1", "item": "minutes", "level": "never"}, format="json"
    )
    assert again.status_code == 201 and DisclosureRule.objects.get().level == "never"
    assert [r["item"] for r in client.get("/api/disclosure-rules/").json()["results"]] == ["minutes"]
    assert client.delete(f"/api/disclosure-rules/{made.json()['id']}/").status_code == 204
    assert not DisclosureRule.objects.exists()


def test_a_secretary_may_not_set_a_rule_and_bad_input_is_said(county):
    client = _client(county.users.secretary)
    refused = client.post(
        "/api/disclosure-rules/", {"organization": "C-T1-V1", "item": "minutes", "level": "must"}, format="json"
    )
    assert refused.status_code == 403
    bad = _client(county.users.officer).post(
        "/api/disclosure-rules/", {"organization": "C", "item": "x", "level": "y"}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()) >= {"item", "level"}


def test_standings_publish_and_withdraw(county):
    client = _client(county.users.secretary)
    rows = {r["item"]: r for r in client.get("/api/disclosure/C-T1-V1/").json()}
    assert rows["duties"]["level"] == "must" and rows["duties"]["is_public"] and rows["duties"]["set_at"] is None
    assert not rows["rectifications"]["is_public"]
    published = client.post("/api/disclosure/C-T1-V1/publish/", {"item": "rectifications"}, format="json")
    assert {r["item"]: r for r in published.json()}["rectifications"]["is_public"]
    refused = client.post("/api/disclosure/C-T1-V1/withdraw/", {"item": "duties"}, format="json")
    assert refused.status_code == 400 and "must be public" in str(refused.json())
    assert client.get("/api/disclosure/C-T2-V1/").status_code == 404


def test_minutes_released_and_withdrawn_through_the_api(disclosed):
    client = _client(disclosed.users.secretary)
    meeting = disclosed.meetings[0]
    done = client.post("/api/disclosure/C-T1-V1/minutes/release/", {"meeting": meeting.pk}, format="json")
    assert done.status_code == 200 and ReleasedMinutes.objects.filter(meeting=meeting).exists()
    client.post("/api/disclosure/C-T1-V1/minutes/withdraw/", {"meeting": meeting.pk}, format="json")
    assert not ReleasedMinutes.objects.exists()
    missing = client.post("/api/disclosure/C-T1-V1/minutes/release/", {"meeting": 10**9}, format="json")
    assert missing.status_code == 400


def test_notices_through_the_api(county):
    officer = _client(county.users.officer)
    made = officer.post(
        "/api/notices/", {"organization": "C", "title": "全县通知", "body": "正文", "public": True}, format="json"
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    member = _client(county.users.member)
    assert [n["id"] for n in member.get("/api/notices/unread/").json()["results"]] == [pk]
    read = member.post(f"/api/notices/{pk}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert member.get("/api/notices/unread/").json()["results"] == []
    receipts = {r["code"]: r for r in officer.get(f"/api/notices/{pk}/receipts/").json()}
    assert receipts["C-T1-V1"]["read"] == 1
    assert member.get(f"/api/notices/{pk}/receipts/").status_code == 403
    assert officer.post(f"/api/notices/{pk}/withdraw/").json()["withdrawn_at"] is not None


def test_a_notice_without_title_is_refused_by_field(county):
    bad = _client(county.users.officer).post(
        "/api/notices/", {"organization": "C", "title": "", "body": ""}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()) >= {"title", "body"}
    assert Item.NOTICES == "notices"
