"""A county officer reads the dashboard on a phone and leaves the data screen open: it refreshes without reloading."""

import pytest

from tests.browser.conftest import log_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_reads_on_a_phone_and_the_data_screen_refreshes_without_reloading(
    live_server, phone, browser, settings
):
    from tests.factories import build_small_county

    settings.GRASSROOTS_SCREEN_SECONDS = 1
    county = build_small_county()
    page = phone
    log_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/dashboards/")
    page.wait_for_selector("#panel-lights svg[role=img]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The children's chart in its narrow form: one of its bars leads to a township's own dashboard.
    child = county.t1
    assert page.locator(f"#panel-children a[href^='/dashboards/{child.pk}/']").count() >= 1

    screen = browser.new_context(viewport={"width": 1920, "height": 1080})
    wall = screen.new_page()
    violations = watch_csp(wall)  # a page of its own, not base.html's: it loads htmx as they do
    log_in(wall, live_server.url, "officer")
    asked = []
    wall.on("request", lambda r: asked.append(r.url) if "/screen/panels/" in r.url else None)
    wall.goto(f"{live_server.url}/dashboards/{county.county.pk}/screen/")
    wall.wait_for_selector(".screen-heads")
    wall.evaluate("window.keptAcrossRefreshes = true")
    wall.wait_for_timeout(3500)
    assert len(asked) >= 2  # the panels were asked for again, twice
    assert wall.evaluate("window.keptAcrossRefreshes === true")  # ...and the page was never reloaded
    assert wall.locator("#screen-panels svg[role=img]").count() >= 10
    screen.close()
    assert not violations, f"Content-Security-Policy violations on the data screen: {violations}"
