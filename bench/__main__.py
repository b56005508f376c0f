"""`make bench`: run every benchmark on SQLite and, when reachable, PostgreSQL; print one table of figures.

Each backend runs in its own process (`python -m bench.run`) because Django binds its database at start.
Figures are wall-clock seconds measured in the same run, so ratios between them are what to compare. Each timed
measure is the median of BENCH_SAMPLES samples (at least 5), printed with its spread (min–max); see bench/stats.py.
Django runs with DEBUG off (GRASSROOTS_DEBUG=0), as in production: with it on, every query would be kept in memory.

Sections and size (environment): BENCH_SCALE=county|city|province (default province), BENCH_ONLY=duties|assessment|reports|start|dashboards|diagnosis|formalism
(default all; several separated by commas), BENCH_SAMPLES (default 5), BENCH_PG=0 to skip PostgreSQL, BENCH_PG_URL or BENCH_PG_SERVER for it,
BENCH_TIMEOUT (seconds for each backend's run, default 3600).
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
# Each backend's run is stopped after this many seconds (generating the province on PostgreSQL takes about 35 minutes).
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "3600"))


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
    env = {**os.environ, "DATABASE_URL": url, "GRASSROOTS_LOG_LEVEL": "ERROR", "GRASSROOTS_DEBUG": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale", scale, "--backend", backend],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,  # the figures; its progress (a bar on a terminal) goes straight to this stderr
        text=True,
        timeout=TIMEOUT,
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmark on {backend} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _number(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def cell(figures: dict, name: str) -> str:
    """A measure as printed: its median, and (min–max) when it was sampled."""
    value = figures.get(name)
    if value is None:
        return "-"
    if f"{name}_min" in figures:
        return f"{_number(value)} ({_number(figures[name + '_min'])}–{_number(figures[name + '_max'])})"
    return _number(value)


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "province")
    DATA.mkdir(parents=True, exist_ok=True)
    backends = [("sqlite", f"sqlite:///{DATA / f'bench-{scale}.sqlite3'}")]
    if os.environ.get("BENCH_PG", "1") == "0":
        print("BENCH_PG=0: SQLite only")
    elif postgres_reachable():
        backends.append(("postgresql", pg_url(scale)))
    else:
        print("PostgreSQL not reachable at", PG_SERVER, "- SQLite only")
    results = {name: run(name, url, scale) for name, url in backends}
    names = sorted({k for r in results.values() for k in r if not k.endswith(("_min", "_max", "_samples"))})
    width = max(len(n) for n in names) + 2
    print(f"\nscale: {scale}; medians of the samples, their spread in brackets")
    print("measure".ljust(width) + "".join(b.rjust(26) for b in results))
    for name in names:
        print(name.ljust(width) + "".join(cell(r, name).rjust(26) for r in results.values()))
    (DATA / f"results-{scale}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
