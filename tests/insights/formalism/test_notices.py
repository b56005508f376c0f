"""A flag raised tells those who judge it (the policy's answer for the reviewing organization, never the branch
flagged nor its siblings): one notification a reviewer, organization and day, however many flags, with the count and
a link to the list."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from grassroots.core.models import Notification
from grassroots.core.policy import Action, can
from grassroots.insights.formalism import notices
from grassroots.insights.models import Flag, FlagKind
from grassroots.orglife import services as orglife

from .conftest import COPY, ORIGINAL

pytestmark = pytest.mark.django_db


def _told(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=notices.KIND))


def test_a_flag_raised_tells_the_reviewers_once_and_not_the_branch_flagged(county, issued, submit):
    submit(issued["C-T1-V1"], ORIGINAL)
    submit(issued["C-T1-V2"], COPY)
    liuwan = get_user_model().objects.get(username="liuwan-secretary")  # the flagged branch's secretary
    flag = Flag.objects.get(kind=FlagKind.COPIED_TEXT)
    assert flag.reviewing == county.t1
    users = vars(county.users) | {"liuwan": liuwan}
    told = {name for name, user in users.items() if _told(user)}
    assert told == {"officer", "t1_officer"}
    # The same answer as the policy's, user by user (the superuser reaches everywhere and is not told of everything).
    for name, user in users.items():
        judges = can(user, Action.CHANGE, flag.reviewing) and not user.is_superuser
        assert (name in told) is judges, name
    (note,) = _told(county.users.t1_officer)
    assert note.params["count"] == 1
    assert note.url == f"/insights/flags/?organization={county.t1.code}&state=open"


def test_ten_flags_in_a_day_make_one_notification_a_reviewer_with_the_count(county):
    day = timezone.localdate() - dt.timedelta(days=2)
    for k in range(10):
        orglife.meeting_record(
            actor=county.users.secretary, organization=county.v11, kind="general", held_on=day, topic=f"学习{k}"
        )
    raised = Flag.objects.filter(reviewing=county.t1).count()
    assert raised >= 10
    for user in (county.users.officer, county.users.t1_officer):
        (note,) = _told(user)
        assert note.params["count"] == raised
        assert note.read_at is None
    assert not _told(county.users.secretary)
    with translation.override("en"):
        assert note.text == (
            f"Formalism flags raised on {note.params['day']} for 新街镇党委 to judge: {raised} so far today."
        )
    with translation.override("zh-hans"):
        assert note.text == f"{note.params['day']} 新街镇党委待研判的形式主义提示：今日已有 {raised} 条。"


def test_a_flag_of_the_next_day_is_a_new_notification_and_one_read_comes_back_unread(county):
    def empty_meeting(topic):
        orglife.meeting_record(
            actor=county.users.secretary,
            organization=county.v11,
            kind="general",
            held_on=timezone.localdate() - dt.timedelta(days=1),
            topic=topic,
        )
        return Flag.objects.order_by("-id").first()

    first = empty_meeting("学习")
    Notification.objects.filter(kind=notices.KIND).update(read_at=timezone.now())
    empty_meeting("再学习")
    (note,) = _told(county.users.t1_officer)
    assert note.read_at is None and note.params["count"] == 2
    Flag.objects.filter(pk=first.pk).update(created_at=first.created_at - dt.timedelta(days=1))
    first.refresh_from_db()
    notices.tell_reviewers(first)
    assert len(_told(county.users.t1_officer)) == 2
