"""Production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_for_production_settings():
    env = {
        **os.environ,
        "GRASSROOTS_PRODUCTION": "1",
        "GRASSROOTS_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-0123456789",
        "GRASSROOTS_ALLOWED_HOSTS": "grassroots.example.org",
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
