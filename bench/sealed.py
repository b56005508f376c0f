"""`python -m bench.sealed`: what sealing personal data at rest costs a reader — a page of members read through the
ORM with their ID numbers and phones opened, against the same page read with the opening skipped (the same query,
the same bytes fetched). Medians of BENCH_SAMPLES samples per side, alternated, with the spread (bench/stats.py).

Runs on a fresh SQLite file of its own (BENCH_SEALED_ROWS members, default 20,000; BENCH_SEALED_PAGE rows a page,
default 50 as the member list shows, and a 1,000-row page as an export reads), with DEBUG off, once per cipher.
"""

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROWS = int(os.environ.get("BENCH_SEALED_ROWS", "20000"))
PAGE = int(os.environ.get("BENCH_SEALED_PAGE", "50"))
SAMPLES = max(5, int(os.environ.get("BENCH_SAMPLES", "9")))


def main() -> int:
    folder = tempfile.mkdtemp(prefix="grassroots-bench-sealed-")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    os.environ["GRASSROOTS_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import warnings

    import django

    warnings.filterwarnings("ignore", module="treebeard")

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    from bench.stats import alternate, ratio, summary
    from grassroots.core.sealed import SealedField
    from grassroots.demo.bulk import insert_rows
    from grassroots.organizations.models import Member, Organization

    call_command("migrate", verbosity=0)
    branch = Organization.add_root(code="B", name="支部", kind="branch")
    fields = ("name", "gender", "ethnicity", "education", "occupation", "id_number", "phone", "organization")
    fields += ("status", "category", "created_at", "updated_at")
    now = dt.datetime.now(dt.UTC)
    rows = [
        (f"党员{i}", "M", "汉族", "", "", f"430101198001{i:06d}", f"139{i:08d}", branch.pk, "active", "full", now, now)
        for i in range(ROWS)
    ]
    insert_rows(Member, fields, rows)

    def page(size):
        repeat = max(1, 1000 // size)  # each sample reads about 1,000 rows, so that one sample outlasts the noise

        def run():
            for _ in range(repeat):
                rows = [(m.id_number, m.phone) for m in Member.objects.order_by("id")[1000 : 1000 + size]]
            return len(rows)

        return run

    unsealed_from_db = SealedField.from_db_value

    def without_opening(size):
        def run():
            SealedField.from_db_value = lambda self, value, expression, connection: value
            try:
                return page(size)()
            finally:
                SealedField.from_db_value = unsealed_from_db

        return run

    print(f"{ROWS} members on SQLite; each member's ID number and phone opened; {SAMPLES} samples a side")
    for cipher in ("aes-gcm", "sm4-gcm", "sm4-cbc-sm3"):
        with override_settings(GRASSROOTS_FIELD_CIPHER=cipher):
            from grassroots.core.sealed import rotate

            rotate(batch=5000)
            for size in (PAGE, 1000):
                opened, skipped, _, _ = alternate(page(size), without_opening(size), samples=SAMPLES)
                repeat = max(1, 1000 // size)
                opened, skipped = [t / repeat for t in opened], [t / repeat for t in skipped]
                figures = {**summary("opened", opened), **summary("skipped", skipped), **ratio("r", opened, skipped)}
                print(
                    f"{cipher:12} page of {size:5}: {figures['opened'] * 1000:7.2f} ms opened "
                    f"({figures['opened_min'] * 1000:.2f}–{figures['opened_max'] * 1000:.2f}) vs "
                    f"{figures['skipped'] * 1000:7.2f} ms not ({figures['skipped_min'] * 1000:.2f}–"
                    f"{figures['skipped_max'] * 1000:.2f}): ×{figures['r']:.2f} ({figures['r_min']:.2f}–{figures['r_max']:.2f})"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
