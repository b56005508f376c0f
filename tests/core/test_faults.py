"""Faults survived: a full disk under an upload, the database connection dropped mid-request, a worker killed in the
middle of a bulk issue, two reviewers, two editors and two imports at once. Each ends with a clear message and
nothing half written; the app goes on without a restart.

The PostgreSQL faults need PostgreSQL (`make test-pg`): a SQLite file has no server connection to drop, its in-memory
test database is out of another process's reach, and two threads cannot hold it at once. A stale second review or
edit, one after the other, is tested where each service lives (tests/duties, tests/organizations, ...).
"""

import csv
import datetime as dt
import errno
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import close_old_connections, connection, connections
from django.utils import timezone
from PIL import Image

from grassroots.core.errors import Conflict
from grassroots.core.models import AuditEntry
from grassroots.duties import services
from grassroots.duties.models import Assignment, AssignmentState, Dimension, Evidence, ProgressReport
from grassroots.organizations.importing import import_path
from grassroots.organizations.models import Member
from grassroots.organizations.services import member_update
from tests.factories import make_id_number

ROOT = Path(__file__).resolve().parents[2]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (make test-pg): SQLite has no server connection to drop, and its in-memory test "
    "database is out of another process's or thread's reach",
)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def issued_assignment(county, *, targets=None):
    """A duty of the county issued to the first village branch (or to `targets`); the branch's assignment."""
    officer = county.users.officer
    period = services.period_for(str(timezone.localdate().year))
    duty_list = services.duty_list_for(actor=officer, organization=county.county, period=period)
    due = min(max(timezone.localdate() + dt.timedelta(days=10), period.start), period.end)
    duty = services.duty_create(
        actor=officer,
        duty_list=duty_list,
        title="每月开展一次主题党日",
        dimension=Dimension.POLITICAL,
        due_on=due,
        requirement="有照片",
    )
    services.duty_issue(actor=officer, duty=duty, targets=targets or [county.v11])
    return Assignment.objects.filter(duty=duty).order_by("pk").first()


def report(client, assignment):
    return client.post(
        f"/api/assignments/{assignment.pk}/report/",
        {"text": "已开展，照片附后。", "percent": "100", "files": [_photo()]},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.jpg", jpeg(), content_type="image/jpeg")


def stored_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


# ---------------------------------------------------------------- the disk


@pytest.mark.parametrize("fails_at", [1, 2], ids=["the-photo", "its-thumbnail"])
def test_a_report_whose_photo_cannot_be_stored_is_refused_with_a_message_and_nothing_stays(
    county, db, client_for, settings, monkeypatch, fails_at
):
    assignment = issued_assignment(county)
    real_save, calls = FileSystemStorage._save, []

    def full_disk(self, name, content):
        calls.append(name)
        if len(calls) >= fails_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", full_disk)
    answer = report(client_for(county.users.secretary), assignment)

    assert answer.status_code == 400
    assert "disk is full" in answer.content.decode()
    assert not ProgressReport.objects.filter(assignment=assignment).exists()
    assert not Evidence.objects.exists()
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ISSUED
    assert stored_files(settings) == []  # the photo stored before its thumbnail failed is gone too

    monkeypatch.setattr(FileSystemStorage, "_save", real_save)  # the disk has room again: the same report goes in
    assert report(client_for(county.users.secretary), assignment).status_code == 201
    assert Evidence.objects.filter(assignment=assignment).count() == 1


def test_an_unwritable_media_folder_is_refused_with_a_message_in_chinese_too(county, db, client_for, monkeypatch):
    assignment = issued_assignment(county)

    def unwritable(self, name, content):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(FileSystemStorage, "_save", unwritable)
    client = client_for(county.users.secretary)
    answer = client.post(
        f"/api/assignments/{assignment.pk}/report/",
        {"text": "已开展。", "percent": "50", "files": [_photo()]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 400
    assert "服务器磁盘已满或无法写入" in answer.content.decode()
    assert not ProgressReport.objects.exists()


# ---------------------------------------------------------------- the database connection


def _terminate(pid: int) -> None:
    """Another connection ends the backend serving `pid`, as a database restart or failover would."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s::integer)", [pid])  # Citus adds a bigint form


@on_postgresql
def test_the_database_connection_dropped_mid_report_fails_cleanly_and_the_next_request_succeeds(
    county, transactional_db, client_for, settings, monkeypatch
):
    assignment = issued_assignment(county)
    real_attach = Evidence.attach

    def dropped(self, checked):  # the report row is written; the connection dies before its evidence
        _terminate(connection.connection.info.backend_pid)
        return real_attach(self, checked)

    monkeypatch.setattr(Evidence, "attach", dropped)
    client = client_for(county.users.secretary)
    answer = report(client, assignment)

    assert answer.status_code == 503
    assert "database could not be reached" in answer.json()["detail"]
    monkeypatch.setattr(Evidence, "attach", real_attach)
    assert not ProgressReport.objects.filter(assignment=assignment).exists()  # a new connection, no half report
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ISSUED

    assert report(client, assignment).status_code == 201  # recovered, no restart
    assert ProgressReport.objects.filter(assignment=assignment).count() == 1


@on_postgresql
def test_a_kept_connection_dropped_between_requests_is_replaced_by_the_health_check(
    county, transactional_db, client_for
):
    """With CONN_MAX_AGE a worker keeps its connection between requests; one the server dropped meanwhile is found
    by the health check when the next request starts (what every request of a real server runs), and replaced."""
    client = client_for(county.users.officer)
    kept = {"CONN_MAX_AGE": connection.settings_dict["CONN_MAX_AGE"], "CONN_HEALTH_CHECKS": True}
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True)
    try:
        connection.ensure_connection()
        _terminate(connection.connection.info.backend_pid)
        close_old_connections()  # a request starts
        assert client.get("/api/organizations/").status_code == 200
    finally:
        connection.close()
        connection.settings_dict.update(kept)


# ---------------------------------------------------------------- a worker killed


KILLED_ISSUE = """
import os, sys, time
import django
django.setup()
from grassroots.core.errors import Conflict
from grassroots.core.models import AuditEntry
from grassroots.duties import services
from grassroots.duties.models import Assignment, Duty
from grassroots.core import audit as core_audit

duty = Duty.objects.get(pk=int(sys.argv[1]))
real = core_audit.audit

def slow_audit(*args, **kwargs):
    # The assignments are written; the worker is told to die before the issue commits.
    print("written", Assignment.objects.filter(duty=duty).count(), flush=True)
    time.sleep(60)
    return real(*args, **kwargs)

import grassroots.duties.services.issue as issue
issue.audit = slow_audit
services.duty_issue(actor=duty.created_by, duty=duty, targets=services.resolve_targets(
    issuer=duty.organization, mode="kind", kind="branch"))
print("committed", flush=True)
"""


@on_postgresql
def test_a_worker_killed_in_the_middle_of_a_bulk_issue_leaves_nothing_issued(county, transactional_db):
    officer = county.users.officer
    period = services.period_for(str(timezone.localdate().year))
    duty_list = services.duty_list_for(actor=officer, organization=county.county, period=period)
    due = min(max(timezone.localdate() + dt.timedelta(days=10), period.start), period.end)
    duty = services.duty_create(
        actor=officer,
        duty_list=duty_list,
        title="学习党章",
        dimension=Dimension.POLITICAL,
        due_on=due,
        requirement="学完",
    )
    params = connection.settings_dict
    url = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_ISSUE, str(duty.pk)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = worker.stdout.readline()  # waits until the worker has written its assignments
        assert line.startswith("written"), line
        assert int(line.split()[1]) == 4  # four branches, written inside the uncommitted issue
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Assignment.objects.filter(duty=duty).exists() and time.monotonic() < deadline:
        time.sleep(0.2)  # the server rolls the dead worker's transaction back as it notices the closed socket
    assert not Assignment.objects.filter(duty=duty).exists()
    duty.refresh_from_db()
    assert services.duty_issue(actor=officer, duty=duty, targets=[county.v11, county.v12]) == 2  # issued again


# ---------------------------------------------------------------- two at once


def at_once(*calls):
    """Each call in its own thread and database connection, released together; what each answered or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 — the refusal is the result looked at
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@on_postgresql
def test_two_reviewers_at_once_one_wins_and_the_other_is_told(county, transactional_db):
    assignment = issued_assignment(county)
    made = services.report_submit(actor=county.users.secretary, assignment=assignment, text="已开展", percent=100)

    def accept():
        return services.report_accept(actor=county.users.officer, report=ProgressReport.objects.get(pk=made.pk))

    def give_back():
        return services.report_return(
            actor=county.users.admin, report=ProgressReport.objects.get(pk=made.pk), reason="照片不清楚"
        )

    results = at_once(accept, give_back)
    assert sum(isinstance(r, ProgressReport) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert AuditEntry.objects.filter(action__in=["duties.report.accept", "duties.report.return"]).count() == 1


@on_postgresql
def test_two_editors_of_one_member_at_once_one_wins_and_the_other_is_told(county, transactional_db):
    member = county.members["C-T1-V1"]
    seen = member.updated_at

    def edit(actor, phone):
        return lambda: member_update(
            actor=actor, member=Member.objects.get(pk=member.pk), expected_updated_at=seen, phone=phone
        )

    results = at_once(edit(county.users.officer, "13700000000"), edit(county.users.secretary, "13600000000"))
    assert sum(isinstance(r, Member) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    winner = next(r for r in results if isinstance(r, Member))
    assert Member.objects.get(pk=member.pk).phone == winner.phone


@on_postgresql
def test_two_imports_of_one_file_at_once_make_each_member_once(county, transactional_db, tmp_path):
    people = [
        ("赵一", make_id_number(dt.date(1980, 1, 1), "M", 31, region="110101"), "13800000031", "C-T1-V2"),
        ("钱二", make_id_number(dt.date(1981, 2, 2), "F", 32, region="110101"), "13800000032", "C-T2-V1"),
    ]
    path = tmp_path / "members.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "身份证号", "联系电话", "组织编码"])
        writer.writerows(people)

    reports = at_once(
        lambda: import_path(actor=county.users.officer, kind="members", path=path),
        lambda: import_path(actor=county.users.admin, kind="members", path=path),
    )
    assert all(not isinstance(r, Exception) for r in reports), reports
    assert sorted(r.created for r in reports) == [0, 2], [(r.created, r.problems) for r in reports]
    loser = next(r for r in reports if r.created == 0)
    assert loser.problems or loser.unchanged == 2  # told: refused with a reason, or found every row already there
    for _name, id_number, _phone, _code in people:
        assert Member.objects.filter(id_number=id_number).count() == 1
