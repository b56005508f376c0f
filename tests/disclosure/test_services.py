"""The services of disclosure: the committees' rules (the nearest wins; a must or not binds below), each
organization's choices, minutes released per meeting, notices; each audited, each refused with a clear message."""

import pytest
from django.contrib.auth.models import AnonymousUser

from grassroots.core.errors import PermissionDenied, ValidationError
from grassroots.core.models import AuditEntry
from grassroots.disclosure import selectors, services
from grassroots.disclosure.models import DEFAULT_LEVELS, Item, Level, NoticeRead
from grassroots.disclosure.rules import standings
from tests.factories import UserFactory

# --- rules ---


def test_with_no_rule_the_defaults_hold(county):
    s = standings(county.v11)
    assert {item: st.level for item, st in s.items()} == {k.value: v for k, v in DEFAULT_LEVELS.items()}
    assert s[Item.DUTIES].is_public and not s[Item.RECTIFICATIONS].is_public


def test_the_nearest_rule_at_or_above_wins(county):
    officer, t1 = county.users.officer, county.users.t1_officer
    services.disclosure_rule_set(actor=officer, organization=county.county, item=Item.RECTIFICATIONS, level=Level.MAY)
    services.disclosure_rule_set(actor=t1, organization=county.t1, item=Item.RECTIFICATIONS, level=Level.MUST)
    assert standings(county.v11)[Item.RECTIFICATIONS].level == Level.MUST
    assert standings(county.v11)[Item.RECTIFICATIONS].set_at == county.t1
    assert standings(county.v21)[Item.RECTIFICATIONS].level == Level.MAY
    assert AuditEntry.objects.filter(action="disclosure.rule.set").count() == 2


def test_a_rule_below_cannot_change_a_must_or_a_never_above(county):
    services.disclosure_rule_set(
        actor=county.users.officer, organization=county.county, item=Item.DUTIES, level=Level.MUST
    )
    with pytest.raises(ValidationError, match="above has ruled"):
        services.disclosure_rule_set(
            actor=county.users.t1_officer, organization=county.t1, item=Item.DUTIES, level=Level.MAY
        )
    services.disclosure_rule_set(
        actor=county.users.t1_officer, organization=county.t1, item=Item.DUTIES, level=Level.MUST
    )


def test_removing_a_rule_lets_the_one_above_apply_again(county):
    rule = services.disclosure_rule_set(
        actor=county.users.t1_officer, organization=county.t1, item=Item.MEETINGS, level=Level.NEVER
    )
    assert not standings(county.v11)[Item.MEETINGS].is_public
    services.disclosure_rule_delete(actor=county.users.t1_officer, rule=rule)
    assert standings(county.v11)[Item.MEETINGS].is_public
    assert AuditEntry.objects.filter(action="disclosure.rule.delete").exists()


@pytest.mark.parametrize("who", ["secretary", "member", "auditor", "outsider"])
def test_only_officers_set_rules(county, who):
    with pytest.raises(PermissionDenied):
        services.disclosure_rule_set(
            actor=getattr(county.users, who), organization=county.t1, item=Item.DUTIES, level=Level.MUST
        )


def test_a_rule_names_a_known_item_and_level(county):
    with pytest.raises(ValidationError) as e:
        services.disclosure_rule_set(
            actor=county.users.officer, organization=county.county, item="salaries", level="may"
        )
    assert "item" in e.value.message_dict


# --- choices ---


def test_the_secretary_publishes_and_withdraws_what_the_rules_leave_open(county):
    secretary = county.users.secretary
    services.publication_publish(actor=secretary, organization=county.v11, item=Item.RECTIFICATIONS)
    assert standings(county.v11)[Item.RECTIFICATIONS].is_public
    with pytest.raises(ValidationError, match="already published"):
        services.publication_publish(actor=secretary, organization=county.v11, item=Item.RECTIFICATIONS)
    services.publication_withdraw(actor=secretary, organization=county.v11, item=Item.RECTIFICATIONS)
    assert not standings(county.v11)[Item.RECTIFICATIONS].is_public
    actions = list(AuditEntry.objects.filter(action__startswith="disclosure.item").values_list("action", flat=True))
    assert sorted(actions) == ["disclosure.item.publish", "disclosure.item.withdraw"]


def test_what_must_be_public_cannot_be_withdrawn_and_what_may_not_cannot_be_published(county):
    secretary = county.users.secretary
    with pytest.raises(ValidationError, match="must be public"):
        services.publication_withdraw(actor=secretary, organization=county.v11, item=Item.DUTIES)
    services.disclosure_rule_set(
        actor=county.users.t1_officer, organization=county.t1, item=Item.RECTIFICATIONS, level=Level.NEVER
    )
    with pytest.raises(ValidationError, match="off the public site"):
        services.publication_publish(actor=secretary, organization=county.v11, item=Item.RECTIFICATIONS)


def test_a_secretary_publishes_only_for_their_own_branch(county):
    with pytest.raises(PermissionDenied):
        services.publication_publish(actor=county.users.secretary, organization=county.v12, item=Item.RECTIFICATIONS)
    with pytest.raises(PermissionDenied):
        services.publication_publish(actor=AnonymousUser(), organization=county.v11, item=Item.RECTIFICATIONS)


# --- minutes ---


def test_minutes_are_released_meeting_by_meeting_and_withdrawn(disclosed):
    secretary, meeting = disclosed.users.secretary, disclosed.meetings[0]
    anonymous = AnonymousUser()
    assert selectors.public_minutes(user=anonymous, organization=disclosed.v11, pk=meeting.pk) is None
    services.minutes_release(actor=secretary, meeting=meeting)
    shown = selectors.public_minutes(user=anonymous, organization=disclosed.v11, pk=meeting.pk)
    assert shown.minutes == meeting.minutes
    assert selectors.public_minutes(user=anonymous, organization=disclosed.v11, pk=disclosed.meetings[1].pk) is None
    services.minutes_withdraw(actor=secretary, meeting=meeting)
    assert selectors.public_minutes(user=anonymous, organization=disclosed.v11, pk=meeting.pk) is None
    assert AuditEntry.objects.filter(action__startswith="disclosure.minutes").count() == 2


def test_minutes_of_a_meeting_not_held_are_not_released(disclosed):
    with pytest.raises(ValidationError, match="held"):
        services.minutes_release(actor=disclosed.users.secretary, meeting=disclosed.planned)


def test_a_rule_that_minutes_must_be_public_publishes_all_and_never_none(disclosed):
    anonymous, meeting = AnonymousUser(), disclosed.meetings[2]
    services.disclosure_rule_set(
        actor=disclosed.users.t1_officer, organization=disclosed.t1, item=Item.MINUTES, level=Level.MUST
    )
    assert selectors.public_minutes(user=anonymous, organization=disclosed.v11, pk=meeting.pk) is not None
    services.disclosure_rule_set(
        actor=disclosed.users.officer, organization=disclosed.v11, item=Item.MINUTES, level=Level.MUST
    )
    services.disclosure_rule_set(
        actor=disclosed.users.t1_officer, organization=disclosed.t1, item=Item.MINUTES, level=Level.NEVER
    )
    # The rule nearest to the branch (its own, set by the county's officer) still says must.
    assert selectors.public_minutes(user=anonymous, organization=disclosed.v11, pk=meeting.pk) is not None


# --- notices ---


def test_a_notice_reaches_the_subtree_until_read(county):
    notice = services.notice_post(
        actor=county.users.t1_officer, organization=county.t1, title="通知", body="请按时参加。", public=False
    )
    member = county.users.member  # of Qingshan, below the township
    assert list(selectors.unread_notices(member)) == [notice]
    assert list(selectors.unread_notices(county.users.secretary)) == [notice]
    assert list(selectors.unread_notices(county.users.t1_officer)) == []  # their own
    assert services.notice_read(actor=member, notice=notice) is True
    assert services.notice_read(actor=member, notice=notice) is False  # once
    assert list(selectors.unread_notices(member)) == []
    assert AuditEntry.objects.filter(action="disclosure.notice.read").count() == 1


def test_a_notice_does_not_reach_another_subtree(county):
    notice = services.notice_post(actor=county.users.secretary, organization=county.v11, title="支部通知", body="x")
    other = UserFactory(username="baishi")
    member = county.members["C-T2-V1"]
    member.user = other
    member.save()
    assert not selectors.unread_notices(other).exists()
    assert not selectors.notice_list(user=other).filter(pk=notice.pk).exists()
    with pytest.raises(ValidationError, match="not addressed"):
        services.notice_read(actor=other, notice=notice)
    # The township's officer reads it (posted in their subtree), but it is not addressed to them.
    assert selectors.notice_list(user=county.users.t1_officer).filter(pk=notice.pk).exists()
    assert not selectors.unread_notices(county.users.t1_officer).exists()


def test_read_receipts_count_each_branchs_members_with_an_account(county):
    notice = services.notice_post(actor=county.users.officer, organization=county.county, title="全县通知", body="x")
    services.notice_read(actor=county.users.member, notice=notice)
    rows = {r.code: r for r in selectors.notice_receipts(notice)}
    assert set(rows) == {"C-T1-V1", "C-T1-V2", "C-T2-V1", "C-T2-V2"}
    assert (rows["C-T1-V1"].members, rows["C-T1-V1"].accounts, rows["C-T1-V1"].read) == (1, 1, 1)
    assert (rows["C-T1-V2"].members, rows["C-T1-V2"].accounts, rows["C-T1-V2"].read) == (1, 0, 0)
    assert selectors.may_see_receipts(county.users.officer, notice)
    assert not selectors.may_see_receipts(county.users.member, notice)


def test_a_withdrawn_notice_leaves_the_start_page_and_the_public_site(county):
    notice = services.notice_post(
        actor=county.users.secretary, organization=county.v11, title="公开通知", body="x", public=True
    )
    standing = standings(county.v11)[Item.NOTICES]
    assert list(selectors.public_notices(user=AnonymousUser(), organization=county.v11, standing=standing)) == [notice]
    services.notice_withdraw(actor=county.users.secretary, notice=notice)
    assert not selectors.public_notices(user=AnonymousUser(), organization=county.v11, standing=standing).exists()
    assert not selectors.unread_notices(county.users.member).exists()
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.notice_withdraw(actor=county.users.secretary, notice=notice)


def test_a_notice_needs_a_title_and_a_text_and_the_rules_leave_to_be_public(county):
    with pytest.raises(ValidationError) as e:
        services.notice_post(actor=county.users.secretary, organization=county.v11, title=" ", body="")
    assert set(e.value.message_dict) == {"title", "body"}
    services.disclosure_rule_set(
        actor=county.users.officer, organization=county.county, item=Item.NOTICES, level=Level.NEVER
    )
    with pytest.raises(ValidationError, match="off the public site"):
        services.notice_post(actor=county.users.secretary, organization=county.v11, title="t", body="b", public=True)
    with pytest.raises(PermissionDenied):
        services.notice_post(actor=county.users.member, organization=county.v11, title="t", body="b")
    assert not NoticeRead.objects.exists()


def test_no_rule_makes_every_notice_public(county):
    with pytest.raises(ValidationError, match="by its poster"):
        services.disclosure_rule_set(
            actor=county.users.officer, organization=county.county, item=Item.NOTICES, level=Level.MUST
        )
