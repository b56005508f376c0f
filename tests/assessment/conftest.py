"""The fixtures of the assessment tests: a county's year of work (tests/assessment/year.py), then computed, then
published, each built once and kept (tests/shelf.py); uploads go to a temporary folder."""

import pytest

from tests import shelf
from tests.assessment import year


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


assessed = shelf.shelved("assessed", year.year_of_work, below="county")
computed = shelf.shelved("computed", year.computed, below="assessed")
published = shelf.shelved("published", year.published, below="computed")
