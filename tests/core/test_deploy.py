"""Production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_for_production_settings():
    env = {
        **os.environ,
        "GRASSROOTS_PRODUCTION": "1",
        "GRASSROOTS_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-0123456789",
        "GRASSROOTS_ALLOWED_HOSTS": "grassroots.example.org",
        "GRASSROOTS_AUDIT_KEY": "y" * 20 + "an-audit-key-kept-apart-from-the-database",
        "GRASSROOTS_REQUIRE_2FA": "1",
        "GRASSROOTS_PASSWORD_DAYS": "90",
        "GRASSROOTS_FIELD_KEYS": "k1:" + "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=",  # 32 bytes, base64
        "GRASSROOTS_FIELD_INDEX_KEY": "aWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWk=",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests' own process only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_check_deploy_warns_of_an_unsigned_audit_chain(settings):
    from grassroots.core.checks import audit_key_set

    settings.PRODUCTION, settings.GRASSROOTS_AUDIT_KEY = True, ""
    assert [w.id for w in audit_key_set(None)] == ["grassroots.W001"]
    settings.GRASSROOTS_AUDIT_KEY = "k" * 40
    assert audit_key_set(None) == []


def test_check_deploy_warns_when_two_factor_is_not_required(settings):
    from grassroots.core.checks import two_factor_required

    settings.PRODUCTION, settings.GRASSROOTS_REQUIRE_2FA = True, False
    assert [w.id for w in two_factor_required(None)] == ["grassroots.W002"]
    settings.GRASSROOTS_REQUIRE_2FA = True
    assert two_factor_required(None) == []


@pytest.mark.parametrize(
    "env, debug",
    [({}, False), ({"GRASSROOTS_DEBUG": "1"}, True), ({"GRASSROOTS_DEBUG": "1", "GRASSROOTS_PRODUCTION": "1"}, False)],
)
def test_debug_pages_are_off_unless_asked_for_and_never_in_production(env, debug):
    base = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_") and k != "DATABASE_URL"}
    base |= {"GRASSROOTS_SECRET_KEY": "s" * 50, "GRASSROOTS_ALLOWED_HOSTS": "example.org", **env}
    base |= {
        "GRASSROOTS_FIELD_KEYS": "k1:" + "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=",
        "GRASSROOTS_FIELD_INDEX_KEY": "aWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWk=",
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='grassroots.config.settings'; django.setup(); "
        "from django.conf import settings; print(settings.DEBUG)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True)
    assert result.stdout.strip() == str(debug), result.stderr


def test_check_deploy_warns_when_passwords_never_age(settings):
    from grassroots.core.checks import password_age_set

    settings.PRODUCTION, settings.GRASSROOTS_PASSWORD_DAYS = True, 0
    assert [w.id for w in password_age_set(None)] == ["grassroots.W003"]
    settings.GRASSROOTS_PASSWORD_DAYS = 90
    assert password_age_set(None) == []


def test_env_example_lists_every_variable_the_code_reads():
    """The README says `.env.example` lists every variable: each one the code reads is there, with its comment."""
    import re

    read = set()
    for path in (ROOT / "src" / "grassroots").rglob("*.py"):
        read |= set(re.findall(r'environ(?:\.get)?[(\[]"((?:GRASSROOTS_|DATABASE_URL)[A-Z_0-9]*)"', path.read_text()))
    listed = set(re.findall(r"^#? ?([A-Z_0-9]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    one_off = {"GRASSROOTS_ADMIN_PASSWORD"}  # createadmin's password for one run, never kept in a file
    assert len(read) > 40
    assert sorted(read - listed - one_off) == []
