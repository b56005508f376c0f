"""The audit trail is read by the auditor role alone (GB/T 22239-2019 8.1.4.3): its page, the verification on it, the
API's list and entries, and the Django admin's pages; every other role, the superuser and the officers included, is
refused (403, in the user's language), and the links that lead there are shown to the auditors only."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rest_framework.test import APIClient

from grassroots.core.accounts import record_failed_login
from grassroots.core.models import AuditEntry
from grassroots.core.policy import Action, can, can_anywhere
from grassroots.organizations import services
from tests.factories import UserFactory, grant

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
REFUSED_EN = "Your role does not include reading the audit trail."
REFUSED_ZH = "您的角色无权查阅操作日志。"
ROLES = ["admin", "officer", "t1_officer", "secretary", "member", "auditor", "anonymous"]


@pytest.fixture
def entry(county):
    """One entry in the township the auditor audits (an officer's change of a member of C-T1-V1)."""
    services.member_update(actor=county.users.officer, member=county.members["C-T1-V1"], phone="13811112222")
    return AuditEntry.objects.latest("seq")


def _user(county, who):
    return None if who == "anonymous" else getattr(county.users, who)


def _page_client(client, county, who):
    user = _user(county, who)
    if user is not None:
        client.force_login(user)
    return client


def _api_client(county, who):
    api = APIClient()
    user = _user(county, who)
    if user is not None:
        api.force_authenticate(user)
    return api


def test_only_the_auditor_role_holds_the_right_to_read_the_trail(county):
    assert can_anywhere(county.users.auditor, Action.VIEW_AUDIT)
    for who in ("admin", "officer", "t1_officer", "secretary", "member", "outsider"):
        user = getattr(county.users, who)
        assert not can_anywhere(user, Action.VIEW_AUDIT), who
        assert not can(user, Action.VIEW_AUDIT, county.t1), who
    assert not can_anywhere(AnonymousUser(), Action.VIEW_AUDIT)
    assert can(county.users.admin, Action.CHANGE, county.t1)  # the superuser keeps every other right


@pytest.mark.parametrize("who", ROLES)
def test_the_audit_page_and_its_verification(client, county, entry, who):
    client = _page_client(client, county, who)
    page = client.get(reverse("audit"), **EN)
    verify = client.post(reverse("audit"), {"verify": "1"}, **EN)
    if who == "auditor":
        assert page.status_code == 200 and "The audit chain holds" in page.content.decode()
        assert verify.status_code == 302
    elif who == "anonymous":
        assert page.status_code == verify.status_code == 302
        assert page["Location"].startswith(reverse("login"))
    else:
        assert page.status_code == verify.status_code == 403
        assert REFUSED_EN in page.content.decode() and REFUSED_EN in verify.content.decode()
        assert entry.object_repr not in page.content.decode()


@pytest.mark.parametrize("who", ROLES)
def test_the_api_list_and_entry(county, entry, who):
    api = _api_client(county, who)
    listed = api.get("/api/audit/", **EN)
    one = api.get(f"/api/audit/{entry.pk}/", **EN)
    if who == "auditor":
        assert listed.status_code == one.status_code == 200
        assert one.json()["seq"] == entry.pk and one.json()["result"] == "done"
    else:
        assert listed.status_code == one.status_code == 403, who
        assert "results" not in listed.json() and "before" not in one.json()
        if who != "anonymous":
            assert listed.json()["detail"] == REFUSED_EN


@pytest.mark.parametrize("who", ROLES)
def test_the_admins_audit_pages(client, county, entry, who):
    client = _page_client(client, county, who)
    pages = [reverse("admin:core_auditentry_changelist"), reverse("admin:core_auditentry_change", args=[entry.pk])]
    for url in pages:
        response = client.get(url)
        if who == "admin":  # the superuser without the auditor's role: refused
            assert response.status_code == 403
        else:  # not staff: the admin sends them to log in
            assert response.status_code == 302 and entry.object_repr not in response.content.decode()
    if who == "admin":
        index = client.get(reverse("admin:index")).content.decode()
        assert reverse("admin:core_auditentry_changelist") not in index and "Audit entries" not in index


def test_a_superuser_holding_the_auditor_role_reads_the_admins_trail_of_that_scope_only(client, county, entry):
    services.member_update(actor=county.users.officer, member=county.members["C-T2-V1"], phone="13833334444")
    elsewhere = AuditEntry.objects.latest("seq")
    admin = grant(county.users.admin, county.t1, "auditor")
    client.force_login(admin)
    assert client.get(reverse("admin:core_auditentry_change", args=[entry.pk])).status_code == 200
    listed = client.get(reverse("admin:core_auditentry_changelist")).content.decode()
    assert f"/{entry.pk}/change/" in listed and f"/{elsewhere.pk}/change/" not in listed
    assert client.get(reverse("admin:core_auditentry_change", args=[elsewhere.pk])).status_code == 302  # not found
    assert reverse("admin:core_auditentry_changelist") in client.get(reverse("admin:index")).content.decode()


def test_the_refusal_speaks_the_users_language(client, county):
    officer = county.users.officer
    officer.language = "zh-hans"
    officer.save(update_fields=["language"])
    client.force_login(officer)
    page = client.get(reverse("audit"))
    assert page.status_code == 403 and REFUSED_ZH in page.content.decode()
    api = APIClient()
    api.force_authenticate(county.users.secretary)
    assert api.get("/api/audit/", **ZH).json()["detail"] == REFUSED_ZH


@pytest.mark.parametrize("who", ["admin", "officer", "t1_officer", "secretary", "member", "auditor"])
def test_the_links_to_the_trail_are_shown_to_the_auditor_only(client, county, who):
    client.force_login(getattr(county.users, who))
    audit_url = reverse("audit")
    member = county.members["C-T1-V1"]
    pages = [
        client.get("/", **EN).content.decode(),
        client.get(reverse("organizations:detail", args=[county.t1.pk]), **EN).content.decode(),
        client.get(reverse("organizations:member", args=[member.pk]), **EN).content.decode(),
    ]
    shown = [f'href="{audit_url}' in page for page in pages]
    if who == "auditor":
        assert shown == [True, True, True]
    else:
        assert shown == [False, False, False], who


def test_entries_of_no_organization_are_read_by_an_auditor_of_a_whole_tree(county, rf):
    request = rf.post("/login/", REMOTE_ADDR="203.0.113.9")
    record_failed_login(None, {"username": "nobody"}, request=request)
    failed = AuditEntry.objects.get(action="core.user.login_failed")
    assert failed.org_path == "" and failed.result == "failed"
    township = _api_client(county, "auditor")  # auditor of C-T1: not the system's entries
    assert township.get(f"/api/audit/{failed.pk}/").status_code == 404
    whole = APIClient()
    whole.force_authenticate(grant(UserFactory(username="county-auditor"), county.county, "auditor"))
    row = whole.get(f"/api/audit/{failed.pk}/", **EN).json()
    assert (row["result"], row["result_label"]) == ("failed", "Failed")
