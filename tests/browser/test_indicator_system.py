"""The county officer reads an indicator system on a phone: every indicator readable, no weight cut off."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_indicator_system_reads_on_a_phone(live_server, phone):
    from grassroots.assessment import defaults
    from tests.factories import build_small_county

    county = build_small_county()
    branch, _secretary = defaults.install(actor=county.users.officer, owner=county.county)
    page = phone
    log_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/assessment/systems/{branch.pk}/")
    assert defaults.BRANCH_NAME in page.locator("h1").inner_text()

    # Nothing of the table scrolls out of sight sideways.
    wrap = page.locator(".indicator-tree").locator("xpath=..")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    rows = page.locator(".indicator-tree tbody tr")
    assert rows.count() == branch.indicators.count()
    for i in range(rows.count()):
        row = rows.nth(i)
        name = row.locator(".ind-name").bounding_box()
        # A name is set out in lines of words, not a column of single characters.
        assert name["width"] > 150, row.inner_text()
        weight = row.locator(".ind-global")
        if weight.is_visible():
            box = weight.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, row.inner_text()
            assert weight.inner_text().strip()[-6:].replace(".", "").isdigit()
    page.screenshot(path="test-results/indicator-system-phone.png", full_page=True)
