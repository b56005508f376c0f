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
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections
from django.test import Client
from django.utils import timezone
from PIL import Image

from grassroots.core.errors import Conflict
from grassroots.core.models import AuditEntry
from grassroots.core.outage import RETRY_AFTER
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
from grassroots.core.outage import RETRY_AFTER
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


# ---------------------------------------------------------------- pages while the database is out of reach


def out_of_reach(error=OperationalError):
    """An execute wrapper failing every query as a lost connection does; the queries tried are counted."""
    tried = []

    def fail(execute, sql, params, many, context):
        tried.append(sql)
        raise error("server closed the connection unexpectedly")

    return fail, tried


def page_client(client_for, user):
    client = client_for(user)
    client.raise_request_exception = False  # the answer a browser gets, not the exception behind it
    return client


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize("language, says", [("en", "database could not be reached"), ("zh-hans", "暂时无法连接数据库")])
def test_a_page_while_the_database_is_out_of_reach_answers_503_with_the_error_page_and_asks_nothing_more(
    county, db, client_for, caplog, error, language, says
):
    client = page_client(client_for, county.users.secretary)
    fail, tried = out_of_reach(error)
    with connection.execute_wrapper(fail), caplog.at_level(logging.INFO):
        answer = client.get("/work/", HTTP_ACCEPT_LANGUAGE=language, HTTP_X_REQUEST_ID="faults-page-0001")

    assert answer.status_code == 503
    assert answer["Retry-After"] == str(RETRY_AFTER)
    page = answer.content.decode()
    assert says in page and "<h1>" in page and 'class="card narrow"' in page  # the site's styled error page
    assert 'class="nav"' not in page  # no menu: the user could not be read
    assert len(tried) == 1  # the session's read failed; the 503 page asked the database nothing more
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]  # logged once, with the request's id
    assert "faults-page-0001" in errors[0].getMessage() and "503" in errors[0].getMessage()


def test_an_api_request_while_the_database_is_out_of_reach_answers_503_in_json_in_the_callers_language(
    county, db, client_for
):
    """Failing at the session's read, before the API's view and its own errors: the same JSON answer."""
    client = page_client(client_for, county.users.secretary)
    fail, _tried = out_of_reach()
    with connection.execute_wrapper(fail):
        answer = client.get("/api/organizations/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 503
    assert answer["Retry-After"] == str(RETRY_AFTER)
    assert "暂时无法连接数据库" in answer.content.decode()  # as written, not escaped
    assert "所填内容均未保存" in answer.json()["detail"]


def test_an_htmx_request_while_the_database_is_out_of_reach_gets_a_short_message_at_the_top_of_its_page(
    county, db, client_for
):
    client = page_client(client_for, county.users.officer)
    fail, _tried = out_of_reach()
    with connection.execute_wrapper(fail):
        answer = client.get(f"/orgs/{county.county.pk}/children/", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 503
    assert answer["Retry-After"] == str(RETRY_AFTER)
    assert answer["HX-Retarget"] == "#main" and answer["HX-Reswap"] == "afterbegin"
    fragment = answer.content.decode()
    assert "database could not be reached" in fragment and 'role="alert"' in fragment
    assert "<html" not in fragment


def test_a_report_form_that_loses_the_database_mid_write_answers_503_and_keeps_nothing(
    county, db, client_for, monkeypatch, settings
):
    assignment = issued_assignment(county)
    real_attach = Evidence.attach

    def lost(self, checked):  # the report row written, the photo stored; then the connection goes
        real_attach(self, checked)
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(Evidence, "attach", lost)
    client = page_client(client_for, county.users.secretary)
    address = f"/assignments/{assignment.pk}/report/"
    form = {"text": "已开展，照片附后。", "percent": "100"}
    answer = client.post(address, {**form, "files": [_photo()]}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.status_code == 503
    assert "所填内容均未保存" in answer.content.decode()
    assert not ProgressReport.objects.filter(assignment=assignment).exists()  # rolled back with the request
    assert not Evidence.objects.filter(assignment=assignment).exists()
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ISSUED
    assert stored_files(settings) == []  # the photo stored before the connection went is removed again

    monkeypatch.setattr(Evidence, "attach", real_attach)  # the database is back: the same form goes in
    assert client.post(address, {**form, "files": [_photo()]}).status_code == 302
    assert Evidence.objects.filter(assignment=assignment).count() == 1


@pytest.mark.parametrize("by", ["page", "api"])
def test_a_report_saved_before_the_database_went_is_answered_503_saying_it_was_saved(
    county, transactional_db, client_for, monkeypatch, by
):
    """The report committed, the read that follows fails: the 503 says the report was saved (so it is not sent
    again), and it is there once."""
    assignment = issued_assignment(county)

    def lost(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    client = page_client(client_for, county.users.secretary)
    if by == "api":
        monkeypatch.setattr("grassroots.duties.api.assignments.prefetch_related_objects", lost)
        answer = report(client, assignment)
        says = answer.json()["detail"]
    else:
        monkeypatch.setattr("grassroots.duties.views.assignments.messages.success", lost)
        body = {"text": "已开展，照片附后。", "percent": "100", "files": [_photo()]}
        answer = client.post(f"/assignments/{assignment.pk}/report/", body, HTTP_ACCEPT_LANGUAGE="en")
        says = answer.content.decode()
    assert answer.status_code == 503
    assert "Your changes were saved" in says and "Nothing was saved" not in says
    assert ProgressReport.objects.filter(assignment=assignment).count() == 1
    assert Evidence.objects.filter(assignment=assignment).count() == 1


def _mistaken_query(execute, sql, params, many, context):
    return execute("SELECT * FROM grassroots_no_such_table", None, many, context)


def _not_the_database(execute, sql, params, many, context):
    raise ValueError("a bug")


@pytest.mark.parametrize("fault", [_mistaken_query, _not_the_database], ids=["a-mistaken-query", "any-other-bug"])
def test_a_mistake_on_a_page_stays_a_500_not_a_503(county, db, client_for, fault):
    """A query naming no table (SQLite says so with an OperationalError too) or any other bug is not an outage."""
    client = page_client(client_for, county.users.secretary)
    with connection.execute_wrapper(fault):
        answer = client.get("/work/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 500
    assert "Something went wrong" in answer.content.decode()
    assert "Retry-After" not in answer


@on_postgresql
def test_a_page_while_the_database_server_cannot_be_reached_answers_503_and_the_next_one_succeeds(
    county, transactional_db, client_for
):
    client = page_client(client_for, county.users.secretary)
    with socket.socket() as probe:  # a port nothing listens on: the server is down
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    kept = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port
    try:
        answer = client.get("/work/", HTTP_ACCEPT_LANGUAGE="en")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = kept
    assert answer.status_code == 503
    assert "database could not be reached" in answer.content.decode()
    assert client.get("/work/").status_code == 200  # the server is back: no restart of anything


# ---------------------------------------------------------------- a restart mid-load


def _terminate_every_backend() -> int:
    """Another connection ends every backend of the test database but its own, as a restart of the server does."""
    import psycopg

    params = connection.get_connection_params()
    for name in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(name, None)
    with psycopg.connect(**params, autocommit=True) as other:
        ended = other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        ).fetchall()
    return len(ended)


def served(call, *args, **kwargs):
    """A request as a server runs it: connections too old or broken are dropped when it starts (and the kept one
    is health-checked at its first query) and when it ends; Django's test client leaves both out."""
    close_old_connections()
    try:
        return call(*args, **kwargs)
    finally:
        close_old_connections()


# The 503's message in the user's language (the API's in English as asked, a page's in the account's language):
# nothing saved, or saved before the answer failed (a read after the commit), which the client does not send again.
NOTHING_SAVED = ("Nothing was saved; try again", "所填内容均未保存")
SAVED = ("Your changes were saved, but", "您的修改已保存")
SUCCESS = {"page-report": 302, "api-report": 201, "page": 200}


def _says(body: str, messages) -> bool:
    return any(message in body for message in messages)


@on_postgresql
def test_a_database_restart_mid_load_fails_requests_cleanly_and_every_client_recovers(
    county, transactional_db, settings, monkeypatch
):
    """Four clients, each its own connection kept between requests (CONN_MAX_AGE, health-checked), report with a
    photo (by the page's form and by the API) and open pages, while every backend of the database is ended twice:
    once with a report half written (held there until the backends are ended), once wherever the load is. Each
    request answers its success or 503 with the message; no report is half written; after the outage every client's
    next request succeeds, nothing restarted."""
    clients_count, reports_each = 4, 4
    secretary = county.users.secretary
    queues = [[issued_assignment(county) for _ in range(reports_each)] for _ in range(clients_count)]
    clients = [Client(raise_request_exception=False) for _ in range(clients_count)]
    for client in clients:
        client.force_login(secretary)  # a session each, as four phones have

    answered, lock = [], threading.Lock()
    hold, held, ended, over = threading.Event(), threading.Event(), threading.Event(), threading.Event()
    real_attach = Evidence.attach

    def attach(self, checked):  # the report row is written; the first one after `hold` waits for the outage
        if hold.is_set() and not held.is_set():
            held.set()
            ended.wait(timeout=30)
        return real_attach(self, checked)

    monkeypatch.setattr(Evidence, "attach", attach)

    def run(index):
        client, queue, mine, after = clients[index], list(queues[index]), [], None
        deadline = time.monotonic() + 90
        try:
            while (queue or after is None) and time.monotonic() < deadline:
                late = over.is_set()
                step = len(mine)
                if queue and step % 3 != 2:
                    kind = "api-report" if step % 2 else "page-report"
                    address = f"/{'api/' if kind == 'api-report' else ''}assignments/{queue[0].pk}/report/"
                    body = {"text": "已开展，照片附后。", "percent": "100", "files": [_photo()]}
                    answer = served(client.post, address, body, HTTP_ACCEPT_LANGUAGE="en")
                    saved = answer.status_code == 503 and _says(answer.content.decode(), SAVED)
                    if answer.status_code == SUCCESS[kind] or saved:
                        queue.pop(0)
                else:
                    kind = "page"
                    answer = served(client.get, "/work/" if step % 2 else f"/assignments/{queues[index][0].pk}/")
                mine.append((kind, answer.status_code, answer.content.decode(errors="replace")))
                if late and after is None:
                    after = mine[-1]
                with lock:
                    answered.append(answer.status_code)
        finally:
            connections.close_all()
        return mine, after

    results = [None] * clients_count

    def thread(index):
        results[index] = run(index)

    connection.close()
    kept = {"CONN_MAX_AGE": connection.settings_dict["CONN_MAX_AGE"], "CONN_HEALTH_CHECKS": True}
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True)
    threads = [threading.Thread(target=thread, args=(i,)) for i in range(clients_count)]
    try:
        for each in threads:
            each.start()
        _wait_for(lambda: len(answered) >= 4)
        hold.set()
        assert held.wait(timeout=30), "no report reached its evidence"
        first = _terminate_every_backend()  # a report half written among the requests under way
        ended.set()
        seen = len(answered)
        _wait_for(lambda: len(answered) >= seen + 4)
        second = _terminate_every_backend()  # wherever the load is
        over.set()
        for each in threads:
            each.join(timeout=120)
    finally:
        ended.set()
        over.set()
        connection.close()
        connection.settings_dict.update(kept)
        monkeypatch.setattr(Evidence, "attach", real_attach)

    assert first >= 1 and second >= 0
    assert all(result is not None for result in results), "a client did not finish"
    every = [answer for mine, _after in results for answer in mine]
    for kind, status, body in every:
        assert status in (SUCCESS[kind], 503), (kind, status, body[:300])
        if status == 503:
            assert _says(body, NOTHING_SAVED + SAVED), body[:300]
    assert sum(status == 503 for _kind, status, _body in every) >= 1  # the half-written report at least
    for _mine, after in results:  # the first request of each client once the outage was over
        kind, status, body = after
        assert status == SUCCESS[kind], (kind, status, body[:300])

    made = sum(status == SUCCESS[kind] or _says(body, SAVED) for kind, status, body in every if kind != "page")
    assert made == clients_count * reports_each  # every client got all its reports in, retrying after a 503
    reports = ProgressReport.objects.filter(assignment__in=[a for queue in queues for a in queue])
    assert reports.count() == made  # none half written, none kept of a 503 that said nothing was saved
    assert Evidence.objects.filter(report__in=reports).count() == made
    for evidence in Evidence.objects.filter(report__in=reports):
        assert Path(settings.MEDIA_ROOT, evidence.file.name).is_file()
    assert not Assignment.objects.filter(pk__in=[a.pk for q in queues for a in q]).exclude(
        state=AssignmentState.SUBMITTED
    )


def _wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the load did not go on"
        time.sleep(0.05)


def test_a_meeting_whose_record_fails_after_its_file_was_stored_leaves_no_file(county, db, settings, monkeypatch):
    """The same for a meeting's files: a meeting not kept (its transaction rolled back after a file was stored)
    leaves nothing on the disk."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.orglife import services as orglife
    from grassroots.orglife.models import Meeting, MeetingFile

    real_attach = MeetingFile.attach

    def lost(self, checked):
        real_attach(self, checked)
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(MeetingFile, "attach", lost)
    photo = SimpleUploadedFile("meeting.jpg", jpeg(), content_type="image/jpeg")
    with pytest.raises(OperationalError):
        orglife.meeting_record(
            actor=county.users.secretary,
            organization=county.v11,
            kind="committee",
            held_on=timezone.localdate() - dt.timedelta(days=1),
            topic="支委会",
            files=[photo],
        )
    assert not Meeting.objects.filter(topic="支委会").exists() and stored_files(settings) == []
