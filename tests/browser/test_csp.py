"""The Content-Security-Policy holds in a real browser: the key pages load with no violation reported on the console,
and what runs scripts (htmx, the API docs, the admin) still works under it. The meeting, rating and report pages are
watched the same way by their own tests (every `phone` page fails on a violation)."""

import pytest

from tests.browser.conftest import log_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_key_pages_load_without_a_csp_violation(live_server, browser):
    from tests.factories import build_small_county

    county = build_small_county()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = watch_csp(page)
    base = live_server.url
    log_in(page, base, "officer")
    for path in ["/", "/orgs/", f"/orgs/{county.t1.pk}/", "/audit/", "/account/tokens/", "/notifications/"]:
        response = page.goto(base + path)
        assert response.status == 200 and "default-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"{base}/api/docs/")  # Swagger UI: its script from a URL of its own, no inline code
    page.wait_for_selector(".swagger-ui .info", timeout=20000)
    assert page.evaluate("window.htmx === undefined")  # the docs page is Swagger's own, not the site's
    page.goto(f"{base}/orgs/")
    assert page.evaluate("typeof window.htmx") == "object" and page.evaluate("htmx.config.allowEval") is False
    context.close()
    assert not violations, violations


def test_the_admin_works_under_the_policy(live_server, browser):
    from tests.factories import build_small_county

    build_small_county()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = watch_csp(page)
    log_in(page, live_server.url, "admin")
    for path in ["/admin/", "/admin/core/user/", "/admin/core/user/add/", "/admin/core/auditentry/"]:
        assert page.goto(live_server.url + path).status == 200
    context.close()
    assert not violations, violations
