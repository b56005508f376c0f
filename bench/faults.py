"""`python -m bench.faults`: PostgreSQL restarted under load, against a production server on this machine.

A fresh database `grassroots_faults` on the PostgreSQL at 127.0.0.1:5432 (created, and dropped at the end; no other
database is touched) gets the county, accounts and duties of bench.load (its prepare()). gunicorn serves the site as
production does (bench.load's _serve: GRASSROOTS_PRODUCTION=1, connections kept between requests and health-checked).
For FAULTS_SECONDS (20) seconds 12 secretaries report progress with a photo, half by the report page's form and half
by the API, and open their work and the assignment's page; a report answered 503 is sent again, as a secretary would,
unless the answer said it was saved. FAULTS_RESTART_AT (8) seconds in, PostgreSQL is restarted for real, once
(`pg_ctlcluster <version> <cluster> restart`, the cluster on port 5432 as `pg_lsclusters` lists it). When other
databases of the server have connections (a test run, another bench), or with FAULTS_RESTART=0, every backend of
`grassroots_faults` is terminated instead (pg_terminate_backend), as a restart would end them, and the output says so.

Printed as one JSON object: the requests, their statuses by code, the errors other than 503 (any other status, or a
request the server did not answer), the 503s that did not carry the message, the reports answered 201 (API) or 302
(page) against those in the database and their photos missing on disk, and whether after the restart the next
request of every client succeeded with gunicorn's worker processes the same (nothing restarted but PostgreSQL).
Exits 1 when a request was answered otherwise than its success or a 503 with the message, when a report answered as
made is not in the database (or one in it was answered as not saved), or when a client did not recover.

    python -m bench.faults                       # 20 s, PostgreSQL restarted at 8 s
    FAULTS_RESTART=0 python -m bench.faults      # the backends of grassroots_faults terminated instead
"""

import asyncio
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import load

PG_DATABASE = "grassroots_faults"
PORT = int(os.environ.get("FAULTS_PORT", "8127"))
SECONDS = float(os.environ.get("FAULTS_SECONDS", "20"))
RESTART_AT = float(os.environ.get("FAULTS_RESTART_AT", "8"))
RESTART = os.environ.get("FAULTS_RESTART", "1") != "0"
CLIENTS = 12
SUCCESS = {"page-report": 302, "api-report": 201, "page": 200}
NOTHING_SAVED = "所填内容均未保存"  # the clients ask in Chinese (bench.load's clients): DATABASE_UNAVAILABLE
SAVED = "您的修改已保存"  # DATABASE_LOST_AFTER_SAVING: committed, then the answer failed


# ---------------------------------------------------------------- the PostgreSQL server


def _admin(sql: str, params=()) -> list:
    import psycopg

    with psycopg.connect(f"{load.PG_SERVER}/postgres", connect_timeout=5, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _others_connected() -> dict:
    """Client connections to databases of the server other than this script's (by database)."""
    rows = _admin(
        "SELECT datname, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND datname IS NOT NULL AND datname NOT IN ('postgres', %s) AND pid <> pg_backend_pid() GROUP BY 1",
        [PG_DATABASE],
    )
    return dict(rows)


def _cluster() -> tuple[str, str] | None:
    """The version and name of the cluster on port 5432, as pg_lsclusters lists it."""
    try:
        listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in listed.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "5432" and fields[3] == "online":
            return fields[0], fields[1]
    return None


def _restart(cluster: tuple[str, str]) -> dict:
    done = subprocess.run(["pg_ctlcluster", *cluster, "restart"], capture_output=True, text=True)
    return {"returncode": done.returncode, "stderr": done.stderr.strip()[-500:]}


def _terminate() -> dict:
    ended = _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [PG_DATABASE],
    )
    return {"backends_terminated": len(ended)}


def _workers(master: int) -> list[int]:
    """gunicorn's worker processes: the children of its master."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{master}\n" in status:
                children.append(int(entry.name))
    return sorted(children)


# ---------------------------------------------------------------- the clients


def _json(answer) -> bool:
    try:
        answer.json()
    except ValueError:
        return False
    return True


class Record:
    def __init__(self):
        self.answers = []  # (sent at, client, kind, status or the exception's name, the body's verdict)

    async def call(self, client, index: int, kind: str, method: str, path: str, **kwargs):
        sent = time.monotonic()
        try:
            answer = await client.request(method, path, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a request the server did not answer is what is counted
            self.answers.append((sent, index, kind, type(exc).__name__, ""))
            return None, ""
        says = ""
        if answer.status_code == 503:
            body = answer.json().get("detail", "") if path.startswith("/api/") and _json(answer) else answer.text
            says = "saved" if SAVED in body else "nothing saved" if NOTHING_SAVED in body else "no message"
        self.answers.append((sent, index, kind, answer.status_code, says))
        return answer, says


async def secretary(base: str, who: dict, index: int, photos: list[bytes], record: Record, until: float) -> None:
    rng = random.Random(index)
    queue = list(who["assignments"])
    kind = "page-report" if index % 2 == 0 else "api-report"
    async with load._client(base, who) as client:
        while time.monotonic() < until:
            await record.call(client, index, "page", "GET", "/work/")
            if not queue:
                await asyncio.sleep(0.2)
                continue
            assignment = queue[0]
            path = f"{'/api' if kind == 'api-report' else ''}/assignments/{assignment}/report/"
            answer, says = await record.call(
                client,
                index,
                kind,
                "POST",
                path,
                data={"text": load.report_text(rng), "percent": "100"},
                files={"files": (f"photo-{assignment}.jpg", photos[assignment % len(photos)], "image/jpeg")},
            )
            if answer is not None and (answer.status_code == SUCCESS[kind] or says == "saved"):
                queue.pop(0)
            await record.call(client, index, "page", "GET", f"/assignments/{assignment}/")


async def under_load(base: str, world: dict, photos: list[bytes], fault) -> tuple[Record, dict]:
    record = Record()
    start = time.monotonic()
    until = start + SECONDS

    async def inject() -> dict:
        await asyncio.sleep(RESTART_AT)
        began = time.monotonic()
        outcome = await asyncio.to_thread(fault)
        return {"began_at_s": round(began - start, 2), "took_s": round(time.monotonic() - began, 2), **outcome}

    *_clients, fault_done = await asyncio.gather(
        *(secretary(base, world["secretaries"][i], i, photos, record, until) for i in range(CLIENTS)),
        inject(),
    )
    fault_done["ended_at"] = start + fault_done["began_at_s"] + fault_done["took_s"]
    return record, fault_done


# ---------------------------------------------------------------- the run


def run(url: str, fault_name: str, fault) -> dict:
    media = Path(tempfile.mkdtemp(prefix="grassroots-faults-media-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "GRASSROOTS_MEDIA_ROOT": str(media),
        "GRASSROOTS_LOG_LEVEL": "CRITICAL",  # the 503s are logged as errors, one a request: counted here instead
        "PYTHONPATH": os.pathsep.join([str(load.ROOT), str(load.ROOT / "src")]),
        "GRASSROOTS_SECRET_KEY": os.environ.get("GRASSROOTS_SECRET_KEY", "faults-test-key-" + "x" * 50),
        "GRASSROOTS_FIELD_KEYS": os.environ.get(
            "GRASSROOTS_FIELD_KEYS", "faults1:" + base64.b64encode(b"k" * 32).decode()
        ),
        "GRASSROOTS_FIELD_INDEX_KEY": os.environ.get(
            "GRASSROOTS_FIELD_INDEX_KEY", base64.b64encode(b"i" * 32).decode()
        ),
    }
    try:
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=load.ROOT, env=env, check=True)
        world = load._django(env, "prepare")
        production = {
            **env,
            "GRASSROOTS_PRODUCTION": "1",
            "GRASSROOTS_ALLOWED_HOSTS": load.HOST,
            "GRASSROOTS_SSL_REDIRECT": "0",
            "GRASSROOTS_AUDIT_KEY": os.environ.get("GRASSROOTS_AUDIT_KEY", "faults-test-audit-key-" + "y" * 40),
        }
        subprocess.run(
            [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"], cwd=load.ROOT, env=production
        )
        photos = [load.photo(seed) for seed in range(load.PHOTOS)]
        server = load._serve(production, PORT)
        try:
            workers_before = _workers(server.pid)
            record, fault_done = asyncio.run(under_load(f"http://{load.HOST}:{PORT}", world, photos, fault))
            workers_after = _workers(server.pid)
            server_alive = server.poll() is None
        finally:
            load._stop(server)
        after = load._django(env, "count")
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return _figures(world, record, fault_name, fault_done, after, workers_before, workers_after, server_alive)


def _figures(world, record, fault_name, fault_done, after, workers_before, workers_after, server_alive) -> dict:
    answers = record.answers
    statuses = Counter(str(status) for _sent, _i, _kind, status, _says in answers)
    others = Counter(
        f"{kind} {status}" for _sent, _i, kind, status, _says in answers if status not in (SUCCESS[kind], 503)
    )
    unexplained = Counter(kind for _s, _i, kind, status, says in answers if status == 503 and says == "no message")
    made = sum(
        1 for _s, _i, kind, status, says in answers if kind != "page" and (status == SUCCESS[kind] or says == "saved")
    )
    in_database = after["reports"] - world["reports_before"]["reports"]
    ended = fault_done.pop("ended_at")
    first_after = {}
    for sent, index, kind, status, _says in sorted(answers):
        if sent >= ended and index not in first_after:
            first_after[index] = status == SUCCESS[kind]
    after_fault = [(kind, status) for sent, _i, kind, status, _says in answers if sent >= ended]
    return {
        "fault": fault_name,
        **fault_done,
        "server": f"gunicorn, {load.WORKERS} workers x {load.THREADS} threads, production settings",
        "clients": f"{CLIENTS} secretaries (half by the report page, half by the API), {SECONDS:g} s",
        "requests": len(answers),
        "statuses": dict(sorted(statuses.items())),
        "errors_other_than_503": dict(others),
        "503_without_the_message": dict(unexplained),
        "503_saying_saved": sum(1 for *_rest, says in answers if says == "saved"),
        "reports_answered_201_or_302": made - sum(1 for *_rest, says in answers if says == "saved"),
        "reports_made_by_the_answers": made,
        "reports_in_database": in_database,
        "photos_in_database": after["evidence"] - world["reports_before"]["evidence"],
        "photo_files_missing": after["evidence_files_missing"],
        "after_the_fault": {
            "requests": len(after_fault),
            "statuses": dict(sorted(Counter(str(status) for _kind, status in after_fault).items())),
            "next_request_of_every_client_succeeded": len(first_after) == CLIENTS and all(first_after.values()),
        },
        "gunicorn_not_restarted": server_alive and workers_before == workers_after and bool(workers_before),
    }


def main() -> None:
    import psycopg

    try:
        others = _others_connected()
    except psycopg.Error as exc:
        print(f"== no PostgreSQL at 127.0.0.1:5432: {exc}", file=sys.stderr)
        sys.exit(2)
    cluster = _cluster()
    if RESTART and not others and cluster is not None:
        fault_name, fault = (
            f"PostgreSQL restarted (pg_ctlcluster {' '.join(cluster)} restart)",
            lambda: _restart(cluster),
        )
    else:
        why = (
            "FAULTS_RESTART=0"
            if not RESTART
            else f"other databases in use: {others}"
            if others
            else "no cluster on port 5432 in pg_lsclusters"
        )
        fault_name, fault = f"every backend of {PG_DATABASE} terminated, not a restart ({why})", _terminate
    _admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {PG_DATABASE}")
    try:
        result = run(f"{load.PG_SERVER}/{PG_DATABASE}", fault_name, fault)
    finally:
        for _ in range(50):  # after a restart the server may take a moment to accept connections
            try:
                _admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                break
            except psycopg.Error:
                time.sleep(0.2)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    failed = (
        result["errors_other_than_503"]
        or result["503_without_the_message"]
        or result["reports_made_by_the_answers"] != result["reports_in_database"]
        or result["photo_files_missing"]
        or not result["after_the_fault"]["next_request_of_every_client_succeeded"]
        or not result["gunicorn_not_restarted"]
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
