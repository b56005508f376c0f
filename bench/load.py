"""`make load`: a deadline day against a production server on this machine, loopback only, bounded in time.

For each database (SQLite, and PostgreSQL when it answers at 127.0.0.1:5432): a fresh database gets a county of 4
townships and 40 branches, a secretary account on each branch and 4 officers of the county, and 20 duties issued to
every branch, all due today. gunicorn then serves the site as production does (GRASSROOTS_PRODUCTION=1, DEBUG off,
as `grassroots serve` starts it, with 2 worker processes of 4 threads: the machine's 2 cores) on 127.0.0.1, and for
LOAD_SECONDS seconds 16 secretaries report progress with a photo (the API's multipart report, as the phone pages
post it) and open their work and the assignment's page, while 8 officer sessions open the start page, the duty's
page and the review queue and accept the reports waiting there. The bare view of bench.load_urls, served the same
way at the same concurrency for BARE_SECONDS, gives the stack's limit; the same view for the signed-in sessions, the
limit of a signed-in request. Every report answered 201 is counted back in the database afterwards, with its photo
on disk. Prints one JSON object per database and writes bench/data/load-<backend>.json.

    make load                     # both databases, 40 s of deadline day and 15 s of bare view each
    LOAD_SECONDS=10 make load     # quicker
"""

import asyncio
import base64
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
HOST = "127.0.0.1"
PORT = int(os.environ.get("LOAD_PORT", "8107"))
BARE_PORT = int(os.environ.get("LOAD_BARE_PORT", "8117"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "grassroots_load"
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "40"))
BARE_SECONDS = float(os.environ.get("BARE_SECONDS", "15"))
# The paced deadline day: its clients together send this share of the top rate just measured (LOAD_PACED_SHARE), or
# this many requests a second (LOAD_RATE), for LOAD_SECONDS; 0 leaves the paced run out.
PACED_SHARE = float(os.environ.get("LOAD_PACED_SHARE", "0.5"))
PACED_RATE = float(os.environ.get("LOAD_RATE", "0"))
SECRETARIES, OFFICER_SESSIONS = 16, 8
BRANCHES, OFFICERS, DUTIES = 40, 4, 20
PHOTOS = BRANCHES * DUTIES  # as many as the assignments: no photo sent twice
# The clients keep their connections (as a phone or a proxy does), which wants threaded workers: 2 processes of
# 4 threads on this 2-core machine (grassroots serve: GRASSROOTS_WORKERS, GRASSROOTS_THREADS).
WORKERS, THREADS = int(os.environ.get("LOAD_WORKERS", "2")), int(os.environ.get("LOAD_THREADS", "4"))


# ---------------------------------------------------------------- the world (runs inside Django)


def prepare() -> dict:
    """A county, its accounts and the day's duties; the sessions and assignments the clients will use."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from grassroots.duties import services as duty_services
    from grassroots.duties.models import Assignment, Dimension
    from grassroots.organizations import services as org_services

    User = get_user_model()
    admin = User.objects.create_superuser("load-admin", password=None)
    county = org_services.organization_create(
        actor=admin, parent=None, code="L", name="负载县委", kind="committee", unit_type="party_organ"
    )
    branches = []
    for t in range(4):
        township = org_services.organization_create(
            actor=admin, parent=county, code=f"L-T{t}", name=f"负载镇{t}党委", kind="committee", unit_type="township"
        )
        for b in range(BRANCHES // 4):
            branches.append(
                org_services.organization_create(
                    actor=admin,
                    parent=township,
                    code=f"L-T{t}-B{b}",
                    name=f"负载镇{t}第{b}村党支部",
                    kind="branch",
                    unit_type="village",
                )
            )
    secretaries = []
    for i, branch in enumerate(branches):
        user = User.objects.create_user(f"load-secretary-{i}", password=None)
        org_services.grant_create(actor=admin, user=user, organization=branch, role="secretary")
        secretaries.append((user, branch))
    officers = []
    for i in range(OFFICERS):
        user = User.objects.create_user(f"load-officer-{i}", password=None)
        org_services.grant_create(actor=admin, user=user, organization=county, role="officer")
        officers.append(user)
    today = timezone.localdate()
    duty_list = duty_services.duty_list_for(
        actor=admin, organization=county, period=duty_services.period_for(str(today.year))
    )
    targets = duty_services.resolve_targets(issuer=county, mode="kind", kind="branch")
    duties = []
    for d in range(DUTIES):
        duty = duty_services.duty_create(
            actor=admin,
            duty_list=duty_list,
            title=f"截止日任务 {d + 1}",
            dimension=Dimension.POLITICAL,
            due_on=today,
            start_on=today - dt.timedelta(days=30),
            requirement="按时报送进展并附照片。",
        )
        duty_services.duty_issue(actor=admin, duty=duty, targets=targets)
        duties.append(duty.pk)

    def session(user) -> dict:
        client = Client()
        client.force_login(user)
        client.get("/")  # sets the CSRF cookie a page's forms (and a session's API writes) need
        return {"sessionid": client.cookies["sessionid"].value, "csrftoken": client.cookies["csrftoken"].value}

    return {
        "secretaries": [
            {
                **session(user),
                "assignments": list(
                    Assignment.objects.filter(organization=branch).order_by("pk").values_list("pk", flat=True)
                ),
            }
            for user, branch in secretaries
        ],
        "officers": [session(user) for user in officers],
        "duties": duties,
        "reports_before": _reports(),
    }


def _reports() -> dict:
    from grassroots.duties.models import Evidence, ProgressReport

    return {"reports": ProgressReport.objects.count(), "evidence": Evidence.objects.count()}


def count() -> dict:
    """The reports and photos in the database, and the photo files on disk."""
    from django.conf import settings

    from grassroots.duties.models import Evidence
    from grassroots.insights.models import Flag

    missing = sum(1 for e in Evidence.objects.all() if not Path(settings.MEDIA_ROOT, e.file.name).is_file())
    # A realistic day raises few flags: every report with a photo and a text of its own.
    return {**_reports(), "evidence_files_missing": missing, "flags_raised": Flag.objects.count()}


# ---------------------------------------------------------------- the clients


def photo(seed: int = 7) -> bytes:
    """A phone photo, small as a secretary's app sends it (800×600 JPEG); each seed another scene (photos of
    different seeds lie far apart for the reused-photo check: 16 bits and more, against its threshold of 10)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y, r = rng.randrange(800), rng.randrange(600), rng.randrange(20, 160)
        draw.ellipse((x, y, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


PLACES = ("村委会", "党群服务中心", "文化广场", "老年活动室", "村小学", "卫生室", "合作社", "河道", "茶园", "敬老院")
DEEDS = (
    "组织党员开展环境整治，清理垃圾{n}车",
    "走访困难群众{n}户，帮助解决实际问题",
    "召开党员大会，传达学习上级文件精神，{n}名党员参加",
    "开展政策宣讲{n}场，群众反响良好",
    "排查矛盾纠纷{n}起，已全部化解",
    "协调资金{n}万元用于道路硬化",
    "组织志愿服务队巡河{n}次",
    "为{n}名老人代办医保手续",
    "完成台账整理，补齐材料{n}份",
    "培训新型职业农民{n}人次",
)


# Characters of everyday Chinese, from which each report's own account is drawn.
WORDS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
    "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还"
    "因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结"
    "解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级"
)


def report_text(rng: random.Random) -> str:
    """A progress report as a secretary writes it: what was done, where, how much, then an account of its own (drawn
    from everyday characters), so that no two are alike: a sentence sent by every branch would rightly be flagged as
    copied text (Jaccard 0.3 on 3-character shingles), and a deadline day of real reports raises almost none."""
    deed = rng.choice(DEEDS).format(n=rng.randrange(2, 60))
    account = "".join(rng.choice(WORDS) for _ in range(48))
    return f"在{rng.choice(PLACES)}{deed}。{account[:24]}，{account[24:]}。照片附后。"


class Tally:
    def __init__(self):
        self.latencies: list[float] = []
        self.served: list[float] = []  # from when each request was sent (a paced one may wait to be sent)
        self.by_route: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.reports_created: list[int] = []
        self.accepted = 0

    async def call(self, client, method, url, *, expect=(200,), pace=None, **kwargs):
        """One request; with a `pace`, sent at the pace's next time and timed from that time (a request the client
        could not send on time, its last one still running, counts the wait: no coordinated omission)."""
        start = await pace.next() if pace is not None else time.perf_counter()
        if start is None:  # the paced run is over
            return None
        sent = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
            self.served.append(time.perf_counter() - sent)
        except Exception as exc:  # a refused or dropped connection is an error like a 500
            self.latencies.append(time.perf_counter() - start)
            self.errors.append(f"{method} {url}: {type(exc).__name__}")
            return None
        self.latencies.append(time.perf_counter() - start)
        route = f"{method} {re.sub(r'/[0-9]+/', '/{id}/', url.split('?')[0])}"
        self.by_route.setdefault(route, []).append(self.latencies[-1])
        if response.status_code not in expect:
            self.errors.append(f"{method} {url}: {response.status_code} {response.text[:200]}")
            return None
        return response

    def figures(self, seconds: float) -> dict:
        ordered, served = sorted(self.latencies), sorted(self.served)

        def pct(p, ordered=ordered):
            return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1) if ordered else None

        return {
            "requests": len(ordered),
            "requests_per_second": round(len(ordered) / seconds, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "served_p50_p95_p99_ms": [pct(0.50, served), pct(0.95, served), pct(0.99, served)],
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "median_ms_by_route": {
                route: round(1000 * sorted(times)[len(times) // 2], 1) for route, times in sorted(self.by_route.items())
            },
            # Where the tail is: each route's 95th percentile and slowest request.
            "p95_max_ms_by_route": {
                route: [pct(0.95, sorted(times)), round(1000 * max(times), 1)]
                for route, times in sorted(self.by_route.items())
            },
        }


class Pace:
    """When a client sends its requests at a given rate: at exponentially distributed intervals (arrivals of a
    Poisson process, as independent users' requests arrive), whatever its last request's latency."""

    def __init__(self, rate: float, seed: int, until: float):
        self.rate = rate
        self.rng = random.Random(seed)
        self.at = time.perf_counter()
        self.until = until

    async def next(self) -> float | None:
        """The time the next request is due, once it has come; None past the run's end."""
        self.at += self.rng.expovariate(self.rate)
        if self.at >= self.until:
            # Nothing more to send: the client waits for the run's end (a loop asking again must not spin).
            await asyncio.sleep(max(0.0, self.until - time.perf_counter()))
            return None
        wait = self.at - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        return self.at


KEEPALIVE_S = 1.0  # below the server's keep-alive (gunicorn: 2 s)


def _client(base: str, cookies: dict | None = None):
    import httpx

    headers = {"Accept-Language": "zh-hans"}
    if cookies:
        headers["Cookie"] = f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"
        headers["X-CSRFToken"] = cookies["csrftoken"]
    # A connection idle for 1 s is not used again: gunicorn closes one idle for 2 s (its --keep-alive), and a request
    # sent on it just then finds it closed (a paced client waits about 2 s between requests; httpx keeps connections
    # 5 s by default and, unlike a browser, does not send again on a fresh one).
    limits = httpx.Limits(keepalive_expiry=KEEPALIVE_S)
    return httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0, follow_redirects=False, limits=limits)


async def secretary(base, who, photos, tally, until, pace=None):
    rng = random.Random(who["sessionid"])
    async with _client(base, who) as client:
        for assignment in who["assignments"]:
            if time.perf_counter() >= until:
                return
            await tally.call(client, "GET", "/work/", pace=pace)
            made = await tally.call(
                client,
                "POST",
                f"/api/assignments/{assignment}/report/",
                expect=(201,),
                pace=pace,
                data={"text": report_text(rng), "percent": "100"},
                files={"files": (f"photo-{assignment}.jpg", photos[assignment % len(photos)], "image/jpeg")},
            )
            if made is not None:
                tally.reports_created.append(made.json()["id"])
            await tally.call(client, "GET", f"/assignments/{assignment}/", pace=pace)


async def officer(base, who, duties, index, tally, until, pace=None):
    async with _client(base, who) as client:
        n = 0
        while time.perf_counter() < until:
            n += 1
            await tally.call(client, "GET", "/", pace=pace)
            await tally.call(client, "GET", f"/duties/{duties[n % len(duties)]}/", pace=pace)
            await tally.call(client, "GET", "/review/" if n % 2 else "/api/assignments/?state=submitted", pace=pace)
            queue = await tally.call(client, "GET", "/api/reports/to_review/", pace=pace)
            if queue is None:
                continue
            mine = [r["id"] for r in queue.json()["results"] if r["id"] % OFFICER_SESSIONS == index][:2]
            for report in mine:
                if await tally.call(client, "POST", f"/api/reports/{report}/accept/", json={}, pace=pace) is not None:
                    tally.accepted += 1


async def bare(base, tally, until, who=None):
    async with _client(base, who) as client:
        while time.perf_counter() < until:
            await tally.call(client, "GET", "/bare/signed-in/" if who else "/bare/")


async def deadline_day(
    base: str,
    world: dict,
    seconds: float,
    rate: float | None = None,
    secretaries: slice = slice(0, SECRETARIES),
    photos: list[bytes] | None = None,
) -> tuple[Tally, float]:
    """The deadline day's clients. Without a `rate`, each sends its next request the moment the last is answered
    (the server's top rate); with one, the clients together send `rate` requests a second, each at its own
    Poisson pace, and a request's time runs from when it was due to be sent."""
    # A photo of its own for each report (assignments are numbered apart: no two reports of a run share one).
    photos = photos or [photo(seed) for seed in range(PHOTOS)]
    tally = Tally()
    start = time.perf_counter()
    until = start + seconds
    officers = world["officers"]
    clients = SECRETARIES + OFFICER_SESSIONS

    def pace(i):
        return Pace(rate / clients, seed=i, until=until) if rate else None

    await asyncio.gather(
        *(
            secretary(base, who, photos, tally, until, pace(i))
            for i, who in enumerate(world["secretaries"][secretaries])
        ),
        *(
            officer(base, officers[i % len(officers)], world["duties"], i, tally, until, pace(SECRETARIES + i))
            for i in range(OFFICER_SESSIONS)
        ),
    )
    # Paced: the requests sent within the window, over the window (the last few are answered just after it).
    return tally, seconds if rate else time.perf_counter() - start


async def bare_view(base: str, seconds: float, sessions=None) -> tuple[Tally, float]:
    """The bare view at the deadline day's concurrency; signed in as these sessions when given."""
    tally = Tally()
    start = time.perf_counter()
    until = start + seconds
    clients = SECRETARIES + OFFICER_SESSIONS
    await asyncio.gather(
        *(bare(base, tally, until, sessions[i % len(sessions)] if sessions else None) for i in range(clients))
    )
    return tally, time.perf_counter() - start


# ---------------------------------------------------------------- the servers and the run


def _django(env: dict, what: str) -> dict:
    """Run prepare() or count() in a Django process on the database of `env`; its JSON answer."""
    code = (
        "import django, json, sys; django.setup(); from bench import load; "
        f"sys.stdout.write('\\n@@' + json.dumps(load.{what}()))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.rsplit("\n@@", 1)[1])


def _serve(env: dict, port: int) -> subprocess.Popen:
    """gunicorn as `grassroots serve` starts it in production (grassroots.cli.gunicorn_argv: 2 x cores + 1 worker
    processes) with LOAD_WORKERS processes of LOAD_THREADS threads, its access log discarded."""
    from grassroots.cli import gunicorn_argv

    environ = {**env, "GRASSROOTS_WORKERS": str(WORKERS), "GRASSROOTS_THREADS": str(THREADS)}
    server = subprocess.Popen(
        gunicorn_argv(host=HOST, port=str(port), environ=environ),
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    import httpx

    for _ in range(200):
        try:
            if httpx.get(f"http://{HOST}:{port}/health/", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)
    _stop(server)
    raise RuntimeError("gunicorn did not answer")


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: str) -> tuple[str, int, int, int] | None:
    """(command, process group, own CPU ticks, reaped children's CPU ticks) of one process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
    # After the command: state, ppid, pgrp (index 2), ... utime stime cutime cstime (indexes 11-14)
    return command, int(rest[2]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14])


class CpuMeter:
    """The CPU seconds spent while a run lasts: by the server (the gunicorn group: its live processes and the workers
    it has reaped), by PostgreSQL's processes (the backends that ended counted by the postmaster, which reaped them),
    by this process (the clients) and by the whole machine; so a run can say how busy its cores were and what a
    request cost the server, not only how long it took."""

    def __init__(self, server_group: int):
        self.group = server_group

    def read(self) -> dict:
        server = postgres = 0
        for pid in (entry for entry in os.listdir("/proc") if entry.isdigit()):
            stat = _proc_stat(pid)
            if stat is None:
                continue
            command, group, own, reaped = stat
            if group == self.group:
                server += own + (reaped if int(pid) == self.group else 0)
            elif command.startswith("postgres"):
                postgres += own + reaped  # the postmaster carries the backends that ended (a connection closed)
        mine = os.times()
        with open("/proc/stat") as f:
            # user, nice, system, irq, softirq: not idle, iowait, steal, nor guest (counted in user already)
            busy = sum(int(n) for i, n in enumerate(f.readline().split()[1:]) if i in (0, 1, 2, 5, 6))
        return {
            "server": server / TICKS,
            "postgres": postgres / TICKS,
            "clients": mine.user + mine.system,
            "machine": busy / TICKS,
        }

    def __enter__(self):
        self.start, self.wall = self.read(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        end, wall = self.read(), time.perf_counter() - self.wall
        self.spent = {name: end[name] - self.start[name] for name in end}
        self.seconds = wall
        return False

    def figures(self, requests: int) -> dict:
        """CPU milliseconds per request by whom, and the share of the machine's cores busy during the run."""
        per = {name: round(1000 * spent / max(1, requests), 1) for name, spent in self.spent.items()}
        return {
            "cpu_ms_per_request": per,
            "cores_busy": round(self.spent["machine"] / self.seconds, 2),
            "cores": os.cpu_count(),
        }


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run(backend: str, url: str) -> dict:
    media = Path(tempfile.mkdtemp(prefix="grassroots-load-media-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "GRASSROOTS_MEDIA_ROOT": str(media),
        "GRASSROOTS_LOG_LEVEL": "ERROR",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
        # One key for the sessions made here and the server that reads them.
        "GRASSROOTS_SECRET_KEY": os.environ.get("GRASSROOTS_SECRET_KEY", "load-test-key-" + "x" * 50),
        # Personal data sealed as production seals it (production refuses to start without keys).
        "GRASSROOTS_FIELD_KEYS": os.environ.get(
            "GRASSROOTS_FIELD_KEYS", "load1:" + base64.b64encode(b"k" * 32).decode()
        ),
        "GRASSROOTS_FIELD_INDEX_KEY": os.environ.get(
            "GRASSROOTS_FIELD_INDEX_KEY", base64.b64encode(b"i" * 32).decode()
        ),
    }
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    world = _django(env, "prepare")
    production = {
        **env,
        "GRASSROOTS_PRODUCTION": "1",
        "GRASSROOTS_ALLOWED_HOSTS": HOST,
        "GRASSROOTS_SSL_REDIRECT": "0",
        "GRASSROOTS_AUDIT_KEY": os.environ.get("GRASSROOTS_AUDIT_KEY", "load-test-audit-key-" + "y" * 40),
    }
    # Production serves static files from collectstatic's folder, by their hashed names.
    subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=production)
    photos = [photo(seed) for seed in range(PHOTOS)]
    meters = {}
    try:
        server = _serve(production, BARE_PORT)
        try:
            with CpuMeter(server.pid) as meters["bare_view"]:
                bare_tally, bare_seconds = asyncio.run(bare_view(f"http://{HOST}:{BARE_PORT}", BARE_SECONDS))
            with CpuMeter(server.pid) as meters["bare_view_signed_in"]:
                signed_tally, signed_seconds = asyncio.run(
                    bare_view(f"http://{HOST}:{BARE_PORT}", BARE_SECONDS, world["secretaries"] + world["officers"])
                )
        finally:
            _stop(server)
        server = _serve(production, PORT)
        paced = None
        try:
            with CpuMeter(server.pid) as meters["deadline_day"]:
                tally, seconds = asyncio.run(deadline_day(f"http://{HOST}:{PORT}", world, LOAD_SECONDS, photos=photos))
            rate = PACED_RATE or round(PACED_SHARE * len(tally.latencies) / seconds, 1)
            if rate:
                # Other branches' secretaries: their assignments are all still open.
                with CpuMeter(server.pid) as meters["deadline_day_paced"]:
                    paced = asyncio.run(
                        deadline_day(
                            f"http://{HOST}:{PORT}",
                            world,
                            LOAD_SECONDS,
                            rate,
                            slice(SECRETARIES, 2 * SECRETARIES),
                            photos=photos,
                        )
                    )
        finally:
            _stop(server)
        after = _django(env, "count")
    finally:
        shutil.rmtree(media, ignore_errors=True)
    day, limit = tally.figures(seconds), bare_tally.figures(bare_seconds)
    signed = signed_tally.figures(signed_seconds)
    day |= meters["deadline_day"].figures(day["requests"])
    limit |= meters["bare_view"].figures(limit["requests"])
    signed |= meters["bare_view_signed_in"].figures(signed["requests"])
    created = len(tally.reports_created)
    paced_figures = {}
    if paced is not None:
        paced_tally, paced_seconds = paced
        created += len(paced_tally.reports_created)
        paced_figures = {
            "deadline_day_paced": {
                "rate_asked": rate,
                **paced_tally.figures(paced_seconds),
                **meters["deadline_day_paced"].figures(len(paced_tally.latencies)),
            },
            "paced_share_of_top_rate": round(
                paced_tally.figures(paced_seconds)["requests_per_second"] / day["requests_per_second"], 2
            ),
        }
    return {
        "backend": backend,
        "server": f"gunicorn as grassroots serve runs it, {WORKERS} workers x {THREADS} threads, production settings",
        "clients": f"{SECRETARIES} secretaries + {OFFICER_SESSIONS} officer sessions",
        "deadline_day": day,
        **paced_figures,
        "bare_view": limit,
        "bare_view_signed_in": signed,
        "ratio_of_bare_requests_per_second": round(day["requests_per_second"] / limit["requests_per_second"], 2),
        "ratio_of_signed_in_bare_requests_per_second": round(
            day["requests_per_second"] / signed["requests_per_second"], 2
        ),
        "reports_answered_201": created,
        "reports_in_database": after["reports"] - world["reports_before"]["reports"],
        "photos_in_database": after["evidence"] - world["reports_before"]["evidence"],
        "photo_files_missing": after["evidence_files_missing"],
        "reports_lost": created - (after["reports"] - world["reports_before"]["reports"]),
        "reports_accepted": tally.accepted + (paced[0].accepted if paced else 0),
    }


def _postgres_url() -> str | None:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        return f"{PG_SERVER}/{PG_DATABASE}"
    except Exception:
        return None


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    backends = os.environ.get("LOAD_BACKENDS", "sqlite,postgresql").split(",")
    results = []
    if "sqlite" in backends:
        folder = Path(tempfile.mkdtemp(prefix="grassroots-load-db-"))
        try:
            results.append(run("sqlite", f"sqlite:///{folder / 'load.sqlite3'}"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if "postgresql" in backends:
        url = _postgres_url()
        if url is None:
            print("== no PostgreSQL at 127.0.0.1:5432: SQLite only", file=sys.stderr)
        else:
            results.append(run("postgresql", url))
    failed = False
    for result in results:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        (DATA / f"load-{result['backend']}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
        failed |= bool(
            result["deadline_day"]["errors"]
            or result.get("deadline_day_paced", {}).get("errors")
            or result["bare_view"]["errors"]
            or result["bare_view_signed_in"]["errors"]
            or result["reports_lost"]
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
