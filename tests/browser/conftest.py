"""Browser tests: Playwright drives Debian's Chromium (`make browser-deps`); nothing is downloaded."""

import os
import shutil

import pytest

PASSWORD = "correct-horse-battery"  # every factory user's (tests.factories.UserFactory)


def log_in(page, base_url, username, password=PASSWORD):
    """Log in through the login page, as a user would, and wait for the start page."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base_url}/")


CHROMIUM = os.environ.get("GRASSROOTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps`")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test itself are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page the size of a mid-range phone, preferring Chinese as a secretary's phone would."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = watch_csp(page)
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


def watch_csp(page) -> list[str]:
    """The Content-Security-Policy violations Chromium reports on this page's console, as they come."""
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


@pytest.fixture(autouse=True)
def _default_rules(default_rules):
    """Browser tests are transactional: each finds the default rules whatever ran before it on this worker."""
