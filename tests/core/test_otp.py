"""Two-factor authentication: set up with a QR code or the key typed in, confirmed with a code, recovery codes; the
login asks for a code under the same lockout as passwords; required of administrators and officers when the
deployment says so; removal audited, the admin's included; the token API asks for a code too."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from grassroots.core import otp
from grassroots.core.models import AuditEntry

PASSWORD = "correct-horse-battery"  # the factories' password


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _api() -> APIClient:
    api = APIClient()
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


def code_for(device) -> str:
    """The code the app shows now. A device refuses a time step it already accepted, and waits a moment after a
    wrong code (django-otp's throttle): the test forgets both, as the next time step and a short wait would."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(device.digits)


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = otp.two_factor_start(actor=user)
    return otp.two_factor_confirm(actor=user, code=code_for(device))


def password_step(client, username, next_url="/"):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD, "next": next_url})


def test_a_user_sets_it_up_with_a_qr_code_or_the_key_and_confirms_with_a_code(county, client_for):
    user = county.users.secretary
    client = client_for(user)
    page = client.get(reverse("two_factor")).content.decode()
    assert 'value="start"' in page
    client.post(reverse("two_factor"), {"action": "start"})
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.get(reverse("two_factor")).content.decode()
    assert "<svg" in page and otp.manual_key(device) in page
    wrong = client.post(reverse("two_factor"), {"action": "confirm", "code": "000000"})
    assert "not right" in wrong.content.decode() and not otp.is_enrolled(user)
    done = client.post(reverse("two_factor"), {"action": "confirm", "code": code_for(device)})
    codes = done.context["codes"]
    assert len(codes) == otp.RECOVERY_CODES and all(c in done.content.decode() for c in codes)
    assert done["Cache-Control"] == "no-store" and otp.is_enrolled(user)
    assert AuditEntry.objects.filter(action="core.two_factor.enrol", actor_id=user.pk).exists()
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}  # recovery codes are kept as digests only


def test_the_login_asks_for_the_code_after_the_password(county, client):
    device, _codes = enrol(county.users.officer)
    step = password_step(client, "officer", "/orgs/")
    assert step.status_code == 302 and step["Location"] == reverse("login_code")
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post(reverse("login_code"), {"code": "123456"})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    right = client.post(reverse("login_code"), {"code": code_for(device)})
    assert right.status_code == 302 and right["Location"] == "/orgs/"
    assert client.get("/").status_code == 200


def test_the_code_page_speaks_chinese(county, client):
    enrol(county.users.officer)
    password_step(client, "officer")
    page = client.get(reverse("login_code"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "输入验证码" in page


def test_a_recovery_code_signs_in_once(county, client):
    _device, codes = enrol(county.users.officer)
    password_step(client, "officer")
    assert client.post(reverse("login_code"), {"code": codes[0]}).status_code == 302
    client.logout()
    password_step(client, "officer")
    again = client.post(reverse("login_code"), {"code": codes[0]})
    assert again.status_code == 200 and "not right" in again.content.decode()


def test_wrong_codes_lock_the_account_as_wrong_passwords_do(county, client, settings):
    device, _codes = enrol(county.users.officer)
    password_step(client, "officer")
    for _i in range(settings.AXES_FAILURE_LIMIT):
        answer = client.post(reverse("login_code"), {"code": "000000"})
    assert answer.status_code == 429 and "Too many failed attempts" in answer.content.decode()
    password_step(client, "officer")  # the password is right, but the account is locked
    assert client.get("/").status_code == 302
    refused = client.post(reverse("login_code"), {"code": code_for(device)})
    assert refused.status_code in (302, 429) and client.get("/").status_code == 302


def test_without_the_password_step_there_is_no_code_page(db, client):
    assert client.get(reverse("login_code"))["Location"] == reverse("login")


@pytest.fixture
def required(settings):
    settings.GRASSROOTS_REQUIRE_2FA = True


def test_when_required_officers_and_administrators_set_it_up_before_anything_else(county, client_for, required):
    for user in (county.users.officer, county.users.admin):
        client = client_for(user)
        answer = client.get("/orgs/")
        assert answer.status_code == 302 and answer["Location"] == reverse("two_factor") + "?required=1"
        assert client.get("/api/organizations/").status_code == 403
        assert client.get(reverse("two_factor")).status_code == 200
        client.logout()
    assert client_for(county.users.secretary).get("/").status_code == 200  # a secretary is not required to


def test_when_required_an_enrolled_officer_without_a_code_this_session_signs_in_again(county, client_for, required):
    enrol(county.users.officer)
    client = client_for(county.users.officer)  # a session without the second factor
    answer = client.get("/orgs/")
    assert answer["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_once_set_up_the_required_officer_goes_on(county, client_for, required):
    user = county.users.officer
    client = client_for(user)
    client.post(reverse("two_factor"), {"action": "start"})
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("two_factor"), {"action": "confirm", "code": code_for(device)})
    assert client.get("/orgs/", follow=True).status_code == 200
    assert client.get("/api/organizations/").status_code == 200


def test_a_user_turns_it_off_with_a_code_and_it_is_audited(county, client_for):
    user = county.users.secretary
    device, _codes = enrol(user)
    client = client_for(user)
    client.post(reverse("two_factor_remove"), {"code": "000000"})
    assert otp.is_enrolled(user)
    client.post(reverse("two_factor_remove"), {"code": code_for(device)})
    assert not otp.is_enrolled(user)
    assert AuditEntry.objects.filter(action="core.two_factor.remove", actor_id=user.pk).exists()


def test_a_required_officer_cannot_turn_it_off_but_an_administrator_resets_it(county, client_for, required):
    officer = county.users.officer
    device, _codes = enrol(officer)
    with pytest.raises(otp.PermissionDenied):
        otp.two_factor_remove(actor=officer, user=officer)
    admin_client = client_for(county.users.admin)
    enrol(county.users.admin)
    from django_otp import login as otp_login  # noqa: F401 - the admin's session is verified below

    session = admin_client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=county.users.admin).persistent_id
    session.save()
    answer = admin_client.post(
        "/admin/core/user/", {"action": "remove_two_factor", "_selected_action": [officer.pk]}, follow=True
    )
    assert answer.status_code == 200 and not otp.is_enrolled(officer)
    entry = AuditEntry.objects.get(action="core.two_factor.remove", object_id=str(officer.pk))
    assert entry.actor_id == county.users.admin.pk and entry.after == {"by_administrator": True}


def test_new_recovery_codes_replace_the_old(county, client_for):
    user = county.users.secretary
    _device, old = enrol(user)
    page = client_for(user).post(reverse("two_factor_recovery"))
    new = page.context["codes"]
    assert len(new) == otp.RECOVERY_CODES and not set(new) & set(old)
    assert otp.recovery_codes_left(user) == otp.RECOVERY_CODES


def test_the_admin_signs_in_through_the_site_login(db, client):
    answer = client.get("/admin/login/?next=/admin/")
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


def test_the_token_api_asks_an_enrolled_user_for_a_code(county):
    device, _codes = enrol(county.users.officer)
    anonymous = _api()
    without = anonymous.post("/api/token/", {"username": "officer", "password": PASSWORD})
    assert without.status_code == 400 and "otp" in without.json()
    wrong = anonymous.post("/api/token/", {"username": "officer", "password": PASSWORD, "otp": "000000"})
    assert wrong.status_code == 400
    right = anonymous.post("/api/token/", {"username": "officer", "password": PASSWORD, "otp": code_for(device)})
    assert right.status_code == 201 and right.json()["token"]


def test_the_token_api_refuses_an_officer_who_must_enrol_first(county, required):
    answer = _api().post("/api/token/", {"username": "officer", "password": PASSWORD})
    assert answer.status_code == 400 and "two-factor" in str(answer.json())


def test_the_server_operator_resets_a_sole_administrators_lost_phone_from_the_console(county, required, capsys):
    from grassroots.cli import main

    admin = county.users.admin
    enrol(admin)
    assert main(["createadmin", "--username", "admin", "--password", "N3w-admin-pass", "--remove-2fa"]) == 0
    assert "two-factor authentication of admin removed" in capsys.readouterr().out
    assert not otp.is_enrolled(admin)
    entry = AuditEntry.objects.get(action="core.two_factor.remove", object_id=str(admin.pk))
    assert entry.after == {"by_administrator": False, "console": True}
