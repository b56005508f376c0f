"""Who reads whose diagnosis: a branch's findings are read by the branch (its secretary) and the scope above it (the
township's officer and auditor, the county's officer), not by other branches, not by a member for being one, never
by the public; thresholds are set by the officers of a committee only."""

import pytest
from django.contrib.auth.models import AnonymousUser

from grassroots.core.errors import PermissionDenied
from grassroots.insights.diagnosis import selectors, services
from grassroots.insights.diagnosis.services import threshold_set_check

# (user, organization, may read its diagnosis)
MATRIX = [
    ("admin", "v11", True),
    ("officer", "v11", True),
    ("officer", "v22", True),
    ("t1_officer", "v11", True),
    ("t1_officer", "v21", False),
    ("auditor", "v12", True),
    ("auditor", "v22", False),
    ("secretary", "v11", True),
    ("secretary", "v12", False),
    ("secretary", "t1", False),
    ("member", "v11", False),
    ("outsider", "v11", False),
    ("anonymous", "v11", False),
]


def _user(county, who):
    return AnonymousUser() if who == "anonymous" else getattr(county.users, who)


@pytest.mark.parametrize(("who", "org", "may"), MATRIX)
def test_the_diagnosis_is_read_by_the_branch_and_the_scope_above(county, who, org, may):
    organization = getattr(county, org)
    assert (selectors.diagnosis_organization(user=_user(county, who), code=organization.code) is not None) is may


@pytest.mark.parametrize(("who", "org", "may"), MATRIX)
def test_the_pages_answer_as_the_policy(county, client, who, org, may):
    organization = getattr(county, org)
    if who != "anonymous":
        client.force_login(_user(county, who))
    response = client.get(f"/insights/diagnosis/{organization.code}/")
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == (200 if may else 404)


@pytest.mark.parametrize(("who", "org", "may"), MATRIX)
def test_the_api_answers_as_the_policy(county, client, who, org, may):
    organization = getattr(county, org)
    if who != "anonymous":
        client.force_login(_user(county, who))
    response = client.get(f"/api/diagnosis/{organization.code}/")
    expected = 200 if may else (404 if who != "anonymous" else (401, 403))
    assert response.status_code in (expected if isinstance(expected, tuple) else (expected,))


@pytest.mark.parametrize(
    ("who", "org", "may"),
    [
        ("admin", "county", True),
        ("officer", "county", True),
        ("officer", "t2", True),
        ("t1_officer", "t1", True),
        ("t1_officer", "t2", False),
        ("secretary", "v11", False),
        ("auditor", "t1", False),
        ("member", "v11", False),
    ],
)
def test_thresholds_are_set_by_the_officers_of_a_committee(county, who, org, may):
    user, organization = _user(county, who), getattr(county, org)
    if may:
        services.threshold_set(actor=user, organization=organization, code="guidance.study_hours", value="0.7")
    else:
        with pytest.raises(PermissionDenied):
            threshold_set_check(actor=user, organization=organization)


def test_a_member_without_a_grant_has_no_menu_entry(county, client):
    client.force_login(county.users.member)
    assert "/insights/diagnosis/" not in client.get("/work/").content.decode()
    client.force_login(county.users.secretary)
    assert "/insights/diagnosis/" in client.get("/work/").content.decode()
