"""Two app processes behind one port, without sticky sessions: two gunicorn servers with production settings on two
loopback ports and a round-robin proxy in front (a new connection goes to the next server). A user signs in, posts a
CSRF-protected form with a photo, sees the photo and signs out, each request answered by the other server than the
one before: the session lives in the database, the CSRF token in the user's cookie, the files on the shared media
root (or the S3 store, config/storage.py), so any process serves any request."""

import asyncio
import base64
import io
import os
import re
import socket
import subprocess
import sys
import threading
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from PIL import Image

from bench import load
from grassroots.core.fieldcrypt import keyring
from grassroots.duties import services
from grassroots.duties.models import Assignment, Dimension, Evidence

HOST = "127.0.0.1"
PASSWORD = "two-servers-one-port"

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class RoundRobin:
    """A TCP proxy on its own event loop (in a thread): each connection goes to the next backend in turn; `served`
    lists the backend of each connection, in order."""

    def __init__(self, ports: list[int]):
        self.ports, self.served = ports, []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        # Started from the loop's own thread: the test's thread may have a loop running already (the browser tests').
        started = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._handle, HOST, 0), self.loop)
        self.server = started.result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader, writer):
        port = self.ports[len(self.served) % len(self.ports)]
        self.served.append(port)
        up_reader, up_writer = await asyncio.open_connection(HOST, port)

        async def pipe(source, sink):
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)

    def close(self):
        async def stop():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or HOST}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def two_servers(tmp_path):
    """Two production servers sharing the database and the media root, and the proxy before them."""
    if connection.vendor != "postgresql":
        pytest.skip("two processes share one database server: PostgreSQL or Citus (SQLite is one machine's file)")
    ring = keyring()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grassroots.config.settings",
        "DATABASE_URL": _database_url(),
        "GRASSROOTS_PRODUCTION": "1",
        "GRASSROOTS_ALLOWED_HOSTS": HOST,
        "GRASSROOTS_SSL_REDIRECT": "0",
        "GRASSROOTS_VAR_DIR": str(tmp_path / "var"),
        "GRASSROOTS_MEDIA_ROOT": str(tmp_path / "media"),
        "GRASSROOTS_LOG_LEVEL": "ERROR",
        "GRASSROOTS_SECRET_KEY": "two-processes-" + "s" * 50,
        "GRASSROOTS_AUDIT_KEY": "two-processes-audit-" + "a" * 40,
        # The keys personal data was sealed under by this process (the test's data is the servers' too).
        "GRASSROOTS_FIELD_KEYS": ",".join(
            f"{name}:{base64.b64encode(key).decode()}" for name, key in ring.keys.items()
        ),
        "GRASSROOTS_FIELD_INDEX_KEY": base64.b64encode(ring.index_key).decode(),
    }
    # Production serves static files from collectstatic's folder, by their hashed names.
    subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"], cwd=load.ROOT, env=env, check=True
    )
    ports = [_free_port(), _free_port()]
    servers = []
    try:
        for port in ports:
            servers.append(load._serve(env, port))
        proxy = RoundRobin(ports)
        try:
            yield proxy, tmp_path / "media"
        finally:
            proxy.close()
    finally:
        for server in servers:
            load._stop(server)


class Browser:
    """A client that opens a new connection for every request (so the proxy sends each to the other server) and
    keeps its cookies itself (production marks them Secure; the proxy here speaks plain HTTP on the loopback)."""

    def __init__(self, proxy: RoundRobin):
        import httpx

        self.proxy, self.cookies = proxy, {}
        self.http = httpx.Client(
            base_url=f"http://{HOST}:{proxy.port}",
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"Accept-Language": "en", "Connection": "close"},
            timeout=60,
        )

    def request(self, method, url, **kwargs):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, url, headers={"Cookie": cookie} if cookie else {}, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response, self.proxy.served[-1]

    def token(self, page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 60).convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _assignment(county):
    duty_list = services.duty_list_for(
        actor=county.users.officer, organization=county.county, period=services.period_for("2026")
    )
    duty = services.duty_create(
        actor=county.users.officer,
        duty_list=duty_list,
        title="每月开展一次主题党日",
        dimension=Dimension.POLITICAL,
        due_on=services.period_for("2026").end,
        requirement="有照片",
    )
    services.duty_issue(
        actor=county.users.officer,
        duty=duty,
        targets=services.resolve_targets(issuer=county.county, mode="kind", kind="branch"),
    )
    return Assignment.objects.get(duty=duty, organization=county.v11)


def test_a_session_a_form_an_upload_and_a_sign_out_alternate_between_two_processes(county, two_servers):
    proxy, media = two_servers
    assignment = _assignment(county)
    user = county.users.secretary
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())  # production's hasher
    user.save(update_fields=["password"])
    browser = Browser(proxy)

    page, first = browser.request("GET", "/login/")
    assert page.status_code == 200 and "csrftoken" in browser.cookies
    signed_in, second = browser.request(
        "POST",
        "/login/",
        data={"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": browser.token(page.text)},
    )
    assert signed_in.status_code == 302 and "sessionid" in browser.cookies, signed_in.text[:500]
    assert second != first  # signed in by the other process than the one that gave the form

    form, third = browser.request("GET", f"/assignments/{assignment.pk}/report/")
    assert form.status_code == 200 and third == first  # the session made by one process, read by the other
    jpeg = _jpeg()
    sent, fourth = browser.request(
        "POST",
        f"/assignments/{assignment.pk}/report/",
        data={"text": "主题党日已开展，照片附后。", "percent": "100", "csrfmiddlewaretoken": browser.token(form.text)},
        files={"files": ("day.jpg", jpeg, "image/jpeg")},
    )
    assert sent.status_code == 302, sent.text[:500]
    assert fourth != third  # the token one process put in the form is accepted by the other
    photo = Evidence.objects.get(assignment=assignment)  # (its own assignment: one shard on a cluster)
    assert (media / photo.file.name).read_bytes() == jpeg
    shown, fifth = browser.request("GET", f"/evidence/{photo.pk}/")
    assert shown.status_code == 200 and shown.content == jpeg and fifth != fourth  # the upload served by the other
    refused, _ = browser.request(
        "POST", f"/assignments/{assignment.pk}/report/", data={"text": "x", "percent": "10"}
    )  # the same form without its token: refused
    assert refused.status_code == 403

    home, seventh = browser.request("GET", "/")
    signed_out, eighth = browser.request("POST", "/logout/", data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    assert home.status_code == 200 and signed_out.status_code == 302 and eighth != seventh
    after, ninth = browser.request("GET", "/")
    assert after.status_code == 302 and "/login/" in after.headers["location"] and ninth != eighth
    # Every request went to the other process than the one before it.
    assert all(a != b for a, b in zip(proxy.served, proxy.served[1:], strict=False))
    assert len(set(proxy.served)) == 2 and len(proxy.served) == 9
