"""Password reuse: a new password is none of the user's last GRASSROOTS_PASSWORD_HISTORY (the current one included),
whoever sets it (the user, a mailed link, an officer, createadmin); only the hashes of the newest N are kept."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.urls import reverse

from grassroots.cli import main
from grassroots.core.models import PasswordHistory
from grassroots.organizations import services as org_services
from tests.factories import UserFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
PASSWORDS = [f"Reed-Lantern-{n}x" for n in range(1, 8)]  # each passes the other rules


def _set(user, password):
    user.set_password(password)
    user.save()


@pytest.fixture
def person(db):
    return UserFactory(username="wangfang", email="wangfang@example.org")


def _change(client, old, new, **headers):
    form = {"old_password": old, "new_password1": new, "new_password2": new}
    return client.post(reverse("password_change"), form, **headers)


def test_the_default_history_is_five_passwords():
    from grassroots.config import settings as base

    assert base.GRASSROOTS_PASSWORD_HISTORY == 5


def test_own_change_is_refused_for_the_current_and_a_recent_password(client, person, settings):
    settings.GRASSROOTS_PASSWORD_HISTORY = 5
    for password in PASSWORDS[:5]:  # 1 … 5; 5 is the current one
        _set(person, password)
    client.force_login(person)
    current = PASSWORDS[4]
    for reused in (current, PASSWORDS[2], PASSWORDS[0]):  # the current one, and the third and fifth before it
        page = _change(client, current, reused, **EN)
        assert page.status_code == 200
        assert "You used this password recently: choose one that is none of your last 5 passwords." in (
            page.content.decode()
        )
    assert (
        "这个密码最近用过：请选择与您最近 5 个密码都不同的密码。"
        in _change(client, current, PASSWORDS[1], **ZH).content.decode()
    )
    person.refresh_from_db()
    assert person.check_password(current)


def test_own_change_is_accepted_for_the_password_before_the_last_n(client, person, settings):
    settings.GRASSROOTS_PASSWORD_HISTORY = 5
    for password in PASSWORDS[:6]:  # 1 … 6: the last five are 2 … 6, so 1 may come back
        _set(person, password)
    client.force_login(person)
    assert _change(client, PASSWORDS[5], PASSWORDS[0], **EN).status_code == 302
    person.refresh_from_db()
    assert person.check_password(PASSWORDS[0])


def test_the_history_keeps_only_the_newest_n_hashes(person, settings):
    settings.GRASSROOTS_PASSWORD_HISTORY = 3
    for password in PASSWORDS:
        _set(person, password)
    kept = list(PasswordHistory.objects.filter(user=person).values_list("password", flat=True))
    assert len(kept) == 3 and kept[0] == person.password  # newest first, the current one among them
    assert not any(password in "".join(kept) for password in PASSWORDS)  # hashes only


def test_a_password_set_before_the_history_was_kept_still_counts_as_the_current_one(person, settings):
    settings.GRASSROOTS_PASSWORD_HISTORY = 5
    assert not PasswordHistory.objects.filter(user=person).exists()  # the factory wrote the hash directly
    form = SetPasswordForm(person, {"new_password1": "correct-horse-battery", "new_password2": "correct-horse-battery"})
    assert not form.is_valid()


def test_a_mailed_reset_respects_it_too(person, settings):
    settings.GRASSROOTS_PASSWORD_HISTORY = 5
    _set(person, PASSWORDS[0])
    _set(person, PASSWORDS[1])
    form = SetPasswordForm(person, {"new_password1": PASSWORDS[0], "new_password2": PASSWORDS[0]})
    assert not form.is_valid() and "none of your last 5" in str(form.errors)


def test_zero_turns_the_history_off(client, person, settings):
    settings.GRASSROOTS_PASSWORD_HISTORY = 0
    _set(person, PASSWORDS[0])
    assert not PasswordHistory.objects.filter(user=person).exists()
    client.force_login(person)
    assert _change(client, PASSWORDS[0], PASSWORDS[0], **EN).status_code == 302


def test_an_officers_reset_respects_it_and_its_password_joins_the_history(county, client, settings, monkeypatch):
    settings.GRASSROOTS_PASSWORD_HISTORY = 5
    member = county.members["C-T1-V1"]
    account = county.users.member
    _set(account, PASSWORDS[0])
    draws = iter([PASSWORDS[0], "Fresh-Given-77x"])  # the first draw is the member's current password
    monkeypatch.setattr(org_services, "one_time_password", lambda: next(draws))
    given = org_services.member_account_password_reset(actor=county.users.officer, member=member)
    assert given == "Fresh-Given-77x"
    account.refresh_from_db()
    assert account.check_password(given) and account.password_given
    # The member chooses their own: neither the one given nor their own before it.
    client.force_login(account)
    for reused in (given, PASSWORDS[0]):
        assert _change(client, given, reused, **EN).status_code == 200
    assert _change(client, given, PASSWORDS[1], **EN).status_code == 302


def test_createadmin_refuses_a_recent_password(db, capsys, settings):
    settings.GRASSROOTS_PASSWORD_HISTORY = 5
    assert main(["createadmin", "--username", "root", "--password", PASSWORDS[0]]) == 0
    assert main(["createadmin", "--username", "root", "--password", PASSWORDS[1]]) == 0
    capsys.readouterr()
    assert main(["createadmin", "--username", "root", "--password", PASSWORDS[0]]) == 2
    assert "none of your last 5 passwords" in capsys.readouterr().out
