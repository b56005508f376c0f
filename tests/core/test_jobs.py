"""Long actions started from a page (core.jobs): the import runs beside the request, its page shows the stage and
progress (htmx every second, a refresh without JavaScript), then the result; only its starter reads it."""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grassroots.core.models import Job, JobState
from tests.factories import make_id_number

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _members_csv(n=1) -> bytes:
    lines = ["姓名,性别,出生日期,身份证号,所在党组织,入党日期"]
    for i in range(n):
        lines.append(f"王芳{i},女,1975.03,{make_id_number(dt.date(1975, 3, 9), 'F', 300 + i)},青山村党支部,1999年7月")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _state(pk: int) -> str:
    """The job's state, read as its page reads it; a read that meets the job's own write (SQLite's shared cache in
    tests answers "table is locked" at once) counts as still running."""
    from django.db import OperationalError

    try:
        return Job.objects.get(pk=pk).state
    except OperationalError:
        return JobState.RUNNING


@pytest.mark.django_db(transaction=True)
def test_an_import_from_the_page_runs_beside_the_request_and_shows_its_result(client):
    from grassroots.organizations.models import Member
    from tests.factories import build_small_county

    county = build_small_county()
    client.force_login(county.users.t1_officer)
    response = client.post(
        reverse("organizations:import"),
        {"kind": "members", "file": SimpleUploadedFile("members.csv", _members_csv(3))},
        HTTP_X_REQUEST_ID="import-from-the-page-1",
        **EN,
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("job", args=[job.pk])
    deadline = time.monotonic() + 60
    while _state(job.pk) == JobState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
    page = client.get(response["Location"], **EN).content.decode()
    assert "Import of members.csv" in page and "3 created" in page and "Import another file" in page
    assert "every 1s" not in page  # done: the page stops asking
    assert Member.objects.filter(name__startswith="王芳").count() == 3
    # The import's audit entry belongs to the request that started it, by the one who did.
    from grassroots.core.models import AuditEntry

    entry = AuditEntry.objects.get(action="organizations.import")
    assert entry.request_id == "import-from-the-page-1" and entry.actor_id == county.users.t1_officer.pk
    other = client.__class__()
    other.force_login(county.users.officer)
    assert other.get(response["Location"]).status_code == 404  # a job is read by whoever started it


def test_a_running_jobs_page_shows_its_stage_and_asks_again_every_second(county, client_for):
    job = Job.objects.create(
        kind="organizations.import.members", title="Import of members.csv", actor=county.users.t1_officer
    )
    job.stage, job.done, job.total = "Checking 3,000 rows", 1, 3
    job.save()
    client = client_for(county.users.t1_officer)
    page = client.get(reverse("job", args=[job.pk]), **EN).content.decode()
    assert "Checking 3,000 rows" in page and '<progress max="3" value="1"' in page
    assert f'hx-get="{reverse("job", args=[job.pk])}" hx-trigger="every 1s"' in page and "htmx" in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page  # without JavaScript
    part = client.get(reverse("job", args=[job.pk]), HTTP_HX_REQUEST="true", **EN).content.decode()
    assert part.startswith('<section class="card job"') and "<html" not in part
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    cut = client.get(reverse("job", args=[job.pk]), **EN).content.decode()
    assert "cut short" in cut and "every 1s" not in cut


def test_an_import_tells_its_stages(county):
    from grassroots.organizations import importing

    stages = []
    report = importing.import_file(
        actor=county.users.t1_officer,
        kind="members",
        uploaded=SimpleUploadedFile("members.csv", _members_csv(2)),
        progress=lambda stage, done, total: stages.append((str(stage), done, total)),
    )
    assert report.ok
    assert stages == [("Reading the file", 0, 3), ("Checking 2 rows", 1, 3), ("Writing 2 rows", 2, 3)]


def test_a_job_page_in_chinese(county, client_for):
    job = Job.objects.create(kind="x", title="导入 members.csv", actor=county.users.secretary, total=3, done=1)
    page = client_for(county.users.secretary).get(reverse("job", args=[job.pk])).content.decode()
    assert "可以离开本页" in page


@pytest.mark.django_db(transaction=True)
def test_progress_told_inside_the_works_transaction_is_seen_before_it_ends():
    """An assessment computes all or nothing in one transaction: its progress is written on a connection of its
    own (PostgreSQL), so that it stands even though the work's transaction is undone; SQLite's one writer being the
    work's transaction, the call is skipped there."""
    from django.db import connection, transaction

    from grassroots.core.jobs import Progress
    from tests.factories import UserFactory

    job = Job.objects.create(kind="x", title="x", actor=UserFactory())
    progress = Progress(job.pk)
    progress("Reading", 0, 3)  # outside any transaction: written at once
    assert Job.objects.get(pk=job.pk).stage == "Reading"
    with pytest.raises(RuntimeError), transaction.atomic():
        progress("Counting meetings", 2, 17)
        raise RuntimeError("the work failed")
    progress.close()
    job.refresh_from_db()
    if connection.vendor == "postgresql":
        assert (job.stage, job.done, job.total) == ("Counting meetings", 2, 17)
    else:
        assert (job.stage, job.done, job.total) == ("Reading", 0, 3)


@pytest.mark.django_db(transaction=True)
def test_progress_waits_a_moment_for_a_locked_row_then_the_work_goes_on(monkeypatch):
    """The job's row locked by the work's own transaction (written in it, as in a test, or locked on every node of
    a distributed database): the progress update gives up after its wait, once, and the work is not held up."""
    from django.db import connection, transaction

    from grassroots.core import jobs
    from tests.factories import UserFactory

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes no progress inside the work's transaction")
    monkeypatch.setattr(jobs, "PROGRESS_WAIT_MS", 300)
    job = Job.objects.create(kind="x", title="x", actor=UserFactory())
    progress = jobs.Progress(job.pk)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(stage="locked by the work")  # the work's transaction holds the row
        started = time.monotonic()
        progress("Counting meetings", 2, 17)
        progress("Counting study", 3, 17)  # no second wait
        waited = time.monotonic() - started
    progress.close()
    assert waited < 2 and progress._silent
    assert Job.objects.get(pk=job.pk).stage == "locked by the work"


@pytest.mark.django_db(transaction=True)
def test_a_job_row_found_locked_is_written_once_the_lock_is_gone_and_progress_never_stops_the_work(monkeypatch):
    """SQLite in a shared cache answers "database table is locked" at once, while a page reads the row: the work
    is not failed for its progress, and its result waits its turn."""
    from django.db import OperationalError
    from django.db.models import QuerySet

    from grassroots.core import jobs
    from tests.factories import UserFactory

    job = Job.objects.create(kind="x", title="x", actor=UserFactory())
    update = QuerySet.update
    refusals = {"left": 3}

    def locked_at_first(queryset, **values):
        if queryset.model is Job and refusals["left"]:
            refusals["left"] -= 1
            raise OperationalError("database table is locked: core_job")
        return update(queryset, **values)

    monkeypatch.setattr(QuerySet, "update", locked_at_first)

    def work(progress):
        progress("Reading the file", 0, 3)  # refused, tried again, written
        return {"ok": True, "summary": "3 created"}

    jobs._run(job.pk, work, "en", own_connection=False)
    job.refresh_from_db()
    assert refusals["left"] == 0 and job.state == JobState.DONE and job.result["summary"] == "3 created"
    assert job.stage == "Reading the file"
    # Locked for longer than progress waits: the stage is not shown, the work still finishes.
    monkeypatch.setattr(jobs, "PROGRESS_WAIT_MS", 50)
    refusals["left"] = 10**6
    started = time.monotonic()
    jobs.Progress(job.pk)("Checking", 1, 3)
    assert time.monotonic() - started < 1
    # Any other database error is not waited on.
    refusals["left"] = 0
    monkeypatch.setattr(
        QuerySet, "update", lambda queryset, **values: (_ for _ in ()).throw(OperationalError("disk I/O error"))
    )
    assert jobs._write_row(job.pk, {"stage": "x"}, wait_s=5) is False


def test_jobs_older_than_a_month_are_forgotten_when_the_next_starts(county):
    from grassroots.core.jobs import job_start

    old = Job.objects.create(kind="x", title="old", actor=county.users.officer)
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    recent = Job.objects.create(kind="x", title="recent", actor=county.users.officer)
    done = job_start(actor=county.users.secretary, kind="x", title="now", work=lambda progress: {"ok": True})
    assert done.state == JobState.DONE and done.result == {"ok": True}
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, done.pk}
