"""Phone-size accessibility of the key pages in both languages: axe-core (serious and critical), target sizes,
text sizes, sideways scrolling at 390 px and at 200% zoom, the text-size setting, and the weight of a first visit."""

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = (Path(__file__).parent / "measure.js").read_text()
SERIOUS = ("serious", "critical")


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def _county_at_work():
    """The small county with a duty issued to Qingshan and its report waiting for the county's review."""
    from django.utils import timezone

    from grassroots.duties import services
    from grassroots.duties.models import Assignment
    from tests.factories import build_small_county

    county = build_small_county()
    officer = county.users.officer
    today = timezone.localdate()
    period = services.period_for(str(today.year))
    the_list = services.duty_list_for(actor=officer, organization=county.county, period=period)
    for title, days in (("乡村振兴主题党日", 2), ("发展党员工作自查", 20)):
        duty = services.duty_create(
            actor=officer,
            duty_list=the_list,
            title=title,
            dimension="political",
            due_on=min(today + dt.timedelta(days=days), period.end),
            requirement="按要求完成并上传佐证材料",
        )
        services.duty_issue(actor=officer, duty=duty, targets=[county.v11, county.v12])
    first = Assignment.objects.filter(organization=county.v11).order_by("id").first()
    services.report_submit(
        actor=county.users.secretary, assignment=first, text="开展了主题党日", percent=100, files=[_photo()]
    )
    county.reported = first  # its page shows the photo, not described yet, with the box to describe it
    second = Assignment.objects.filter(organization=county.v11).order_by("id").last()
    return county, second


def _photo():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


def _check(page, axe: str, where: str) -> dict:
    page.evaluate(axe)  # run by the browser's devtools, not as a page script, so the page's CSP stays whole
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    serious = [v for v in violations if v["impact"] in SERIOUS]
    figures = page.evaluate(MEASURE)
    assert not serious, f"{where}: {json.dumps(serious, ensure_ascii=False)}"
    assert not figures["tiny"], f"{where}: targets under 24×24: {figures['tiny']}"
    assert not figures["header"], f"{where}: header controls under 44 px: {figures['header']}"
    assert not figures["rows"], f"{where}: list rows under 44 px: {figures['rows']}"
    assert figures["mostUsed"] >= 16, f"{where}: most-used text {figures['mostUsed']} px"
    assert figures["under14"] == 0, f"{where}: {figures['under14']:.0%} of the text under 14 px"
    assert not figures["sideways"], f"{where}: scrolls sideways at 390 px"
    return figures


def test_key_pages_at_phone_size_in_both_languages(live_server, browser):
    from grassroots.core.models import Job

    county, to_report = _county_at_work()
    axe = _axe_source()
    member = county.members["C-T1-V1"]
    problems = [{"row": 3, "column": "身份证号", "message": "身份证号码校验位不对"}]
    job = Job.objects.create(
        kind="organizations.import.members",
        title="导入 members.xlsx",
        actor=county.users.officer,
        state="done",
        result={"ok": False, "summary": "未导入：发现 1 个问题。", "problems": problems, "next_url": "/import/"},
    )
    pages = {
        None: ["/login/"],
        "secretary": [
            "/",
            "/work/",
            f"/assignments/{to_report.pk}/",
            f"/assignments/{county.reported.pk}/",
            "/notifications/",
        ],
        "officer": [
            "/review/",
            "/orgs/",
            f"/members/{member.pk}/",
            f"/members/{member.pk}/account/",
            f"/jobs/{job.pk}/",
            f"/orgs/{county.county.pk}/duties/",
        ],
        "auditor": ["/audit/"],
    }
    measured = {}
    for locale in ("zh-CN", "en"):
        for who, paths in pages.items():
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale=locale)
            page = context.new_page()
            page.set_default_timeout(15000)
            if who:
                log_in(page, live_server.url, who)
            for path in paths:
                page.goto(f"{live_server.url}{path}")
                measured[(locale, path)] = _check(page, axe, f"{locale} {path}")
            context.close()
    # htmx travels only with the pages that use it.
    assert not measured[("en", "/work/")]["htmx"] and measured[("en", "/review/")]["htmx"]


def test_no_sideways_scrolling_at_200_percent_zoom(live_server, browser):
    """200% zoom of a 640-px-wide window leaves 320 CSS px: the login page (with the demo accounts), the report
    form and the member record (ID number and phone) fit without scrolling sideways."""
    county, to_report = _county_at_work()
    member = county.members["C-T1-V1"]
    for locale in ("zh-CN", "en"):
        context = browser.new_context(viewport={"width": 320, "height": 640}, locale=locale)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        assert not page.evaluate(MEASURE)["sideways"], f"{locale} login"
        log_in(page, live_server.url, "secretary")
        page.goto(f"{live_server.url}/assignments/{to_report.pk}/")
        assert not page.evaluate(MEASURE)["sideways"], f"{locale} report form"
        context.close()
        context = browser.new_context(viewport={"width": 320, "height": 640}, locale=locale)
        page = context.new_page()
        log_in(page, live_server.url, "officer")
        page.goto(f"{live_server.url}/members/{member.pk}/")
        assert not page.evaluate(MEASURE)["sideways"], f"{locale} member record"
        context.close()


def test_the_text_size_setting_is_kept_per_user_and_a_first_visit_is_light(live_server, browser):
    from grassroots.core.models import User

    _county_at_work()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    first_visit = page.evaluate(MEASURE)["transferred"]
    assert first_visit < 60_000, f"the login page's first visit transfers {first_visit} bytes"
    log_in(page, live_server.url, "secretary")
    assert page.evaluate(MEASURE)["transferred"] < 60_000
    page.goto(f"{live_server.url}/work/")
    standard = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("footer .text-size button[value=xlarge]")
    assert page.get_attribute("html", "data-text-size") == "xlarge"
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == standard * 1.25
    assert User.objects.get(username="secretary").text_size == "xlarge"
    assert not page.evaluate(MEASURE)["sideways"]  # extra large text still fits a phone's width
    context.close()
    # Another device, same account: the size follows the user.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "secretary")
    assert page.get_attribute("html", "data-text-size") == "xlarge"
    context.close()
