"""The fixtures of the assessment tests: a county's year of work (test_engine's `assessed`), then computed, then
published; uploads go to a temporary folder."""

import pytest

from grassroots.assessment import services
from tests.assessment.test_engine import END, assessed  # noqa: F401 - the fixture of a year of work, for every test


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def computed(assessed):  # noqa: F811
    services.run_compute(actor=assessed.users.officer, run=assessed.run, asof=END)
    return assessed


@pytest.fixture
def published(computed):
    services.run_publish(actor=computed.users.officer, run=computed.run)
    return computed
