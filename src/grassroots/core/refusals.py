"""Writes the permission policy refused, in the audit trail with the result "refused" (GB/T 22239-2019 8.1.4.3 b:
the records hold the result of each event, success or failure).

A service refuses by raising core.policy.PermissionDenied inside its transaction, which rolls back: nothing written
there is kept, so the refusal cannot record itself. The places that turn a refusal into an answer note it instead
(`note`): the API's exception handler, the pages' `service_errors`, the admin's actions, and
RequestContextMiddleware for a refusal no view caught (Django answers it with the 403 page). Once the view has
answered, outside its transactions, the middleware records the first refusal of a write request (POST, PUT, PATCH,
DELETE) as one entry: the actor, the request's method and path, the address's name and its arguments, and the
object and the policy's action where the check knew them; nothing of the data sent. A client repeating refused
writes cannot flood the trail: at most GRASSROOTS_REFUSALS_AUDITED_PER_MINUTE entries a minute are written per user
(per client address when anonymous), counted in the cache (core.throttle); past it the refusals are answered as
before and logged, not recorded.
"""

import contextvars
import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, models

from . import throttle
from .audit import audit, organization_of
from .clientip import client_ip
from .models import AuditEntry, AuditResult
from .policy import PermissionDenied

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ACTION = "core.refused"

# The refusals noted while one request is answered (None outside a request).
_noted = contextvars.ContextVar("grassroots_refusals", default=None)


@contextmanager
def watching():
    """The block answers one request: the policy's refusals noted meanwhile are collected in the list yielded."""
    noted: list[PermissionDenied] = []
    token = _noted.set(noted)
    try:
        yield noted
    finally:
        _noted.reset(token)


def note(refusal) -> None:
    """Note that the request under way was refused by the policy (any other exception is left alone)."""
    noted = _noted.get()
    if noted is not None and isinstance(refusal, PermissionDenied) and not any(r is refusal for r in noted):
        noted.append(refusal)


def actor_of(request):
    """The signed-in user the request was answered for (the API's token users are known once its view ran)."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _organization(obj, actor):
    """Where the entry belongs, so that the auditors of that scope read it: the refused row's organization when the
    check named a row, else the actor's own (a member's organization), else none (the system's chain)."""
    if obj is not None:
        if hasattr(obj, "steplen") and getattr(obj, "path", ""):  # an organization
            return obj
        org = organization_of(obj) or getattr(obj, "organization", None)
        if getattr(org, "path", ""):
            return org
    member = getattr(actor, "member", None) if actor is not None else None
    return getattr(member, "organization", None)


def _entry(refusal: PermissionDenied, actor, where: str, after: dict) -> AuditEntry:
    obj = getattr(refusal, "obj", None)
    obj = obj if isinstance(obj, models.Model) and obj.pk is not None else None
    return audit(
        ACTION,
        result=AuditResult.REFUSED,
        actor=actor,
        obj=obj,
        organization=_organization(obj, actor),
        object_repr="" if obj is not None else where[:200],
        after={**after, "policy_action": getattr(refusal, "action", "") or ""},
    )


def record_console(refusal: PermissionDenied, actor, command: str, operator: str) -> AuditEntry | None:
    """The entry of a console command run as `actor` that the policy refused (its transaction rolled back)."""
    try:
        return _entry(
            refusal, actor, f"grassroots {command}", {"command": command, "console": True, "operator": operator}
        )
    except DatabaseError:
        log.exception("a refused command could not be recorded in the audit trail: %s", command)
        return None


def record(request, refusal: PermissionDenied, actor) -> AuditEntry | None:
    """The entry of one refused write (None for a read, or past the limit a minute)."""
    if request.method not in WRITE_METHODS:
        return None
    who = f"user:{actor.pk}" if actor is not None else f"address:{client_ip(request)}"
    limit = settings.GRASSROOTS_REFUSALS_AUDITED_PER_MINUTE
    if not throttle.allow("refused-audit", who, limit=limit, seconds=60):
        log.warning("refused write not audited (over %s a minute, %s): %s %s", limit, who, request.method, request.path)
        return None
    match = getattr(request, "resolver_match", None)
    after = {
        "method": request.method,
        "path": request.path[:200],
        "view": getattr(match, "view_name", "") or "",
        "arguments": {k: str(v)[:64] for k, v in (getattr(match, "kwargs", None) or {}).items()},
    }
    try:
        return _entry(refusal, actor, f"{request.method} {request.path}", after)
    except DatabaseError:  # the refusal is answered all the same (a busy database is no reason to answer 500)
        log.exception("a refused write could not be recorded in the audit trail: %s %s", request.method, request.path)
        return None
