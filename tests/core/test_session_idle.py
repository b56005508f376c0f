"""A sign-in ends after 30 minutes without a request (GRASSROOTS_SESSION_IDLE_MINUTES), beside its absolute limit of
a working day; the login page says it ended for inactivity."""

import time

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grassroots.core.middleware import IDLE_KEY, SIGNED_IN_KEY


def _age_session(client, seconds):
    session = client.session
    session[IDLE_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_sign_in_ends_and_the_login_page_says_why(county, client_for):
    client = client_for(county.users.secretary)
    assert client.get(reverse("notifications")).status_code == 200
    _age_session(client, 31 * 60)
    response = client.get(reverse("notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?reason=idle")
    assert "_auth_user_id" not in client.session
    login = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "signed out after 30 minutes without activity" in login.content.decode()
    chinese = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "30 分钟无操作" in chinese.content.decode()


def test_activity_within_the_limit_keeps_the_sign_in(county, client_for):
    client = client_for(county.users.secretary)
    client.get(reverse("notifications"))
    _age_session(client, 29 * 60)
    assert client.get(reverse("notifications")).status_code == 200
    assert client.session[IDLE_KEY] >= int(time.time()) - 5  # the activity was recorded


def test_the_idle_limit_is_configurable_and_can_be_off(county, client_for, settings):
    client = client_for(county.users.secretary)
    client.get(reverse("notifications"))
    settings.GRASSROOTS_SESSION_IDLE_MINUTES = 0
    _age_session(client, 10 * 3600)
    assert client.get(reverse("notifications")).status_code == 200
    settings.GRASSROOTS_SESSION_IDLE_MINUTES = 5
    _age_session(client, 6 * 60)
    assert client.get(reverse("notifications")).status_code == 302


def test_htmx_is_sent_to_the_whole_login_page(county, client_for):
    client = client_for(county.users.secretary)
    client.get(reverse("notifications"))
    _age_session(client, 31 * 60)
    response = client.get(reverse("notifications"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login") + "?reason=idle")


def test_an_idle_session_reads_no_api(county, client_for):
    client = client_for(county.users.officer)
    assert client.get("/api/organizations/").status_code == 200
    _age_session(client, 31 * 60)
    assert client.get("/api/organizations/").status_code in (401, 403)


def test_a_busy_sign_in_still_ends_after_a_working_day(county, client_for):
    client = client_for(county.users.secretary)
    session = client.session
    session[SIGNED_IN_KEY] = int(time.time()) - 8 * 3600 - 60
    session.save()
    _age_session(client, 10)  # active ten seconds ago
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?reason=expired")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ended after 8 hours" in page


def test_the_first_pages_after_login_write_no_session(county, client_for):
    """The clocks start at login: a page soon after writes nothing (the activity is recorded once a minute)."""
    client = client_for(county.users.secretary)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("notifications"))
    assert not [q for q in queries if Session._meta.db_table in q["sql"] and "UPDATE" in q["sql"]]


def test_a_clock_the_database_cannot_write_now_does_not_fail_the_page(county, client_for, monkeypatch, caplog):
    """On a deadline day SQLite's one writer may stay busy past its timeout: the page the user asked for is still
    served (the clock is written by a later request), where the session middleware would have answered 400."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    client = client_for(county.users.secretary)
    client.get(reverse("notifications"))
    _age_session(client, 5 * 60)

    def busy(self, must_create=False):
        raise OperationalError("database is locked")

    monkeypatch.setattr(SessionStore, "save", busy)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert "the session's clock was not written" in caplog.text
    monkeypatch.undo()
    assert client.get(reverse("notifications")).status_code == 200
    assert client.session[IDLE_KEY] >= int(time.time()) - 5  # written by the next request


def test_the_clock_goes_with_the_requests_own_session_changes(county, client_for):
    client = client_for(county.users.secretary)
    client.get(reverse("notifications"))
    _age_session(client, 5 * 60)
    # the language chosen is kept in the session by the request itself, with the clock
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.session[IDLE_KEY] >= int(time.time()) - 5
