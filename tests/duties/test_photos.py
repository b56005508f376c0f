"""Photos of reports as the pages show them: a thumbnail the size it is shown (96 CSS px, a 192-px square for a 2x
screen) and a description read out in place of the picture, written by those who report, on the page and the API."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from grassroots.core.models import AuditEntry
from grassroots.duties import services
from grassroots.duties.models import Assignment
from grassroots.organizations.models import Post

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _photo(name="river.jpg", size=(1600, 1200)):
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def report(county, duty_at):
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )
    duty = duty_at(county)
    services.duty_issue(
        actor=county.users.officer,
        duty=duty,
        targets=services.resolve_targets(issuer=county.county, mode="kind", kind="branch"),
    )
    assignment = Assignment.objects.get(duty=duty, organization=county.v11)
    return services.report_submit(
        actor=county.users.secretary, assignment=assignment, text="河边植树", percent=50, files=[_photo()]
    )


def test_the_list_loads_a_thumbnail_of_the_size_it_shows(county, client_for, report):
    photo = report.evidence.get()
    client = client_for(county.users.secretary)
    page = client.get(reverse("duties:assignment", args=[report.assignment_id]), **EN).content.decode()
    thumb = reverse("duties:evidence_thumb", args=[photo.pk])
    assert f'src="{thumb}?size=small"' in page and f'{thumb} 480w" sizes="96px"' in page
    small = client.get(thumb, {"size": "small"})
    big = client.get(thumb)
    small_bytes, big_bytes = b"".join(small.streaming_content), b"".join(big.streaming_content)
    assert small["Content-Type"] == "image/jpeg" and small["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(small_bytes)).size == (192, 192)
    assert max(Image.open(io.BytesIO(big_bytes)).size) == 480
    assert len(small_bytes) < len(big_bytes) / 3
    # Made once and kept: asked again, the same file.
    assert b"".join(client.get(thumb, {"size": "small"}).streaming_content) == small_bytes
    # The policy of the photo holds for its small thumbnail.
    assert client_for(county.users.outsider).get(thumb, {"size": "small"}).status_code == 404


def test_a_photo_without_a_description_says_so_and_the_reporter_describes_it(county, client_for, report):
    photo = report.evidence.get()
    url = reverse("duties:assignment", args=[report.assignment_id])
    client = client_for(county.users.secretary)
    page = client.get(url, **EN).content.decode()
    assert 'alt="Photo 1, not described yet"' in page and "river.jpg" not in page.split("<main")[1].split("alt=")[1]
    assert "What does this photo show?" in page
    describe = reverse("duties:evidence_describe", args=[photo.pk])
    empty = client.post(describe, {"description": "  ", "next": url}, follow=True, **EN).content.decode()
    assert "Say what the photo shows." in empty
    done = client.post(describe, {"description": "党员在河边植树", "next": url}, follow=True, **EN)
    assert done.redirect_chain[-1][0] == f"{url}#report-{report.pk}"
    text = done.content.decode()
    assert "The photo&#x27;s description is saved." in text and 'alt="党员在河边植树"' in text
    assert "What does this photo show?" not in text
    entry = AuditEntry.objects.get(action="duties.evidence.describe")
    assert entry.after == {"description": "党员在河边植树"}
    too_long = client.post(describe, {"description": "长" * 201, "next": url}, follow=True, **EN).content.decode()
    assert "A description has at most 200 characters." in too_long


def test_only_those_who_report_describe_a_photo(county, client_for, report):
    photo = report.evidence.get()
    url = reverse("duties:assignment", args=[report.assignment_id])
    auditor = client_for(county.users.auditor)  # reads the township's reports, writes none of them
    page = auditor.get(url, **EN).content.decode()
    assert 'alt="Photo 1, not described yet"' in page and "What does this photo show?" not in page
    refused = auditor.post(
        reverse("duties:evidence_describe", args=[photo.pk]), {"description": "别人写的"}, follow=True, **EN
    )
    assert (
        "Only the receiving organization or the responsible person can describe its photos." in refused.content.decode()
    )
    photo.refresh_from_db()
    assert photo.description == ""
    other = client_for(county.users.outsider)
    assert other.post(reverse("duties:evidence_describe", args=[photo.pk]), {"description": "x"}).status_code == 404
    assert auditor.get(reverse("duties:evidence_describe", args=[photo.pk])).status_code == 405


def test_a_photo_is_described_through_the_api(county, report):
    photo = report.evidence.get()
    api = APIClient()
    api.force_authenticate(county.users.secretary)
    done = api.post(f"/api/evidence/{photo.pk}/describe/", {"description": "党员在河边植树"}, format="json")
    assert done.status_code == 200 and done.json()["description"] == "党员在河边植树"
    assert api.get(f"/api/evidence/{photo.pk}/").json()["description"] == "党员在河边植树"
    assert api.post(f"/api/evidence/{photo.pk}/describe/", {"description": ""}, format="json").status_code == 400
    small = api.get(f"/api/evidence/{photo.pk}/thumbnail/?size=small", HTTP_ACCEPT="image/*")
    assert Image.open(io.BytesIO(b"".join(small.streaming_content))).size == (192, 192)
    auditor = APIClient()
    auditor.force_authenticate(county.users.auditor)
    refused = auditor.post(f"/api/evidence/{photo.pk}/describe/", {"description": "x"}, format="json")
    assert refused.status_code == 403


def test_the_description_form_in_chinese(county, client_for, report):
    page = client_for(county.users.secretary).get(reverse("duties:assignment", args=[report.assignment_id]))
    text = page.content.decode()
    assert "这张照片拍的是什么？" in text and 'alt="照片 1，尚未填写说明"' in text and "保存说明" in text
