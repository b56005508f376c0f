"""Peak memory of a subtree's ledgers (台账) as .xlsx: one export per subtree, each in a fresh process.

The export streams (openpyxl's write-only mode, rows read as tuples in chunks), so its peak resident memory should
stay flat while the subtree grows by orders of magnitude. Each export runs in its own interpreter (`python -m
bench.reports CODE YEAR`) so that one peak does not hide the next; the figures are the process's peak RSS
(getrusage) before and after the export, the rows written and the seconds taken.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# The whole tree is exported when it is at most a city's size (or BENCH_REPORTS_WHOLE=1): a province's ledger writes
# some twenty million rows, hours on a small machine, where a city (depth 2 of the province) and a county show the
# same flat memory.
WHOLE_TREE_LIMIT = 20_000


def _subtrees():
    """The largest branch, the first committee at depths 3 and 2 (a township and a county in a city's data, a county
    and a city in a province's), and the whole tree when it is small enough (WHOLE_TREE_LIMIT)."""
    from django.db.models import Count

    from grassroots.organizations.models import Organization, OrgKind

    picks = []
    root = Organization.objects.filter(depth=1).order_by("path").first()
    whole = os.environ.get("BENCH_REPORTS_WHOLE") == "1" or Organization.objects.count() <= WHOLE_TREE_LIMIT
    if whole:
        picks.append(("whole tree", root))
    for depth in (2, 3):
        org = Organization.objects.filter(depth=depth, kind=OrgKind.COMMITTEE).order_by("path").first()
        if org is not None:
            picks.append((f"depth {depth}", org))
    branch = Organization.objects.filter(kind=OrgKind.BRANCH).annotate(n=Count("members")).order_by("-n").first()
    picks.append(("branch", branch))
    return [(label, org) for label, org in picks if org is not None]


def run() -> dict:
    """Export the ledgers of subtrees of growing size, each in its own process; figures by subtree size."""
    from django.utils import timezone

    from grassroots.organizations.models import Organization

    year = timezone.localdate().year
    figures = {}
    rows = []
    for label, org in reversed(_subtrees()):
        size = Organization.objects.filter(path__startswith=org.path).count()
        result = subprocess.run(
            [sys.executable, "-m", "bench.reports", org.code, str(year)],
            cwd=ROOT,
            env=os.environ,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stderr)
            raise SystemExit(f"ledger export of {org.code} failed")
        one = json.loads(result.stdout.strip().splitlines()[-1])
        one.update(label=label, organizations=size)
        rows.append(one)
        key = f"ledger_{size}_orgs"
        figures[f"{key}_rows"] = one["rows"]
        figures[f"{key}_seconds"] = one["seconds"]
        figures[f"{key}_peak_mb"] = one["peak_mb"]
        figures[f"{key}_export_mb"] = one["peak_mb"] - one["base_mb"]
        sys.stderr.write(f"ledger of {label} {org.code}: {json.dumps(one)}\n")
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        figures["ledger_rows_growth"] = large["rows"] / max(small["rows"], 1)
        figures["ledger_peak_growth"] = large["peak_mb"] / small["peak_mb"]
    return figures


def export(code: str, year: int) -> dict:
    """In this process: the ledgers of the subtree of `code` for `year`, as an administrator, to a temporary file."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from grassroots.organizations.models import Organization
    from grassroots.reports import services

    org = Organization.objects.get(code=code)
    admin = get_user_model().objects.filter(is_superuser=True).first()
    base = _peak_mb()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as target, translation.override("zh-hans"):
        counts, _name = services.ledger_export(actor=admin, organization=org, year=year, subtree=True, target=target)
        size = target.seek(0, 2)
    return {
        "rows": sum(counts.values()),
        "seconds": time.perf_counter() - start,
        "base_mb": round(base, 1),
        "peak_mb": round(_peak_mb(), 1),
        "file_mb": round(size / 2**20, 1),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    import django

    django.setup()
    print(json.dumps(export(sys.argv[1], int(sys.argv[2]))))
