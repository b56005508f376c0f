"""Citus against plain PostgreSQL: the same demo year in both, the assessment run on each, the results compared
organization by organization and timed. `python -m bench.citus [--scale tiny|county|city|province] [--from NAME]`
(needs `make citus-up` and the machine's PostgreSQL); tests/distributed/test_parity.py runs it at tiny scale.

The year is generated once, on plain PostgreSQL (or taken from a database already holding one: `--from
grassroots_bench_city`, as `make bench` leaves it, the default indicator systems put in use there when it has none),
and copied into the cluster table by table with COPY, which Citus
splits by shard: generating it on the cluster writes reference tables row by row, each a two-phase commit on every
node (the county's year: 2,598 s on the cluster against 102 s on plain PostgreSQL). The parity test generates it on
both (`load="demo"`), so that the demo's own writes run on the cluster too."""

import argparse
import json
import os
import re
import subprocess
import sys
import time

import psycopg

# The cluster's ports, the coordinator's first (CITUS_PORTS, as `make citus-up` takes them).
PORTS = [int(port) for port in os.environ.get("CITUS_PORTS", "9700 9701 9702").split()]
CITUS = os.environ.get("CITUS_ADMIN_URL", f"postgres://postgres@127.0.0.1:{PORTS[0]}")
PLAIN = os.environ.get("PLAIN_ADMIN_URL", "postgres://postgres@127.0.0.1:5432")
NODES = [f"postgres://postgres@127.0.0.1:{port}" for port in PORTS]

# Everything a result says: score, grade, standing, ranks, coverage, veto.
RESULT_COLUMNS = (
    "r.weighted, r.deductions, r.bonus, r.score, r.grade, r.not_assessed, r.coverage, r.vetoed, r.veto_reason, "
    "r.rank_siblings, r.rank_level, r.closeness, r.rank_topsis, r.rank_low, r.rank_high"
)
COLUMN_NAMES = [c.strip().removeprefix("r.") for c in RESULT_COLUMNS.split(",")]


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def fresh_databases(name: str, *, plain: bool = True) -> tuple[str, str]:
    """A new database `name` on the cluster (every node, with the extension, the workers registered) and (`plain`)
    on plain PostgreSQL; their URLs."""
    for url in [*NODES, PLAIN] if plain else NODES:
        for attempt in range(5):
            try:
                _admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                break
            except psycopg.errors.ObjectInUse:
                # a session opened again between FORCE's ending the others and the drop (Citus's maintenance
                # daemon of that database, or a node's connection to another): once more, a second later
                if attempt == 4:
                    raise
                time.sleep(1)
        _admin(url, f"CREATE DATABASE {name}")
    for url in NODES:
        with psycopg.connect(f"{url}/{name}", autocommit=True) as conn:
            conn.execute("SET client_min_messages TO warning")
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS citus")
            except psycopg.errors.UniqueViolation:
                # Created meanwhile by the node's own maintenance process in the new database: there it is.
                assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone()
    with psycopg.connect(f"{CITUS}/{name}", autocommit=True) as conn:
        conn.execute("SELECT citus_set_coordinator_host('127.0.0.1', %s)", [PORTS[0]])
        for url in NODES[1:]:
            conn.execute("SELECT citus_add_node('127.0.0.1', %s)", [int(url.rsplit(":", 1)[1])])
    return f"{CITUS}/{name}", f"{PLAIN}/{name}"


def grassroots(url: str, *args: str) -> tuple[float, str]:
    """Run the grassroots command on a database; (seconds, its output)."""
    env = {**os.environ, "DATABASE_URL": url, "GRASSROOTS_DEMO": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from grassroots.cli import main; sys.exit(main())", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"grassroots {' '.join(args)} on {url}: {done.stdout}{done.stderr}")
    return time.perf_counter() - started, done.stdout


def _tables(conn) -> list[str]:
    return [
        n
        for (n,) in conn.execute(
            "SELECT c.relname::text FROM pg_class c WHERE c.relkind = 'r' "
            "AND c.relnamespace = 'public'::regnamespace AND c.relname <> 'django_migrations' ORDER BY 1"
        )
    ]


def _load_order(conn, tables: list[str]) -> list[list[str]]:
    """The tables in the order of their foreign keys, referenced first; tables that refer to each other (a cycle)
    come as one group, copied in one transaction (Django's foreign keys are checked at commit)."""
    refs = {t: set() for t in tables}
    for child, parent in conn.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
    ):
        if child in refs and parent in refs and child != parent:
            refs[child].add(parent)
    order, done = [], set()
    while len(done) < len(tables):
        ready = sorted(t for t in tables if t not in done and refs[t] <= done)
        if not ready:  # a cycle: everything left together
            ready = sorted(t for t in tables if t not in done)
            order.append(ready)
        else:
            order.extend([t] for t in ready)
        done.update(ready)
    return order


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def copy_year(source_url: str, target_url: str) -> dict[str, int]:
    """Every row of every table of `source` into `target` (the same migrations applied, its tables emptied first),
    by binary COPY in the order of the foreign keys, then the id sequences moved past the rows; rows per table.

    The copy runs in Citus's parallel mode (one connection per shard: a city's or a province's tables are copied
    into every shard at once; the database's default, sequential, is for the application's transactions, which
    write over shards and then to reference tables) and says each table's rows and seconds on stderr as it goes."""
    counts: dict[str, int] = {}
    with psycopg.connect(source_url) as src, psycopg.connect(target_url, autocommit=True) as dst:
        tables = _tables(src)
        dst.execute("SET client_min_messages TO warning")
        if dst.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone():
            dst.execute("SET citus.multi_shard_modify_mode TO 'parallel'")
        started = time.perf_counter()
        dst.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
        _say(f"emptied {len(tables)} tables in {time.perf_counter() - started:.1f} s")
        empty = {"tables": 0, "seconds": 0.0}
        for group in _load_order(src, tables):
            started = time.perf_counter()
            with dst.transaction():
                for table in group:
                    columns = ", ".join(
                        f'"{c}"'
                        for (c,) in src.execute(
                            "SELECT attname::text FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                            "AND NOT attisdropped ORDER BY attnum",
                            [table],
                        )
                    )
                    with (
                        src.cursor().copy(f"COPY {table} ({columns}) TO STDOUT (FORMAT BINARY)") as out,
                        dst.cursor().copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as into,
                    ):
                        for data in out:
                            into.write(data)
                    counts[table] = src.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            # each group's seconds with its commit (on Citus a two-phase commit on every node it wrote to)
            rows = sum(counts[table] for table in group)
            if rows:
                _say(f"copied {', '.join(group)}: {rows} rows in {time.perf_counter() - started:.1f} s")
            else:
                empty["tables"] += len(group)
                empty["seconds"] += time.perf_counter() - started
        _say(f"copied {empty['tables']} empty tables in {empty['seconds']:.1f} s")
        started = time.perf_counter()
        for table, column, sequence in dst.execute(
            "SELECT c.relname::text, a.attname::text, pg_get_serial_sequence(c.relname::text, a.attname::text) "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped "
            "AND pg_get_serial_sequence(c.relname::text, a.attname::text) IS NOT NULL"
        ).fetchall():
            dst.execute(
                f"SELECT setval(%s, COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)",  # noqa: S608
                [sequence],
            )
        _say(f"moved the id sequences in {time.perf_counter() - started:.1f} s")
    return counts


def analyze(url: str) -> float:
    """VACUUM (ANALYZE) every table by name (on Citus a statement naming a distributed table runs on its shards;
    one without names would run on the coordinator's own tables only), as `make bench` leaves its database: the
    planners' statistics and the visibility maps of a maintained database; its seconds."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in _tables(conn):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


# The default indicator systems put in use where the year has none (as `make bench`'s assessment section does: a
# year generated by `make bench` with other sections, or none, holds no system), before the year is copied.
INSTALL_SYSTEMS = """
from grassroots.cli import _setup
_setup()
from django.contrib.auth import get_user_model
from grassroots.assessment import defaults
from grassroots.assessment.models import IndicatorSystem
from grassroots.organizations.models import Organization
if IndicatorSystem.objects.filter(code="branch", state="active").exists():
    print("in use")
else:
    admin = get_user_model().objects.filter(is_superuser=True).first()
    defaults.install(actor=admin, owner=Organization.objects.filter(depth=1).order_by("path").first())
    print("installed")
"""


def _script(url: str, code: str) -> str:
    """A Python script run with Django set up on a database; its output's last line."""
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"script on {url}: {done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


# The run just computed, computed again with the engine's timings by stage (a warm second measurement).
TIMED_RECOMPUTE = """
import json
from grassroots.cli import _setup
_setup()
from django.contrib.auth import get_user_model
from grassroots.assessment import services
from grassroots.assessment.models import AssessmentRun
from grassroots.core.context import acting
actor = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
run = AssessmentRun.objects.order_by("-updated_at").first()
with acting(actor):
    timings = services.run_compute(actor=actor, run=run, withdraw=True)
print(json.dumps({"assessed": run.assessed_count, **timings}))
"""


def timed_recompute(url: str) -> dict:
    return json.loads(_script(url, TIMED_RECOMPUTE))


def results(url: str) -> dict[tuple[str, str], tuple]:
    """The newest run's results of each (indicator system, period, scope), by (run key, organization code)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT s.code || '/' || p.code || '/' || sc.code || '/v' || ar.version, o.code, {RESULT_COLUMNS} "
            "FROM assessment_result r "
            "JOIN assessment_assessmentrun ar ON ar.id = r.run_id "
            "JOIN assessment_indicatorsystem s ON s.id = ar.system_id "
            "JOIN core_period p ON p.id = ar.period_id "
            "JOIN organizations_organization sc ON sc.id = ar.scope_id "
            "JOIN organizations_organization o ON o.id = r.organization_id"
        ).fetchall()
    return {(run, org): tuple(rest) for run, org, *rest in rows}


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def differences(cluster: dict, plain: dict) -> list[str]:
    """Every organization whose result differs (or exists on one side only), with the fields that differ."""
    found = []
    for key in sorted(set(cluster) | set(plain)):
        if key not in cluster or key not in plain:
            found.append(f"{key}: only on {'the cluster' if key in cluster else 'plain PostgreSQL'}")
            continue
        fields = [
            f"{name} {x!r} != {y!r}"
            for name, x, y in zip(COLUMN_NAMES, cluster[key], plain[key], strict=True)
            if not _same(x, y)
        ]
        if fields:
            found.append(f"{key}: " + "; ".join(fields))
    return found


def placement(url: str) -> dict[str, int]:
    """Rows of each distributed table on the cluster (what the comparison ran over)."""
    with psycopg.connect(url) as conn:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT table_name::text FROM citus_tables WHERE citus_table_type = 'distributed' ORDER BY 1"
            )
        ]
        return {n: conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def compare(
    *,
    scale: str = "tiny",
    period: str | None = None,
    name: str = "gr_citus_parity",
    stages=False,
    load: str = "copy",
    source: str | None = None,
) -> dict:
    """The same demo year on both, assessed on both, compared; a summary (timings in seconds). `load`: "copy" (the
    year generated on plain PostgreSQL, or taken from the database `source` there, and copied into the cluster) or
    "demo" (generated on each)."""
    if load == "kept":  # the cluster's database as the last run left it (its copy of `source`): assessed again
        cluster_url, plain_url = f"{CITUS}/{name}", f"{PLAIN}/{name}"
    else:
        cluster_url, plain_url = fresh_databases(name, plain=source is None)
    if source is not None:
        plain_url = f"{PLAIN}/{source}"
        _say(f"indicator systems of {source}: {_script(plain_url, INSTALL_SYSTEMS)}")
    timing: dict[str, dict[str, float]] = {"citus": {}, "postgresql": {}}
    stages_by_side: dict[str, dict] = {}
    period = period or str(time.localtime().tm_year)
    sides = (("citus", cluster_url), ("postgresql", plain_url))
    # Loaded: nothing when kept; generated on each side (the cluster first) or copied from plain PostgreSQL.
    loading = () if load == "kept" else sides if load == "demo" else sides[::-1]
    for side, url in loading:
        if side == "citus" or source is None:
            timing[side]["migrate"], _ = grassroots(url, "manage", "migrate", "--verbosity", "0")
        if load == "demo" or (side == "postgresql" and source is None):
            timing[side]["demo"], _ = grassroots(url, "demo", "--scale", scale, "--seed", "1")
        elif side == "citus":
            started = time.perf_counter()
            copied = copy_year(plain_url, cluster_url)
            timing[side]["copy"] = time.perf_counter() - started
            timing[side]["rows_copied"] = sum(copied.values())
        if load == "copy" and (side == "citus" or source is None):
            timing[side]["analyze"] = analyze(url)
    for side, url in sides:
        timing[side]["assess"], out = grassroots(url, "assess", period, "--withdraw-publication")
        found = re.search(r"assessed in ([0-9.]+) s", out)
        timing[side]["engine"] = float(found.group(1)) if found else float("nan")
        if stages:
            stages_by_side[side] = timed_recompute(url)
    cluster, plain = results(cluster_url), results(plain_url)
    return {
        "scale": scale,
        "results": len(plain),
        "differences": differences(cluster, plain),
        "timing": timing,
        "distributed_rows": placement(cluster_url),
        "stages": stages_by_side,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="county", choices=["tiny", "county", "city", "province"])
    parser.add_argument("--period")
    parser.add_argument("--from", dest="source", metavar="NAME", help="a plain PostgreSQL database holding the year")
    parser.add_argument(
        "--load",
        choices=["copy", "demo", "kept"],
        default="copy",
        help="copy the year in, generate it, or keep what the last run put on the cluster (with --from: the code "
        "changed, assessed again on both without the copy)",
    )
    parser.add_argument(
        "--from-bench",
        action="store_true",
        help="take the year `make bench` left on the machine's PostgreSQL at this scale (as --from)",
    )
    args = parser.parse_args()
    if args.from_bench:
        from bench.__main__ import pg_url

        args.source = pg_url(args.scale).rsplit("/", 1)[1]
    summary = compare(
        scale=args.scale,
        period=args.period,
        # The coordinator's port in the name, as the parity test does: two clusters' benches (CITUS_PORTS) never drop
        # each other's database on the machine's PostgreSQL.
        name=f"gr_citus_parity_{args.scale}_{PORTS[0]}",
        stages=True,
        load=args.load,
        source=args.source,
    )
    print(f"{summary['results']} results at {summary['scale']} scale; differences: {len(summary['differences'])}")
    for line in summary["differences"][:20]:
        print("  " + line)
    for side, steps in summary["timing"].items():
        print(f"{side:>10}: " + ", ".join(f"{step} {seconds:.2f}" for step, seconds in steps.items()))
    for side, stages in summary["stages"].items():
        print(f"{side:>10} again: " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    print("distributed rows: " + ", ".join(f"{t} {n}" for t, n in summary["distributed_rows"].items() if n))


if __name__ == "__main__":
    main()
