"""The audit trail is append-only and hash-chained; `grassroots audit verify` finds any edit or deletion."""

import pytest
from django.db import connection

from grassroots.cli import main
from grassroots.core.audit import audit, chain_of, verify
from grassroots.core.fieldcrypt import open_snapshot
from grassroots.core.models import AppendOnlyError, AuditEntry
from grassroots.organizations import services


@pytest.fixture
def trail(county):
    for phone in ("13800000001", "13800000002", "13800000003"):
        services.member_update(actor=county.users.officer, member=county.members["C-T1-V1"], phone=phone)
    return county


def test_services_write_entries_with_actor_object_and_before_after(trail):
    entry = AuditEntry.objects.filter(action="organizations.member.update").order_by("-seq").first()
    assert entry.actor_name == "officer"
    assert entry.object_type == "organizations.member"
    assert open_snapshot(entry.before)["phone"] == "13800000002"  # stored sealed (core.fieldcrypt)
    assert open_snapshot(entry.after)["phone"] == "13800000003"
    assert "13800000003" not in str(entry.after)
    assert entry.org_path == trail.v11.path
    assert entry.request_id


def test_intact_chain_verifies_with_its_count(trail, capsys):
    assert verify().ok
    assert main(["audit", "verify"]) == 0
    assert f"ok: {AuditEntry.objects.count()} entries in 1 chains" in capsys.readouterr().out


def test_entries_refuse_to_be_changed_or_deleted_through_the_orm(trail):
    entry = AuditEntry.objects.order_by("seq").first()
    entry.action = "x"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _chain(trail):
    return chain_of(trail.members["C-T1-V1"].organization)


def test_an_edited_row_is_reported_as_the_first_broken_link(trail, capsys):
    chain = _chain(trail)
    _raw(
        "UPDATE core_auditentry SET after = %s WHERE chain = %s AND chain_seq = %s",
        ['{"phone": "13999999999"}', chain, 2],
    )
    result = verify()
    assert not result.ok and result.broken_chain == chain and result.broken_seq == 2
    assert main(["audit", "verify"]) == 1
    assert f"BROKEN chain {chain} at entry #2" in capsys.readouterr().out


def test_a_deleted_row_in_the_middle_is_detected(trail):
    _raw("DELETE FROM core_auditentry WHERE chain = %s AND chain_seq = %s", [_chain(trail), 2])
    result = verify()
    assert not result.ok and result.broken_seq == 2


def test_deleting_the_newest_entries_is_detected_too(trail):
    last = AuditEntry.objects.order_by("-seq").first()
    _raw("DELETE FROM core_auditentry WHERE chain = %s AND chain_seq = %s", [last.chain, last.chain_seq])
    result = verify()
    assert not result.ok
    assert "missing" in result.problem


def test_a_rehashed_forgery_still_breaks_the_next_link(trail):
    """Recomputing the hash of an edited row does not help: the following row links to the old hash."""
    from grassroots.core.audit import compute_hash

    chain = _chain(trail)
    entry = AuditEntry.objects.get(chain=chain, chain_seq=2)
    entry.actor_name = "somebody-else"
    forged = compute_hash(entry)
    _raw(
        "UPDATE core_auditentry SET actor_name = %s, hash = %s WHERE chain = %s AND chain_seq = %s",
        ["somebody-else", forged, chain, 2],
    )
    result = verify()
    assert not result.ok and result.broken_seq == 3


def test_unregistered_actions_are_refused(db):
    with pytest.raises(ValueError):
        audit("made.up.action")
