"""API conventions a client relies on: audit entries name their actor, and answers speak the caller's language."""

import pytest
from rest_framework.test import APIClient

from grassroots.core.audit import audit
from grassroots.core.tokens import token_issue
from tests.factories import UserFactory, grant


def _token_client(user, accept_language=None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(actor=user)[1]}")
    if accept_language is not None:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return client


def test_audit_entries_name_their_actor(county):
    officer = county.users.officer
    officer.first_name, officer.last_name = "Wei", "Zhang"
    officer.save()
    audit("core.export", actor=county.users.member, organization=county.v11, object_type="x", object_id="1")
    audit("core.export", actor=officer, organization=county.county, object_type="x", object_id="2")
    audit("core.export", organization=county.county, object_type="x", object_id="3")
    client = APIClient()
    client.force_authenticate(grant(UserFactory(username="county-auditor"), county.county, "auditor"))
    rows = {e["object_id"]: e for e in client.get("/api/audit/", {"object_type": "x"}).json()["results"]}
    member = county.members["C-T1-V1"]
    assert (rows["1"]["actor_name"], rows["1"]["actor_display_name"]) == ("member", member.name)
    assert (rows["2"]["actor_name"], rows["2"]["actor_display_name"]) == ("officer", "Wei Zhang")
    assert rows["3"]["actor_display_name"] == ""
    assert rows["1"]["actor_id"] == county.users.member.pk


def test_a_member_the_reader_may_not_see_is_named_by_the_account_only(county):
    audit("core.export", actor=county.users.member, organization=county.v11, object_type="x", object_id="1")
    client = APIClient()
    client.force_authenticate(county.users.auditor)  # auditor of the township: sees the branch
    [row] = client.get("/api/audit/", {"object_type": "x"}).json()["results"]
    assert row["actor_display_name"] == county.members["C-T1-V1"].name
    county.users.member.member.organization = county.v21  # now outside the township auditor's scope
    county.users.member.member.save(update_fields=["organization"])
    [row] = client.get("/api/audit/", {"object_type": "x"}).json()["results"]
    assert row["actor_display_name"] == "member"


@pytest.mark.parametrize(
    ("own", "asked", "answer"),
    [
        ("en", None, "Name the organizations to issue to."),  # no header: the user's own language
        ("zh-hans", None, "请指明要下达到哪些党组织。"),
        ("", "en", "Name the organizations to issue to."),  # the header wins
        ("zh-hans", "en-US,en;q=0.9", "Name the organizations to issue to."),
        ("en", "zh-CN,zh;q=0.9", "请指明要下达到哪些党组织。"),
        ("", None, "请指明要下达到哪些党组织。"),  # neither: the site's default
    ],
)
def test_errors_follow_accept_language_then_the_users_language(county, period_duty, own, asked, answer):
    officer = county.users.officer
    officer.language = own
    officer.save(update_fields=["language"])
    response = _token_client(officer, asked).post(f"/api/duties/{period_duty}/issue/", {"mode": "pick"}, format="json")
    assert response.status_code == 400 and response.json() == {"ids": [answer]}


@pytest.fixture
def period_duty(county):
    from django.utils import timezone

    from grassroots.duties import services

    period = services.period_for(str(timezone.localdate().year))
    duty_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=period)
    duty = services.duty_create(
        actor=county.users.officer,
        duty_list=duty_list,
        title="主题党日",
        dimension="political",
        due_on=period.end,
        requirement="有照片",
    )
    return duty.pk
