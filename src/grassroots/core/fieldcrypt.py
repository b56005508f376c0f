"""Personal data sealed at rest: field-level encryption under keys from the environment, with rotation, a keyed
digest for the exact searches that must still work, and the national algorithms (SM4, SM3) as an option.

A sealed value reads `v1:<key id>:<cipher>:<nonce>:<ciphertext and tag>` (the last two in URL-safe base64), so rows
under several keys and ciphers live side by side: the first key of GRASSROOTS_FIELD_KEYS seals, every key listed
opens. The name of the field (`id_number`, `phone`...) is bound to the ciphertext as associated data, so a value
copied into another column does not open there. Searching by a full value goes through a keyed digest (HMAC-SHA256,
or HMAC-SM3) under GRASSROOTS_FIELD_INDEX_KEY, never by opening every row.

Ciphers: `aes-gcm` (AES-256-GCM, 96-bit random nonce; the default), `sm4-gcm` (SM4 in GCM mode, which the pinned
`cryptography` offers) and `sm4-cbc-sm3` (SM4-CBC with PKCS#7 padding, then HMAC-SM3 over nonce and ciphertext,
for a deployment whose crypto module has SM4 without GCM). A 32-byte key serves all three: AES-256 takes it whole,
SM4 its first 16 bytes, HMAC-SM3 of the CBC mode its last 16.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"
CIPHERS = ("aes-gcm", "sm4-gcm", "sm4-cbc-sm3")
DIGESTS = ("hmac-sha256", "hmac-sm3")
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
DEV_KEY_ID = "dev"


class FieldKeyError(ImproperlyConfigured):
    """A sealed value cannot be opened (its key is not held, or the key is wrong), or the keys are misconfigured."""


class Keyring:
    """The keys this process holds: by id, the first sealing; the index key; the cipher and digest in use."""

    def __init__(self, keys: dict[str, bytes], index_key: bytes, cipher: str, digest: str, development: bool):
        self.keys, self.index_key, self.cipher, self.digest, self.development = (
            keys,
            index_key,
            cipher,
            digest,
            development,
        )
        self.current = next(iter(keys))


def _decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise FieldKeyError(f"{what} is not base64 (generate one with `head -c 32 /dev/urandom | base64`)") from None
    if len(raw) != 32:
        raise FieldKeyError(f"{what} is {len(raw)} bytes; it must be 32 (`head -c 32 /dev/urandom | base64`)")
    return raw


def parse_keys(text: str) -> dict[str, bytes]:
    """`id:base64,id:base64` (the first seals) into {id: key}, refusing a malformed entry with what is wrong."""
    keys = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise FieldKeyError(
                "GRASSROOTS_FIELD_KEYS is a comma-separated list of ID:BASE64KEY, the ID of 1 to 16 letters, digits, "
                f"- or _ (the first key seals, all open); an entry reads {key_id[:16]!r}"
            )
        if key_id in keys:
            raise FieldKeyError(f"GRASSROOTS_FIELD_KEYS names key {key_id!r} twice")
        keys[key_id] = _decode_key(encoded, f"GRASSROOTS_FIELD_KEYS key {key_id!r}")
    return keys


@functools.lru_cache(maxsize=8)
def _keyring(keys: str, index_key: str, cipher: str, digest: str, production: bool, secret: str) -> Keyring:
    cipher = (cipher or "aes-gcm").lower()
    if cipher not in CIPHERS:
        raise FieldKeyError(f"GRASSROOTS_FIELD_CIPHER is {cipher!r}; it is one of {', '.join(CIPHERS)}")
    digest = (digest or ("hmac-sm3" if cipher.startswith("sm4") else "hmac-sha256")).lower()
    if digest not in DIGESTS:
        raise FieldKeyError(f"GRASSROOTS_FIELD_DIGEST is {digest!r}; it is one of {', '.join(DIGESTS)}")
    parsed = parse_keys(keys)
    development = False
    if not parsed or not index_key:
        if production:
            raise FieldKeyError(
                "GRASSROOTS_FIELD_KEYS and GRASSROOTS_FIELD_INDEX_KEY must be set in production: ID numbers, phones "
                "and care details are sealed under them (see README, Deployment)"
            )
        development = True
        print(
            "WARNING: GRASSROOTS_FIELD_KEYS or GRASSROOTS_FIELD_INDEX_KEY is not set: personal data is sealed under a "
            "development key derived from the secret key. Never use this outside development.",
            file=sys.stderr,
        )
    if not parsed:
        parsed = {DEV_KEY_ID: hashlib.sha256(b"grassroots-field-key:" + secret.encode()).digest()}
    index = (
        _decode_key(index_key, "GRASSROOTS_FIELD_INDEX_KEY")
        if index_key
        else hashlib.sha256(b"grassroots-field-index:" + secret.encode()).digest()
    )
    return Keyring(parsed, index, cipher, digest, development)


def keyring() -> Keyring:
    """The keys of the current settings (parsed once per distinct configuration)."""
    return _keyring(
        settings.GRASSROOTS_FIELD_KEYS,
        settings.GRASSROOTS_FIELD_INDEX_KEY,
        settings.GRASSROOTS_FIELD_CIPHER,
        settings.GRASSROOTS_FIELD_DIGEST,
        settings.PRODUCTION,
        settings.SECRET_KEY,
    )


# ---------------------------------------------------------------- the ciphers


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.lru_cache(maxsize=16)
def _aesgcm(key: bytes) -> AESGCM:
    return AESGCM(key)


def _sm4_gcm_seal(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _sm4_gcm_open(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    decryptor = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce, data[-16:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(data[:-16]) + decryptor.finalize()


def _sm3_tag(key: bytes, *parts: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key[16:], hashes.SM3())
    for part in parts:
        mac.update(len(part).to_bytes(4, "big") + part)
    return mac.finalize()


def _sm4_cbc_seal(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(key[:16]), modes.CBC(nonce)).encryptor()
    body = encryptor.update(padded) + encryptor.finalize()
    return body + _sm3_tag(key, aad, nonce, body)


def _sm4_cbc_open(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    body, tag = data[:-32], data[-32:]
    if not hmac.compare_digest(_sm3_tag(key, aad, nonce, body), tag):
        raise InvalidTag
    decryptor = Cipher(algorithms.SM4(key[:16]), modes.CBC(nonce)).decryptor()
    padded = decryptor.update(body) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


NONCE_BYTES = {"aes-gcm": 12, "sm4-gcm": 12, "sm4-cbc-sm3": 16}
_SEAL = {
    "aes-gcm": lambda key, nonce, data, aad: _aesgcm(key).encrypt(nonce, data, aad),
    "sm4-gcm": _sm4_gcm_seal,
    "sm4-cbc-sm3": _sm4_cbc_seal,
}
_OPEN = {
    "aes-gcm": lambda key, nonce, data, aad: _aesgcm(key).decrypt(nonce, data, aad),
    "sm4-gcm": _sm4_gcm_open,
    "sm4-cbc-sm3": _sm4_cbc_open,
}


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(VERSION + ":")


def seal(value: str, name: str, *, ring: Keyring | None = None) -> str:
    """`value` sealed under the current key and cipher, bound to the field `name`."""
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES[ring.cipher])
    body = _SEAL[ring.cipher](ring.keys[ring.current], nonce, value.encode("utf-8"), name.encode("utf-8"))
    return f"{VERSION}:{ring.current}:{ring.cipher}:{_b64(nonce)}:{_b64(body)}"


def key_of(value: str) -> str:
    """The id of the key a sealed value was sealed under."""
    return value.split(":", 2)[1]


def open_value(value: str, name: str, *, ring: Keyring | None = None) -> str:
    """The plain text of a sealed value; a clear FieldKeyError when its key is not held or does not open it."""
    ring = ring or keyring()
    try:
        version, key_id, cipher, nonce, body = value.split(":")
    except ValueError:
        raise FieldKeyError(f"the stored {name} is not a sealed value (run `grassroots migrate`)") from None
    if version != VERSION or cipher not in _OPEN:
        raise FieldKeyError(f"the stored {name} is sealed in an unknown format ({version}, {cipher})")
    key = ring.keys.get(key_id)
    if key is None:
        raise FieldKeyError(
            f"a stored {name} is sealed under key {key_id!r}, which GRASSROOTS_FIELD_KEYS does not hold (add it back "
            "after the current key; it opens what it sealed)"
        )
    try:
        return _OPEN[cipher](key, _unb64(nonce), _unb64(body), name.encode("utf-8")).decode("utf-8")
    except (InvalidTag, ValueError):
        raise FieldKeyError(
            f"a stored {name} does not open under key {key_id!r}: the key given under that id is not the one it was "
            "sealed with (or the value was altered)"
        ) from None


def normalized(value) -> str:
    """The form a value is digested in: an ID number's x and X, spaces around, are one."""
    return str(value).strip().upper()


def digest(value, name: str, *, ring: Keyring | None = None) -> str | None:
    """The keyed digest of a value for exact search (None for an empty value)."""
    if value is None or normalized(value) == "":
        return None
    ring = ring or keyring()
    return hmac_hex(ring.index_key, f"{name}:{normalized(value)}".encode(), sm3=ring.digest == "hmac-sm3")


def hmac_hex(key: bytes, text: bytes, *, sm3: bool = False) -> str:
    """HMAC of `text` under `key`, in hex: HMAC-SM3 (GB/T 32905) for the national algorithms, else HMAC-SHA256."""
    if sm3:
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(text)
        return mac.finalize().hex()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- audit snapshots

_SEALED_KEYS: set[str] = set()


def register_sealed_keys(names) -> None:
    """Keys of audit snapshots holding personal data, stored sealed (the app that owns the data registers them)."""
    _SEALED_KEYS.update(names)


def seal_snapshot(data):
    """A snapshot with the value of every registered personal key sealed, at any depth."""
    if isinstance(data, dict):
        return {
            k: seal(v, k) if k in _SEALED_KEYS and isinstance(v, str) and v else seal_snapshot(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [seal_snapshot(v) for v in data]
    return data


def open_snapshot(data):
    """A stored snapshot with its sealed values opened (a value whose key is gone reads as a notice, not an error:
    the trail stays readable when a retired key is dropped)."""
    if isinstance(data, dict):
        return {
            k: _open_or_note(v, k) if k in _SEALED_KEYS and is_sealed(v) else open_snapshot(v) for k, v in data.items()
        }
    if isinstance(data, list):
        return [open_snapshot(v) for v in data]
    return data


def _open_or_note(value: str, name: str) -> str:
    try:
        return open_value(value, name)
    except FieldKeyError:
        return f"[sealed under key {key_of(value)}]"


# ---------------------------------------------------------------- whole tables: sealing, rotation, re-indexing


def reseal_table(connection, table: str, columns: dict, *, batch: int = 1000, to_plain: bool = False) -> dict:
    """Bring every row of `table` under the current key and cipher, in batches by id: `columns` maps each sealed
    column to its digest column (or None). A clear value (a row from before sealing) is sealed; a value under
    another key or cipher is opened and sealed again; every digest is computed afresh (a new index key or digest
    algorithm). `to_plain` undoes it all (a migration going back). Returns counts: rows read, values sealed again."""
    ring = keyring()
    quote = connection.ops.quote_name
    names = list(columns)
    select = (
        f"SELECT id, {', '.join(quote(c) for c in names)} FROM {quote(table)} WHERE id > %s ORDER BY id LIMIT {batch}"
    )
    sets = [f"{quote(c)} = %s" for c in names] + [f"{quote(d)} = %s" for d in columns.values() if d]
    update = f"UPDATE {quote(table)} SET {', '.join(sets)} WHERE id = %s"
    last, counts = 0, {"rows": 0, "resealed": 0}
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
        if not rows:
            return counts
        updates = []
        for row_id, *values in rows:
            stored, digests = [], []
            for name, value in zip(names, values, strict=True):
                plain = open_value(value, name, ring=ring) if is_sealed(value) else value
                if to_plain or not plain:
                    stored.append(plain)
                elif is_sealed(value) and key_of(value) == ring.current and value.split(":")[2] == ring.cipher:
                    stored.append(value)
                else:
                    stored.append(seal(plain, name, ring=ring))
                    counts["resealed"] += 1
                if columns[name]:
                    digests.append(None if to_plain else digest(plain, name, ring=ring))
            updates.append([*stored, *digests, row_id])
        with connection.cursor() as cursor:
            cursor.executemany(update, updates)
        counts["rows"] += len(rows)
        last = rows[-1][0]


def stored_key_ids(connection, table: str, columns) -> dict[str, int]:
    """How many values of each key the columns hold (what a rotation leaves under an old key, and must be 0 before
    that key is dropped)."""
    found: dict[str, int] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for column in columns:
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} LIKE %s", [VERSION + ":%"]
            )
            for (value,) in cursor.fetchall():
                found[key_of(value)] = found.get(key_of(value), 0) + 1
    return found
