"""Shared fixtures: a small county tree and users holding each role."""

import pytest

from tests.factories import build_small_county, seed_default_rules


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
