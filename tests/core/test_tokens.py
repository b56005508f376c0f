"""API tokens: only a keyed digest is stored, they expire, they are revoked at once, and a user sees and revokes their
own on a page and through the API."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from grassroots.core.models import ApiToken, AuditEntry
from grassroots.core.tokens import token_digest, token_issue

PASSWORD = "Tok3n-pass-word"


def _password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def _with(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_post_token_issues_a_key_shown_once_and_stored_only_as_a_digest(county):
    officer = _password(county.users.officer)
    answer = APIClient().post("/api/token/", {"username": officer.username, "password": PASSWORD, "name": "sync"})
    assert answer.status_code == 201
    key = answer.json()["token"]
    token = ApiToken.objects.get(pk=answer.json()["id"])
    assert token.digest == token_digest(key) and key not in token.digest
    with connection.cursor() as cursor:  # the key appears nowhere in the table
        cursor.execute("SELECT * FROM core_apitoken")
        assert not any(key in str(value) for row in cursor.fetchall() for value in row)
    assert _with(key).get("/api/organizations/").status_code == 200
    listed = _with(key).get("/api/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["sync"] and "token" not in listed[0] and "digest" not in listed[0]
    assert AuditEntry.objects.filter(action="core.api_token.issue", actor_id=officer.pk).exists()


def test_a_wrong_password_gets_no_token(county):
    officer = _password(county.users.officer)
    answer = APIClient().post("/api/token/", {"username": officer.username, "password": "wrong"})
    assert answer.status_code == 400 and not ApiToken.objects.filter(user=officer).exists()


def test_tokens_expire_after_the_configured_days(county, settings):
    settings.GRASSROOTS_TOKEN_DAYS = 30
    token, key = token_issue(actor=county.users.officer)
    assert dt.timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = _with(key).get("/api/organizations/")
    assert answer.status_code in (401, 403) and "expired" in answer.json()["detail"]


def test_a_revoked_token_stops_at_once_and_last_use_is_recorded(county):
    token, key = token_issue(actor=county.users.officer, name="report bot")
    assert _with(key).get("/api/organizations/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert _with(key).post(f"/api/tokens/{token.pk}/revoke/").status_code == 200
    answer = _with(key).get("/api/organizations/")
    assert answer.status_code in (401, 403) and "revoked" in answer.json()["detail"]
    assert AuditEntry.objects.filter(action="core.api_token.revoke", object_id=str(token.pk)).exists()


def test_an_unknown_key_is_refused(db):
    assert _with("grt_not-a-real-key").get("/api/organizations/").status_code in (401, 403)


def test_one_cannot_see_or_revoke_another_users_token(county):
    token, _key = token_issue(actor=county.users.officer)
    _other, other_key = token_issue(actor=county.users.secretary)
    assert _with(other_key).post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_issues_shows_once_and_revokes(county, client_for):
    client = client_for(county.users.secretary)
    page = client.post(reverse("api_tokens"), {"name": "phone app", "days": "7"})
    key = page.context["issued"]
    assert key.startswith("grt_") and key in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=county.users.secretary)
    assert token.name == "phone app" and (token.expires_at - timezone.now()).days in (6, 7)
    again = client.get(reverse("api_tokens")).content.decode()
    assert key not in again and token.prefix in again
    client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _with(key).get("/api/organizations/").status_code in (401, 403)


def test_the_page_refuses_a_too_long_validity_in_the_users_language(county, client_for):
    client = client_for(county.users.secretary)
    page = client.post(reverse("api_tokens"), {"days": "999"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.context["issued"] is None and not ApiToken.objects.exists()
    assert "小于或等于" in page.content.decode()


@pytest.mark.parametrize("days", [0, 400])
def test_the_api_refuses_a_validity_out_of_bounds(county, days):
    officer = _password(county.users.officer)
    answer = APIClient().post("/api/token/", {"username": officer.username, "password": PASSWORD, "days": days})
    assert answer.status_code == 400 and "days" in answer.json()


def test_a_disabled_accounts_token_is_refused(county):
    user = county.users.secretary
    _token, key = token_issue(actor=user)
    user.is_active = False
    user.save()
    answer = _with(key).get("/api/organizations/")
    assert answer.status_code in (401, 403) and "disabled" in answer.json()["detail"]
