"""Shared fixtures: a small county tree and users holding each role (built once and kept, tests/shelf.py)."""

import pytest
from django.test import override_settings
from django.utils import timezone

from tests import shelf
from tests.factories import build_small_county, seed_default_rules

# The day the run started, in the server's time zone. Test modules date their records from it when they are
# imported (TODAY = timezone.localdate()); the services ask at each call.
RUN_DAY = timezone.localdate()


@pytest.fixture(autouse=True, scope="session")
def _one_day_per_run():
    """A run that crosses midnight in the server's time zone (16:00 UTC for Asia/Shanghai) keeps one today: the
    services' timezone.localdate() answers the day the run started, as the modules' dates were made from it (a
    planned meeting dated that day would otherwise be refused as past). A date asked of a given moment is untouched."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        if value is None and timezone is None:
            return RUN_DAY
        return real(value, timezone)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", localdate)
        yield


@pytest.fixture(scope="session")
def _shelf(django_db_setup, django_db_blocker, tmp_path_factory):
    """The data shelved fixtures keep between tests, rolled back when the session ends."""
    shelf.SHELF.media = tmp_path_factory.mktemp("shelved-media")
    yield shelf.SHELF
    shelf.close(django_db_blocker)


@pytest.fixture
def _shelved(request, _shelf, django_db_blocker):
    """Every shelved fixture asks for this before `db`: the data the test needs is shelved before its transaction."""
    shelf.build_for(request.node, django_db_blocker)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    shelf.prepare(item)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    shelf.group_by_level(items)


county = shelf.shelved(
    "county",
    build_small_county,
    doc="County -> 2 townships -> 2 village branches each (one with a group); a member in each branch.",
)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True, scope="session")
def _start_counted_each_time():
    """The start page counts at every visit in tests (tests/site/test_start_kept.py turns keeping them on): a test
    changes records as one user and reads the page as another at once."""
    with override_settings(GRASSROOTS_START_CACHE_SECONDS=0):
        yield


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Argon2 is the production hasher; tests hash with MD5 to stay fast."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _english_messages():
    """Services speak the active language; tests read their messages in English (pages pick theirs per request)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded files of a test go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def default_rules(transactional_db):
    """For a transactional test: the default meeting and point rules, whatever ran before it on this worker."""
    seed_default_rules()
