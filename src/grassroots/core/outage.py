"""The database out of reach (a restart, a failover, a connection lost mid-request): every request then answers 503
in the user's language, says nothing was saved and when to try again, and is logged once with its request id.

A page gets the site's error page, an htmx request a short message put at the top of the page it came from, the API
its JSON (core.api answers the errors its views raise; the answer here covers a request that failed before its view,
reading the session say). Whatever the request wrote went with its transaction: the server rolls back the
transaction of a connection it lost, and a connection that failed is replaced at the next request (Django closes
an unusable one when a request ends; CONN_HEALTH_CHECKS tests a kept one when the next begins).

"Nothing was saved" is said only when it holds: the middleware notes whether the request's writes were committed
(a write outside a transaction at once, one inside when its transaction commits); when they were and only the answer
failed (a read after the commit), the message says they were saved, so that the user does not send them again.

The answer touches nothing of the database: no session, no user, no menu. Its page is rendered without the request
(no context processor runs), in the language the request already chose (the browser's or the language cookie's
when the user could not be read).

Only a database out of reach is answered so: a mistake in a query (PostgreSQL's ProgrammingError, SQLite's "no such
table", which SQLite raises as an OperationalError) or any other error stays a 500.
"""

import contextlib
import contextvars
import logging
import sqlite3
import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.views import defaults

from .context import current_request_id, incoming_request_id
from .errors import DATABASE_LOST_AFTER_SAVING, DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: a restarted PostgreSQL takes a few to accept connections again
# SQLite's errors that say the file cannot be had just now (busy, locked, unreadable, full), by result code.
SQLITE_OUT_OF_REACH = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")
PROGRAM_LIMIT_EXCEEDED = "54"  # PostgreSQL's class of a statement too large or complex: a mistake, not an outage


def database_out_of_reach(exc: BaseException | None) -> bool:
    """Whether an error says the database could not be reached or the connection was lost (Django's
    OperationalError or InterfaceError, wrapping psycopg's or sqlite3's), not a mistake in a query."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorname", "").startswith(SQLITE_OUT_OF_REACH)
    return not (getattr(cause, "sqlstate", None) or "").startswith(PROGRAM_LIMIT_EXCEEDED)


class _Writes:
    """Whether the writes of the request under way were committed: an execute wrapper on its connections."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")

    def __init__(self):
        self.kept = False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.kept and self._writes(sql):
            db = context["connection"]
            if db.in_atomic_block:
                if not any(func == self._keep for _sids, func, _robust in db.run_on_commit):
                    db.on_commit(self._keep)
            elif db.get_autocommit():
                self.kept = True
        return result

    def _keep(self):
        self.kept = True

    @classmethod
    def _writes(cls, sql: str) -> bool:
        head = sql.lstrip()[:6].upper()
        return head.startswith(cls.WRITES) or (head.startswith("WITH") and any(w in sql.upper() for w in cls.WRITES))


_writes = contextvars.ContextVar("grassroots_request_writes", default=None)


def unavailable_message():
    """What to tell a user whose request lost the database: nothing was saved, or (its writes committed before the
    answer failed) that they were."""
    writes = _writes.get()
    return DATABASE_LOST_AFTER_SAVING if writes is not None and writes.kept else DATABASE_UNAVAILABLE


def log_unavailable(request, exc: BaseException):
    """Log a request the database failed, once, as an error with its request id; the message to answer it with.
    The caller marks its response logged (`response._has_been_logged`), which Django's own log then skips."""
    message = unavailable_message()
    log.error(
        "%s %s answered 503: the database could not be reached (request %s%s): %s: %s",
        request.method,
        request.path,
        _request_id(request),
        ", its changes saved before" if message is DATABASE_LOST_AFTER_SAVING else "",
        type(exc).__name__,
        str(exc).strip() or "-",
    )
    return message


def database_unavailable(request, exc: BaseException) -> HttpResponse:
    """The 503 answer to a request the database failed, logged here once (Django's own log of the response is
    skipped)."""
    message = str(log_unavailable(request, exc))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503, json_dumps_params={"ensure_ascii": False})
    elif request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        # A fragment at the top of the page the request came from (base.html lets htmx swap a 503 in); the part of
        # the page it was to replace stays as it was, for the user to try again.
        response = HttpResponse(
            format_html('<ul class="messages"><li class="msg msg-error" role="alert">{}</li></ul>', message),
            status=503,
        )
        response["HX-Retarget"] = "#main"
        response["HX-Reswap"] = "afterbegin"
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # Django's flag: logged above, with the request id
    return response


def _request_id(request) -> str:
    """The request's id as its audit entries carry it: the one under way inside RequestContextMiddleware, else the
    client's X-Request-ID (which that middleware would have taken), else a new one; never left set for later."""
    return incoming_request_id(request) or contextvars.copy_context().run(current_request_id)


class DatabaseUnavailableMiddleware:
    """A view (or its template) that loses the database answers 503 (database_unavailable); whether the view's writes
    were committed first is noted for the message (unavailable_message)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = _Writes()
        token = _writes.set(writes)
        try:
            with contextlib.ExitStack() as stack:
                for db in connections.all():
                    stack.enter_context(db.execute_wrapper(writes))
                return self.get_response(request)
        finally:
            _writes.reset(token)

    def process_exception(self, request, exception):
        if database_out_of_reach(exception):
            return database_unavailable(request, exception)
        return None


def server_error(request, template_name="500.html"):
    """The site's 500 page (handler500), except for a database out of reach in a middleware before the view (the
    session or the user read at the start of a request): that answers 503 as a view would."""
    exc = sys.exc_info()[1]
    if database_out_of_reach(exc):
        return database_unavailable(request, exc)
    return defaults.server_error(request, template_name)
