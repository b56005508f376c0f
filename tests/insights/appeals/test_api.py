"""The appeals' API for the organizations' staff: the list in the caller's scope (filters), answering, turning into a
duty, closing; phones masked; refusals 403/404/400 in the caller's language."""

import pytest
from django.utils import timezone

from grassroots.insights.models import Appeal, AppealState

from .conftest import PHONE

URL = "/api/appeals/"


@pytest.fixture
def api(client_for):
    def login(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def _numbers(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["number"] for row in rows}


def test_the_secretary_lists_the_branch_appeals_with_phones_masked(appealed, api):
    response = api(appealed.users.secretary).get(URL)
    assert response.status_code == 200
    assert _numbers(response) == {appealed.new.number, appealed.answered.number, appealed.duty.number}
    assert PHONE not in response.content.decode() and "139****5678" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "new"}, {"new"}),
        ({"unread": "true"}, {"new"}),
        ({"organization": "C-T1-V1"}, {"new", "answered", "duty"}),
    ],
)
def test_the_list_filters(appealed, api, query, expected):
    response = api(appealed.users.t1_officer).get(URL, query)
    assert _numbers(response) == {getattr(appealed, name).number for name in expected}


@pytest.mark.parametrize("query", [{"state": "bogus"}, {"organization": "C-T2-V1"}, {"unread": "perhaps"}])
def test_a_bad_filter_is_bad_input(appealed, api, query):
    response = api(appealed.users.t1_officer).get(URL, query)
    assert response.status_code == 400


def test_the_secretary_answers_turns_into_a_duty_and_closes_through_the_api(appealed, api):
    client = api(appealed.users.secretary)
    answered = client.post(f"{URL}{appealed.new.pk}/answer/", {"answer": "明天修。"}, content_type="application/json")
    assert answered.status_code == 200 and answered.json()["state"] == AppealState.ANSWERED
    duty = client.post(
        f"{URL}{appealed.new.pk}/duty/",
        {"responsible": appealed.members["C-T1-V1"].pk, "due_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert duty.status_code == 200 and duty.json()["state"] == AppealState.IN_DUTY and duty.json()["assignment"]
    closed = client.post(f"{URL}{appealed.answered.pk}/close/", {"reason": "已解决"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["close_reason"] == "已解决"


def test_bad_input_answers_400_with_the_field(appealed, api):
    client = api(appealed.users.secretary)
    response = client.post(f"{URL}{appealed.new.pk}/answer/", {"answer": ""}, content_type="application/json")
    assert response.status_code == 400 and "Write the answer" in response.content.decode()
    response = client.post(
        f"{URL}{appealed.new.pk}/duty/",
        {"responsible": appealed.members["C-T1-V1"].pk, "due_on": "tomorrow"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "due_on" in response.json().get("errors", response.json())


def test_the_auditor_reads_and_is_refused_403(appealed, api):
    client = api(appealed.users.auditor)
    assert client.get(f"{URL}{appealed.new.pk}/").status_code == 200
    response = client.post(f"{URL}{appealed.new.pk}/answer/", {"answer": "好"}, content_type="application/json")
    assert response.status_code == 403 and "secretary or its officers" in response.content.decode()
    assert Appeal.objects.get(pk=appealed.new.pk).answer == ""


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_others_see_nothing_and_get_404(appealed, api, who):
    client = api(getattr(appealed.users, who))
    assert _numbers(client.get(URL)) == set()
    assert client.get(f"{URL}{appealed.new.pk}/").status_code == 404
    response = client.post(f"{URL}{appealed.new.pk}/answer/", {"answer": "好"}, content_type="application/json")
    assert response.status_code == 404


def test_the_anonymous_public_has_no_api(appealed, client):
    assert client.get(URL).status_code in (401, 403)


def test_the_api_speaks_chinese(appealed, client_for):
    client = client_for(appealed.users.secretary)
    response = client.post(
        f"{URL}{appealed.new.pk}/answer/",
        {"answer": ""},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400 and "请填写答复" in response.content.decode()
