"""Roles given and ended from a member's account page (and its API): through the grant services, within the
policy, audited."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from grassroots.core.models import AuditEntry
from grassroots.organizations.models import Grant


@pytest.fixture
def member_with_account(county):
    from tests.factories import MemberFactory, UserFactory

    member = MemberFactory(organization=county.v12, name="柳红")
    member.user = UserFactory(username="liuhong")
    member.save()
    return member


def test_an_officer_gives_a_members_account_a_role_and_ends_it_on_the_account_page(
    county, client_for, member_with_account
):
    member = member_with_account
    url = reverse("organizations:member_account", args=[member.pk])
    client = client_for(county.users.t1_officer)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Give a role" in page and "holds no role that you can see" in page
    assert 'value="C-T1-V2"' in page  # the member's own branch offered first
    assert 'value="admin"' not in page  # only an administrator makes administrators
    given = client.post(
        url, {"action": "grant", "role": "secretary", "organization": "C-T1-V2"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    text = given.content.decode()
    assert "Secretary of 柳湾村党支部 given to liuhong." in text
    grant = Grant.objects.get(user=member.user)
    assert (grant.organization, grant.role) == (county.v12, "secretary")
    assert AuditEntry.objects.filter(action="organizations.grant.create", object_id=str(grant.pk)).exists()
    assert "End the role Secretary" in text
    again = client.post(
        url, {"action": "grant", "role": "secretary", "organization": "C-T1-V2"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "already holds this role" in again.content.decode()
    assert Grant.objects.filter(user=member.user).count() == 1
    ended = client.post(url, {"action": "revoke", "grant": grant.pk}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Secretary of 柳湾村党支部 ended for liuhong." in ended.content.decode()
    assert not Grant.objects.filter(user=member.user).exists()
    assert AuditEntry.objects.filter(action="organizations.grant.revoke", object_id=str(grant.pk)).exists()


def test_a_role_outside_the_officers_scope_is_refused_and_not_shown(county, client_for, member_with_account):
    member = member_with_account
    outside = Grant.objects.create(user=member.user, organization=county.v21, role="secretary")  # 白石: township 2
    url = reverse("organizations:member_account", args=[member.pk])
    client = client_for(county.users.t1_officer)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "白石村党支部" not in page  # the role held elsewhere is not the township officer's to see
    refused = client.post(
        url, {"action": "grant", "role": "officer", "organization": "C-T2"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "No organization with this code where you may do this." in refused.content.decode()
    client.post(url, {"action": "revoke", "grant": outside.pk})
    assert Grant.objects.filter(pk=outside.pk).exists()
    forged = client.post(url, {"action": "grant", "role": "admin", "organization": "C-T1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert forged.status_code == 200 and not Grant.objects.filter(user=member.user, role="admin").exists()
    # A secretary keeps no accounts: the page is not theirs.
    assert client_for(county.users.secretary).get(url).status_code in (403, 404)


def test_the_grant_section_in_chinese(county, client_for, member_with_account):
    url = reverse("organizations:member_account", args=[member_with_account.pk])
    page = client_for(county.users.officer).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "授予该角色" in page and "该账号没有您能看到的角色" in page and "组织（编码）" in page


def test_roles_of_a_members_account_through_the_api(county, member_with_account):
    member = member_with_account
    api = APIClient()
    api.force_authenticate(county.users.t1_officer)
    url = f"/api/members/{member.pk}/account/"
    given = api.post(url, {"action": "grant", "role": "secretary", "organization": "C-T1-V2"}, format="json")
    assert given.status_code == 200, given.content
    grants = given.json()["grants"]
    assert [(g["organization"], g["role"]) for g in grants] == [("C-T1-V2", "secretary")]
    outside = api.post(url, {"action": "grant", "role": "secretary", "organization": "C-T2-V1"}, format="json")
    assert outside.status_code == 400 and "organization" in outside.json()
    admin = api.post(url, {"action": "grant", "role": "admin", "organization": "C-T1"}, format="json")
    assert admin.status_code == 403
    missing = api.post(url, {"action": "grant"}, format="json")
    assert missing.status_code == 400
    ended = api.post(url, {"action": "revoke", "grant": grants[0]["id"]}, format="json")
    assert ended.status_code == 200 and ended.json()["grants"] == []
    no_such = api.post(url, {"action": "revoke", "grant": grants[0]["id"]}, format="json")
    assert no_such.status_code == 400
    secretary = APIClient()
    secretary.force_authenticate(county.users.secretary)
    assert secretary.post(url, {"action": "grant", "role": "secretary", "organization": "C-T1-V1"}).status_code in (
        403,
        404,
    )
