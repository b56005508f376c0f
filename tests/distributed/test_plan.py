"""The Citus plan: every table placed, distributed tables by their column; on other databases a no-op."""

import pytest
from django.db import connection

from grassroots.distributed.plan import DISTRIBUTED, distribute, is_citus

pytestmark = pytest.mark.django_db


def _placement():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT logicalrelid::regclass::text, partmethod, "
            "column_to_column_name(logicalrelid, partkey) FROM pg_dist_partition"
        )
        return {table: (method, column) for table, method, column in cursor.fetchall()}


def test_the_plan_is_a_no_op_without_citus():
    if is_citus():
        pytest.skip("the database is Citus")
    assert distribute() == []


def test_every_table_is_placed_on_citus():
    if not is_citus():
        pytest.skip("not a Citus database (make test-citus)")
    placement = _placement()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
        tables = {name for (name,) in cursor.fetchall()}
    assert tables - set(placement) == set()
    for spec in DISTRIBUTED:
        assert placement[spec.table] == ("h", spec.column), spec.table
    assert placement["organizations_organization"][0] == "n"
    assert placement["core_user"][0] == "n"


def test_the_audit_entries_lie_with_their_chain_heads_on_citus():
    """The trail is distributed by its chain, co-located with the chains' heads: an entry's write and the lock on its
    head are on one node."""
    if not is_citus():
        pytest.skip("not a Citus database (make test-citus)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT colocationid FROM pg_dist_partition "
            "WHERE logicalrelid IN ('core_auditentry'::regclass, 'core_auditchainhead'::regclass)"
        )
        groups = [group for (group,) in cursor.fetchall()]
    assert len(groups) == 2 and len(set(groups)) == 1
    assert _placement()["core_auditentry"] == ("h", "chain")


def test_the_last_distribution_step_comes_after_every_apps_latest_migration():
    """New tables are placed by a new step that comes after every app's latest migration; a step once applied keeps
    its dependencies (changing them would make a database that applied it refuse the next migrate)."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {c.label for c in apps.get_app_configs() if c.name.startswith("grassroots.")} - {"distributed"}
    steps = sorted(name for app, name in loader.graph.nodes if app == "distributed")
    before_last = set(loader.graph.forwards_plan(("distributed", steps[-1])))
    leaves = {(app, name) for app, name in loader.graph.leaf_nodes() if app in ours}
    assert leaves <= before_last, sorted(leaves - before_last)
    first = loader.graph.nodes[("distributed", "0001_distribute")]
    assert ("core", "0008_user_password_given") in first.dependencies  # as released: never moved on
