"""Backup and restore of a deployment: the database and every stored file, with a manifest that proves the round trip.

A backup is a folder:
- `manifest.json`: when, from which database engine, the migrations applied, and for every table its row count and
  a digest of its rows, for every stored file its size and SHA-256;
- the database, one of three ways:
  - SQLite: `database.sqlite3`, a copy made by SQLite's online backup API (consistent while the server runs);
  - PostgreSQL with `pg_dump` on the PATH: `database.pgdump` (custom format, restored by `pg_restore`), taken in the
    same snapshot as the manifest's digests;
  - either, when asked (`--portable`) or when PostgreSQL's tools are missing: `database.jsonl.gz`, every model's table
    as JSON lines of its columns (times to the microsecond: the audit chain's hashes hold), loaded back by batched
    INSERTs into either engine (so it also moves a deployment from SQLite to PostgreSQL); slower and larger than the
    engine's own, and restored by the same version of Grassroots that wrote it. (Django's dumpdata was not used:
    its JSON cuts times to the millisecond, and loaddata saves one object at a time, hours for a county.)
    of every table, which loads into either engine (so it also moves a deployment from SQLite to PostgreSQL) but is
    slower and larger, and must be restored by the same version of Grassroots that wrote it;
- `files/`: every file of the default storage (evidence, meeting files, thumbnails, assessment evidence), local disk
  or S3 alike, under its stored name.

Files are copied after the database: they are stored under their content's hash and never changed, so every file a
row of the backup names is in it (a file uploaded meanwhile is an extra, harmless).

A restore refuses a database that holds accounts or audit entries unless forced, loads the database and the files,
then recomputes every table's digest and every file's hash and compares them with the manifest.
"""

import base64
import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import ExpressionWrapper, F

from .audit import audit
from .sealed import SealedField

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PGDUMP_FILE = "database.pgdump"
PORTABLE_FILE = "database.jsonl.gz"
BATCH = 2000
FILES_DIR = "files"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# ---------------------------------------------------------------- digests of the tables and the files


def _value(v):
    """One value as both engines give it back: times in UTC, numbers without trailing zeros, bytes as bytes."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, dt.datetime):
        return (v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v).isoformat()
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    if isinstance(v, memoryview):
        return bytes(v)
    if isinstance(v, dict | list):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return v


def _canonical(row) -> bytes:
    return repr(tuple(_value(v) for v in row)).encode()


def _columns_that_count(quote) -> dict[str, str]:
    """The tables of which only some columns count: of the migrations, their names (not when each was applied); of a
    many-to-many link Django made, the two rows linked (not the link's own number, which a portable load renumbers)."""
    columns = {"django_migrations": "app, name"}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.auto_created:
            linked = [f.column for f in model._meta.local_fields if f.is_relation]
            columns[model._meta.db_table] = ", ".join(quote(c) for c in linked)
    return columns


def table_digests(wrapper=None) -> dict[str, dict]:
    """For every table of the database: its row count and a digest of its rows taken in any order (the sum of the
    rows' hashes), so that two databases holding the same rows agree whatever their physical order."""
    wrapper = wrapper or connection
    quote = wrapper.ops.quote_name
    counted = _columns_that_count(quote)
    digests = {}
    with wrapper.cursor() as cursor:
        for table in sorted(t for t in wrapper.introspection.table_names(cursor) if not t.startswith("sqlite_")):
            columns = counted.get(table, "*")
            cursor.execute(f"SELECT {columns} FROM {quote(table)}")
            count, total = 0, 0
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    total += int.from_bytes(hashlib.sha256(_canonical(row)).digest()[:16], "big")
                count += len(rows)
            digests[table] = {"rows": count, "digest": f"{total % (1 << 128):032x}"}
    return digests


def _stored_names(storage, folder: str = ""):
    try:
        folders, names = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(names):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _stored_names(storage, f"{folder}/{sub}" if folder else sub)


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def file_digests(storage=None) -> dict[str, dict]:
    """Every file of the storage (local or S3): its size and SHA-256."""
    storage = storage or default_storage
    digests = {}
    for name in _stored_names(storage):
        with storage.open(name, "rb") as handle:
            digests[name] = {"size": storage.size(name), "sha256": _sha256(handle)}
    return digests


def _folder_digests(folder: Path) -> dict[str, dict]:
    digests = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as handle:
            digests[path.relative_to(folder).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(handle)}
    return digests


def applied_migrations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def known_migrations() -> set[str]:
    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


# ---------------------------------------------------------------- the database, each engine's way


def _pg_environment() -> dict:
    """libpq's variables for Django's database settings (the password never on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _run(argv: list[str], **kwargs) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def _sqlite_copy_wrapper(path: Path):
    """A Django connection to a SQLite copy: its rows read back with the same conversions as the live database's."""
    live = connections[DEFAULT_DB_ALIAS]
    options = {k: v for k, v in live.settings_dict.get("OPTIONS", {}).items() if k != "init_command"}
    return type(live)({**live.settings_dict, "NAME": str(path), "OPTIONS": options}, alias="backup")


def _dump_database(out: Path, method: str) -> dict:
    """Write the database into `out` by the method; return the digests of exactly what was written."""
    if method == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(out / SQLITE_FILE)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        copy = _sqlite_copy_wrapper(out / SQLITE_FILE)
        try:
            return table_digests(copy)
        finally:
            copy.close()
    # Called inside a transaction (a test's), the isolation is the caller's and its rows are read where they are.
    outer = connection.in_atomic_block
    with transaction.atomic():
        snapshot = None
        if connection.vendor == "postgresql" and not outer:
            # one snapshot for the digests and the dump (pg_dump joins it), writers never waited for
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                if method == "pg_dump":
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
        if method == "pg_dump":
            argv = [shutil.which("pg_dump"), "--format=custom", "--no-owner", "--no-acl"]
            if snapshot:
                argv.append(f"--snapshot={snapshot}")
            _run([*argv, f"--file={out / PGDUMP_FILE}"], env=_pg_environment())
        else:
            _dump_portable(out / PORTABLE_FILE)
        return table_digests()


def _tables():
    """Every model's table once (many-to-many links Django made included), with its columns."""
    seen = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in seen:
            seen[meta.db_table] = (model, [f for f in meta.concrete_fields])
    return seen


def _portable(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _dump_portable(path: Path) -> None:
    """Each table: a line naming it and its columns, then one JSON line per row."""
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for table, (model, fields) in sorted(_tables().items()):
            names = [f.attname for f in fields]
            out.write(json.dumps({"table": table, "columns": names}) + "\n")
            # sealed personal data is written as stored (ciphertext), never opened into the backup
            stored = {
                f"_stored_{f.attname}": ExpressionWrapper(F(f.attname), output_field=models.TextField())
                for f in fields
                if isinstance(f, SealedField)
            }
            read = [f"_stored_{n}" if f"_stored_{n}" in stored else n for n in names]
            rows = model._base_manager.order_by().annotate(**stored).values_list(*read)
            for row in rows.iterator(chunk_size=BATCH):
                out.write(json.dumps([_portable(v) for v in row], ensure_ascii=False) + "\n")


def _load_portable(path: Path) -> None:
    """Rows inserted as they were (no save(), so no field stamps the time of the load), in batches; the foreign keys
    are checked at the commit, and PostgreSQL's sequences set past the keys loaded."""
    tables = _tables()
    quote = connection.ops.quote_name
    loaded = []

    def flush(sql, fields, rows):
        if rows:
            prepared = [
                [
                    v if isinstance(f, SealedField) else f.get_db_prep_save(f.to_python(v), connection)
                    for f, v in zip(fields, row, strict=True)
                ]  # sealed values go back as they were written
                for row in rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(sql, prepared)

    sql, fields, rows = "", [], []
    with gzip.open(path, "rt", encoding="utf-8") as source:
        for line in source:
            item = json.loads(line)
            if isinstance(item, dict):
                flush(sql, fields, rows)
                model, by_column = tables[item["table"]][0], {f.attname: f for f in tables[item["table"]][1]}
                fields = [by_column[name] for name in item["columns"]]
                loaded.append(model)
                columns = ", ".join(quote(f.column) for f in fields)
                marks = ", ".join(["%s"] * len(fields))
                sql, rows = f"INSERT INTO {quote(item['table'])} ({columns}) VALUES ({marks})", []
            else:
                rows.append(item)
                if len(rows) >= BATCH:
                    flush(sql, fields, rows)
                    rows = []
        flush(sql, fields, rows)
    statements = connection.ops.sequence_reset_sql(no_style(), loaded)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def backup_method(portable: bool) -> str:
    if portable:
        return "portable"
    if connection.vendor == "sqlite":
        return "sqlite"
    if connection.vendor == "postgresql" and shutil.which("pg_dump") and shutil.which("pg_restore"):
        return "pg_dump"
    return "portable"


def backup(out: Path, *, portable: bool = False) -> dict:
    """Write a backup of the database and every stored file into the folder `out` (new or empty)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: give a new folder for each backup.")
    out.mkdir(parents=True, exist_ok=True)
    method = backup_method(portable)
    tables = _dump_database(out, method)
    files = {}
    for name in _stored_names(default_storage):
        target = out / FILES_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
        with target.open("rb") as handle:
            files[name] = {"size": target.stat().st_size, "sha256": _sha256(handle)}
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "method": method,
        "migrations": applied_migrations(),
        "tables": tables,
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


# ---------------------------------------------------------------- restore


@dataclass
class RestoreResult:
    manifest: dict
    compared: str = "contents"  # or "rows": between two engines, which return values differently, rows are counted
    tables_differing: list[str] = field(default_factory=list)
    files_differing: list[str] = field(default_factory=list)
    migrated: bool = False

    @property
    def ok(self) -> bool:
        return not self.tables_differing and not self.files_differing


def holdings() -> tuple[int, int]:
    """The accounts and audit entries of the database here: a database with either is not empty."""
    from django.contrib.auth import get_user_model

    from .models import AuditEntry

    tables = set(connection.introspection.table_names())
    return tuple(m.objects.count() if m._meta.db_table in tables else 0 for m in (get_user_model(), AuditEntry))


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a Grassroots backup: it has no {MANIFEST}.") from None
    except ValueError as exc:
        raise BackupError(f"{path} is damaged: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is of format {manifest.get('format')!r}; this version reads format {FORMAT}.")
    return manifest


def _check_restorable(folder: Path, manifest: dict, force: bool) -> None:
    unknown = sorted(set(manifest["migrations"]) - known_migrations())
    if unknown:
        raise BackupError(
            f"the backup was written by a newer version of Grassroots ({len(unknown)} migrations unknown here, "
            f"e.g. {unknown[0]}); restore it with that version."
        )
    method = manifest["method"]
    if method == "portable" and set(manifest["migrations"]) != known_migrations():
        raise BackupError(
            "a portable backup is restored by the version of Grassroots that wrote it (its migrations differ from "
            "this version's); restore it with that version, then upgrade."
        )
    if method != "portable" and manifest["engine"] != connection.vendor:
        raise BackupError(
            f"this backup is of a {manifest['engine']} database and the database here is {connection.vendor}; "
            "to move between engines, take a portable backup (grassroots backup --portable)."
        )
    if method == "pg_dump" and not shutil.which("pg_restore"):
        raise BackupError("restoring a pg_dump backup needs pg_restore on the PATH (the postgresql-client package).")
    if not force:
        users, entries = holdings()
        if users or entries:
            raise BackupError(
                f"the database already holds data ({users} accounts, {entries} audit entries); restoring would "
                "replace all of it. Restore into an empty database, or add --force to replace it."
            )


def _load_database(folder: Path, manifest: dict) -> None:
    method = manifest["method"]
    if method == "sqlite":
        source = sqlite3.connect(folder / SQLITE_FILE)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)  # page by page into the live database, which it replaces
        finally:
            source.close()
    elif method == "pg_dump":
        connection.close()
        argv = [shutil.which("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction"]
        env = _pg_environment()
        _run([*argv, f"--dbname={env['PGDATABASE']}", str(folder / PGDUMP_FILE)], env=env)
    else:
        call_command("migrate", verbosity=0)
        # every row goes, Django's own content types and permissions too: the backup's keep their keys
        with transaction.atomic():
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            _load_portable(folder / PORTABLE_FILE)


def _load_files(folder: Path, manifest: dict) -> None:
    stored = set(_stored_names(default_storage))
    for name in manifest["files"]:
        if name in stored:
            default_storage.delete(name)
        with (folder / FILES_DIR / name).open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"the storage kept {name} as {saved}; restore stopped.")
    for name in stored - set(manifest["files"]):
        default_storage.delete(name)  # the files of the database replaced, which the backup's rows never name


def restore(folder: Path, *, force: bool = False) -> RestoreResult:
    """Replace the database and the stored files by the backup's, check both against its manifest, then bring the
    database up to this version's migrations."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    copied = _folder_digests(folder / FILES_DIR) if (folder / FILES_DIR).exists() else {}
    damaged = sorted(name for name, digest in manifest["files"].items() if copied.get(name) != digest)
    if damaged:
        raise BackupError(f"{len(damaged)} files of the backup are missing or changed (e.g. {damaged[0]}).")
    _check_restorable(folder, manifest, force)
    _load_database(folder, manifest)
    _load_files(folder, manifest)
    tables, files = table_digests(), file_digests()
    result = RestoreResult(manifest)
    expected = manifest["tables"]
    if manifest["engine"] != connection.vendor:
        result.compared = "rows"
        tables = {t: d["rows"] for t, d in tables.items()}
        expected = {t: d["rows"] for t, d in expected.items()}
    result.tables_differing = sorted(t for t in set(tables) | set(expected) if tables.get(t) != expected.get(t))
    result.files_differing = sorted(
        n for n in set(files) | set(manifest["files"]) if files.get(n) != manifest["files"].get(n)
    )
    if set(manifest["migrations"]) != known_migrations():
        call_command("migrate", verbosity=0)
        result.migrated = True
    audit(
        "core.backup.restore",
        object_type="backup",
        object_id=manifest["created_at"],
        object_repr=f"{folder.name} ({manifest['method']})",
        after={"tables": len(manifest["tables"]), "files": len(manifest["files"]), "verified": result.ok},
    )
    return result
