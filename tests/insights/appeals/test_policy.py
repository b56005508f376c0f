"""The policy over appeals, as a whole table: a branch's appeals are read by its secretary, officers and auditors and
by the scopes above it, never by another branch nor by a plain member; answered only by those who change the branch's
records; the public opens only its own appeal, by its code, and never a phone."""

import pytest
from django.contrib.auth.models import AnonymousUser

from grassroots.core.policy import Action, can
from grassroots.core.web import allowed
from grassroots.insights.appeals import selectors
from grassroots.insights.appeals.services import appeal_answer_check
from grassroots.insights.models import Appeal
from tests.factories import UserFactory, grant

# (who, may view Qingshan's appeals, may answer them, may read the phone unmasked)
TABLE = [
    ("admin", True, True, True),
    ("officer", True, True, True),  # the county's officer: the scope above
    ("t1_officer", True, True, True),  # the township's officer
    ("secretary", True, True, True),  # Qingshan's secretary
    ("auditor", True, False, False),  # the township's discipline inspector reads, changes nothing
    ("member", False, False, False),  # a plain member of Qingshan: the requesters' phones are not theirs to read
    ("outsider", False, False, False),
    ("other_secretary", False, False, False),  # Baishi's secretary: another branch
    ("anonymous", False, False, False),
]


def _user(appealed, who):
    if who == "anonymous":
        return AnonymousUser()
    if who == "other_secretary":
        return grant(UserFactory(username="v21sec"), appealed.v21, "secretary")
    return getattr(appealed.users, who)


@pytest.mark.parametrize(("who", "may_view", "may_answer", "may_phone"), TABLE)
def test_the_policy_table(appealed, who, may_view, may_answer, may_phone):
    user = _user(appealed, who)
    mine = {appealed.new.pk, appealed.answered.pk, appealed.duty.pk}
    seen = set(selectors.appeal_list(user=user).values_list("pk", flat=True))
    assert (mine <= seen) is may_view and (not may_view) is not bool(seen & mine)
    assert (selectors.appeal_of(user=user, pk=appealed.new.pk) is not None) is may_view
    assert allowed(appeal_answer_check, actor=user, appeal=appealed.new) is may_answer
    assert can(user, Action.VIEW_PERSONAL, appealed.new) is may_phone


def test_a_branch_does_not_see_another_branch_appeals(appealed):
    seen = set(selectors.appeal_list(user=appealed.users.secretary).values_list("pk", flat=True))
    assert appealed.other.pk not in seen
    assert selectors.appeal_of(user=appealed.users.secretary, pk=appealed.other.pk) is None


def test_the_township_sees_its_branches_and_not_the_other_township(appealed):
    seen = set(selectors.appeal_list(user=appealed.users.t1_officer).values_list("pk", flat=True))
    assert seen == {appealed.new.pk, appealed.answered.pk, appealed.duty.pk}
    everything = set(selectors.appeal_list(user=appealed.users.officer).values_list("pk", flat=True))
    assert everything == set(Appeal.objects.values_list("pk", flat=True))


def test_the_public_opens_its_own_appeal_by_code_only(appealed):
    anonymous = AnonymousUser()
    assert selectors.public_appeal(user=anonymous, organization=appealed.v11, code=appealed.new_code) == appealed.new
    # lower case, spaces and dashes as a person types the code
    typed = "-".join([appealed.new_code[:4].lower(), appealed.new_code[4:8], appealed.new_code[8:]])
    assert selectors.public_appeal(user=anonymous, organization=appealed.v11, code=typed) == appealed.new
    # another branch's code does not open at this branch, nor a guess, nor nothing
    assert selectors.public_appeal(user=anonymous, organization=appealed.v11, code=appealed.other_code) is None
    assert selectors.public_appeal(user=anonymous, organization=appealed.v11, code="ABCDEFGHJKMN") is None
    assert selectors.public_appeal(user=anonymous, organization=appealed.v11, code="") is None
