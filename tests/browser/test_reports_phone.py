"""A branch secretary downloads the branch's period report and ledgers from a phone, in both languages."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_secretary_downloads_the_report_and_the_ledgers_on_a_phone(live_server, phone, language):
    from tests.factories import build_small_county

    county = build_small_county()
    page = phone
    log_in(page, live_server.url, "secretary")
    if language == "en":
        page.click("text=English")
        page.wait_for_load_state()
    page.goto(f"{live_server.url}/reports/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing scrolls sideways
    assert county.v11.name in page.inner_text("h1")

    with page.expect_download() as pdf:
        page.click("#period-report button[type=submit]")
    text = PdfReader(pdf.value.path()).pages[0].extract_text()
    assert county.v11.name in text

    with page.expect_download() as ledger:
        page.click("#ledgers button[type=submit]")
    book = load_workbook(io.BytesIO(ledger.value.path().read_bytes()))  # the download has no .xlsx suffix
    first = "会议记录" if language == "zh-hans" else "Meetings"
    assert book.sheetnames[0] == first and len(book.sheetnames) == 7

    # A period that is not one: the page comes back with the message, the input kept.
    page.fill("#id_period", "2026-13")
    page.click("#period-report button[type=submit]")
    assert page.locator("#period-report .error").is_visible()
    assert page.input_value("#id_period") == "2026-13"
