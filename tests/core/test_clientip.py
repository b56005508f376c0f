"""Behind a trusted reverse proxy, the login lockout counts failures per client, not per proxy."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from grassroots.core.clientip import client_ip

PROXY = "10.0.0.5"


def _request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.fixture
def proxied(settings):
    settings.GRASSROOTS_TRUSTED_PROXIES = [PROXY]


def test_a_request_from_the_trusted_proxy_is_the_client_it_names(proxied):
    assert client_ip(_request(PROXY, "203.0.113.7")) == "203.0.113.7"


def test_a_forged_address_left_of_the_real_client_is_not_believed(proxied):
    assert client_ip(_request(PROXY, "1.2.3.4, 203.0.113.7")) == "203.0.113.7"


def test_a_request_from_elsewhere_is_its_own_client_whatever_its_header_says(proxied):
    assert client_ip(_request("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request(PROXY, "203.0.113.7")) == PROXY


def test_failures_behind_the_proxy_lock_out_the_failing_client_only(proxied, county, client):
    url = reverse("login")
    for _ in range(5):
        client.post(
            url, {"username": "secretary", "password": "wrong"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7"
        )
    other = client.post(
        url,
        {"username": "secretary", "password": "correct-horse-battery"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert other.status_code == 302  # another client through the same proxy still logs in
    client.logout()
    locked = client.post(
        url,
        {"username": "secretary", "password": "correct-horse-battery"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code != 302  # the failing client is locked out
