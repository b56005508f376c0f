"""Audited writes in several regions at once: one audit chain per region against every write on one chain.

`python -m bench.audit_chains [--url postgres://...] [--writers 8] [--writes 40] [--hold-ms 20]` migrates a fresh
database (`--name`, default gr_audit_chains, on the server of `--url`: the machine's PostgreSQL by default, or the
Citus coordinator with `--citus`), makes a national root with one region for each writer, and times `--writers`
threads, each writing `--writes` audited transactions that hold their transaction `--hold-ms` after the entry (the
rest of a service's work, its chain head locked all the while): first all in one region, then each in its own. The
chain heads are the only thing the writers share, so the difference is the head's queue (README, *Beyond one
machine*; docs/citus.md)."""

import argparse
import json
import os
import sys
import threading
import time

import psycopg

PLAIN = os.environ.get("PLAIN_ADMIN_URL", "postgres://postgres@127.0.0.1:5432")


def _fresh(server: str, name: str, citus: bool) -> str:
    if citus:
        from bench.citus import fresh_databases

        return fresh_databases(name)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def _regions(n: int) -> list:
    from grassroots.organizations.models import Organization

    root = Organization.objects.add_root(create_kwargs=dict(code="N", name="全国", kind="committee"))
    regions = []
    for i in range(n):
        root.refresh_from_db()
        regions.append(
            Organization.objects.add_child(root, create_kwargs=dict(code=f"N-{i}", name=f"第{i}省", kind="committee"))
        )
    return regions


def _run(regions: list, writes: int, hold: float) -> float:
    from django.db import connection, transaction

    from grassroots.core.audit import audit

    def writer(region, i):
        try:
            for n in range(writes):
                with transaction.atomic():
                    audit("core.export", organization=region, after={"what": "bench", "writer": i, "n": n})
                    time.sleep(hold)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(region, i)) for i, region in enumerate(regions)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=PLAIN, help="the database server (admin URL without a database)")
    parser.add_argument("--citus", action="store_true", help="the Citus cluster of `make citus-up` (bench.citus)")
    parser.add_argument("--name", default="gr_audit_chains")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--hold-ms", type=float, default=20.0)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _fresh(args.url, args.name, args.citus)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from grassroots.core.audit import verify

    call_command("migrate", verbosity=0)
    regions = _regions(args.writers)
    hold, total = args.hold_ms / 1000, args.writers * args.writes
    one = _run([regions[0]] * args.writers, args.writes, hold)
    own = _run(regions, args.writes, hold)
    result = verify()
    report = {
        "database": "citus" if args.citus else "postgresql",
        "writers": args.writers,
        "writes_each": args.writes,
        "hold_ms": args.hold_ms,
        "one_region_seconds": round(one, 2),
        "one_region_writes_per_second": round(total / one, 1),
        "own_regions_seconds": round(own, 2),
        "own_regions_writes_per_second": round(total / own, 1),
        "speed_up": round(one / own, 2),
        "chains_verified": len(result.chains),
        "entries_verified": result.count,
        "ok": result.ok,
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
