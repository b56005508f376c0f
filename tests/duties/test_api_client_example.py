"""The client example of docs/api-client.md, run as written against the application, so that it stays true.

The example uses `requests`; here a small stand-in of its Session sends the same calls through Django's test client
(with a real token from /api/token/, no session login)."""

import io
import json
import re
import sys
import types
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from grassroots.duties import services
from grassroots.duties.models import Assignment, ProgressReport

from .test_api import due_in

DOC = Path(__file__).resolve().parents[2] / "docs" / "api-client.md"


class Answer:
    def __init__(self, response):
        self.status_code = response.status_code
        self.headers = response
        if getattr(response, "streaming", False):
            self.content = b"".join(response.streaming_content)
        else:
            self.content = response.content

    def json(self):
        return json.loads(self.content)

    def raise_for_status(self):
        if self.status_code >= 400:
            raise RuntimeError(self.status_code)


class Session:
    """What the example uses of requests.Session: headers, get, post, patch (json=, data=, files=, params=)."""

    def __init__(self):
        self.headers = {}
        self.client = Client()

    def _meta(self):
        return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in self.headers.items()}

    @staticmethod
    def _path(url):
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def get(self, url, params=None):
        return Answer(self.client.get(self._path(url), params or {}, **self._meta()))

    def _send(self, method, url, json_body, data, files):
        send = getattr(self.client, method)
        if json_body is not None:
            return Answer(send(self._path(url), json.dumps(json_body), content_type="application/json", **self._meta()))
        payload = dict(data or {})
        payload.update(files or {})
        if method == "post":
            return Answer(send(self._path(url), payload, **self._meta()))
        return Answer(send(self._path(url), payload, content_type="application/x-www-form-urlencoded", **self._meta()))

    def post(self, url, json=None, data=None, files=None):
        return self._send("post", url, json, data, files)

    def patch(self, url, json=None, data=None, files=None):
        return self._send("patch", url, json, data, files)


def _example_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "docs/api-client.md holds one Python example"
    return blocks[0]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fake_requests(monkeypatch):
    module = types.ModuleType("requests")
    module.Session = Session
    monkeypatch.setitem(sys.modules, "requests", module)
    return module


def test_the_documented_client_drives_the_chain(county, period, fake_requests, tmp_path, capsys):
    from PIL import Image

    for user in (county.users.officer, county.users.t1_officer, county.users.secretary):
        user.set_password("example-pass-22")
        user.save()
    photo = tmp_path / "theme-day.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    duty_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=period)

    namespace = {"__name__": "api_client_example"}
    exec(compile(_example_code(), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation's code
    namespace["BASE"] = "http://testserver/api"
    sign_in = namespace["sign_in"]
    progress = namespace["run_chain"](
        sign_in("officer", "example-pass-22"),
        sign_in("t1officer", "example-pass-22"),
        sign_in("secretary", "example-pass-22"),
        duty_list=duty_list.pk,
        township_code="C-T1",
        village_code="C-T1-V1",
        due_on=due_in(period).isoformat(),
        photo_path=str(photo),
    )

    # The roll-up counts the village's accepted work; the township's middle assignment counts through it.
    assert (progress["total"], progress["accepted"], progress["completion"], progress["light"]) == (1, 1, 100.0, "done")
    # The village read the requirements from the top down, its township's note among them.
    printed = capsys.readouterr().out
    assert "C -> C-T1: A plan and its acceptance record Report to the township by the 25th" in printed
    assert "C-T1 -> C-T1-V1: One plan for every village" in printed
    report = ProgressReport.objects.get()
    assert report.state == "accepted" and report.reviewer == county.users.t1_officer
    assert report.evidence.get().kind == "image"
    assert Assignment.objects.get(organization=county.v11).state == "accepted"
