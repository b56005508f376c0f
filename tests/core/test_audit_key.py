"""The audit chain under a key: entries signed with HMAC-SHA256 (or HMAC-SM3, the national algorithm), so that
rewriting one and recomputing every hash after it with the project's own function no longer passes `grassroots audit
verify`; keys rotate; a head printed outside the database catches a chain cut back or rewritten whole."""

import pytest
from django.db import connection

from grassroots.cli import main
from grassroots.core.audit import compute_hash, key_id, seal, verify
from grassroots.core.models import AuditChainHead, AuditEntry
from grassroots.organizations import services

KEY, NEW_KEY = "k" * 40, "n" * 40


def _writes(county, n=3):
    for i in range(n):
        services.member_update(actor=county.users.officer, member=county.members["C-T1-V1"], phone=f"1380000000{i}")


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rewrite_from(seq, *, key="", unkeyed=False):
    """What an attacker with write access to the database does: change entry `seq` of the (one) chain, then
    recompute every later hash (and the head) with the project's own function, under `key` if they had it."""
    (chain,) = set(AuditEntry.objects.values_list("chain", flat=True))
    entries = AuditEntry.objects.filter(chain=chain)
    prev = entries.get(chain_seq=seq - 1).hash if seq > 1 else "0" * 64
    for entry in entries.filter(chain_seq__gte=seq).order_by("chain_seq"):
        if entry.chain_seq == seq:
            entry.actor_name = "somebody-else"
        entry.prev_hash = prev
        if unkeyed:
            entry.key_id = ""
        entry.hash = compute_hash(entry, key)
        _raw(
            "UPDATE core_auditentry SET actor_name = %s, prev_hash = %s, hash = %s, key_id = %s WHERE seq = %s",
            [entry.actor_name, entry.prev_hash, entry.hash, entry.key_id, entry.seq],
        )
        prev = entry.hash
    AuditChainHead.objects.filter(chain=chain).update(hash=prev)


def test_without_a_key_a_rewrite_of_every_later_hash_passes_so_verify_says_it_is_not_keyed(county, capsys):
    _writes(county)
    _rewrite_from(2)
    assert verify().ok
    assert main(["audit", "verify"]) == 0
    assert "not keyed" in capsys.readouterr().out


def test_with_a_key_entries_are_signed_and_the_same_rewrite_is_caught(county, settings, capsys):
    settings.GRASSROOTS_AUDIT_KEY = KEY
    _writes(county)
    assert set(AuditEntry.objects.values_list("key_id", flat=True)) == {key_id(KEY)}
    result = verify()
    assert result.ok and result.keyed == 3 and result.key_ids == (key_id(KEY),)
    assert main(["audit", "verify"]) == 0
    assert "3 entries signed" in capsys.readouterr().out
    _rewrite_from(2)
    result = verify()
    assert not result.ok and result.broken_seq == 2 and "changed" in result.problem


def test_stripping_the_keys_to_rewrite_unsigned_is_caught_once_the_chain_is_sealed(county, settings):
    _writes(county, 2)  # written before any key
    settings.GRASSROOTS_AUDIT_KEY = KEY
    assert not verify().ok  # a key is set, the newest entry is not signed: seal it
    seal()
    _writes(county, 2)
    result = verify()
    assert result.ok and result.keyed == 3 and result.unkeyed == 2
    _rewrite_from(1, unkeyed=True)
    result = verify()
    assert not result.ok and "not signed although a key is set" in result.problem


def test_an_unsigned_entry_after_signed_ones_is_caught(county, settings):
    settings.GRASSROOTS_AUDIT_KEY = KEY
    _writes(county, 3)
    entry = AuditEntry.objects.get(chain_seq=3)
    entry.key_id = ""
    _raw("UPDATE core_auditentry SET key_id = '', hash = %s WHERE seq = %s", [compute_hash(entry), entry.seq])
    AuditChainHead.objects.filter(chain=entry.chain).update(hash=compute_hash(entry))
    result = verify()
    assert not result.ok and result.broken_seq == 3 and "not keyed although" in result.problem


def test_a_rotated_key_verifies_the_old_entries_with_the_old_key_kept(county, settings):
    settings.GRASSROOTS_AUDIT_KEY = KEY
    _writes(county, 2)
    settings.GRASSROOTS_AUDIT_KEY = NEW_KEY
    _writes(county, 2)
    result = verify()
    assert not result.ok and "does not hold" in result.problem and result.broken_seq == 1
    settings.GRASSROOTS_AUDIT_OLD_KEYS = [KEY]
    result = verify()
    assert result.ok and result.key_ids == (key_id(KEY), key_id(NEW_KEY))


def test_an_anchored_head_catches_a_chain_rewritten_whole(county, capsys):
    _writes(county, 3)
    assert main(["audit", "verify"]) == 0
    head = capsys.readouterr().out.split("  head ", 1)[1].split()[0]
    assert main(["audit", "verify", "--anchor", head]) == 0
    _rewrite_from(1)
    assert verify().ok  # unkeyed: consistent again after the rewrite...
    assert main(["audit", "verify", "--anchor", head]) == 1  # ...but the head kept outside is gone
    assert "no longer in its chain" in capsys.readouterr().out


@pytest.mark.parametrize("anchor", ["3", "x:abc", "3:" + "0" * 10])
def test_a_malformed_anchor_is_refused_with_a_message(county, capsys, anchor):
    _writes(county, 1)
    assert main(["audit", "verify", "--anchor", anchor]) == 2
    assert "SEQ:HASH" in capsys.readouterr().out


def test_seal_without_a_key_says_so(county, capsys):
    assert main(["audit", "seal"]) == 2
    assert "GRASSROOTS_AUDIT_KEY is not set" in capsys.readouterr().out


# ---------------------------------------------------------------- the national algorithms: HMAC-SM3


def test_sm3_is_the_national_hash_of_gb_t_32905():
    from cryptography.hazmat.primitives import hashes

    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(b"abc")  # the standard's first example
    assert sm3.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_with_the_sm3_digest_entries_are_signed_with_hmac_sm3_and_a_rewrite_is_caught(county, settings, capsys):
    settings.GRASSROOTS_AUDIT_KEY, settings.GRASSROOTS_AUDIT_DIGEST = KEY, "sm3"
    _writes(county)
    fingerprint = key_id(KEY, "sm3")
    assert fingerprint.startswith("sm3:") and len(fingerprint) == 16
    entries = list(AuditEntry.objects.order_by("chain_seq"))
    assert {e.key_id for e in entries} == {fingerprint}
    first = entries[0]
    as_sha256 = AuditEntry(**{f.attname: getattr(first, f.attname) for f in AuditEntry._meta.fields})
    as_sha256.key_id = key_id(KEY)
    assert compute_hash(as_sha256, KEY) != first.hash  # another algorithm, and the entry names which
    result = verify()
    assert result.ok and result.keyed == 3 and result.key_ids == (fingerprint,)
    assert main(["audit", "verify"]) == 0
    assert f"3 entries signed (HMAC-SM3, keys {fingerprint})" in capsys.readouterr().out
    _rewrite_from(2)
    result = verify()
    assert not result.ok and result.broken_seq == 2 and "changed" in result.problem


def test_an_entrys_algorithm_cannot_be_swapped_without_the_key(county, settings):
    settings.GRASSROOTS_AUDIT_KEY, settings.GRASSROOTS_AUDIT_DIGEST = KEY, "sm3"
    _writes(county, 2)
    entry = AuditEntry.objects.get(chain_seq=2)
    _raw("UPDATE core_auditentry SET key_id = %s WHERE seq = %s", [key_id(KEY), entry.seq])
    result = verify()
    assert not result.ok and result.broken_seq == 2


def test_switching_to_sm3_keeps_the_earlier_entries_verified_and_seal_signs_each_chain_anew(county, settings, capsys):
    settings.GRASSROOTS_AUDIT_KEY = KEY
    _writes(county, 2)
    settings.GRASSROOTS_AUDIT_DIGEST = "sm3"
    [sealed] = seal()
    assert sealed.key_id == key_id(KEY, "sm3") and seal() == []
    _writes(county, 1)
    result = verify()
    assert result.ok and result.keyed == 4 and result.key_ids == (key_id(KEY), key_id(KEY, "sm3"))
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert f"HMAC-SHA256, keys {key_id(KEY)}; HMAC-SM3, keys {key_id(KEY, 'sm3')}" in out


def test_an_unknown_digest_stops_the_start_with_its_name():
    import os
    import subprocess
    import sys

    env = {**os.environ, "GRASSROOTS_AUDIT_DIGEST": "md5"}
    done = subprocess.run(
        [sys.executable, "-c", "import grassroots.config.settings"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "GRASSROOTS_AUDIT_DIGEST is 'md5': it is sha256 or sm3" in done.stderr
    env["GRASSROOTS_AUDIT_DIGEST"], env["GRASSROOTS_FIELD_CIPHER"] = "", "sm4-gcm"
    done = subprocess.run(
        [sys.executable, "-c", "from grassroots.config import settings; print(settings.GRASSROOTS_AUDIT_DIGEST)"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.stdout.strip() == "sm3"  # the national algorithms chosen for the fields: SM3 for the trail too
