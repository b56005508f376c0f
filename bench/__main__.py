"""`make bench`: run every benchmark on SQLite and, when reachable, PostgreSQL; print one table of figures.

Each backend runs in its own process (`python -m bench.run`) because Django binds its database at start.
Figures are wall-clock seconds measured in the same run, so ratios between them are what to compare.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
# One database per scale (grassroots_bench for the province, grassroots_bench_city...), like the SQLite files.
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


def pg_url(scale: str) -> str:
    return os.environ.get("BENCH_PG_URL") or f"{PG_SERVER}/grassroots_bench" + (
        "" if scale == "province" else f"_{scale}"
    )


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def run(backend: str, url: str, scale: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "GRASSROOTS_LOG_LEVEL": "ERROR"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale", scale, "--backend", backend],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"benchmark on {backend} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "province")
    DATA.mkdir(parents=True, exist_ok=True)
    backends = [("sqlite", f"sqlite:///{DATA / f'bench-{scale}.sqlite3'}")]
    if postgres_reachable():
        backends.append(("postgresql", pg_url(scale)))
    else:
        print("PostgreSQL not reachable at", PG_SERVER, "- SQLite only")
    results = {name: run(name, url, scale) for name, url in backends}
    names = sorted({k for r in results.values() for k in r})
    width = max(len(n) for n in names) + 2
    print(f"\nscale: {scale}")
    print("measure".ljust(width) + "".join(b.rjust(14) for b in results))
    for name in names:
        cells = []
        for r in results.values():
            value = r.get(name)
            cells.append(
                ("-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)).rjust(14)
            )
        print(name.ljust(width) + "".join(cells))
    (DATA / f"results-{scale}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
