"""A member who leaves loses their account: recorded as transferred out of the system, deceased or removed from the
party, their account is deactivated and every role it held ended in the same change, one audit entry saying who and
why, and the member page says so. A transfer inside the system keeps the account and ends the roles at the old
organization only. Only an officer activates the account again."""

import pytest
from django.test import Client
from django.urls import reverse

from grassroots.core.audit import verify
from grassroots.core.errors import ValidationError
from grassroots.core.models import AuditEntry
from grassroots.organizations.models import Grant, MemberStatus, Transfer
from grassroots.organizations.services import member_account_set_active, member_update, transfer_request
from tests.factories import grant

PASSWORD = "correct-horse-battery"  # the factories' password
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
LEFT = [MemberStatus.TRANSFERRED_OUT, MemberStatus.DECEASED, MemberStatus.REMOVED]


@pytest.fixture
def leaver(county):
    """The member of 青山村党支部 with an account that is the branch's secretary, its group's too, and an auditor
    in another township."""
    member, account = county.members["C-T1-V1"], county.users.member
    for org, role in ((county.v11, "secretary"), (county.g111, "secretary"), (county.t2, "auditor")):
        grant(account, org, role)
    return member, account


def _closings(member):
    return AuditEntry.objects.filter(action="organizations.member.account_close", object_id=str(member.pk))


@pytest.mark.parametrize("status", LEFT)
def test_a_member_who_leaves_loses_the_account_and_every_role(county, leaver, status):
    member, account = leaver
    member = member_update(actor=county.users.officer, member=member, status=status)
    account.refresh_from_db()
    assert not account.is_active
    assert not Grant.objects.filter(user=account).exists()
    [entry] = _closings(member)
    assert (entry.actor_name, entry.after["username"], entry.after["reason"]) == ("officer", "member", status)
    assert entry.after["left_on"] == str(member.left_on) and entry.organization_id == county.v11.pk
    assert sorted(r["organization"] for r in entry.before["roles"]) == ["C-T1-V1", "C-T1-V1-G1", "C-T2"]
    assert Client().post(reverse("login"), {"username": "member", "password": PASSWORD}).status_code == 200
    assert verify().ok


def test_the_officer_reads_on_the_member_page_that_the_account_was_closed_and_why(county, leaver, client_for):
    member, account = leaver
    member_update(actor=county.users.officer, member=member, status=MemberStatus.DECEASED)
    client = client_for(county.users.officer)
    page = client.get(reverse("organizations:member", args=[member.pk]), **EN).content.decode()
    assert "The account member was closed on" in page and "by officer, when the member left (Deceased)" in page
    chinese = client.get(reverse("organizations:member", args=[member.pk]), **ZH).content.decode()
    assert "账号 member 已于" in chinese and "（已去世）" in chinese
    # Activated again by an officer, through the account's own path: the line goes, the roles do not come back.
    member_account_set_active(actor=county.users.officer, member=member, active=True)
    account.refresh_from_db()
    assert account.is_active and not Grant.objects.filter(user=account).exists()
    page = client.get(reverse("organizations:member", args=[member.pk]), **EN).content.decode()
    assert "was closed on" not in page


def test_a_colleague_without_the_right_to_change_the_record_reads_no_such_line(county, leaver, client_for):
    member, _account = leaver
    member_update(actor=county.users.officer, member=member, status=MemberStatus.REMOVED)
    page = client_for(county.users.auditor).get(reverse("organizations:member", args=[member.pk]), **EN)
    assert "was closed on" not in page.content.decode()


def test_a_transfer_inside_the_system_keeps_the_account_and_ends_the_roles_at_the_old_organization(county, leaver):
    member, account = leaver
    transfer = transfer_request(actor=county.users.officer, member=member, to_organization=county.v12)
    assert Transfer.objects.get(pk=transfer.pk).state == "completed"
    account.refresh_from_db()
    assert account.is_active
    assert list(Grant.objects.filter(user=account).values_list("organization__code", "role")) == [("C-T2", "auditor")]
    [entry] = AuditEntry.objects.filter(action="organizations.member.roles_end")
    assert entry.actor_name == "officer" and entry.after == {
        "username": "member",
        "reason": "transferred",
        "to": "C-T1-V2",
    }
    assert sorted(r["organization"] for r in entry.before["roles"]) == ["C-T1-V1", "C-T1-V1-G1"]
    assert not _closings(member).exists()


def test_a_transfer_awaiting_acceptance_ends_nothing_until_accepted(county, leaver):
    member, account = leaver
    transfer_request(actor=county.users.t1_officer, member=member, to_organization=county.v21)  # C-T2: not theirs
    assert Grant.objects.filter(user=account).count() == 3


def test_leaving_without_an_account_closes_nothing(county):
    member = county.members["C-T2-V1"]
    member_update(actor=county.users.officer, member=member, status=MemberStatus.DECEASED)
    assert not _closings(member).exists()


def test_an_officer_cannot_record_their_own_leaving(county):
    officer = county.users.t1_officer
    member = county.members["C-T1-V2"]
    member.user = officer
    member.save()
    with pytest.raises(ValidationError, match="You cannot record that you left"):
        member_update(actor=officer, member=member, status=MemberStatus.TRANSFERRED_OUT)
    officer.refresh_from_db()
    member.refresh_from_db()
    assert officer.is_active and member.status == MemberStatus.ACTIVE


def test_an_officer_records_leaving_on_the_member_page_and_the_account_closes(county, leaver, client):
    member, account = leaver
    client.force_login(county.users.officer)
    page = client.get(reverse("organizations:member", args=[member.pk]), **ZH).content.decode()
    assert reverse("organizations:member_leave", args=[member.pk]) in page and "记录离开" in page
    form = client.get(reverse("organizations:member_leave", args=[member.pk]), **ZH).content.decode()
    assert "账号" in form  # says the account closes with it
    response = client.post(
        reverse("organizations:member_leave", args=[member.pk]), {"status": "deceased", "left_on": ""}, **EN
    )
    assert response.status_code == 302
    member.refresh_from_db()
    account.refresh_from_db()
    assert member.status == MemberStatus.DECEASED and not account.is_active
    assert not Grant.objects.filter(user=account).exists()
    assert _closings(member).count() == 1


def test_leaving_in_the_future_is_refused_on_the_page_and_nothing_changes(county, leaver, client):
    import datetime as dt

    from django.utils import timezone

    member, account = leaver
    client.force_login(county.users.officer)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("organizations:member_leave", args=[member.pk]), {"status": "removed", "left_on": tomorrow}, **ZH
    )
    assert response.status_code == 200 and "不能晚于今天" in response.content.decode()
    member.refresh_from_db()
    account.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE and account.is_active


def test_the_api_records_leaving_and_active_again(county, leaver):
    from rest_framework.test import APIClient

    member, account = leaver
    api = APIClient()
    api.force_authenticate(county.users.officer)
    response = api.post(f"/api/members/{member.pk}/leave/", {"status": "transferred_out"}, format="json")
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert response.json()["status"] == "transferred_out" and not account.is_active
    again = api.post(f"/api/members/{member.pk}/leave/", {"status": "active"}, format="json")
    assert again.status_code == 200 and again.json()["status"] == "active"
    bad = api.post(f"/api/members/{member.pk}/leave/", {"status": "gone"}, format="json")
    assert bad.status_code == 400


def test_a_member_page_may_not_record_the_viewers_own_leaving(county, leaver, client):
    member, account = leaver
    client.force_login(account)
    response = client.post(reverse("organizations:member_leave", args=[member.pk]), {"status": "removed"}, **EN)
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert response.status_code in (200, 403, 404)
