"""Accounts over time: the password's age, dormant accounts disabled, failed logins in the audit trail, one's own
sign-ins seen and ended, the password changed on one's own page or set again from an e-mailed link."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grassroots.cli import main
from grassroots.core.accounts import dormant_accounts_disable, password_expired
from grassroots.core.models import AuditEntry, SignIn
from tests.factories import UserFactory

OLD, NEW = "Old-password-2026", "New-Password-2027!"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def person(db):
    user = UserFactory(username="wangfang", email="wangfang@example.org")
    user.set_password(OLD)
    user.save()
    return user


def _log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# ---------------------------------------------------------------- the password's age


def test_a_password_past_its_age_sends_the_user_to_change_it_first(client, person, settings):
    settings.GRASSROOTS_PASSWORD_DAYS = 90
    person.password_changed_at = timezone.now() - dt.timedelta(days=91)
    person.save()
    assert password_expired(person)
    client.force_login(person)
    answer = client.get("/", **EN)
    assert answer.status_code == 302 and answer["Location"] == reverse("password_change") + "?expired=1"
    page = client.get(answer["Location"], **EN).content.decode()
    assert "Your password is more than 90 days old" in page
    assert "密码已使用超过 90 天" in client.get(answer["Location"], **ZH).content.decode()
    form = {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}
    assert client.post(reverse("password_change"), form, **EN).status_code == 302
    person.refresh_from_db()
    assert not password_expired(person) and person.check_password(NEW)
    assert client.get("/", **EN).status_code == 200
    assert AuditEntry.objects.filter(action="core.user.password_change", object_id=str(person.pk)).count() == 1


def test_without_an_age_set_passwords_do_not_expire(person, settings):
    settings.GRASSROOTS_PASSWORD_DAYS = 0
    person.password_changed_at = timezone.now() - dt.timedelta(days=3000)
    assert not password_expired(person)


def test_a_weak_new_password_is_refused_with_the_rule_in_the_readers_language(client, person):
    client.force_login(person)
    form = {"old_password": OLD, "new_password1": "12345678", "new_password2": "12345678"}
    page = client.post(reverse("password_change"), form, **ZH)
    assert page.status_code == 200 and "密码" in page.content.decode()
    person.refresh_from_db()
    assert person.check_password(OLD)


# ---------------------------------------------------------------- dormant accounts


def test_accounts_unused_for_the_days_set_are_disabled_and_audited(db, settings, capsys):
    settings.GRASSROOTS_DORMANT_DAYS = 90
    now = timezone.now()
    idle = UserFactory(username="idle", last_login=now - dt.timedelta(days=120))
    never = UserFactory(username="never")
    never.date_joined = now - dt.timedelta(days=200)
    never.save()
    busy = UserFactory(username="busy", last_login=now - dt.timedelta(days=10))
    admin = UserFactory(username="root", is_superuser=True, last_login=now - dt.timedelta(days=400))
    assert main(["accounts", "disable-dormant"]) == 0
    assert "2 account(s) disabled" in capsys.readouterr().out
    for user, active in ((idle, False), (never, False), (busy, True), (admin, True)):
        user.refresh_from_db()
        assert user.is_active is active, user.username
    entries = AuditEntry.objects.filter(action="core.user.disable_dormant")
    assert sorted(entries.values_list("object_repr", flat=True)) == ["idle", "never"]
    assert dormant_accounts_disable() == []  # a second run finds nobody


# ---------------------------------------------------------------- failed logins in the trail


def test_failed_logins_are_in_the_audit_trail_with_who_when_where_and_the_result(db, person, settings):
    settings.GRASSROOTS_TRUSTED_PROXIES = ["10.0.0.1"]
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    _log_in(client, "wangfang", "wrong")
    _log_in(client, "nobody", "wrong")
    entries = list(AuditEntry.objects.filter(action="core.user.login_failed").order_by("seq"))
    assert [(e.object_repr, e.after["from"], e.after["result"]) for e in entries] == [
        ("wangfang", "203.0.113.9", "wrong password or code"),
        ("nobody", "203.0.113.9", "unknown user"),
    ]
    assert entries[0].object_id == str(person.pk) and entries[0].at is not None


def test_a_client_trying_many_user_names_cannot_flood_the_trail(db, monkeypatch):
    from django.core.cache import cache

    from grassroots.core import accounts

    cache.clear()
    monkeypatch.setattr(accounts, "FAILED_LOGINS_AUDITED_PER_MINUTE", 3)
    client = Client(REMOTE_ADDR="192.0.2.50")
    for i in range(6):
        _log_in(client, f"guess{i}", "wrong")
    assert AuditEntry.objects.filter(action="core.user.login_failed").count() == 3
    _log_in(Client(REMOTE_ADDR="192.0.2.51"), "guess", "wrong")  # another address is recorded
    assert AuditEntry.objects.filter(action="core.user.login_failed").count() == 4
    cache.clear()


def test_a_login_refused_while_locked_out_says_so_in_the_trail(db, person, settings):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _log_in(client, "wangfang", "wrong")
    results = AuditEntry.objects.filter(action="core.user.login_failed").values_list("after__result", flat=True)
    assert "locked out" in list(results)


# ---------------------------------------------------------------- one's own sign-ins


def test_a_user_sees_their_sign_ins_and_ends_another_one(db, person):
    phone, desk = Client(HTTP_USER_AGENT="Phone browser"), Client(HTTP_USER_AGENT="Desk browser")
    _log_in(phone, "wangfang", OLD)
    _log_in(desk, "wangfang", OLD)
    assert SignIn.objects.filter(user=person).count() == 2
    page = desk.get(reverse("security"), **EN).content.decode()
    assert "Phone browser" in page and "This browser" in page
    other = SignIn.objects.get(user=person, user_agent="Phone browser")
    assert desk.post(reverse("sign_in_end", args=[other.pk])).status_code == 302
    assert phone.get(reverse("security")).status_code == 302  # signed out there
    assert desk.get(reverse("security")).status_code == 200  # still here
    assert AuditEntry.objects.filter(action="core.user.sign_in_end").count() == 1
    assert "您登录的地方" in desk.get(reverse("security"), **ZH).content.decode()


def test_one_cannot_end_another_users_sign_in(db, person):
    other = UserFactory(username="other")
    other.set_password(OLD)
    other.save()
    theirs = Client()
    _log_in(theirs, "other", OLD)
    mine = Client()
    _log_in(mine, "wangfang", OLD)
    row = SignIn.objects.get(user=other)
    assert mine.post(reverse("sign_in_end", args=[row.pk])).status_code == 404
    assert theirs.get(reverse("security")).status_code == 200


# ---------------------------------------------------------------- a mailed password-reset link


@pytest.mark.parametrize("headers, words", [(EN, "choose a new password"), (ZH, "设置新密码")])
def test_a_forgotten_password_is_set_again_from_a_mailed_link(client, person, headers, words):
    assert "Forgotten your password?" in client.get(reverse("login"), **EN).content.decode()
    answer = client.post(reverse("password_reset"), {"email": "wangfang@example.org"}, **headers)
    assert answer.status_code == 302 and answer["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and words in mail.outbox[0].subject + mail.outbox[0].body
    link = re.search(r"https?://\S+/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True, **headers)
    assert form_page.status_code == 200
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, **headers)
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert AuditEntry.objects.filter(action="core.user.password_reset", object_id=str(person.pk)).count() == 1
    again = client.get(link, follow=True, **EN).content.decode()
    assert "This link does not work any more" in again  # used once


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    answer = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, **EN)
    assert answer.status_code == 302 and answer["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
