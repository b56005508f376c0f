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
    for path in ["/", "/orgs/", f"/orgs/{county.t1.pk}/", "/account/tokens/", "/notifications/"]:
        response = page.goto(base + path)
        assert response.status == 200 and "default-src 'self'" in response.headers["content-security-policy"]
    auditor = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    auditor_violations = watch_csp(auditor)
    log_in(auditor, base, "auditor")  # the audit trail is the auditors' alone
    response = auditor.goto(base + "/audit/")
    assert response.status == 200 and "default-src 'self'" in response.headers["content-security-policy"]
    auditor.context.close()
    page.goto(f"{base}/api/docs/")  # Swagger UI: its script from a URL of its own, no inline code
    page.wait_for_selector(".swagger-ui .info", timeout=20000)
    assert page.evaluate("window.htmx === undefined")  # the docs page is Swagger's own, not the site's
    page.goto(f"{base}/orgs/")
    assert page.evaluate("typeof window.htmx") == "object" and page.evaluate("htmx.config.allowEval") is False
    context.close()
    assert not violations and not auditor_violations, violations + auditor_violations


def test_the_admin_works_under_the_policy(live_server, browser):
    from grassroots.organizations.models import Grant
    from tests.factories import build_small_county

    county = build_small_county()
    Grant.objects.create(user=county.users.admin, organization=county.county, role="auditor")  # reads the trail too
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = watch_csp(page)
    log_in(page, live_server.url, "admin")
    for path in ["/admin/", "/admin/core/user/", "/admin/core/user/add/", "/admin/core/auditentry/"]:
        assert page.goto(live_server.url + path).status == 200
    context.close()
    assert not violations, violations


def test_two_factor_set_up_and_login_on_a_phone(live_server, phone):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.core.test_otp import code_for
    from tests.factories import build_small_county

    build_small_county()
    base, page = live_server.url, phone
    log_in(page, base, "secretary")
    page.goto(f"{base}/account/")
    page.click("#two-factor a.button")
    page.click("button[value=start]")
    assert page.locator(".qr svg").is_visible() and page.locator(".manual-key").inner_text()
    page.screenshot(path="test-results/two-factor-phone.png", full_page=True)
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user__username="secretary")))
    page.click("button[value=confirm]")
    assert page.locator(".recovery-codes li").count() == 10
    page.click("a.button.primary")
    page.locator("form.logout button").click()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "secretary")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/login/code/")
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user__username="secretary")))
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")
