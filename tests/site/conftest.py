"""Fixtures of the top floor's pages: the tiny demo (a county with a year of work), built once and kept; the
dashboards' tiny demo of 2026 counted to a fixed day."""

import datetime as dt
import re

import pytest
from django.core.cache import cache

from grassroots.demo import build_demo
from tests import shelf


def _demo():
    """The tiny demo with its year of work, for the start pages of every demo account."""
    return build_demo(scale="tiny", seed=1)


site_demo = shelf.shelved("site_demo", _demo)

DEMO_DAY = dt.date(2026, 6, 15)


def _dashboard_demo():
    return build_demo(scale="tiny", seed=1, today=DEMO_DAY)


dashboard_demo = shelf.shelved("dashboard_demo", _dashboard_demo, doc="The tiny demo of 2026, for the dashboards.")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Figures are cached by organization, period and day; each test starts from none."""
    cache.clear()
    yield
    cache.clear()


# A row of a list as the start page counts it: `data-row` on the element, or `data-row="n"` for a row standing for n
# items (a kind of meeting with n missing, a run with n organizations to rate).
ROW = re.compile(r'\bdata-row(?:="(\d+)")?(?=[\s>])')


def rows_of(client, url: str) -> int:
    """The rows of the list at `url`, every page of it, as the user logged in to `client` sees them."""
    base = url.split("#")[0]
    total, number = 0, 1
    while True:
        page_url = base if number == 1 else f"{base}{'&' if '?' in base else '?'}page={number}"
        response = client.get(page_url)
        assert response.status_code == 200, (page_url, response.status_code)
        total += sum(int(m.group(1) or 1) for m in ROW.finditer(response.content.decode()))
        page = response.context.get("page") if response.context else None
        if not (page is not None and hasattr(page, "has_next") and page.has_next()):
            return total
        number += 1
