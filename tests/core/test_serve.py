"""Serving: gunicorn in production, Django's development server otherwise, and never Django's technical pages.

The error pages (400, 403, CSRF failure, 404, 500) are styled and in the reader's language with DEBUG off.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path

from grassroots.cli import cores, gunicorn_argv

ROOT = Path(__file__).resolve().parents[2]
GRASSROOTS = Path(sys.executable).with_name("grassroots")


# ---------------------------------------------------------------- the server's command line


def test_production_runs_gunicorn_with_workers_sized_to_the_cores():
    argv = gunicorn_argv(host="0.0.0.0", port="8000", environ={})
    assert argv[1:4] == ["-m", "gunicorn", "grassroots.config.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:8000"
    assert argv[argv.index("--workers") + 1] == str(2 * cores() + 1)
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "127.0.0.1"


def test_workers_threads_and_trusted_proxies_come_from_the_environment_or_the_command_line():
    env = {"GRASSROOTS_WORKERS": "3", "GRASSROOTS_THREADS": "4", "GRASSROOTS_TRUSTED_PROXIES": "10.0.0.2"}
    argv = gunicorn_argv(host="unix:/run/grassroots/grassroots.sock", port="8000", environ=env)
    assert argv[argv.index("--bind") + 1] == "unix:/run/grassroots/grassroots.sock"
    assert argv[argv.index("--workers") + 1] == "3" and argv[argv.index("--threads") + 1] == "4"
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "10.0.0.2"
    assert gunicorn_argv(host="127.0.0.1", port="1", workers=7, environ=env)[argv.index("--workers") + 1] == "7"


# ---------------------------------------------------------------- `grassroots serve`, started for real


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


OPENER = urllib.request.build_opener(_NoRedirect)


def _get(url: str, headers=None):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **(headers or {})})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """One migrated SQLite file, copied by each server started below (migrating takes most of a start)."""
    folder = tmp_path_factory.mktemp("served")
    env = _env(folder)
    subprocess.run([str(GRASSROOTS), "migrate", "--verbosity", "0"], env=env, check=True, timeout=300, cwd=ROOT)
    return folder / "db.sqlite3"


def _env(folder: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_") and k != "DATABASE_URL"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env | {
        "GRASSROOTS_VAR_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "GRASSROOTS_LOG_LEVEL": "ERROR",
        **extra,
    }


def _serve(folder: Path, env: dict, port: int):
    """Start `grassroots serve`, wait (bounded) until /health/ answers, return the process."""
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(
        [str(GRASSROOTS), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if _get(f"http://127.0.0.1:{port}/health/")[0] == 200:
                return process
        except OSError:
            time.sleep(0.3)
    _stop(process)
    pytest.fail("the server did not answer in time:\n" + (folder / "serve.log").read_text())


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the server and its workers: the session it was started in
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_serve_in_production_starts_gunicorn_with_compressed_far_cached_static_files(migrated, tmp_path):
    shutil.copy(migrated, tmp_path / "db.sqlite3")
    env = _env(
        tmp_path,
        GRASSROOTS_PRODUCTION="1",
        GRASSROOTS_SECRET_KEY="s" * 20 + "a-production-secret-for-this-test-only",
        GRASSROOTS_ALLOWED_HOSTS="127.0.0.1",
        GRASSROOTS_WORKERS="2",
        GRASSROOTS_FIELD_KEYS="k1:MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=",
        GRASSROOTS_FIELD_INDEX_KEY="aWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWk=",
    )
    port = _free_port()
    process = _serve(tmp_path, env, port)
    try:
        status, headers, body = _get(f"http://127.0.0.1:{port}/health/")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers["Server"].startswith("gunicorn")
        # collectstatic ran: hashed names, each compressed beside it, cached for years, immutable
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
        hashed = manifest["grassroots/app.css"]
        assert hashed != "grassroots/app.css"
        status, headers, body = _get(f"http://127.0.0.1:{port}/static/{hashed}", {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
        # a page that does not exist: the styled page, no URL pattern listed
        status, _headers, body = _get(f"http://127.0.0.1:{port}/no/such/page/", {"Accept-Language": "en"})
        assert status == 404 and b"This page does not exist" in body and b"URLconf" not in body
        status, _headers, _body = _get(f"http://127.0.0.1:{port}/health/", {"X-Forwarded-Proto": "http"})
        assert status == 301  # plain HTTP is sent to HTTPS
    finally:
        _stop(process)
    log = (tmp_path / "serve.log").read_text()
    assert "gunicorn on 127.0.0.1" in log and "2 workers" in log


def test_serve_in_development_runs_the_development_server_without_debug_pages(migrated, tmp_path):
    shutil.copy(migrated, tmp_path / "db.sqlite3")
    port = _free_port()
    process = _serve(tmp_path, _env(tmp_path), port)
    try:
        status, headers, body = _get(f"http://127.0.0.1:{port}/no/such/page/", {"Accept-Language": "zh-hans"})
        assert headers["Server"].startswith("WSGIServer")
        assert status == 404 and "该页面不存在".encode() in body
        assert b"URLconf" not in body and b"admin/" not in body and b"api/schema" not in body
    finally:
        _stop(process)
    assert "development server, for development only" in (tmp_path / "serve.log").read_text()


# ---------------------------------------------------------------- the error pages, in both languages


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), path("", include("grassroots.config.urls"))]


@pytest.fixture
def errors(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


PAGES = {
    # what is asked, the status, the words of the page in English and in Chinese
    "404": ("/no/such/page/", 404, "This page does not exist", "该页面不存在"),
    "403": ("/forbidden/", 403, "You do not have permission", "您没有在这里进行此项操作的权限"),
    "500": ("/boom/", 500, "Something went wrong", "出错了"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_error_pages_are_styled_and_in_the_readers_language(errors, page, language):
    url, status, english, chinese = PAGES[page]
    client = Client(raise_request_exception=False)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    text = response.content.decode()
    assert response.status_code == status
    assert (english if language == "en" else chinese) in text
    assert "/static/grassroots/app.css" in text and 'class="topbar"' in text
    assert "Traceback" not in text and "URLconf" not in text and "a bug" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "Bad request"), ("zh-hans", "请求无法处理")])
def test_a_bad_request_gets_the_styled_400_page(errors, language, words):
    response = Client().get("/", HTTP_HOST="evil.example.org", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert words in response.content.decode() and "ALLOWED_HOSTS" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "The form has expired"), ("zh-hans", "表单已过期")])
def test_a_form_refused_by_the_csrf_check_gets_the_styled_page(errors, language, words):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE=language)
    text = response.content.decode()
    assert response.status_code == 403
    assert words in text and "CSRF_FAILURE_VIEW" not in text and "Reason given" not in text
