"""Who is acting and under which request: carried through one user action so audit entries group."""

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from contextlib import contextmanager

log = logging.getLogger(__name__)

_request_id = contextvars.ContextVar("grassroots_request_id", default="")
_actor = contextvars.ContextVar("grassroots_actor", default=None)
# The kinds of records the action wrote (`app_label.model`, as the audit names them), or None outside an action.
_written = contextvars.ContextVar("grassroots_written", default=None)
# Work to do once the request's answer has been sent, or None outside a request.
_after = contextvars.ContextVar("grassroots_after_answer", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def incoming_request_id(request) -> str | None:
    """The client's X-Request-ID when it is safe to carry into the trail and the logs (8-64 of A-Z a-z 0-9 . _ -),
    else None."""
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if _SAFE_ID.match(incoming) else None


def current_request_id() -> str:
    rid = _request_id.get()
    if not rid:
        rid = new_request_id()
        _request_id.set(rid)
    return rid


def current_actor():
    return _actor.get()


def note_written(label: str) -> None:
    """Note that the action under way wrote a record of this kind (the audit notes every entry it makes)."""
    written = _written.get()
    if written is not None:
        written.add(label)


def written() -> frozenset[str]:
    """The kinds of records the action under way has written so far (what its audit entries name)."""
    return frozenset(_written.get() or ())


@contextmanager
def acting(actor=None, request_id: str | None = None):
    """Run a block as one user action (a request, a CLI command): audit entries share its request id."""
    token_rid = _request_id.set(request_id or new_request_id())
    token_actor = _actor.set(actor)
    token_written = _written.set(set())
    try:
        yield
    finally:
        _request_id.reset(token_rid)
        _actor.reset(token_actor)
        _written.reset(token_written)


def after_answer(work: Callable[[], object]) -> None:
    """Do `work` once the answer to the request under way has been sent, its transaction committed (a report's
    formalism check: the secretary is not kept waiting for it); at once outside a request (a command, the demo, a
    test calling a service). The work reads what it needs again: the request's writes may have been rolled back."""
    pending = _after.get()
    if pending is None:
        work()
    else:
        pending.append(work)


@contextmanager
def answering():
    """The block answers a request: the work it leaves for after its answer (`after_answer`) is collected in the list
    yielded, for the caller to run once the answer is sent."""
    pending = []
    token = _after.set(pending)
    try:
        yield pending
    finally:
        _after.reset(token)


def run_after(pending: list, actor, request_id: str | None) -> Callable[[], None]:
    """The work left for after an answer, as one call, done as the same user action (its audit entries with the
    request's id); a failing piece is logged and the next one still done."""

    def run():
        with acting(actor, request_id):
            for work in pending:
                try:
                    work()
                except Exception:  # noqa: BLE001 - the answer is sent already: logged, nothing else to tell
                    log.exception("work after the answer to request %s failed", request_id)

    return run
