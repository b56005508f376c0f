"""The audit trail: services call `audit(...)` explicitly; entries are hash-chained and verifiable."""

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .context import current_request_id
from .fieldcrypt import open_snapshot, register_sealed_keys, seal_snapshot
from .labels import is_action, register_actions
from .models import AuditEntry, AuditHead
from .policy import Action, can

GENESIS = "0" * 64

register_actions(
    {
        "core.user.login_failed": _("Login failed"),
        "core.personal_data.read": _("Personal data read unmasked"),
        "core.export": _("Data exported"),
        "core.audit.seal": _("Audit trail signed with a new key"),
        "core.backup.restore": _("Database and files restored from a backup"),
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


def key_id(key: str) -> str:
    """A key's public fingerprint, stored beside each entry it signed (never the key itself)."""
    return hashlib.sha256(b"grassroots-audit-key:" + key.encode("utf-8")).hexdigest()[:16]


def _keys() -> dict[str, str]:
    """The keys this process holds, by fingerprint: the current one and those of earlier years."""
    keys = [settings.GRASSROOTS_AUDIT_KEY, *settings.GRASSROOTS_AUDIT_OLD_KEYS]
    return {key_id(k): k for k in keys if k}


def compute_hash(entry: AuditEntry, key: str = "") -> str:
    """The entry's hash: HMAC-SHA256 under `key` (whose fingerprint the entry names), or plain SHA-256 without."""
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
    if entry.key_id:
        payload.append(entry.key_id)
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key:
        return hmac.new(key.encode("utf-8"), text, hashlib.sha256).hexdigest()
    return hashlib.sha256(text).hexdigest()


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
    if not is_action(action):
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
        before=seal_snapshot(normalize(before)),
        after=seal_snapshot(normalize(after)),
        request_id=current_request_id(),
        prev_hash=head.hash,
    )
    key = settings.GRASSROOTS_AUDIT_KEY
    entry.key_id = key_id(key) if key else ""
    entry.hash = compute_hash(entry, key)
    entry.save()
    AuditHead.objects.filter(id=1).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""
    keyed: int = 0  # entries whose hash is an HMAC under a key this process holds
    key_ids: tuple[str, ...] = ()  # the fingerprints of the keys met, oldest first
    head: str = GENESIS  # the newest entry's hash, to print as an anchor outside the database

    @property
    def unkeyed(self) -> int:
        return self.count - self.keyed


def audit_export(*, actor, scope=None, everything: tuple[str, str], **after):
    """The entry of one export: of a subtree (`scope`, an organization) or, without one, of `everything` (its object
    type and name); `after` says what was exported, in which format, how many rows."""
    object_type, object_repr = ("", "") if scope is not None else everything
    within = scope.code if scope is not None else ""
    return audit(
        "core.export",
        actor=actor,
        obj=scope,
        object_type=object_type,
        object_repr=object_repr,
        after={"what": after.pop("what"), "within": within, **after},
    )


def verify(chunk_size: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first entry whose link or content does not hold.

    Entries written before a key was set carry a plain SHA-256; from the first keyed entry on, every entry must be
    keyed (an unkeyed one after it was rewritten without the key), and with a key set the newest must be keyed too.
    Without the key, anyone who can write to the database could rewrite an entry and recompute every later hash."""
    keys = _keys()
    prev_hash, expected_seq, count, keyed, met, newest_keyed = GENESIS, 1, 0, 0, [], False

    def broken(seq, problem):
        return VerifyResult(False, count, seq, problem, keyed, tuple(met))

    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return broken(expected_seq, f"entry #{expected_seq} is missing (deleted)")
        if entry.prev_hash != prev_hash:
            return broken(entry.seq, f"entry #{entry.seq} does not link to the one before")
        if entry.key_id:
            if entry.key_id not in keys:
                return broken(
                    entry.seq,
                    f"entry #{entry.seq} is signed with key {entry.key_id}, which this process does not hold "
                    "(set GRASSROOTS_AUDIT_KEY, or GRASSROOTS_AUDIT_OLD_KEYS for a key of earlier years)",
                )
            keyed += 1
            if entry.key_id not in met:
                met.append(entry.key_id)
        elif keyed:
            return broken(entry.seq, f"entry #{entry.seq} is not keyed although the entries before it are")
        if not hmac.compare_digest(compute_hash(entry, keys.get(entry.key_id, "")), entry.hash):
            return broken(entry.seq, f"entry #{entry.seq} was changed after it was written")
        prev_hash, newest_keyed = entry.hash, bool(entry.key_id)
        expected_seq += 1
        count += 1
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != count or head_hash != prev_hash:
        return broken(count + 1, f"entries after #{count} are missing (deleted)")
    if settings.GRASSROOTS_AUDIT_KEY and count and not newest_keyed:
        return broken(
            count,
            "the newest entry is not signed although a key is set: after setting the key, run `grassroots audit "
            "seal` once; otherwise the chain was rewritten without the key",
        )
    return VerifyResult(True, count, keyed=keyed, key_ids=tuple(met), head=prev_hash)


def seal() -> AuditEntry:
    """Sign the chain from here with the key just set: an entry that says so, the first under the key."""
    key = settings.GRASSROOTS_AUDIT_KEY
    if not key:
        raise ValueError("GRASSROOTS_AUDIT_KEY is not set: there is no key to sign the chain with")
    return audit("core.audit.seal", after={"key": key_id(key)})


def anchor_holds(anchor: str) -> bool:
    """Whether a head printed earlier ("SEQ:HASH", e.g. from the system log) is still in the chain as it was."""
    seq, _, digest = anchor.partition(":")
    if not (seq.isascii() and seq.isdigit()) or len(digest) != 64:
        raise ValueError(f"an anchor is written SEQ:HASH, as `grassroots audit verify` prints it; not {anchor!r}")
    return AuditEntry.objects.filter(seq=int(seq), hash=digest.lower()).exists()


# ---------------------------------------------------------------- reading: personal data masked by the reader's role

_MASKS: dict[str, Callable[[str], str]] = {}


def register_masked_keys(masks: dict) -> None:
    """Keys of snapshots that hold personal data (e.g. "id_number"), each with the function that masks its value
    for a reader whose role may not read it; the app that owns the data registers them. Their values are stored
    sealed (core.fieldcrypt) and opened on reading."""
    _MASKS.update(masks)
    register_sealed_keys(masks)


def masked(data):
    """A snapshot with every registered personal value masked, at any depth (the stored entry is unchanged)."""
    return _masked(open_snapshot(data))


def _masked(data):
    if isinstance(data, dict):
        return {k: _MASKS[k](v) if k in _MASKS and isinstance(v, str) else _masked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_masked(v) for v in data]
    return data


def readable(user, entry: AuditEntry) -> tuple:
    """(before, after) of an entry as `user` may read them: personal data in full only where the user's role
    reads it unmasked on the entry's organization, masked as everywhere else otherwise."""
    if can(user, Action.VIEW_PERSONAL, entry):
        return open_snapshot(entry.before), open_snapshot(entry.after)
    return masked(entry.before), masked(entry.after)


VERIFIED_KEY = "grassroots:audit:verified"
VERIFIED_FOR = dt.timedelta(hours=1)  # how long a verification is shown before the chain is walked again


@dataclass(frozen=True)
class Verification:
    """A verification of the whole chain and when it ran (kept in the cache, so that a page need not walk it)."""

    result: VerifyResult
    at: dt.datetime


def verification(*, again: bool = False) -> Verification:
    """The latest verification of the chain, run now when none is younger than VERIFIED_FOR (or when asked)."""
    from django.core.cache import cache

    kept = None if again else cache.get(VERIFIED_KEY)
    if kept is None or timezone.now() - kept.at > VERIFIED_FOR:
        kept = Verification(verify(), timezone.now())
        cache.set(VERIFIED_KEY, kept, int(VERIFIED_FOR.total_seconds()))
    return kept
