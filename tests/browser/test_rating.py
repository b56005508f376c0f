"""A villager scans a rating link on a phone: taps a grade per question, sends, is thanked; the link then refuses."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(county):
    from grassroots.assessment import defaults, services
    from grassroots.duties.services import period_for

    officer = county.users.officer
    branch, _secretary = defaults.install(actor=officer, owner=county.county)
    run = services.run_create(actor=officer, system=branch, period=period_for("2026"), scope=county.county)
    secrets = services.tokens_issue(actor=officer, run=run, kind="masses", organization=county.v11, count=1)
    return run, secrets[0]


def test_a_rating_link_rates_once_on_a_phone(live_server, phone):
    from grassroots.assessment import services
    from grassroots.assessment.models import Rating
    from tests.factories import build_small_county

    county = build_small_county()
    run, secret = _link(county)
    questions = services.qualitative_indicators(run)
    page = phone
    url = f"{live_server.url}/rate/{secret}/"
    page.goto(url)
    assert county.v11.name in page.locator("h1").inner_text()
    rows = page.locator(".rate-question")
    assert rows.count() == len(questions)
    # Big buttons: every grade is a tap target at least 44 px high and the four fit the phone's width.
    box = rows.first.locator(".grade-btn").first.bounding_box()
    assert box["height"] >= 44 and box["width"] < 390
    for i, grade in enumerate(["excellent", "good"][: rows.count()]):
        rows.nth(i).locator(f".grade-btn.grade-{grade}").click()
    for i in range(2, rows.count()):
        rows.nth(i).locator(".grade-btn.grade-good").click()
    assert rows.first.locator("input[value=excellent]").is_checked()
    page.screenshot(path="test-results/rating-phone.png", full_page=True)

    page.click("button.rate-submit")
    page.wait_for_selector(".rate-done")
    assert county.v11.name in page.locator(".rate-done").inner_text()
    assert set(Rating.objects.values_list("grade", flat=True)) == {"excellent", "good"}
    page.screenshot(path="test-results/rating-phone-thanks.png", full_page=True)

    page.goto(url)
    page.wait_for_selector(".rate-closed")
    assert "already been used" in page.content() or "已" in page.locator(".rate-closed").inner_text()
    assert Rating.objects.count() == len(questions)
