"""What a member sees of colleagues, decided in the policy: their name, category, joining and posts, not their
whole record (birth date, ID number, phone, education, study and points), which the member reads of themselves and
the roles read of everyone in scope (VIEW_RECORD)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from grassroots.core.policy import Action, can
from tests.factories import MemberFactory

HIDDEN_BIRTH = "1970-05-12"


@pytest.fixture
def colleague(county):
    return MemberFactory(organization=county.v11, name="同支部党员", phone="13911112222")


@pytest.mark.parametrize(
    "role, may", [("member", False), ("secretary", True), ("auditor", True), ("t1_officer", True), ("admin", True)]
)
def test_who_reads_a_colleagues_whole_record(county, colleague, role, may):
    assert can(getattr(county.users, role), Action.VIEW_RECORD, colleague) is may


def test_a_member_reads_their_own_whole_record(county):
    own = county.members["C-T1-V1"]
    assert can(county.users.member, Action.VIEW_RECORD, own)
    assert not can(county.users.member, Action.VIEW_RECORD, county.v11)  # the organization's records: no


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_colleagues_page_shows_a_member_no_personal_record(client, county, colleague, language):
    client.force_login(county.users.member)
    page = client.get(reverse("organizations:member", args=[colleague.pk]), HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert page.status_code == 200 and "同支部党员" in text
    assert HIDDEN_BIRTH not in text and colleague.masked_phone not in text and colleague.masked_id_number not in text
    assert ("personal record" if language == "en" else "个人档案") in text


def test_the_secretary_reads_the_colleagues_record(client, county, colleague):
    client.force_login(county.users.secretary)
    text = client.get(reverse("organizations:member", args=[colleague.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert HIDDEN_BIRTH in text and colleague.masked_phone in text


def test_the_roster_shows_phones_only_to_the_roles(client, county, colleague):
    url = reverse("organizations:detail", args=[county.v11.pk])
    client.force_login(county.users.member)
    assert colleague.masked_phone not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(county.users.secretary)
    assert colleague.masked_phone in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_api_gives_a_member_a_colleagues_record_without_personal_fields(county, colleague):
    api = APIClient()
    api.force_authenticate(county.users.member)
    row = api.get(f"/api/members/{colleague.pk}/").json()
    assert row["name"] == "同支部党员"
    assert row["birth_date"] is None and row["id_number"] is None and row["phone"] == "" and row["ethnicity"] == ""
    own = api.get(f"/api/members/{county.members['C-T1-V1'].pk}/").json()
    assert own["birth_date"] == HIDDEN_BIRTH and own["phone"]


def test_the_branchs_study_list_shows_a_member_their_own_hours_only(client, county, colleague):
    url = reverse("orglife:study", args=[county.v11.pk])
    client.force_login(county.users.member)
    text = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert county.members["C-T1-V1"].name in text and "同支部党员" not in text
    client.force_login(county.users.secretary)
    assert "同支部党员" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_branchs_life_page_shows_a_member_their_own_study_only(client, county, colleague):
    url = reverse("orglife:org", args=[county.v11.pk])
    client.force_login(county.users.member)
    assert "同支部党员" not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(county.users.secretary)
    assert "同支部党员" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
