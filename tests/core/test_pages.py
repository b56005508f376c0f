"""Login, lockout, languages, the audit trail page and the API documentation."""

import re

import pytest
from django.urls import reverse

from grassroots.organizations import services


def test_login_page_is_chinese_by_default_and_english_on_request(client, db):
    assert "登录" in client.get(reverse("login")).content.decode()
    assert "Log in" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()


def test_a_user_who_switches_language_keeps_it(county, client_for):
    client = client_for(county.users.secretary)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    county.users.secretary.refresh_from_db()
    assert county.users.secretary.language == "en"
    client.cookies.clear()
    client.force_login(county.users.secretary)
    assert "What to do now" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_set_language_refuses_foreign_redirects(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_repeated_failed_logins_lock_the_account(county, client):
    for _ in range(5):
        client.post(reverse("login"), {"username": "secretary", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "secretary", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_correct_login_works(county, client):
    response = client.post(reverse("login"), {"username": "secretary", "password": "correct-horse-battery"})
    assert response.status_code == 302


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from grassroots.config import settings as base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_auditor_reads_the_trail_of_their_township_only(county, client_for):
    services.member_update(actor=county.users.officer, member=county.members["C-T1-V1"], phone="13811112222")
    services.member_update(actor=county.users.officer, member=county.members["C-T2-V1"], phone="13833334444")
    page = client_for(county.users.auditor).get(reverse("audit"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert county.members["C-T1-V1"].name in page
    assert county.members["C-T2-V1"].name not in page


def test_secretary_cannot_open_the_audit_trail(county, client_for):
    assert client_for(county.users.secretary).get(reverse("audit")).status_code == 403


def test_audit_trail_filters_by_object(county, client_for):
    member = county.members["C-T1-V1"]
    services.member_update(actor=county.users.officer, member=member, phone="13811112222")
    response = client_for(county.users.auditor).get(
        reverse("audit"), {"object_type": "organizations.member", "object_id": member.pk, "organization": "x"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_api_schema_and_docs_are_served_without_a_cdn(county, client_for, url):
    response = client_for(county.users.officer).get(url)
    assert response.status_code == 200
    if url == "/api/docs/":
        text = response.content.decode()
        # Every script and stylesheet comes from this server: no absolute URL (a CDN) in src= or href=.
        assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", text, re.I)
        assert "/static/drf_spectacular_sidecar/" in text


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_api_schema_and_docs_are_not_public(db, client, url):
    assert client.get(url).status_code in (401, 403)


def test_token_authentication_works(county, client):
    from grassroots.core.tokens import token_issue

    _token, key = token_issue(actor=county.users.officer)
    response = client.get("/api/organizations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and response.json()["count"] == 8


def test_health(client, db):
    assert client.get("/health/").json() == {"status": "ok"}


def test_a_sign_in_lasts_a_working_day_not_two_weeks(county, client):
    response = client.post(reverse("login"), {"username": "secretary", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
