"""Every completed sign-in and every sign-out is in the signed audit trail (`core.login`, `core.logout`), read like the
failed logins beside them: the user name, the client's address, the result; the auditor's page filters them."""

import time

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from grassroots.core.audit import verify
from grassroots.core.middleware import IDLE_KEY
from grassroots.core.models import AuditEntry
from tests.core.test_otp import code_for, enrol

PASSWORD = "correct-horse-battery"  # the factories' password
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_a_sign_in_on_the_page_and_the_sign_out_are_one_entry_each(county, settings):
    settings.GRASSROOTS_TRUSTED_PROXIES = ["10.0.0.1"]
    member = county.users.member
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert client.post(reverse("login"), {"username": "member", "password": PASSWORD}).status_code == 302
    [login] = _entries("core.login")
    assert (login.actor_id, login.actor_name, login.object_type, login.object_id) == (
        member.pk,
        "member",
        "core.user",
        str(member.pk),
    )
    assert login.after == {"username": "member", "from": "203.0.113.20", "result": "signed in", "how": "password"}
    assert login.organization_id == county.v11.pk  # the member's branch: its auditors read it
    assert client.post(reverse("logout")).status_code == 302
    [logout] = _entries("core.logout")
    assert logout.actor_id == member.pk and logout.after["result"] == "signed out"
    assert logout.after["from"] == "203.0.113.20"
    assert len(_entries("core.login")) == 1
    assert verify().ok


def test_a_failed_and_a_successful_sign_in_read_alike(county):
    client = Client(REMOTE_ADDR="192.0.2.30")
    client.post(reverse("login"), {"username": "member", "password": "wrong"})
    client.post(reverse("login"), {"username": "member", "password": PASSWORD})
    failed, done = AuditEntry.objects.filter(action__in=["core.user.login_failed", "core.login"]).order_by("seq")
    assert (failed.object_type, failed.object_id, failed.object_repr) == (
        done.object_type,
        done.object_id,
        done.object_repr,
    )
    assert {k: failed.after[k] for k in ("username", "from")} == {k: done.after[k] for k in ("username", "from")}
    assert (failed.after["result"], done.after["result"]) == ("wrong password or code", "signed in")


def test_with_two_factor_the_sign_in_is_recorded_when_the_code_completes_it(county):
    user = county.users.secretary
    device, _codes = enrol(user)
    client = Client()
    client.post(reverse("login"), {"username": "secretary", "password": PASSWORD})
    assert _entries("core.login") == []  # the password alone signs nobody in
    client.post(reverse("login_code"), {"code": code_for(device)})
    [login] = _entries("core.login")
    assert login.after["how"] == "password and code" and login.actor_id == user.pk


def test_a_token_taken_with_the_password_is_a_sign_in_and_its_calls_are_not(county):
    answer = APIClient().post("/api/token/", {"username": "officer", "password": PASSWORD, "name": "sync"})
    assert answer.status_code == 201
    [login] = _entries("core.login")
    assert login.after["how"] == "password, for an API token" and login.actor_name == "officer"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert api.get("/api/organizations/").status_code == 200
    assert len(_entries("core.login")) == 1


def test_a_sign_in_ended_by_the_idle_limit_says_so(county):
    client = Client()
    client.post(reverse("login"), {"username": "secretary", "password": PASSWORD})
    session = client.session
    session[IDLE_KEY] = int(time.time()) - 31 * 60
    session.save()
    assert client.get(reverse("notifications")).status_code == 302
    [logout] = _entries("core.logout")
    assert logout.after["result"] == "ended after a time idle"


def test_the_auditor_filters_the_sign_ins_of_the_subtree_on_the_audit_page(county, client_for):
    Client().post(reverse("login"), {"username": "member", "password": PASSWORD})  # a member of C-T1-V1
    Client().post(reverse("login"), {"username": "officer", "password": PASSWORD})  # no member: nobody's subtree
    client = client_for(county.users.auditor)  # auditor of C-T1
    page = client.get(reverse("audit"), {"action": "core.login"}, **EN).content.decode()
    assert '<option value="core.login" selected>Signed in</option>' in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 1 and ">member</a>" in rows and "officer" not in rows
    chinese = client.get(reverse("audit"), {"action": "core.login"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录成功" in chinese and "退出登录" in chinese


def test_a_sign_in_ended_for_want_of_a_required_code_says_so(county, client_for, settings):
    settings.GRASSROOTS_REQUIRE_2FA = True
    enrol(county.users.officer)
    client = client_for(county.users.officer)  # a session without the second factor
    assert client.get("/orgs/").status_code == 302
    [logout] = _entries("core.logout")
    assert logout.actor_name == "officer" and logout.after["result"] == "ended: the role requires a two-factor code"
