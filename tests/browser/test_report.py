"""A village secretary reports on a phone; the county officer returns it; the secretary sees why."""

import datetime as dt
import io
import re

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (190, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def _work_for_qingshan(county):
    """Two duties due in two days (yellow) and one due next month (green), issued by the county to Qingshan."""
    from django.utils import timezone

    from grassroots.duties import services
    from grassroots.organizations.models import Post

    Post.objects.create(
        member=county.members["C-T1-V1"], organization=county.v11, title="secretary", started_on=dt.date(2021, 1, 1)
    )
    officer = county.users.officer
    today = timezone.localdate()
    period = services.period_for(str(today.year))
    duty_list = services.duty_list_for(actor=officer, organization=county.county, period=period)
    plan = [
        ("乡村振兴主题党日", 2, "活动照片、签到表"),
        ("学习贯彻全会精神", 2, "学习记录"),
        ("发展党员工作自查", 30, "自查报告"),
    ]
    for title, days, evidence in plan:
        due = min(today + dt.timedelta(days=days), period.end)
        duty = services.duty_create(
            actor=officer,
            duty_list=duty_list,
            title=title,
            dimension="political",
            due_on=due,
            requirement="按要求完成并上传佐证材料",
            evidence_expected=evidence,
        )
        services.duty_issue(actor=officer, duty=duty, targets=[county.v11])


def test_secretary_reports_on_a_phone_and_sees_the_return_with_its_reason(
    live_server, phone, browser, settings, tmp_path
):
    from tests.factories import build_small_county

    settings.MEDIA_ROOT = tmp_path / "media"
    county = build_small_county()
    _work_for_qingshan(county)
    base = live_server.url
    page = phone

    log_in(page, base, "secretary")
    page.goto(f"{base}/work/")
    assert page.locator('#group-yellow [data-light="yellow"]').count() == 2
    page.screenshot(path="test-results/my-work-phone.png", full_page=True)

    page.locator('[data-light="yellow"] a.report-btn').first.click()
    page.wait_for_url(re.compile(r"/assignments/\d+/report/"))
    page.fill("#id_text", "开展了乡村振兴主题党日，到会党员28人，学习了中央一号文件。")
    page.fill("#id_percent", "100")
    page.set_input_files("#id_files", files=[{"name": "activity.png", "mimeType": "image/png", "buffer": _png_bytes()}])
    page.screenshot(path="test-results/report-phone.png", full_page=True)
    page.click("form.report-form button.primary")
    page.wait_for_url(f"{base}/work/")
    assert page.locator(".msg-success").count() == 1
    assert page.locator('[data-state="submitted"] .state-submitted').count() == 1
    unread_before = int(page.locator(".bell .badge").inner_text())  # the three duties issued to Qingshan

    officer_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    desk = officer_context.new_page()
    desk.set_default_timeout(15000)
    log_in(desk, base, "officer")
    desk.goto(f"{base}/review/")
    item = desk.locator(".review-item").first
    assert "乡村振兴主题党日" in item.inner_text()
    assert item.locator(".evidence-photo img").count() == 1
    item.locator("input[name=reason]").fill("签到表未上传，请补充后重新报送")
    item.locator(".return-form button[type=submit]").click()
    desk.wait_for_selector('.review-item[data-state="returned"]')
    officer_context.close()

    page.goto(f"{base}/work/")
    assert int(page.locator(".bell .badge").inner_text()) == unread_before + 1
    returned = page.locator('[data-state="returned"]')
    assert returned.count() == 1
    assert "签到表未上传，请补充后重新报送" in returned.inner_text()
    page.screenshot(path="test-results/my-work-returned-phone.png", full_page=True)
    page.click(".bell")
    page.wait_for_url(re.compile(r"/notifications/"))
    assert "签到表未上传" in page.content()
    returned_link = page.locator(".notification a").first
    returned_link.click()
    page.wait_for_url(re.compile(r"/assignments/\d+/"))
    assert "签到表未上传，请补充后重新报送" in page.locator(".returned-box").inner_text()
