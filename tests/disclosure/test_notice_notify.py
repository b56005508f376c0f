"""Posting a notice notifies those it is addressed to (the bell), exactly those whose start page shows it, once, in
their language; those outside its subtree, the poster, inactive accounts and members no longer active are not told."""

from django.contrib.auth import get_user_model
from django.utils import translation

from grassroots.core.models import Notification
from grassroots.disclosure import selectors, services
from grassroots.organizations.models import MemberStatus
from tests.factories import UserFactory, grant


def _told(notice) -> set[str]:
    return set(
        Notification.objects.filter(kind="disclosure.notice_posted", object_id=str(notice.pk)).values_list(
            "recipient__username", flat=True
        )
    )


def _shown(notice) -> set[str]:
    return {u.username for u in get_user_model().objects.all() if selectors.unread_notices(u).filter(pk=notice.pk)}


def test_a_notice_notifies_exactly_those_whose_start_page_shows_it(county):
    notice = services.notice_post(
        actor=county.users.t1_officer, organization=county.t1, title="关于开展主题党日的通知", body="请按时参加。"
    )
    # The member of 青山村 and its secretary stand below the township; the auditor holds a role on it.
    assert _told(notice) == {"member", "secretary", "auditor"}
    assert _told(notice) == _shown(notice)
    mine = Notification.objects.get(recipient=county.users.member, kind="disclosure.notice_posted")
    assert mine.url == f"/notices/{notice.pk}/"
    with translation.override("zh-hans"):
        assert mine.text == "新街镇党委发布了通知：关于开展主题党日的通知"
    with translation.override("en"):
        assert mine.text == "新街镇党委 posted a notice: 关于开展主题党日的通知"


def test_a_branch_notice_tells_nobody_outside_the_branch(county):
    other = UserFactory(username="baishi")
    member = county.members["C-T2-V1"]
    member.user = other
    member.save()
    notice = services.notice_post(actor=county.users.secretary, organization=county.v11, title="支部通知", body="x")
    assert _told(notice) == {"member"}  # not the poster, not the township's officer above, not 白石村
    assert _told(notice) == _shown(notice)


def test_inactive_accounts_and_members_are_not_told(county):
    county.users.member.is_active = False
    county.users.member.save()
    left = UserFactory(username="left")
    gone = county.members["C-T1-V2"]
    gone.user, gone.status = left, MemberStatus.TRANSFERRED_OUT
    gone.save()
    grant(UserFactory(username="v12sec"), county.v12, "secretary")
    notice = services.notice_post(actor=county.users.officer, organization=county.county, title="全县通知", body="x")
    told = _told(notice)
    assert "member" not in told and "left" not in told and "officer" not in told
    assert {"secretary", "v12sec", "t1officer", "auditor"} <= told


def test_the_bell_shows_the_notice_and_leads_to_it(county, client):
    notice = services.notice_post(actor=county.users.secretary, organization=county.v11, title="支部通知", body="x")
    client.force_login(county.users.member)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "支部通知" in page and f"/notices/{notice.pk}/" in page
