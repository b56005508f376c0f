"""Shared fixtures: a small county tree and users holding each role."""

import pytest
from django.utils import timezone

from tests.factories import build_small_county, seed_default_rules

# The day the run started, in the server's time zone. Test modules date their records from it when they are
# imported (TODAY = timezone.localdate()); the services ask at each call.
RUN_DAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _one_day_per_run(monkeypatch):
    """A run that crosses midnight in the server's time zone (16:00 UTC for Asia/Shanghai) keeps one today: the
    services' timezone.localdate() answers the day the run started, as the modules' dates were made from it (a
    planned meeting dated that day would otherwise be refused as past). A date asked of a given moment is untouched."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        if value is None and timezone is None:
            return RUN_DAY
        return real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def county(db):
    """County -> 2 townships -> 2 village branches each (one with a group); a member in each branch."""
    return build_small_county()


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is the production hasher; tests hash with MD5 to stay fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
