"""The Citus plan: reference tables (replicated to every node) and distributed tables (sharded by a column).

Applied by this app's migration and after every later `migrate` (tables added since are placed too); a no-op on
SQLite and on PostgreSQL without the citus extension. docs/citus.md says why each table is where it is.

Citus's rules shape the plan: a distributed table's primary and unique keys include its distribution column; a
foreign key between two distributed tables joins their distribution columns (co-located shards); a reference table
may not point at a distributed one. Django 5.2 cannot point a foreign key at a composite key, so a table that other
tables point at either is distributed by its own `id` (its children by their foreign key to it, co-located), or is a
reference table. A leaf fact table's primary key becomes (id, distribution column) in the database only: Django keeps
addressing rows by `id` (ids come from one sequence, so they stay unique), and Citus routes the statement.
"""

from dataclasses import dataclass

from django.db import connection as default_connection
from django.db import transaction


@dataclass(frozen=True)
class Distributed:
    """A table sharded by `column`; `family` names the tables whose shards lie together (joins between them stay
    on one node)."""

    table: str
    column: str
    family: str


# Distributed: the fact tables whose rows grow with the country, by family.
DISTRIBUTED = (
    # Per organization: what the assessment engine writes, and what it reads per organization.
    Distributed("assessment_result", "organization_id", "organization"),
    Distributed("assessment_valuesheet", "organization_id", "organization"),
    Distributed("assessment_vetoevent", "organization_id", "organization"),
    Distributed("assessment_rating", "organization_id", "organization"),
    Distributed("accountability_boardentry", "organization_id", "organization"),
    # A meeting and what hangs on it (attendance, files, released minutes), by the meeting.
    Distributed("orglife_meeting", "id", "meeting"),
    Distributed("orglife_attendance", "meeting_id", "meeting"),
    Distributed("orglife_meetingfile", "meeting_id", "meeting"),
    Distributed("disclosure_releasedminutes", "meeting_id", "meeting"),
    # A progress report and its evidence, by the report.
    Distributed("duties_progressreport", "id", "report"),
    Distributed("duties_evidence", "report_id", "report"),
    # Per member: study, heart-to-heart talks; care visits by their case; notifications by their recipient.
    Distributed("orglife_studyrecord", "member_id", "member"),
    Distributed("orglife_talk", "member_id", "member"),
    Distributed("orglife_carevisit", "case_id", "care"),
    Distributed("core_notification", "recipient_id", "user"),
    # The audit trail by its chain (one a region), each chain's head on the same node as its entries.
    Distributed("core_auditentry", "chain", "audit"),
    Distributed("core_auditchainhead", "chain", "audit"),
)

# Families co-located with each other (same shard count, bigint keys): Citus puts them in one colocation group.
SHARD_COUNT = 32


def is_citus(connection=default_connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        return cursor.fetchone() is not None


def _placed(cursor) -> dict[str, str]:
    """Tables Citus already holds: table -> 'h' (distributed) or 'n' (reference)."""
    cursor.execute(
        "SELECT logicalrelid::regclass::text, partmethod FROM pg_dist_partition "
        "WHERE logicalrelid::regclass::text NOT LIKE 'pg_%%'"
    )
    return {name.strip('"'): method for name, method in cursor.fetchall()}


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )
    return [name for (name,) in cursor.fetchall()]


def _foreign_keys(cursor, tables: list[str]) -> list[tuple[str, str, str, str]]:
    """(table, constraint, definition, referenced table) of every foreign key from or to one of `tables`."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), confrelid::regclass::text "
        "FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))",
        [tables, tables],
    )
    return cursor.fetchall()


def _widen_keys(cursor, spec: Distributed) -> None:
    """Primary and unique keys without the distribution column take it in (in the database only)."""
    cursor.execute(
        "SELECT conname, contype, ARRAY(SELECT attname FROM pg_attribute a WHERE a.attrelid = c.conrelid "
        "AND a.attnum = ANY(c.conkey)) FROM pg_constraint c WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        [spec.table],
    )
    for name, kind, columns in cursor.fetchall():
        if spec.column in columns:
            continue
        if kind != "p":
            raise ValueError(f"{spec.table}: unique key {name} {columns} lacks the distribution column {spec.column}")
        cursor.execute(
            f'ALTER TABLE "{spec.table}" DROP CONSTRAINT "{name}", '
            f'ADD CONSTRAINT "{name}" PRIMARY KEY ({", ".join(columns + [spec.column])})'
        )


def distribute(connection=default_connection) -> list[str]:
    """Place every table of the database: the DISTRIBUTED ones sharded, the others reference tables. Tables already
    placed are left alone. Returns what it did, one line per table."""
    if not is_citus(connection):
        return []
    done = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        placed = _placed(cursor)
        todo = [name for name in _tables(cursor) if name not in placed]
        if not todo:
            return []
        # Foreign keys are taken off the tables to place and put back once all are placed: the order then does not
        # matter (cycles neither), and Citus checks each one as it comes back.
        keys = _foreign_keys(cursor, todo)
        for table, name, _definition, _target in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        # One connection per worker in a transaction that writes over several shards: the engine writes results
        # (distributed) and then its run (a reference table with foreign keys), which Citus allows only that way.
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
        cursor.execute(f"ALTER DATABASE \"{database}\" SET citus.multi_shard_modify_mode TO 'sequential'")
        cursor.execute("SET citus.multi_shard_modify_mode TO 'sequential'")
        cursor.execute(f"SET LOCAL citus.shard_count TO {SHARD_COUNT}")
        families: dict[str, str] = {}
        for spec in DISTRIBUTED:
            if spec.table not in todo:
                continue
            _widen_keys(cursor, spec)
            cursor.execute(
                "SELECT create_distributed_table(%s, %s, colocate_with => %s)",
                [spec.table, spec.column, families.get(spec.family, "default")],
            )
            families.setdefault(spec.family, spec.table)
            done.append(f"{spec.table}: distributed by {spec.column}")
        distributed = {spec.table for spec in DISTRIBUTED}
        for table in todo:
            if table in distributed:
                continue
            cursor.execute("SELECT create_reference_table(%s)", [table])
            done.append(f"{table}: reference")
        for table, name, definition, target in keys:
            if table.strip('"') not in distributed and target.strip('"') in distributed:
                # A reference table may not point at a distributed one: the link is kept by the services (an
                # insights flag naming a report, its evidence or a meeting), not by the database.
                done.append(f"{table}.{name}: no foreign key to the distributed {target} on the cluster")
                continue
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    return done


def distribute_after_migrate(sender, using="default", **kwargs):
    """After `migrate` (this app's signal comes last): tables added by later migrations are placed too."""
    from django.db import connections

    if sender.label == "distributed":
        distribute(connections[using])
