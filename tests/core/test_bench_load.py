"""make load's paced clients (bench.load.Pace): requests sent at the rate asked, each timed from when it was due,
and a client with nothing more to send waits for the run's end instead of holding the others up; its CPU meter
(bench.load.CpuMeter): what the server's processes spent, the workers it reaped included."""

import asyncio
import concurrent.futures
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.load import CpuMeter, Pace, Tally


class _Answer:
    status_code = 200
    text = ""


class _Server:
    """Answers every request after `seconds`, as a server would (the clients' event loop stays free meanwhile)."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    async def request(self, method, url, **kwargs):
        await asyncio.sleep(self.seconds)
        return _Answer()


def _run(rate: float, clients: int, seconds: float, serve: float) -> tuple[Tally, float]:
    async def client(i, tally, until):
        pace = Pace(rate / clients, seed=i, until=until)
        while time.perf_counter() < until:
            await tally.call(_Server(serve), "GET", "/x/", pace=pace)

    async def run():
        tally = Tally()
        start = time.perf_counter()
        until = start + seconds
        await asyncio.gather(*(client(i, tally, until) for i in range(clients)))
        return tally, time.perf_counter() - start

    # A thread of its own: the browser tests' Playwright keeps an event loop running on this worker's main thread for
    # the session, where asyncio.run() is refused (the bench runs it in a process of its own).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_paced_clients_send_the_rate_asked_and_none_holds_the_others_up():
    # Each client about one request a second: one with nothing more to send for a while before the end must wait
    # for it, not ask again and again (which holds every other client's requests up for that long).
    tally, took = _run(rate=16, clients=8, seconds=2.0, serve=0.01)
    figures = tally.figures(2.0)
    assert 16 <= figures["requests"] <= 52  # Poisson arrivals around 32 in the two seconds
    assert took < 4  # every client ends with the run
    assert figures["p99_ms"] < 400  # answered in 10 ms and sent when due: nobody waited behind another client
    p95, slowest = figures["p95_max_ms_by_route"]["GET /x/"]  # where the tail is, route by route
    assert 10 <= p95 <= slowest < 400


def test_a_request_that_could_not_be_sent_on_time_counts_its_wait():
    # One client asked for 50 requests a second, each answered in 100 ms: it falls behind, and the times say so.
    tally, _took = _run(rate=50, clients=1, seconds=0.6, serve=0.1)
    figures = tally.figures(0.6)
    assert figures["served_p50_p95_p99_ms"][0] < 150
    assert figures["p95_ms"] > 200  # from when each was due, the queue behind the slow answers counts


_BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads /proc")
def test_the_cpu_meter_counts_the_server_groups_work_and_its_reaped_workers():
    """The server's CPU is its group's: processes alive at the end, and workers that ended meanwhile (a recycled
    gunicorn worker is reaped by the master, which then carries its CPU)."""
    # The group's leader, once told to (after the meter's first reading: on a busy machine the burns would otherwise
    # start before it), runs a child that burns 0.3 s of CPU and ends, then burns 0.3 s itself and waits.
    leader = (
        "import subprocess, sys, time\nsys.stdin.readline()\n"
        f"subprocess.run([sys.executable, '-c', {_BURN!r}])\n{_BURN}time.sleep(30)\n"
    )
    server = subprocess.Popen([sys.executable, "-c", leader], start_new_session=True, stdin=subprocess.PIPE)
    try:
        with CpuMeter(server.pid) as meter:
            server.stdin.write(b"go\n")
            server.stdin.flush()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                spent = CpuMeter(server.pid).read()["server"] - meter.start["server"]
                if spent >= 0.55:
                    break
                time.sleep(0.05)
        figures = meter.figures(requests=10)
    finally:
        server.kill()
        server.wait()
        server.stdin.close()
    assert meter.spent["server"] >= 0.55  # both burns: the reaped child's and the leader's own
    assert meter.spent["machine"] >= meter.spent["server"] - 0.05
    assert figures["cpu_ms_per_request"]["server"] >= 55
    assert 0 < figures["cores_busy"] <= figures["cores"] + 0.5
