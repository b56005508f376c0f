"""The audit trail: services call `audit(...)` explicitly; entries are hash-chained and verifiable."""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .context import current_request_id
from .labels import _ACTIONS, register_actions
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64

register_actions(
    {
        "core.user.login_failed": _("Login failed"),
        "core.personal_data.read": _("Personal data read unmasked"),
        "core.export": _("Data exported"),
    }
)


def normalize(data):
    """JSON-native form of a snapshot, as it reads back from the database."""
    if data is None:
        return None
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(obj: models.Model, fields) -> dict:
    """Values of the named fields (foreign keys by id) for before/after records."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = getattr(obj, field.attname)
    return normalize(out)


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(entry: AuditEntry) -> str:
    payload = [
        entry.seq,
        _stamp(entry.at),
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.organization_id,
        entry.org_path,
        entry.before,
        entry.after,
        entry.request_id,
        entry.prev_hash,
    ]
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _locked_head() -> AuditHead:
    """The chain head, locked until the caller's transaction ends, so appends are serialized."""
    AuditHead.objects.get_or_create(id=1)
    return AuditHead.objects.select_for_update().get(id=1)


def _organization_of(obj, organization):
    if organization is not None:
        return organization
    if obj is None:
        return None
    org = getattr(obj, "audit_organization", None)
    return org() if callable(org) else org


@transaction.atomic
def audit(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    organization=None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry to the trail, inside the caller's transaction."""
    if action not in _ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    org = _organization_of(obj, organization)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    head = _locked_head()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_name = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor.get_username()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        organization_id=getattr(org, "pk", None),
        org_path=getattr(org, "path", "") or "",
        before=normalize(before),
        after=normalize(after),
        request_id=current_request_id(),
        prev_hash=head.hash,
    )
    entry.hash = compute_hash(entry)
    entry.save()
    AuditHead.objects.filter(id=1).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""


def verify(chunk_size: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first entry whose link or content does not hold."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return VerifyResult(False, count, expected_seq, f"entry #{expected_seq} is missing (deleted)")
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, count, entry.seq, f"entry #{entry.seq} does not link to the one before")
        if compute_hash(entry) != entry.hash:
            return VerifyResult(False, count, entry.seq, f"entry #{entry.seq} was changed after it was written")
        prev_hash = entry.hash
        expected_seq += 1
        count += 1
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != count or head_hash != prev_hash:
        return VerifyResult(False, count, count + 1, f"entries after #{count} are missing (deleted)")
    return VerifyResult(True, count)


# ---------------------------------------------------------------- reading: personal data masked by the reader's role

_MASKS: dict[str, Callable[[str], str]] = {}


def register_masked_keys(masks: dict) -> None:
    """Keys of snapshots that hold personal data (e.g. "id_number"), each with the function that masks its value
    for a reader whose role may not read it; the app that owns the data registers them."""
    _MASKS.update(masks)


def masked(data):
    """A snapshot with every registered personal value masked, at any depth (the stored entry is unchanged)."""
    if isinstance(data, dict):
        return {k: _MASKS[k](v) if k in _MASKS and isinstance(v, str) else masked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [masked(v) for v in data]
    return data


def readable(user, entry: AuditEntry) -> tuple:
    """(before, after) of an entry as `user` may read them: personal data in full only where the user's role
    reads it unmasked on the entry's organization, masked as everywhere else otherwise."""
    from .policy import Action, can

    if can(user, Action.VIEW_PERSONAL, entry):
        return entry.before, entry.after
    return masked(entry.before), masked(entry.after)
