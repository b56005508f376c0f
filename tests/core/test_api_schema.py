"""The OpenAPI schema of every app's API validates without warnings (one check for the whole API)."""

from django.core.management import call_command


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
