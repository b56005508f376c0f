"""A secretary on a phone: log in, switch language, browse the tree, open a member."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_logs_in_switches_language_browses_and_opens_a_member(live_server, phone):
    from tests.factories import build_small_county

    county = build_small_county()
    member = county.members["C-T1-V1"]
    page = phone
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", "t1officer")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")
    assert "现在要做的事" in page.content() or "What to do now" in page.content()

    page.click("text=English")
    page.wait_for_load_state()
    assert page.locator("text=What to do now").count() == 1

    page.click("text=Organizations")
    page.wait_for_url(re.compile(r"/orgs/\d+/"))
    assert page.locator("h1").inner_text() == "新街镇党委"
    assert page.locator(".tree >> text=1 member").count() == 2
    page.click("text=青山村党支部")
    page.wait_for_url(re.compile(r"/orgs/\d+/"))
    page.click(f"text={member.name}")
    page.wait_for_url(re.compile(r"/members/\d+/"))
    assert member.masked_id_number in page.content()
    page.click("text=Show ID number and phone")
    page.wait_for_selector(f"text={member.id_number}")
    page.screenshot(path="test-results/member-phone.png", full_page=True)


def test_tree_expands_in_place(live_server, phone):
    from tests.factories import build_small_county

    build_small_county()
    page = phone
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/orgs/")
    page.wait_for_url(re.compile(r"/orgs/\d+/"))
    page.locator(".tree button.expand").first.click()
    page.wait_for_selector("text=青山村党支部")
