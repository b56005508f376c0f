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

import re
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
    # An assignment and what hangs on it (its reports, their evidence, its due-date requests, the rectification it
    # carries out), by the assignment: a report, its evidence and its assignment lie on one shard.
    Distributed("duties_assignment", "id", "assignment"),
    Distributed("duties_progressreport", "assignment_id", "assignment"),
    Distributed("duties_evidence", "assignment_id", "assignment"),
    Distributed("duties_duedaterequest", "assignment_id", "assignment"),
    Distributed("accountability_rectification", "assignment_id", "assignment"),
    # Per member: study, heart-to-heart talks, the points ledger (a correction names a line of the same member: its
    # foreign key joins the member too).
    Distributed("orglife_studyrecord", "member_id", "member"),
    Distributed("orglife_talk", "member_id", "member"),
    Distributed("orglife_pointentry", "member_id", "member"),
    # A member in difficulty (the care ledger's case) by its id, its visits by the case: a case and its visits lie on
    # one shard.
    Distributed("orglife_carecase", "id", "care"),
    Distributed("orglife_carevisit", "case_id", "care"),
    # The votes of a democratic appraisal by the appraisal (a reference table): its counts read one shard; its
    # results (one a full member, written once when it closes) lie with them.
    Distributed("orglife_appraisalvote", "appraisal_id", "appraisal"),
    Distributed("orglife_appraisalresult", "appraisal_id", "appraisal"),
    # The copy detectors' band rows (a text's 42, a photo's few: the text bands the largest table of the insights,
    # some 500 million rows a year nationally) by the band's value: a new text or photo looks up its bands by value
    # (`key IN (...)`), which Citus sends only to the shards holding those values, and a band's rows never join
    # another distributed table (their signatures are a reference table).
    Distributed("insights_textband", "key", "band"),
    Distributed("insights_photoband", "key", "band"),
    # Notifications by their recipient.
    Distributed("core_notification", "recipient_id", "user"),
    # The audit trail by its chain (one a region), each chain's head on the same node as its entries.
    Distributed("core_auditentry", "chain", "audit"),
    Distributed("core_auditchainhead", "chain", "audit"),
)

# Unique keys a distributed table cannot hold (they lack its distribution column, and a shard does not see the others'
# rows): left off on the cluster, each kept by the services that write such rows, named here with the lock they hold.
UNIQUE_KEPT_BY_SERVICES = {
    # One assignment per duty and receiver: issuing and claiming (duties.services) lock the duty, then skip the
    # receivers that have one.
    "duties_assignment": ("one_assignment_per_duty_and_receiver",),
    # One open case in the care ledger per member: opening a case (orglife.services.care) locks the member, then
    # looks for an open case.
    "orglife_carecase": ("one_open_care_case_per_member",),
}

# Families co-located with each other (same shard count, bigint keys): Citus puts them in one colocation group.
SHARD_COUNT = 32


def is_citus(connection=default_connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        return cursor.fetchone() is not None


def _placed(cursor) -> dict[str, str | None]:
    """Tables Citus already holds: table -> its distribution column, or None for a reference table."""
    cursor.execute(
        "SELECT logicalrelid::regclass::text, "
        "CASE WHEN partmethod = 'h' THEN column_to_column_name(logicalrelid, partkey) END FROM pg_dist_partition "
        "WHERE logicalrelid::regclass::text NOT LIKE 'pg_%%'"
    )
    return {name.strip('"'): column for name, column in cursor.fetchall()}


def _misplaced(placed: dict[str, str | None]) -> list[str]:
    """Tables placed otherwise than the plan says now (a plan that changed: the report family moved under the
    assignment): taken back from Citus and placed again."""
    planned = {spec.table: spec.column for spec in DISTRIBUTED}
    return sorted(table for table, column in placed.items() if planned.get(table) != column)


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


def _widen_keys(cursor, spec: Distributed) -> list[str]:
    """Primary keys without the distribution column take it in (in the database only); unique keys and unique
    indexes without it are left off when the services keep them (UNIQUE_KEPT_BY_SERVICES), else the plan stops."""
    cursor.execute(
        "SELECT conname, contype, ARRAY(SELECT attname FROM pg_attribute a WHERE a.attrelid = c.conrelid "
        "AND a.attnum = ANY(c.conkey)) FROM pg_constraint c WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        [spec.table],
    )
    done = []
    for name, kind, columns in cursor.fetchall() + _unique_indexes(cursor, spec.table):
        if spec.column in columns:
            continue
        if kind != "p":  # a unique constraint, or a unique index that is none (a UniqueConstraint with a condition)
            what = "unique index" if kind == "i" else "unique key"
            if name not in UNIQUE_KEPT_BY_SERVICES.get(spec.table, ()):
                raise ValueError(f"{spec.table}: {what} {name} {columns} lacks the distribution column {spec.column}")
            drop = f'DROP INDEX "{name}"' if kind == "i" else f'ALTER TABLE "{spec.table}" DROP CONSTRAINT "{name}"'
            cursor.execute(drop)
            done.append(f"{spec.table}.{name}: unique key kept by the services on the cluster")
            continue
        # (id, column): a key widened before by another column (evidence by its report) keeps only the id.
        columns = ["id", spec.column] if "id" in columns else columns + [spec.column]
        cursor.execute(
            f'ALTER TABLE "{spec.table}" DROP CONSTRAINT "{name}", '
            f'ADD CONSTRAINT "{name}" PRIMARY KEY ({", ".join(columns)})'
        )
    return done


def _unique_indexes(cursor, table: str) -> list[tuple[str, str, list[str]]]:
    """(name, "i", columns) of the unique indexes of `table` that back no constraint (partial ones)."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, ARRAY(SELECT attname FROM pg_attribute a WHERE a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey)) FROM pg_index i WHERE i.indrelid = %s::regclass AND i.indisunique "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)",
        [table],
    )
    return [(name.strip('"'), "i", columns) for name, columns in cursor.fetchall()]


def _index_names(cursor, table: str) -> dict[str, str]:
    """An index's definition without its name and table -> its name."""
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass",
        [table],
    )
    return {
        re.sub(r"INDEX \S+ ON \S+", "INDEX ON", definition): name.strip('"') for name, definition in cursor.fetchall()
    }


def _take_back(cursor, table: str) -> None:
    """A table placed otherwise than the plan says now made an ordinary table on the coordinator again, rows, keys,
    indexes, their names and its id sequence kept, to be placed anew. Citus's undistribute_table refuses a table with
    an identity column (every Django id), so the table is copied: a new one like it, the rows, the old one dropped and
    the new one given its name and its indexes' names."""
    new = f"{table}__placed"
    names = _index_names(cursor, table)
    cursor.execute(f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING ALL)')
    cursor.execute(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
    cursor.execute(f'DROP TABLE "{table}"')
    cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    for definition, name in _index_names(cursor, table).items():
        if names.get(definition, name) != name:
            cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{names[definition]}"')
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    if sequence:
        cursor.execute(f'SELECT setval(%s, COALESCE(MAX(id), 0) + 1, false) FROM "{table}"', [sequence])
        cursor.execute(f'ALTER SEQUENCE {sequence} RENAME TO "{table}_id_seq"')  # the old one went with its table


def _co_located(definition: str, spec: Distributed, target: Distributed) -> str:
    """A foreign key between two tables of one family that Django declares on one column (evidence's report) made
    to join their distribution columns too, as Citus requires: (assignment_id, report_id) -> (assignment_id, id)."""
    match = re.fullmatch(r"FOREIGN KEY \((\w+)\) REFERENCES (\S+)\((\w+)\)(.*)", definition)
    if spec.family != target.family or match is None or match[1] == spec.column:
        return definition
    column, table, key, rest = match.groups()
    return f"FOREIGN KEY ({spec.column}, {column}) REFERENCES {table}({target.column}, {key}){rest}"


def distribute(connection=default_connection) -> list[str]:
    """Place every table of the database: the DISTRIBUTED ones sharded, the others reference tables. Tables already
    placed as the plan says are left alone; those placed otherwise are taken back and placed again. Returns what it
    did, one line per table."""
    if not is_citus(connection):
        return []
    done = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        placed = _placed(cursor)
        again = _misplaced(placed)
        todo = [name for name in _tables(cursor) if name not in placed or name in again]
        if not todo:
            return []
        # Foreign keys are taken off the tables to place and put back once all are placed: the order then does not
        # matter (cycles neither), and Citus checks each one as it comes back.
        keys = _foreign_keys(cursor, todo)
        for table, name, _definition, _target in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for table in again:
            _take_back(cursor, table)
            done.append(f"{table}: taken back to be placed again")
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
            done += _widen_keys(cursor, spec)
            cursor.execute(
                "SELECT create_distributed_table(%s, %s, colocate_with => %s)",
                [spec.table, spec.column, families.get(spec.family, "default")],
            )
            families.setdefault(spec.family, spec.table)
            done.append(f"{spec.table}: distributed by {spec.column}")
        distributed = {spec.table: spec for spec in DISTRIBUTED}
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
            if table.strip('"') in distributed and target.strip('"') in distributed:
                definition = _co_located(definition, distributed[table.strip('"')], distributed[target.strip('"')])
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    return done


def migration_step(apps, schema_editor):
    """Every distribution step's operation (`migrations.RunPython(plan.migration_step, ...)`): the plan applied to
    the database being migrated."""
    distribute(schema_editor.connection)


def distribute_after_migrate(sender, using="default", **kwargs):
    """After `migrate` (this app's signal comes last): tables added by later migrations are placed too."""
    from django.db import connections

    if sender.label == "distributed":
        distribute(connections[using])
