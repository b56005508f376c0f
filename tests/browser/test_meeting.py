"""A village secretary records the branch general meeting on a phone, marking attendance by tapping names."""

import datetime as dt
import re

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["李明", "王秀英", "张伟", "刘洋", "陈静", "杨军", "赵丽", "黄强", "周敏", "吴刚", "徐芳", "孙建国"]


def _qingshan_with_one_general_meeting_missing(county):
    """Twelve members; earlier general meetings this year so that exactly one is missing by now (if any is due)."""
    from django.utils import timezone

    from grassroots.duties.services import period_for
    from grassroots.orglife import selectors, services
    from tests.factories import MemberFactory

    members = [MemberFactory(organization=county.v11, name=name) for name in NAMES]
    today = timezone.localdate()
    period = period_for(str(today.year))
    status = {r["kind"]: r for r in selectors.meeting_status(organization=county.v11, period=period, today=today)}
    for k in range(max(0, status["general"]["missing"] - 1)):
        services.meeting_record(
            actor=county.users.secretary,
            organization=county.v11,
            kind="general",
            held_on=dt.date(today.year, 1 + 3 * k, 15),
            topic=f"第{k + 1}季度支部党员大会",
            attendance={m.pk: "present" for m in members},
        )
    status = {r["kind"]: r for r in selectors.meeting_status(organization=county.v11, period=period, today=today)}
    return members, status["general"]["missing"]


def _tap(page, member, times):
    for _ in range(times):
        page.locator(f'li.att[data-member="{member.pk}"] button.att-toggle').click()


def test_secretary_records_the_general_meeting_by_tapping_names(live_server, phone, settings, tmp_path):
    from grassroots.orglife.models import Meeting
    from tests.factories import build_small_county

    settings.MEDIA_ROOT = tmp_path / "media"
    county = build_small_county()
    members, missing = _qingshan_with_one_general_meeting_missing(county)
    base = live_server.url
    page = phone

    log_in(page, base, "secretary")
    page.goto(f"{base}/orgs/{county.v11.pk}/life/")
    general = page.locator('#meetings-due li[data-kind="general"]')
    assert general.get_attribute("data-ok") == ("false" if missing else "true")
    page.screenshot(path="test-results/orglife-phone.png", full_page=True)

    page.click("#record-meeting")
    page.wait_for_url(re.compile(r"/orgs/\d+/meetings/new/"))
    page.select_option("#id_kind", "general")
    page.fill("#id_topic", "支部党员大会：学习全会精神")
    # The buttons replace the radio buttons once the script runs.
    assert page.locator("li.att .att-choices").first.is_hidden()
    _tap(page, members[0], 1)  # present
    _tap(page, members[1], 2)  # late
    _tap(page, members[2], 3)  # absent with leave: the reason field opens and takes the focus
    reason = page.locator(f'input[name="reason-{members[2].pk}"]')
    assert reason.is_visible()
    reason.fill("外出务工")
    _tap(page, members[3], 4)  # absent without leave
    page.click("#all-present")  # everyone not marked yet
    assert page.locator(f'li.att[data-member="{members[4].pk}"]').get_attribute("data-state") == "present"
    assert page.locator(f'li.att[data-member="{members[2].pk}"]').get_attribute("data-state") == "excused"
    page.screenshot(path="test-results/meeting-phone.png", full_page=True)

    page.click("#save-meeting")
    page.wait_for_url(re.compile(r"/orgs/\d+/life/$"))
    assert page.locator(".msg-success").count() == 1
    assert page.locator('#meetings-due li[data-kind="general"]').get_attribute("data-ok") == "true"

    meeting = Meeting.objects.get(topic="支部党员大会：学习全会精神")
    statuses = dict(meeting.attendance.values_list("member_id", "status"))
    assert statuses[members[0].pk] == "present" and statuses[members[1].pk] == "late"
    assert statuses[members[2].pk] == "excused" and statuses[members[3].pk] == "absent"
    assert meeting.attendance.get(member=members[2]).reason == "外出务工"
    assert len(statuses) == len(members) + 1  # the twelve and the branch's first member
    page.screenshot(path="test-results/orglife-after-phone.png", full_page=True)
