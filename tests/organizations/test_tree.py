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
