"""Who is acting and under which request: carried through one user action so audit entries group."""

import contextvars
import uuid
from contextlib import contextmanager

_request_id = contextvars.ContextVar("grassroots_request_id", default="")
_actor = contextvars.ContextVar("grassroots_actor", default=None)
# The kinds of records the action wrote (`app_label.model`, as the audit names them), or None outside an action.
_written = contextvars.ContextVar("grassroots_written", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


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
