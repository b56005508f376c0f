"""Evidence files in an S3-compatible object store: a real one (moto's server, installed from PyPI, started here
on a free loopback port) takes the uploads and thumbnails, which Grassroots reads back and serves as inert content.
"""

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.config.storage import LOCAL, S3, storages_from_env
from grassroots.duties import services
from grassroots.duties.models import Assignment

BUCKET = "grassroots-evidence"


# ---------------------------------------------------------------- the setting, from the environment


def test_files_stay_on_local_disk_unless_told_otherwise():
    assert storages_from_env({}, production=False)["default"] == {"BACKEND": LOCAL}
    production = storages_from_env({}, production=True)
    assert production["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_an_s3_store_is_private_never_overwritten_and_named_by_the_environment():
    env = {
        "GRASSROOTS_STORAGE": "s3",
        "GRASSROOTS_S3_BUCKET": "b",
        "GRASSROOTS_S3_ENDPOINT_URL": "https://s3.example.org",
        "GRASSROOTS_S3_REGION": "cn-north-1",
        "GRASSROOTS_S3_PREFIX": "/county/",
    }
    default = storages_from_env(env, production=True)["default"]
    assert default["BACKEND"] == S3
    options = default["OPTIONS"]
    assert (options["bucket_name"], options["location"], options["endpoint_url"]) == (
        "b",
        "county",
        "https://s3.example.org",
    )
    assert options["default_acl"] == "private" and options["file_overwrite"] is False
    assert "access_key" not in options  # then boto3 finds its credentials itself (environment, instance role)


@pytest.mark.parametrize(
    ("env", "message"),
    [({"GRASSROOTS_STORAGE": "s3"}, "needs GRASSROOTS_S3_BUCKET"), ({"GRASSROOTS_STORAGE": "ftp"}, "local or s3")],
)
def test_a_storage_setting_that_cannot_work_stops_the_start_with_a_message(env, message):
    with pytest.raises(ValueError, match=message):
        storages_from_env(env, production=False)


# ---------------------------------------------------------------- against a running S3-compatible server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on a free loopback port for this module's tests; stopped after them."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail("the S3 server did not start")
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


@pytest.fixture
def s3(settings, s3_server):
    """Grassroots' default storage set to a fresh bucket on the S3 server, as GRASSROOTS_STORAGE=s3 sets it."""
    import boto3

    env = {
        "GRASSROOTS_STORAGE": "s3",
        "GRASSROOTS_S3_BUCKET": BUCKET,
        "GRASSROOTS_S3_PREFIX": "grassroots",
        "GRASSROOTS_S3_ENDPOINT_URL": s3_server,
        "GRASSROOTS_S3_REGION": "us-east-1",
        "GRASSROOTS_S3_ACCESS_KEY": "testing",
        "GRASSROOTS_S3_SECRET_KEY": "testing",
    }
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = storages_from_env(env, production=False)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def report(county, duty_at):
    """Qingshan's report with a photo and a PDF, uploaded while the store is S3."""
    duty = duty_at(county)
    villages = services.resolve_targets(issuer=county.county, mode="kind", kind="branch")
    services.duty_issue(actor=county.users.officer, duty=duty, targets=villages)
    assignment = Assignment.objects.get(duty=duty, organization=county.v11)
    pdf = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n")
    return services.report_submit(
        actor=county.users.secretary, assignment=assignment, text="主题党日", percent=100, files=[_png(), pdf]
    )


def test_uploads_and_thumbnails_go_to_the_bucket_privately_and_not_to_the_disk(s3, report, settings):
    assert default_storage.__class__.__name__ == "S3Storage"
    photo = report.evidence.get(kind="image")
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert f"grassroots/{photo.file.name}" in keys and f"grassroots/{photo.thumbnail.name}" in keys
    assert len(keys) == 3  # the photo, its thumbnail, the PDF
    stored = s3.get_object(Bucket=BUCKET, Key=f"grassroots/{photo.file.name}")["Body"].read()
    assert stored == _png().read()
    grants = s3.get_object_acl(Bucket=BUCKET, Key=f"grassroots/{photo.file.name}")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner only: private
    assert not any(settings.MEDIA_ROOT.rglob("*.*"))


def test_files_in_the_bucket_are_served_by_grassroots_as_inert_content(s3, county, report, client_for):
    client = client_for(county.users.secretary)
    photo, pdf = report.evidence.get(kind="image"), report.evidence.get(kind="pdf")
    response = client.get(reverse("duties:evidence", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == _png().read()
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    thumb = client.get(reverse("duties:evidence_thumb", args=[photo.pk]))
    assert thumb["Content-Type"] == "image/jpeg" and b"".join(thumb.streaming_content).startswith(b"\xff\xd8\xff")
    served = client.get(reverse("duties:evidence", args=[pdf.pk]))
    assert served["Content-Type"] == "application/pdf" and "sandbox" in served["Content-Security-Policy"]


def test_a_file_gone_from_the_bucket_is_not_found_not_an_error(s3, county, report, client_for):
    photo = report.evidence.get(kind="image")
    default_storage.delete(photo.file.name)
    assert not default_storage.exists(photo.file.name)
    response = client_for(county.users.secretary).get(reverse("duties:evidence", args=[photo.pk]))
    assert response.status_code == 404


def test_the_same_content_twice_keeps_both_objects(s3):
    first = default_storage.save("evidence/x/same.pdf", io.BytesIO(b"%PDF-1 first"))
    second = default_storage.save("evidence/x/same.pdf", io.BytesIO(b"%PDF-1 second"))
    assert first != second
    assert default_storage.open(first).read() == b"%PDF-1 first"


def test_a_backup_takes_the_files_from_the_bucket_and_a_restore_puts_them_back(s3, report, tmp_path):
    from grassroots.core.backup import _load_files, backup, file_digests

    manifest = backup(tmp_path / "backup", portable=True)
    in_bucket = file_digests()
    assert len(manifest["files"]) == 3 and manifest["files"] == in_bucket
    photo = report.evidence.get(kind="image")
    assert (tmp_path / "backup" / "files" / photo.file.name).read_bytes() == _png().read()
    for name in in_bucket:
        default_storage.delete(name)
    default_storage.save("evidence/stray.pdf", io.BytesIO(b"%PDF-1 stray"))
    _load_files(tmp_path / "backup", manifest)
    assert file_digests() == in_bucket  # every object back under its name, the stray one gone
