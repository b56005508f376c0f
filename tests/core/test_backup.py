"""`grassroots backup` and `grassroots restore`: every table and every stored file come back as they were.

The tiny demo (every app's tables, evidence photos and their thumbnails) is backed up, the database emptied and the
files removed (or changed, for a forced restore), restored, and compared table by table (rows and a digest of their
contents) and file by file (bytes).
"""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings

from grassroots.cli import main
from grassroots.core.audit import verify
from grassroots.core.backup import (
    MANIFEST,
    backup,
    backup_method,
    file_digests,
    read_manifest,
    restore,
    table_digests,
)
from grassroots.core.models import AuditEntry
from grassroots.demo import build_demo
from grassroots.organizations.models import Organization

AUDIT_TABLES = {"core_auditentry", "core_auditchainhead"}


def _files_in(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def tiny_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """The tiny demo built once for this module and kept as a backup; the database emptied again after it."""
    media, out = tmp_path_factory.mktemp("demo-media"), tmp_path_factory.mktemp("demo") / "backup"
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        build_demo(scale="tiny", seed=1, today=dt.date(2026, 6, 15))
        backup(out)
        call_command("flush", interactive=False, verbosity=0)
    return out


@pytest.fixture
def deployment(transactional_db, tiny_backup, settings):
    """The tiny demo with its files, restored from the module's backup; the tables' digests, the files' digests and
    the files' bytes as they are."""
    restore(tiny_backup)
    files = _files_in(Path(settings.MEDIA_ROOT))
    assert any(name.startswith("evidence/") for name in files) and any(n.endswith(".thumb.jpg") for n in files)
    return table_digests(), file_digests(), files


def _files_now(settings) -> dict[str, bytes]:
    return _files_in(Path(settings.MEDIA_ROOT))


def _without_audit(digests: dict) -> dict:
    return {t: d for t, d in digests.items() if t not in AUDIT_TABLES}


@pytest.mark.parametrize("portable", [False, True], ids=["native", "portable"])
def test_a_backup_restored_into_an_empty_database_gives_back_every_table_and_file(
    deployment, tmp_path, settings, capsys, portable
):
    tables, files, contents = deployment
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out), *(["--portable"] if portable else [])]) == 0
    manifest = read_manifest(out)
    assert manifest["method"] == ("portable" if portable else backup_method(False))
    assert manifest["tables"] == tables and manifest["files"] == files
    assert sum(t["rows"] for t in tables.values()) > 5000 and len(tables) > 60

    call_command("flush", interactive=False, verbosity=0)  # a new server: empty tables, no files
    shutil.rmtree(settings.MEDIA_ROOT)
    assert not get_user_model().objects.exists()
    assert main(["restore", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"checked: {len(tables)} tables (contents compared) and {len(files)} files" in printed

    assert _without_audit(table_digests()) == _without_audit(tables)
    assert file_digests() == files and _files_now(settings) == contents
    # the audit trail is the backup's, unbroken, and says that a restore happened
    assert AuditEntry.objects.count() == tables["core_auditentry"]["rows"] + 1
    assert AuditEntry.objects.order_by("-seq").first().action == "core.backup.restore"
    assert verify().ok


def test_restore_refuses_a_database_that_holds_data_unless_forced_and_then_replaces_all(
    deployment, tmp_path, settings, capsys
):
    tables, files, contents = deployment
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out)]) == 0
    # the deployment goes on: a renamed organization, a new account, a file removed and another added
    Organization.objects.filter(depth=1).update(name="改过的名字")
    get_user_model().objects.create_user("newcomer", password="x-Y-z-123456")
    lost = next(name for name in files if name.startswith("evidence/"))
    default_storage.delete(lost)
    default_storage.save("evidence/stray.pdf", ContentFile(b"%PDF-1.4 stray"))
    changed = table_digests()

    assert main(["restore", str(out)]) == 1
    error = capsys.readouterr().err
    assert "not restored: the database already holds data (7 accounts" in error and "--force" in error
    assert table_digests() == changed  # nothing was touched

    assert main(["restore", str(out), "--force"]) == 0
    assert _without_audit(table_digests()) == _without_audit(tables)
    assert _files_now(settings) == contents  # the removed file back, the stray one gone
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_a_backup_goes_into_a_new_folder_and_a_damaged_backup_is_refused(deployment, tmp_path, capsys):
    _tables, files, _contents = deployment
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    assert main(["backup", "--out", str(tmp_path / "used")]) == 1
    assert "is not empty: give a new folder" in capsys.readouterr().err

    assert main(["restore", str(tmp_path / "used")]) == 1
    assert "is not a Grassroots backup: it has no manifest.json" in capsys.readouterr().err

    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out)]) == 0
    photo = out / "files" / next(name for name in files if name.endswith(".png") or name.endswith(".jpg"))
    photo.write_bytes(photo.read_bytes()[:-10])
    assert main(["restore", str(out), "--force"]) == 1
    assert "1 files of the backup are missing or changed" in capsys.readouterr().err
    (out / MANIFEST).write_text("{not json")
    assert main(["restore", str(out), "--force"]) == 1
    assert "manifest.json is damaged" in capsys.readouterr().err
