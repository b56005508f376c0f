"""Long actions started from a page, with their progress (an import, computing an assessment).

The page that starts one answers at once with the job's page; the work runs in a thread of the web process on a
connection of its own, writing its stage and progress on the `Job` row in its own short transactions, and the job's
page reads the row every second (htmx; a refresh every two seconds without JavaScript) until the result is there.
Started inside a transaction (a caller's, or a test's), the work runs at once instead: a second connection would
not see the rows that transaction wrote. Nothing to install: the database holds the state, any web worker shows it.
"""

import contextvars
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Job, JobState

log = logging.getLogger(__name__)

# A job not heard from in this long was cut short (the server restarted under it); its page says so.
SILENT = dt.timedelta(minutes=10)
# Jobs older than this are forgotten when the next one starts (their results are in the audit trail and the data).
KEPT = dt.timedelta(days=30)
# How long a progress update may wait for the job's row before the work goes on without showing its progress.
PROGRESS_WAIT_MS = 2000
# How long the job's final state waits for its row (SQLite's one writer busy, a page reading the row in a shared
# cache) before the job is logged as unfinished; its page then says it was cut short.
RESULT_WAIT_S = 30.0


def _write_row(job_id: int, values: dict, *, wait_s: float) -> bool:
    """One UPDATE of the job's row outside any transaction, tried again while the database says the row or table
    is locked (SQLite answers at once in a shared cache, without waiting); False if it never got through."""
    deadline = time.monotonic() + wait_s
    pause = 0.02
    while True:
        try:
            Job.objects.filter(pk=job_id).update(**values)
            return True
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + pause > deadline:
                log.warning("job %s not updated: %s", job_id, error)
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


class Progress:
    """What the work calls as it goes: `progress(stage, done, total)`, one short UPDATE of the job's row.

    Called inside the work's own transaction (an assessment computes all or nothing), the row is written on a
    connection of its own, so that the page sees it before the work commits; on SQLite, whose one writer is the
    work's transaction, such a call is skipped (the stages outside it are still shown)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._side = None
        self._silent = False

    def __call__(self, stage, done: int, total: int) -> None:
        values = {"stage": str(stage)[:200], "done": max(0, done), "total": max(0, total), "updated_at": timezone.now()}
        if not transaction.get_connection().in_atomic_block:
            _write_row(self.job_id, values, wait_s=PROGRESS_WAIT_MS / 1000)  # progress only: the work goes on
            return
        if connection.vendor == "sqlite" or self._silent:
            return
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:  # progress never holds the work up for long
                cursor.execute(f"SET statement_timeout = {PROGRESS_WAIT_MS}")
        side = self._side
        columns = ", ".join(f"{side.ops.quote_name(name)} = %s" for name in values)
        table = side.ops.quote_name(Job._meta.db_table)
        try:
            with side.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), self.job_id])  # noqa: S608
        except DatabaseError as error:
            # The row is locked by the work's own transaction (the job row written in it, as in a test; or a
            # distributed database locking a replicated table's row on every node): the work goes on unreported.
            log.warning("progress of job %s not shown: %s", self.job_id, error)
            self._silent = True

    def close(self) -> None:
        if self._side is not None:
            self._side.close()


def job_start(*, actor, kind: str, title, work: Callable[[Progress], dict]) -> Job:
    """Start `work(progress)`, which returns the result to show (a dict: `summary`, `problems`, `ok`, `next_url`…).
    The caller has checked the actor's permission; the work's services check it again."""
    Job.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
    job = Job.objects.create(kind=kind, title=str(title)[:200], actor=actor)
    language = translation.get_language()
    if transaction.get_connection().in_atomic_block:
        _run(job.pk, work, language, own_connection=False)
        job.refresh_from_db()
        return job
    # The request's context goes with the work (its id and actor), so that the audit entries group with it.
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run,
        args=(_run, job.pk, work, language, True),
        name=f"grassroots-job-{job.pk}",
        daemon=True,
    ).start()
    return job


def _run(job_id: int, work, language: str, own_connection: bool) -> None:
    progress = Progress(job_id)
    try:
        with translation.override(language):
            try:
                result = work(progress) or {}
            except Exception:
                log.exception("job %s failed", job_id)
                summary = _("It stopped on an error; nothing of it was saved. Try again.")
                state, result = JobState.FAILED, {"ok": False, "summary": summary}
            else:
                state = JobState.DONE
            _write_row(job_id, {"state": state, "result": result, "updated_at": timezone.now()}, wait_s=RESULT_WAIT_S)
    finally:
        progress.close()
        if own_connection:
            connection.close()


def job_of(*, user, pk: int) -> Job | None:
    """A job of the user's own (nobody else reads its result), or None."""
    return Job.objects.filter(pk=pk, actor=user).first() if getattr(user, "pk", None) else None


def interrupted(job: Job) -> bool:
    return job.state == JobState.RUNNING and job.updated_at < timezone.now() - SILENT
