"""Fixtures of the dashboards: the tiny demo (every domain has records), built once and rolled back to per test."""

import datetime as dt

import pytest
from django.core.cache import cache

from grassroots.demo import build_demo
from tests import shelf

DEMO_DAY = dt.date(2026, 6, 15)


def _demo():
    return build_demo(scale="tiny", seed=1, today=DEMO_DAY)


dashboard_demo = shelf.shelved("dashboard_demo", _demo, doc="The tiny demo of 2026, for the dashboards.")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Figures are cached by organization, period and day; each test starts from none."""
    cache.clear()
    yield
    cache.clear()
