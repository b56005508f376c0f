"""The public in the policy: every subject holds the public role over the whole tree (VIEW_PUBLIC and nothing else),
the anonymous one included; no superuser passes VIEW_PUBLIC by; the public role changes no other answer."""

import pytest
from django.contrib.auth.models import AnonymousUser

from grassroots.core.policy import Action, can, restrict, scope_q, subject
from grassroots.organizations.models import Member, Organization

ANONYMOUS = AnonymousUser()


def test_an_anonymous_visitor_views_what_is_public_everywhere_and_nothing_else(county):
    assert can(ANONYMOUS, Action.VIEW_PUBLIC, county.v22)
    assert restrict(ANONYMOUS, Action.VIEW_PUBLIC, Organization.objects.all()).count() == Organization.objects.count()
    for action in Action.ALL:
        assert not can(ANONYMOUS, action, county.v11), action
        assert not restrict(ANONYMOUS, action, Member.objects.all()).exists(), action


def test_the_anonymous_subject_holds_only_the_public_grant(county):
    subj = subject(ANONYMOUS)
    assert subj.grants == [] and subj.all_grants == [("", "public")]
    assert subj.paths_for(Action.VIEW_PUBLIC) == [""] and subj.paths_for(Action.VIEW) == []


@pytest.mark.parametrize("who", ["admin", "officer", "secretary", "member", "outsider"])
def test_everyone_signed_in_is_the_public_too_and_keeps_their_own_roles(county, who):
    user = getattr(county.users, who)
    assert can(user, Action.VIEW_PUBLIC, county.v22)
    assert "public" not in subject(user).roles()  # the start page lists the roles a user was given


def test_the_superuser_reads_the_public_site_through_the_policy_like_anyone(county):
    assert scope_q(county.users.admin, Action.VIEW_PUBLIC, Organization) is not None
    assert scope_q(county.users.admin, Action.VIEW, Organization) is None


def test_the_member_and_the_secretary_keep_exactly_their_own_reach(county):
    # The public grant adds no VIEW: the member of Qingshan sees their own organization only, as before.
    member = county.users.member
    assert set(restrict(member, Action.VIEW, Organization.objects.all())) == {county.v11}
    assert not can(county.users.secretary, Action.VIEW, county.v12)
