from grassroots.core.policy import Action, restrict
from grassroots.organizations.models import Member, Organization


def test_secretary_sees_only_own_branch_and_its_group(county):
    orgs = restrict(county.users.secretary, Action.VIEW, Organization.objects.all())
    assert {o.code for o in orgs} == {"C-T1-V1", "C-T1-V1-G1"}


def test_township_officer_sees_its_villages_members_only(county):
    members = restrict(county.users.t1_officer, Action.VIEW, Member.objects.all())
    assert {m.organization.code for m in members} == {"C-T1-V1", "C-T1-V2"}
