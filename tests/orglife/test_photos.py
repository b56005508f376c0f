"""A meeting's photos: the thumbnail the size it is shown and a description written by the branch's keepers."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from grassroots.core.models import AuditEntry
from grassroots.orglife import services

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def meeting(county):
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 40)).save(buffer, "PNG")
    photo = SimpleUploadedFile("IMG_2041.png", buffer.getvalue(), content_type="image/png")
    return services.meeting_record(
        actor=county.users.secretary,
        organization=county.v11,
        kind="general",
        held_on=dt.date.today() - dt.timedelta(days=2),
        topic="学习党章",
        files=[photo],
    )


def test_a_meeting_photo_is_shown_small_and_described_by_the_secretary(county, client_for, meeting):
    file = meeting.files.get()
    url = reverse("orglife:meeting", args=[meeting.pk])
    client = client_for(county.users.secretary)
    page = client.get(url, **EN).content.decode()
    thumb = reverse("orglife:meeting_file_thumb", args=[file.pk])
    assert f'src="{thumb}?size=small"' in page and 'alt="Photo 1, not described yet"' in page
    assert 'alt="IMG_2041.png"' not in page
    small = client.get(thumb, {"size": "small"})
    assert Image.open(io.BytesIO(b"".join(small.streaming_content))).size == (192, 192)
    done = client.post(
        reverse("orglife:meeting_file_describe", args=[file.pk]),
        {"description": "支部党员集中学习党章"},
        follow=True,
        **EN,
    )
    assert 'alt="支部党员集中学习党章"' in done.content.decode()
    assert AuditEntry.objects.filter(action="orglife.meeting_file.describe", object_id=str(meeting.pk)).exists()


def test_only_the_branchs_keepers_describe_its_meeting_photos(county, client_for, meeting):
    file = meeting.files.get()
    auditor = client_for(county.users.auditor)
    page = auditor.get(reverse("orglife:meeting", args=[meeting.pk]), **EN).content.decode()
    assert "What does this photo show?" not in page
    auditor.post(reverse("orglife:meeting_file_describe", args=[file.pk]), {"description": "x"}, **EN)
    file.refresh_from_db()
    assert file.description == ""
