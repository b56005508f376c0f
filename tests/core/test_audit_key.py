"""The audit chain under a key: entries signed with HMAC-SHA256, so that rewriting one and recomputing every hash
after it with the project's own function no longer passes `grassroots audit verify`; keys rotate; a head printed
outside the database catches a chain cut back or rewritten whole."""

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
