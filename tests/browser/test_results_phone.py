"""A branch secretary reads the assessment results on a phone: every result a card, nothing scrolls sideways."""

import datetime as dt

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _computed_run():
    from grassroots.assessment import defaults, services
    from grassroots.duties.services import period_for
    from tests.factories import build_small_county

    county = build_small_county()
    officer = county.users.officer
    branch, _secretary = defaults.install(actor=officer, owner=county.county)
    run = services.run_create(actor=officer, system=branch, period=period_for("2026"), scope=county.county)
    services.run_compute(actor=officer, run=run, asof=dt.date(2026, 6, 30))
    return county, run


def _within_viewport(page, locator):
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_results_read_on_a_phone_without_scrolling_sideways(live_server, phone, language):
    from django.utils import translation

    from grassroots.assessment.models import Result

    county, run = _computed_run()
    page = phone
    log_in(page, live_server.url, "officer")
    if language == "en":
        page.click("text=English")
        page.wait_for_load_state()
    page.goto(f"{live_server.url}/assessment/runs/{run.pk}/results/")
    page.wait_for_selector(".results-table")

    # Neither the page nor the table's wrapper scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)")

    from grassroots.assessment.templatetags.assessment_scores import score_text

    result = Result.objects.get(run=run, organization=county.v11)
    row = page.locator("tr", has=page.locator(f".r-name .muted:text-is('{county.v11.code}')"))
    name, score, grade = row.locator(".r-name a"), row.locator(".r-score"), row.locator(".r-grade .grade-tag")
    for cell in (name, score, grade, row.locator(".r-level"), row.locator(".r-siblings"), row.locator(".r-topsis")):
        assert cell.is_visible() and _within_viewport(page, cell)
    assert score_text(result.score) in score.inner_text()  # two decimals, cut
    with translation.override(language):
        assert grade.inner_text() == result.get_grade_display()
    # Each figure says what it is, and the name has a line of its own above the figures.
    label = "得分" if language == "zh-hans" else "Score"
    assert score.evaluate("td => getComputedStyle(td, '::before').content") == f'"{label}"'
    assert name.bounding_box()["y"] + name.bounding_box()["height"] <= score.bounding_box()["y"] + 1
    page.screenshot(path=f"test-results/results-phone-{language}.png", full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_roster_and_the_indicator_systems_read_on_a_phone_as_cards(live_server, phone, language):
    from tests.factories import MemberFactory

    county, run = _computed_run()
    for name in ["欧阳晓明", "司马志远", "诸葛文华"]:
        MemberFactory(organization=county.v11, name=name, phone="13912345678")
    page = phone
    log_in(page, live_server.url, "officer")
    if language == "en":
        page.click("text=English")
        page.wait_for_load_state()
    for url in (f"/orgs/{county.v11.pk}/", "/assessment/systems/"):
        page.goto(f"{live_server.url}{url}")
        page.wait_for_selector(".card-table")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
        # Every cell of every card is on the screen, the name or system on a line of its own above the rest.
        cells = page.locator(".card-table tbody td")
        assert cells.count() > 0 and all(_within_viewport(page, cells.nth(i)) for i in range(cells.count())), url
        title = page.locator(".card-table tbody tr").first.locator("td.c-title")
        box, row = title.bounding_box(), page.locator(".card-table tbody tr").first.bounding_box()
        assert box["width"] > row["width"] * 0.8, url
