"""`python -m bench.passwords`: what the password history costs a change of password — a new password checked
against the user's last GRASSROOTS_PASSWORD_HISTORY hashes (none matching, the usual case: each is verified), against
one verification as a login makes. The production hasher (Argon2, Django's parameters), medians of BENCH_SAMPLES
samples per side, alternated, with the spread (bench/stats.py). No database: the hashes are made here.
"""

import os
import sys
from pathlib import Path

SAMPLES = max(3, int(os.environ.get("BENCH_SAMPLES", "5")))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, make_password

    from bench.stats import alternate, ratio, summary

    count = settings.GRASSROOTS_PASSWORD_HISTORY or 5
    history = [make_password(f"Reed-Lantern-{n}x") for n in range(count)]
    new = "Brand-New-Pass-9"

    def login():
        return check_password("Reed-Lantern-0x", history[0])

    def change():
        return any(check_password(new, encoded) for encoded in history)

    login_s, change_s, _a, _b = alternate(login, change, SAMPLES)
    results = {
        "hasher": history[0].split("$", 1)[0] + "$" + history[0].split("$")[3],
        "history": count,
        **summary("login_s", login_s),
        **summary("change_s", change_s),
        **ratio("change_over_login", change_s, login_s),
        "load_average": os.getloadavg()[0],
    }
    for key, value in results.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
