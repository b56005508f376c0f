"""One audit chain per region: an entry goes to the chain of its organization's top-level region under the national
root, takes that chain's head only, and each chain is verified on its own; the entries written before there were
chains stay one chain, "legacy", verified as they were."""

import hashlib
import json
import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from grassroots.cli import main
from grassroots.core.audit import anchor_holds, audit, chain_of, compute_hash, verify
from grassroots.core.models import LEGACY_CHAIN, SYSTEM_CHAIN, AuditChainHead, AuditEntry
from grassroots.distributed.plan import is_citus
from grassroots.organizations import services
from tests.factories import add_org


def _write(county, town, phone):
    member = county.members[f"C-{town}-V1"]
    services.member_update(actor=county.users.officer, member=member, phone=phone)
    return AuditEntry.objects.order_by("-seq").first()


def _town(county, code):
    return county.members[f"C-{code}-V1"].organization.parent


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_region_is_the_ancestor_at_depth_two_under_a_national_root(county):
    """The county's tree has one root: its towns are the regions; the root writes to its own chain."""
    village = county.members["C-T1-V1"].organization
    town = village.parent
    assert town.depth == 2
    assert chain_of(village) == chain_of(town) == str(town.pk)
    assert chain_of(county.members["C-T2-V1"].organization) != chain_of(village)
    assert chain_of(county.county) == str(county.county.pk)
    assert chain_of(None) == SYSTEM_CHAIN


def test_without_a_national_root_the_region_is_the_root_of_the_tree(county):
    other = add_org(None, "另一个县委", "committee")
    village = county.members["C-T1-V1"].organization
    assert chain_of(village) == str(county.county.pk)
    assert chain_of(add_org(other, "一个支部", "branch")) == str(other.pk)


def test_each_entry_takes_the_next_place_in_its_own_chain(county):
    first, second = _write(county, "T1", "13800000001"), _write(county, "T1", "13800000002")
    other = _write(county, "T2", "13800000003")
    assert (first.chain, first.chain_seq, second.chain_seq) == (str(_town(county, "T1").pk), 1, 2)
    assert second.prev_hash == first.hash
    assert (other.chain, other.chain_seq, other.prev_hash) == (str(_town(county, "T2").pk), 1, "0" * 64)
    heads = dict(AuditChainHead.objects.values_list("chain", "seq"))
    assert heads == {first.chain: 2, other.chain: 1}
    entry = audit("core.audit.seal", after={"key": "none"})  # no organization: the system chain
    assert (entry.chain, entry.chain_seq) == (SYSTEM_CHAIN, 1)


def test_a_write_locks_the_head_of_its_own_region_only(county):
    """Every statement on the chain heads during a write in the second town names that town's chain, and none the
    first town's; on PostgreSQL the row locked (SELECT ... FOR UPDATE) is that head (SQLite has no row locks)."""
    t1, t2 = str(_town(county, "T1").pk), str(_town(county, "T2").pk)
    _write(county, "T1", "13800000001")
    with CaptureQueriesContext(connection) as queries:
        _write(county, "T2", "13800000002")
    heads = [q["sql"] for q in queries.captured_queries if "auditchainhead" in q["sql"]]
    assert heads and all(f"'{t2}'" in sql and f"'{t1}'" not in sql for sql in heads)
    # The chain's first entry: the head is looked for under a lock, made, then locked (each statement naming T2's).
    locks = [sql for sql in heads if "FOR UPDATE" in sql]
    assert len(locks) == (2 if connection.features.has_select_for_update else 0)
    with CaptureQueriesContext(connection) as queries:
        _write(county, "T2", "13800000003")
    locks = [q["sql"] for q in queries.captured_queries if "auditchainhead" in q["sql"] and "FOR UPDATE" in q["sql"]]
    assert len(locks) == (1 if connection.features.has_select_for_update else 0)  # the head there: locked once
    assert all(f"'{t2}'" in sql for sql in locks)


@pytest.mark.django_db(transaction=True)
def test_a_region_whose_head_is_held_does_not_hold_up_another_region(county):
    """Two connections: while one transaction holds the first town's head, the second town's write goes through at
    once, and a write to the first town waits for its head (here: gives up after a short lock timeout)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections: PostgreSQL (SQLite locks the whole database for a write)")
    t1 = _town(county, "T1")
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                audit("core.export", organization=t1, after={"what": "held"})
                held.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            _raw("SET LOCAL lock_timeout = '5s'", [])
            entry = _write(county, "T2", "13800000002")
        assert entry.chain == str(_town(county, "T2").pk)
        if is_citus():  # the lock is taken on the worker that holds the head: the timeout goes there too
            _raw("SET citus.propagate_set_commands TO 'local'", [])
        with pytest.raises(OperationalError), transaction.atomic():
            _raw("SET LOCAL lock_timeout = '300ms'", [])
            _write(county, "T1", "13800000003")
    finally:
        release.set()
        holder.join(10)
    assert verify().ok


def test_tampering_in_one_chain_is_reported_for_that_chain_only(county, capsys):
    for i in range(3):
        _write(county, "T1", f"1380000000{i}")
        _write(county, "T2", f"1390000000{i}")
    t1, t2 = str(_town(county, "T1").pk), str(_town(county, "T2").pk)
    _raw("UPDATE core_auditentry SET actor_name = 'x' WHERE chain = %s AND chain_seq = 2", [t1])
    result = verify()
    assert not result.ok and [c.chain for c in result.broken] == [t1]
    assert result.of(t1).broken_seq == 2 and "changed" in result.of(t1).problem
    assert result.of(t2).ok and result.of(t2).count == 3
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN chain {t1} at entry #2" in out and f"chain {t2}" not in out
    assert "1 other chains of 2 hold" in out


def test_an_entry_moved_to_another_chain_breaks_both(county):
    for i in range(2):
        _write(county, "T1", f"1380000000{i}")
        _write(county, "T2", f"1390000000{i}")
    t1, t2 = str(_town(county, "T1").pk), str(_town(county, "T2").pk)
    # Taken out of the first chain and put at the end of the second, linked to its newest entry (deleted and
    # written again: Citus does not change a row's distribution column in place).
    entry = AuditEntry.objects.get(chain=t1, chain_seq=2)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [entry.seq])
    entry.chain, entry.chain_seq = t2, 3
    entry.prev_hash = AuditEntry.objects.get(chain=t2, chain_seq=2).hash
    entry._state.adding = True
    entry.save()
    AuditChainHead.objects.filter(chain=t2).update(seq=3, hash=entry.hash)
    result = verify()
    assert {c.chain for c in result.broken} == {t1, t2}
    assert "changed" in result.of(t2).problem  # the chain's name is in the hash


def test_each_chain_prints_its_anchor_and_an_anchor_names_its_chain(county, capsys):
    _write(county, "T1", "13800000001")
    _write(county, "T2", "13800000002")
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "ok: 2 entries in 2 chains" in out
    anchors = [line.split()[1] for line in out.splitlines() if line.startswith("  head ")]
    assert len(anchors) == 2 and all(anchor_holds(a) for a in anchors)
    chain, _, digest = anchors[0].split(":")
    assert not anchor_holds(f"{chain}:1:{'0' * 64}")
    with pytest.raises(ValueError):
        anchor_holds(f"{chain}:x:{digest}")


def test_seal_signs_every_chain_whose_newest_entry_is_not_signed(county, settings, capsys):
    _write(county, "T1", "13800000001")
    _write(county, "T2", "13800000002")
    settings.GRASSROOTS_AUDIT_KEY = "k" * 40
    assert len(verify().broken) == 2
    assert main(["audit", "seal"]) == 0
    assert capsys.readouterr().out.count("signed from entry #2") == 2
    assert verify().ok
    assert main(["audit", "seal"]) == 0
    assert "already" in capsys.readouterr().out


def _old_hash(seq, entry) -> str:
    """The hash as it was computed when the trail was one chain (unkeyed): the entry's number first."""
    payload = [
        seq, entry["at"], entry["actor_id"], entry["actor_name"], entry["action"], entry["object_type"],
        entry["object_id"], entry["object_repr"], entry["organization_id"], entry["org_path"], entry["before"],
        entry["after"], entry["request_id"], entry["prev_hash"],
    ]  # fmt: skip
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(text).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_the_entries_written_before_chains_become_the_legacy_chain_verified_as_before(county):
    """Migrated back to one chain, a trail of three entries written as then; migrated forward, they are the legacy
    chain: the same numbers and hashes, verified, the head printed then still holds; new entries go by region."""
    from django.db.migrations.executor import MigrationExecutor

    if is_citus():
        pytest.skip("on Citus the audit chains migrate forward only (a distributed identity column stays)")
    before = ("core", "0008_user_password_given")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([before])
    try:
        old = MigrationExecutor(connection).loader.project_state([before]).apps
        Entry, Head = old.get_model("core", "AuditEntry"), old.get_model("core", "AuditHead")
        prev = "0" * 64
        for seq in (1, 2, 3):
            row = dict(
                at=f"2026-01-0{seq}T08:00:00.000000Z", actor_id=None, actor_name="officer", action="core.export",
                object_type="", object_id="", object_repr="", organization_id=county.county.pk,
                org_path=county.county.path, before=None, after={"n": seq}, request_id="", prev_hash=prev,
            )  # fmt: skip
            prev = _old_hash(seq, row)
            Entry.objects.create(seq=seq, **{**row, "at": f"2026-01-0{seq}T08:00:00Z"}, hash=prev)
        Head.objects.create(id=1, seq=3, hash=prev)
    finally:
        MigrationExecutor(connection).migrate(latest)
    legacy = list(AuditEntry.objects.order_by("seq"))
    assert [(e.chain, e.chain_seq, e.seq) for e in legacy] == [(LEGACY_CHAIN, n, n) for n in (1, 2, 3)]
    assert all(compute_hash(e) == e.hash for e in legacy)
    assert verify().ok and verify().of(LEGACY_CHAIN).count == 3
    assert anchor_holds(f"3:{prev}") and anchor_holds(f"{LEGACY_CHAIN}:3:{prev}")
    entry = _write(county, "T1", "13800000009")
    assert entry.seq > 3 and (entry.chain, entry.chain_seq) == (str(_town(county, "T1").pk), 1)
    result = verify()
    assert result.ok and result.count == 4 and len(result.chains) == 2


def test_a_fresh_demo_verifies_chain_by_chain(db, settings, tmp_path, capsys):
    import datetime as dt

    from grassroots.demo import build_demo

    settings.MEDIA_ROOT = tmp_path
    build_demo(scale="tiny", seed=1, today=dt.date(2026, 6, 15))
    result = verify()
    assert result.ok and result.count == AuditEntry.objects.count() > 0
    regions = set(AuditEntry.objects.exclude(chain=SYSTEM_CHAIN).values_list("chain", flat=True))
    assert len(regions) > 1 and {c.chain for c in result.chains} >= regions
    assert main(["audit", "verify"]) == 0
    assert f"ok: {result.count} entries in {len(result.chains)} chains" in capsys.readouterr().out
