"""Accounts kept by a system administrator or the server's operator go through core.users: checked first, one audit
entry each naming the actor, the account and what changed, never a password nor its hash."""

import json

import pytest
from django.core.exceptions import ValidationError

from grassroots.cli import main
from grassroots.core import users
from grassroots.core.models import AuditEntry, User
from grassroots.core.policy import PermissionDenied
from tests.factories import UserFactory

SECRET = "Qingshan-2026-pass"


ACTIONS = ["core.user.create", "core.user.change", "core.user.password_set", "core.user.delete"]


def _entries():
    return list(AuditEntry.objects.filter(action__in=ACTIONS).order_by("seq"))


def _without_secrets(entry, user):
    text = json.dumps([entry.before, entry.after], ensure_ascii=False)
    assert SECRET not in text and user.password not in text and user.password.split("$")[-1] not in text


# ---------------------------------------------------------------- grassroots createadmin


def test_createadmin_makes_an_administrator_with_one_entry_naming_the_console(db, capsys):
    assert main(["createadmin", "--username", "root", "--password", SECRET, "--email", "root@example.org"]) == 0
    assert "administrator root ready" in capsys.readouterr().out
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff and root.is_active and root.check_password(SECRET)
    assert not root.password_given  # the operator's own: no change asked at the first sign-in
    [entry] = _entries()
    assert entry.action == "core.user.create" and entry.object_id == str(root.pk) and entry.actor_id is None
    assert entry.after["console"] is True and "operator" in entry.after
    assert entry.after["password"] == "set" and entry.after["is_superuser"] is True
    assert entry.after["email"] == "root@example.org"
    _without_secrets(entry, root)


def test_createadmin_resets_an_existing_account_with_one_entry_of_what_changed(db, capsys):
    officer = UserFactory(username="zhou", email="zhou@example.org")
    assert main(["createadmin", "--username", "zhou", "--password", SECRET]) == 0
    officer.refresh_from_db()
    assert officer.is_superuser and officer.check_password(SECRET) and officer.email == "zhou@example.org"
    [entry] = _entries()
    assert entry.action == "core.user.change" and entry.object_id == str(officer.pk)
    assert entry.before == {"is_staff": False, "is_superuser": False}
    assert {k: entry.after[k] for k in ("is_staff", "is_superuser", "password", "console")} == {
        "is_staff": True,
        "is_superuser": True,
        "password": "set",
        "console": True,
    }
    _without_secrets(entry, officer)


def test_createadmin_resetting_only_the_password_records_a_password_set(db, capsys):
    assert main(["createadmin", "--username", "root", "--password", SECRET]) == 0
    assert main(["createadmin", "--username", "root", "--password", SECRET + "-again"]) == 0
    entries = _entries()
    assert [e.action for e in entries] == ["core.user.create", "core.user.password_set"]
    assert {k: v for k, v in entries[1].after.items() if k != "operator"} == {"password": "set", "console": True}


def test_createadmin_refuses_a_weak_password_clearly_with_no_entry_and_no_change(db, capsys):
    assert main(["createadmin", "--username", "root", "--password", SECRET]) == 0
    capsys.readouterr()
    assert main(["createadmin", "--username", "root", "--password", "admin12345"]) == 2
    out = capsys.readouterr()
    assert out.out.startswith("password refused: ") and "Traceback" not in out.out + out.err
    assert User.objects.get(username="root").check_password(SECRET)
    assert [e.action for e in _entries()] == ["core.user.create"]
    assert main(["createadmin", "--username", "newcomer", "--password", "short"]) == 2
    assert not User.objects.filter(username="newcomer").exists()


# ---------------------------------------------------------------- the services' own rules


def test_only_a_system_administrator_writes_accounts(db):
    officer = UserFactory(username="officer", is_staff=True)
    target = UserFactory(username="target")
    with pytest.raises(PermissionDenied):
        users.user_create(actor=officer, username="x", password=SECRET)
    with pytest.raises(PermissionDenied):
        users.user_change(actor=officer, user=officer, is_superuser=True)
    with pytest.raises(PermissionDenied):
        users.user_password_set(actor=officer, user=target, password=SECRET)
    with pytest.raises(PermissionDenied):
        users.user_delete(actor=officer, user=target)
    with pytest.raises(PermissionDenied):
        users.user_create(actor=None, username="x", password=SECRET)  # no actor, and not the console
    assert _entries() == []


def test_an_administrator_takes_away_neither_their_own_rights_nor_their_account(db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    for right in users.OWN_RIGHTS:
        with pytest.raises(ValidationError):
            users.user_change(actor=admin, user=admin, **{right: False})
    with pytest.raises(ValidationError):
        users.user_delete(actor=admin, user=admin)
    admin.refresh_from_db()
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert _entries() == []


def test_an_account_that_signed_in_acted_holds_roles_or_belongs_to_a_member_is_deactivated_not_deleted(county):
    admin = county.users.admin
    signed_in = UserFactory(username="signed-in")
    User.objects.filter(pk=signed_in.pk).update(last_login="2026-01-05T08:00:00Z")
    acted = UserFactory(username="acted", is_superuser=True, is_staff=True)
    users.user_change(actor=acted, user=UserFactory(username="someone"), first_name="Li")
    before = len(_entries())
    for used in (User.objects.get(pk=signed_in.pk), acted, county.users.secretary, county.users.member):
        with pytest.raises(ValidationError) as refused:
            users.user_delete(actor=admin, user=used)
        assert "deactivate it instead" in " ".join(refused.value.messages), used.username
        assert User.objects.filter(pk=used.pk).exists()
    assert len(_entries()) == before
    unused = UserFactory(username="unused")
    users.user_delete(actor=admin, user=unused)
    assert not User.objects.filter(pk=unused.pk).exists()


def test_a_password_given_to_someone_else_works_once_and_ones_own_does_not(db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    target = UserFactory(username="target")
    assert users.user_password_set(actor=admin, user=target, password=SECRET).password_given
    assert not users.user_password_set(actor=admin, user=admin, password=SECRET).password_given


def test_a_user_name_taken_in_another_case_is_refused(db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    UserFactory(username="Zhou")
    with pytest.raises(ValidationError) as refused:
        users.user_create(actor=admin, username="zhou", password=SECRET)
    assert "username" in refused.value.message_dict
