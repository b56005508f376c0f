"""The OpenAPI schema of every app's API validates without warnings (one check for the whole API)."""

from django.core.management import call_command


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


PUBLISHED = ["/api/schema/", "/api/schema/?format=json", "/api/docs/", "/api/docs/?script", "/api/"]


def test_the_schema_and_the_docs_are_for_signed_in_users_only(county, client, client_for):
    """Anonymous callers learn nothing of the API's shape: the schema in either format, the docs page, its script and
    the API root all refuse them; a signed-in user (session or token) reads them."""
    from rest_framework.test import APIClient

    from grassroots.core.tokens import token_issue

    for url in PUBLISHED:
        assert client.get(url).status_code in (401, 403), url
    signed_in = client_for(county.users.member)
    for url in PUBLISHED:
        assert signed_in.get(url).status_code == 200, url
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(actor=county.users.member)[1]}")
    assert token_client.get("/api/schema/").status_code == 200
    assert b"openapi" in token_client.get("/api/schema/").content
