"""A villager sends an appeal from the branch's public page on a phone, with no account, and is given the code to
follow it: the form's page never sends its address to another site, yet its own form goes through the CSRF check
(a "no-referrer" page made Chromium send "Origin: null", which Django refuses)."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_appeal_sent_from_a_phone_is_taken_and_gives_its_code(live_server, phone, monkeypatch):
    from grassroots.insights.appeals import services
    from grassroots.insights.models import Appeal
    from tests.factories import build_small_county

    monkeypatch.setattr(services, "MIN_SECONDS", 0)  # the form's "sent too quickly" guard: a person takes longer
    county = build_small_county()
    page = phone
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    page.goto(f"{live_server.url}/public/{county.v11.code}/appeal/new/")
    page.locator("input[name=kind]").first.check()
    page.select_option("select[name=category]", "roads")
    page.fill("textarea[name=text]", "东路的路灯坏了三盏，晚上走路很危险。")
    page.fill("input[name=phone]", "13800138000")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector(".token-key")
    code = re.search(r"[A-Z0-9]{12}", page.locator(".token-key").inner_text()).group(0)
    appeal = Appeal.objects.get()
    assert services.hash_follow_code(code) == appeal.follow_hash
    assert appeal.text == "东路的路灯坏了三盏，晚上走路很危险。"
    # The browser named this site as the form's origin (never "null"), and the page asks for no more than that.
    origin = requests[-1].headers.get("origin")
    assert origin == live_server.url, origin
    page.screenshot(path="test-results/appeal-phone-sent.png", full_page=True)
