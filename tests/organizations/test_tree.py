"""The organization tree: kinds in their places, subtree ranges, atomic moves that refuse cycles."""

import pytest
from django.core.exceptions import ValidationError

from grassroots.core.policy import PermissionDenied
from grassroots.organizations import services
from grassroots.organizations.models import Member, Organization, subtree_q


def test_subtree_filter_is_a_path_range_that_includes_the_root(county):
    codes = set(Organization.objects.filter(subtree_q(county.t1.path)).values_list("code", flat=True))
    assert codes == {"C-T1", "C-T1-V1", "C-T1-V2", "C-T1-V1-G1"}


def test_moving_a_branch_takes_its_subtree_and_members_along(county):
    moved = services.organization_move(actor=county.users.officer, organization=county.v11, new_parent=county.t2)
    assert moved.parent == county.t2
    assert moved.path.startswith(county.t2.path)
    group = Organization.objects.get(code="C-T1-V1-G1")
    assert group.path.startswith(moved.path) and group.parent_id == moved.pk
    assert Member.objects.filter(subtree_q(county.t2.path, "organization__path")).count() == 3
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_moving_an_organization_into_its_own_subtree_is_refused(county):
    with pytest.raises(ValidationError, match="inside its own subtree"):
        services.organization_move(actor=county.users.officer, organization=county.t1, new_parent=county.v11)
    county.t1.refresh_from_db()
    assert county.t1.parent == county.county


def test_moving_under_itself_is_refused(county):
    with pytest.raises(ValidationError):
        services.organization_move(actor=county.users.officer, organization=county.t1, new_parent=county.t1)


def test_a_township_officer_cannot_move_a_branch_out_of_its_subtree(county):
    with pytest.raises(PermissionDenied):
        services.organization_move(actor=county.users.t1_officer, organization=county.v11, new_parent=county.t2)


def test_a_branch_cannot_hold_a_committee(county):
    with pytest.raises(ValidationError):
        services.organization_create(
            actor=county.users.officer, parent=county.v11, code="X1", name="错误党委", kind="committee"
        )


def test_created_organizations_keep_parent_and_path_in_step(county):
    org = services.organization_create(
        actor=county.users.t1_officer, parent=county.t1, code="C-T1-V3", name="新村党支部", kind="branch"
    )
    assert org.parent == county.t1 and org.depth == 3 and org.path.startswith(county.t1.path)


def test_duplicate_codes_are_refused_with_a_message(county):
    with pytest.raises(ValidationError, match="already used"):
        services.organization_create(
            actor=county.users.officer, parent=county.t1, code="C-T1-V1", name="重复", kind="branch"
        )


BAD_CODES = ["430124-02-900/01", "C T1", '=HYPERLINK("http://x","y")', "-C1", "编码1", "C-T1\tV9"]


@pytest.mark.parametrize("code", BAD_CODES)
def test_a_code_that_could_not_name_the_organization_in_an_address_is_refused_everywhere(county, client_for, code):
    """A code names the organization in its addresses (/public/<code>/): a "/" in one made every page linking to it
    fail. The service, the page's form and the API refuse such a code with the rule, in the user's language."""
    from django.urls import reverse
    from rest_framework.test import APIClient

    from grassroots.core.models import AuditEntry

    before = (Organization.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError, match="Latin letters"):
        services.organization_create(actor=county.users.officer, parent=county.t1, code=code, name="新", kind="branch")

    page = client_for(county.users.officer).post(
        reverse("organizations:new", args=[county.t1.pk]),
        {"code": code, "name": "新支部", "kind": "branch", "unit_type": "village"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 200 and "代码只能由英文字母" in page.content.decode()  # the form again, with the rule
    assert "新支部" in page.content.decode()  # what was typed, kept

    api = APIClient()
    api.force_authenticate(county.users.officer)
    answer = api.post(
        "/api/organizations/",
        {"code": code, "name": "新支部", "kind": "branch", "unit_type": "village", "parent": "C-T1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400 and "Latin letters" in str(answer.json())
    assert (Organization.objects.count(), AuditEntry.objects.count()) == before


def test_a_code_of_letters_digits_hyphens_dots_and_underscores_is_taken(county):
    from django.test import Client

    org = services.organization_create(
        actor=county.users.officer, parent=county.t1, code="430124-02.9_A", name="新支部", kind="branch"
    )
    assert Organization.objects.get(code="430124-02.9_A") == org
    # The county's public page links to its organizations by code, the new one among them.
    assert Client().get(f"/public/{county.county.code}/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
