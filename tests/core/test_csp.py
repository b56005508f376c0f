"""Every answer carries the Content-Security-Policy: scripts from this site only and never inline, never framed;
no template holds an inline script or an inline event handler that the policy would block."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

import grassroots

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
TEMPLATES = sorted(Path(grassroots.__file__).parent.rglob("templates/**/*.html"))


def _directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def _assert_policy(response):
    directives = _directives(response)
    for name, value in POLICY.items():
        assert directives[name] == value, (name, directives)
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]


def test_the_login_page_and_the_public_pages_send_the_policy(db, client):
    _assert_policy(client.get(reverse("login")))
    _assert_policy(client.get("/health/"))
    _assert_policy(client.get("/no-such-page/"))


@pytest.mark.parametrize(
    "url", ["/", "/orgs/", "/audit/", "/account/tokens/", "/notifications/", "/api/organizations/", "/api/docs/"]
)
def test_signed_in_pages_and_the_api_send_the_policy_and_no_inline_script(county, client_for, url):
    reader = county.users.auditor if url == "/audit/" else county.users.officer  # the trail is the auditors' alone
    response = client_for(reader).get(url, follow=True)
    assert response.status_code == 200
    _assert_policy(response)
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_the_admin_sends_the_policy(county, client_for):
    response = client_for(county.users.admin).get("/admin/core/user/")
    assert response.status_code == 200
    _assert_policy(response)


def test_no_template_has_an_inline_script_or_event_handler():
    assert len(TEMPLATES) > 50
    offenders = [
        str(path.relative_to(Path(grassroots.__file__).parent))
        for path in TEMPLATES
        if INLINE_SCRIPT.search(path.read_text()) or HANDLER.search(path.read_text())
    ]
    assert offenders == []


def test_htmx_adds_no_inline_style_and_evaluates_no_code(county, client_for):
    page = client_for(county.users.officer).get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page
