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
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .context import current_request_id, note_written
from .fieldcrypt import hmac_hex, open_snapshot, register_sealed_keys, seal_snapshot
from .labels import is_action, register_actions
from .models import LEGACY_CHAIN, SYSTEM_CHAIN, AuditChainHead, AuditEntry, AuditResult
from .policy import Action, can

GENESIS = "0" * 64

register_actions(
    {
        "core.user.login_failed": _("Login failed"),
        "core.personal_data.read": _("Personal data read unmasked"),
        "core.export": _("Data exported"),
        "core.audit.seal": _("Audit trail signed with a new key"),
        "core.backup.restore": _("Database and files restored from a backup"),
        "core.refused": _("Action refused"),
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


# How a keyed entry is signed (GRASSROOTS_AUDIT_DIGEST): HMAC-SHA256, or HMAC-SM3 for the deployments that must use
# the national algorithms (GB/T 32905). The entry's key fingerprint says which: an SM3 one starts with "sm3:".
DIGEST_NAMES = {"sha256": "HMAC-SHA256", "sm3": "HMAC-SM3"}
DIGESTS = tuple(DIGEST_NAMES)
SM3_PREFIX = "sm3:"


def key_id(key: str, digest: str = "sha256") -> str:
    """A key's public fingerprint, stored beside each entry it signed (never the key itself), 16 characters: for
    HMAC-SM3 the prefix "sm3:" and 12 of them, so that the entry names its algorithm and the hash covers it."""
    fingerprint = hashlib.sha256(b"grassroots-audit-key:" + key.encode("utf-8")).hexdigest()
    return SM3_PREFIX + fingerprint[:12] if digest == "sm3" else fingerprint[:16]


def digest_of(entry_key_id: str) -> str:
    """The algorithm of an entry's signature, read off its key fingerprint ("" for an entry not signed)."""
    if not entry_key_id:
        return ""
    return "sm3" if entry_key_id.startswith(SM3_PREFIX) else "sha256"


def _keys() -> dict[str, str]:
    """The keys this process holds, by fingerprint (under either algorithm): the current one and those of earlier
    years."""
    keys = [settings.GRASSROOTS_AUDIT_KEY, *settings.GRASSROOTS_AUDIT_OLD_KEYS]
    return {key_id(k, digest): k for k in keys if k for digest in DIGESTS}


def compute_hash(entry: AuditEntry, key: str = "") -> str:
    """The entry's hash: HMAC-SHA256 or HMAC-SM3 under `key` (whose fingerprint the entry names, and with it the
    algorithm), or plain SHA-256 without. It
    covers the entry's place in its chain and, outside the legacy chain (whose entries were hashed before there were
    chains, with their number in the one chain there was), the chain's name.

    The result (success or failure) is hashed as an element of its own, {"result": ...}, when it is not "done": the
    entries written before there was a result (all of them done) verify as they were, and a result changed either way
    changes what is hashed (a done entry made "refused" gains the element, a refused one made "done" loses it)."""
    payload = [
        entry.chain_seq,
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
    if entry.chain != LEGACY_CHAIN:
        payload.append(entry.chain)
    if entry.result != AuditResult.DONE:
        payload.append({"result": entry.result})
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key:
        return hmac_hex(key.encode("utf-8"), text, sm3=digest_of(entry.key_id) == "sm3")
    return hashlib.sha256(text).hexdigest()


def chain_of(org) -> str:
    """The chain of an entry on `org`: its region's, the organization's top-level region under the national root.

    The region is the ancestor at depth 2 when the tree has one root (the national root; its own entries go to the
    root's chain), else the root of the organization's tree. A chain is named by the region's id (ids never change,
    paths do when a subtree moves); entries that name no organization go to the "system" chain. An organization
    moved to another region writes to its new region's chain from then on; its earlier entries stay where they are."""
    path = getattr(org, "path", "") or ""
    if org is None or not path:
        return SYSTEM_CHAIN
    model = org._meta.model
    step = model.steplen
    root_path = path[:step]
    # Both candidates (the root, the ancestor at depth 2) and whether the root is alone, in one select: every
    # audited write asks.
    rows = {
        row_path: (pk, alone)
        for row_path, pk, alone in model.objects.filter(path__in={root_path, path[: 2 * step]})
        .annotate(alone=~Exists(model.objects.filter(depth=1).exclude(path=root_path)))
        .values_list("path", "pk", "alone")
    }
    if root_path in rows:
        national = rows[root_path][1]
    else:  # a tree without the organization's root: as many roots as there are
        national = len(model.objects.filter(depth=1).values_list("pk", flat=True)[:2]) == 1
    region_path = path[: 2 * step] if national else root_path
    if region_path == path:
        return str(org.pk)
    return str(rows[region_path][0]) if region_path in rows else SYSTEM_CHAIN


def _locked_head(chain: str) -> AuditChainHead:
    """The head of one chain, locked until the caller's transaction ends, so that appends to that chain are
    serialized (and appends to other chains are not held up)."""
    try:
        return AuditChainHead.objects.select_for_update().get(chain=chain)
    except AuditChainHead.DoesNotExist:  # a chain's first entry: made (or found, when another made it first), locked
        AuditChainHead.objects.get_or_create(chain=chain)
        return AuditChainHead.objects.select_for_update().get(chain=chain)


def organization_of(obj, organization=None):
    """The organization an entry on `obj` belongs to: the one named, else the row's `audit_organization`."""
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
    chain: str | None = None,
    result: str = AuditResult.DONE,
) -> AuditEntry:
    """Append one entry to the trail, inside the caller's transaction: to the chain of its organization's region
    (`chain_of`), or to `chain` when named (only the seal names one). `result` says how the event ended: done,
    refused by the policy (core.refusals) or failed (a sign-in)."""
    if not is_action(action):
        raise ValueError(f"unregistered audit action {action!r}")
    if result not in AuditResult.values:
        raise ValueError(f"unknown audit result {result!r}")
    org = organization_of(obj, organization)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    note_written(object_type or "*")
    chain = chain or chain_of(org)
    head = _locked_head(chain)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_name = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor.get_username()
    entry = AuditEntry(
        chain=chain,
        chain_seq=head.seq + 1,
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
        result=result,
    )
    key = settings.GRASSROOTS_AUDIT_KEY
    entry.key_id = key_id(key, settings.GRASSROOTS_AUDIT_DIGEST) if key else ""
    entry.hash = compute_hash(entry, key)
    entry.save()
    AuditChainHead.objects.filter(chain=chain).update(seq=entry.chain_seq, hash=entry.hash)
    return entry


@dataclass(frozen=True)
class ChainResult:
    """The verification of one chain: `broken_seq` is the place in the chain where it first fails."""

    chain: str
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""
    keyed: int = 0  # entries whose hash is an HMAC under a key this process holds
    key_ids: tuple[str, ...] = ()  # the fingerprints of the keys met, oldest first
    head: str = GENESIS  # the newest entry's hash, to print as an anchor outside the database

    @property
    def anchor(self) -> str:
        """CHAIN:SEQ:HASH, as `grassroots audit verify` prints it and `--anchor` checks it later."""
        return f"{self.chain}:{self.count}:{self.head}"


@dataclass(frozen=True)
class VerifyResult:
    """Every chain verified on its own; the trail holds when each one does."""

    chains: tuple[ChainResult, ...] = ()

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.chains)

    @property
    def broken(self) -> tuple[ChainResult, ...]:
        return tuple(c for c in self.chains if not c.ok)

    @property
    def broken_chain(self) -> str | None:
        return self.broken[0].chain if self.broken else None

    @property
    def broken_seq(self) -> int | None:
        return self.broken[0].broken_seq if self.broken else None

    @property
    def problem(self) -> str:
        return self.broken[0].problem if self.broken else ""

    @property
    def count(self) -> int:
        return sum(c.count for c in self.chains)

    @property
    def keyed(self) -> int:
        return sum(c.keyed for c in self.chains)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for c in self.chains for k in c.key_ids))

    @property
    def unkeyed(self) -> int:
        return self.count - self.keyed

    def of(self, chain: str) -> ChainResult | None:
        return next((c for c in self.chains if c.chain == chain), None)


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


class _Walk:
    """One chain walked in order: the first entry whose link or content does not hold breaks it.

    Entries written before a key was set carry a plain SHA-256; from the first keyed entry on, every entry must be
    keyed (an unkeyed one after it was rewritten without the key), and with a key set the newest must be keyed too.
    Without the key, anyone who can write to the database could rewrite an entry and recompute every later hash."""

    def __init__(self, chain: str, keys: dict[str, str]):
        self.chain, self.keys = chain, keys
        self.prev_hash, self.count, self.keyed, self.met, self.newest_keyed = GENESIS, 0, 0, [], False
        self.result: ChainResult | None = None

    def broken(self, seq: int, problem: str) -> None:
        self.result = ChainResult(self.chain, False, self.count, seq, problem, self.keyed, tuple(self.met))

    def step(self, entry: AuditEntry) -> None:
        if self.result is not None:
            return
        seq = entry.chain_seq
        if seq != self.count + 1:
            return self.broken(self.count + 1, f"entry #{self.count + 1} is missing (deleted)")
        if entry.prev_hash != self.prev_hash:
            return self.broken(seq, f"entry #{seq} does not link to the one before")
        if entry.key_id:
            if entry.key_id not in self.keys:
                return self.broken(
                    seq,
                    f"entry #{seq} is signed with key {entry.key_id}, which this process does not hold "
                    "(set GRASSROOTS_AUDIT_KEY, or GRASSROOTS_AUDIT_OLD_KEYS for a key of earlier years)",
                )
            self.keyed += 1
            if entry.key_id not in self.met:
                self.met.append(entry.key_id)
        elif self.keyed:
            return self.broken(seq, f"entry #{seq} is not keyed although the entries before it are")
        if not hmac.compare_digest(compute_hash(entry, self.keys.get(entry.key_id, "")), entry.hash):
            return self.broken(seq, f"entry #{seq} was changed after it was written")
        self.prev_hash, self.newest_keyed = entry.hash, bool(entry.key_id)
        self.count += 1

    def end(self, head: AuditChainHead | None) -> ChainResult:
        if self.result is not None:
            return self.result
        count = self.count
        if head is None:
            self.broken(count + 1, "the chain's head is missing (deleted)")
        elif head.seq != count or head.hash != self.prev_hash:
            self.broken(count + 1, f"entries after #{count} are missing (deleted)")
        elif settings.GRASSROOTS_AUDIT_KEY and count and not self.newest_keyed:
            self.broken(
                count,
                "the newest entry is not signed although a key is set: after setting the key, run `grassroots "
                "audit seal` once; otherwise the chain was rewritten without the key",
            )
        else:
            self.result = ChainResult(self.chain, True, count, None, "", self.keyed, tuple(self.met), self.prev_hash)
        return self.result


def verify(chunk_size: int = 5000) -> VerifyResult:
    """Walk every chain in order, each on its own; report for each chain the first entry whose link or content does
    not hold (a break in one chain says nothing against the others)."""
    keys = _keys()
    walks: dict[str, _Walk] = {}
    for entry in AuditEntry.objects.order_by("chain", "chain_seq").iterator(chunk_size=chunk_size):
        walk = walks.get(entry.chain)
        if walk is None:
            walk = walks[entry.chain] = _Walk(entry.chain, keys)
        walk.step(entry)
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    for chain in heads:
        walks.setdefault(chain, _Walk(chain, keys))
    return VerifyResult(tuple(walks[chain].end(heads.get(chain)) for chain in sorted(walks)))


def seal() -> list[AuditEntry]:
    """Sign the trail from here with the key just set: in every chain whose newest entry is not signed with it, an
    entry that says so, the first under the key (in the system chain when there is none yet)."""
    key = settings.GRASSROOTS_AUDIT_KEY
    if not key:
        raise ValueError("GRASSROOTS_AUDIT_KEY is not set: there is no key to sign the chain with")
    current = key_id(key, settings.GRASSROOTS_AUDIT_DIGEST)  # a new key, or the same key under a new algorithm
    newest = {head.chain: head.hash for head in AuditChainHead.objects.exclude(seq=0)}
    signed = set(
        AuditEntry.objects.filter(hash__in=list(newest.values()), key_id=current).values_list("chain", flat=True)
    )
    chains = [chain for chain in sorted(newest) if chain not in signed] or ([] if newest else [SYSTEM_CHAIN])
    return [audit("core.audit.seal", after={"key": current}, chain=chain) for chain in chains]


def anchor_holds(anchor: str) -> bool:
    """Whether a head printed earlier ("CHAIN:SEQ:HASH", e.g. from the system log; "SEQ:HASH" from before there were
    chains, of the legacy chain) is still in its chain as it was."""
    parts = anchor.split(":")
    chain, seq, digest = (
        ([LEGACY_CHAIN, *parts] if len(parts) == 2 else parts) if len(parts) in (2, 3) else ("", "", "")
    )
    if not chain or not (seq.isascii() and seq.isdigit()) or len(digest) != 64:
        raise ValueError(f"an anchor is written CHAIN:SEQ:HASH, as `grassroots audit verify` prints it; not {anchor!r}")
    return AuditEntry.objects.filter(chain=chain, chain_seq=int(seq), hash=digest.lower()).exists()


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
