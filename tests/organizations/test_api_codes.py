"""An organization is named by its code in every API filter, as the responses name it; its id is accepted too."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from grassroots.organizations.models import Post


@pytest.fixture
def officer(county):
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(county.users.officer)
    return client


def _codes(response, key="code"):
    assert response.status_code == 200, response.json()
    return sorted(row[key] for row in response.json()["results"])


def test_organizations_filter_by_the_parent_code_or_id(county, officer):
    assert _codes(officer.get("/api/organizations/", {"parent": "C-T1"})) == ["C-T1-V1", "C-T1-V2"]
    assert _codes(officer.get("/api/organizations/", {"parent": str(county.t1.pk)})) == ["C-T1-V1", "C-T1-V2"]
    assert _codes(officer.get("/api/organizations/", {"parent": "NO-SUCH"})) == []


def test_members_posts_and_grants_filter_by_the_organization_code_or_id(county, officer):
    member = county.members["C-T1-V2"]
    Post.objects.create(member=member, organization=county.v12, title="secretary", started_on=dt.date(2021, 1, 1))
    for value in ("C-T1-V2", str(county.v12.pk)):
        members = officer.get("/api/members/", {"organization": value}).json()["results"]
        assert [m["id"] for m in members] == [member.pk]
        assert _codes(officer.get("/api/posts/", {"organization": value}), "organization") == ["C-T1-V2"]
    assert _codes(officer.get("/api/grants/", {"organization": "C-T1"}), "organization") == ["C-T1", "C-T1"]
    assert officer.get("/api/members/", {"organization": "NO-SUCH"}).json()["results"] == []


def test_a_code_made_of_digits_is_a_code_first(county, officer):
    county.t2.code = str(county.t1.pk)  # a code that reads as another organization's id
    county.t2.save(update_fields=["code"])
    assert _codes(officer.get("/api/organizations/", {"parent": str(county.t1.pk)})) == ["C-T2-V1", "C-T2-V2"]
