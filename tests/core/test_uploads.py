"""One upload path for report evidence and meeting files: checked by content, hashed, thumbnailed, stored alike."""

import io
import threading
import warnings

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grassroots.core.uploads import ACCEPT, MultipleFileField, UploadKind, check_upload, hamming
from grassroots.duties.models import Evidence
from grassroots.orglife.models import MeetingFile


def _png(name="photo.png", size=(64, 48), colour=(200, 30, 30)):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, colour)
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_photo_is_checked_by_content_and_gets_a_thumbnail_and_a_perceptual_hash():
    checked = check_upload(_png())
    assert (checked.kind, checked.content_type, checked.ext) == (UploadKind.IMAGE, "image/png", ".png")
    assert len(checked.sha256) == 64 and checked.thumbnail is not None
    resized = check_upload(_png(size=(128, 96)))
    assert resized.sha256 != checked.sha256 and hamming(resized.phash, checked.phash) <= 6


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("page.html", b"<html></html>"), "files of this type are not accepted"),
        (SimpleUploadedFile("photo.png", b"<script>alert(1)</script>"), "its content does not match its name"),
        (SimpleUploadedFile("empty.pdf", b""), "is empty"),
    ],
)
def test_a_file_of_another_type_than_its_name_says_is_refused(upload, message):
    with pytest.raises(ValidationError, match=message):
        check_upload(upload)


def test_a_file_over_the_limit_is_refused(settings):
    settings.GRASSROOTS_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="is too large"):
        check_upload(SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 200))


@pytest.mark.parametrize(("model", "folder"), [(Evidence, "evidence/"), (MeetingFile, "meetings/")])
def test_evidence_and_meeting_files_are_stored_alike(model, folder):
    checked = check_upload(_png("sign-in.png"))
    row = model().attach(checked)
    assert row.file.name.startswith(folder) and row.file.name.endswith(f"/{checked.sha256[:2]}/{checked.sha256}.png")
    assert row.thumbnail.name == f"{row.file.name}.thumb.jpg"
    assert (row.original_name, row.kind, row.size, row.phash) == (
        "sign-in.png",
        "image",
        len(checked.data),
        checked.phash,
    )


def test_the_file_field_offers_the_accepted_types_and_takes_several_files():
    field = MultipleFileField(required=False)
    assert field.widget.attrs["accept"] == ACCEPT
    assert [f.name for f in field.clean([_png("a.png"), _png("b.png")])] == ["a.png", "b.png"]
    assert field.clean(None) == []


@pytest.mark.parametrize("size", [(8000, 7000), (10900, 10900)])
@pytest.mark.parametrize("language, words", [("en", "too large a picture"), ("zh-hans", "图片尺寸过大")])
def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded(monkeypatch, size, language, words):
    from django.utils import translation
    from PIL import ImageFile

    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")  # a few kilobytes that would decode to hundreds of megabytes
    assert len(out.getvalue()) < 500_000

    def decoded(self):
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    with translation.override(language), pytest.raises(ValidationError) as refused, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # Pillow's own notice, above its limit
        check_upload(SimpleUploadedFile("bomb.png", out.getvalue()))
    assert words in refused.value.messages[0]


def test_photos_beyond_the_decodes_allowed_at_once_wait_for_one_to_end(monkeypatch):
    """At most GRASSROOTS_PHOTO_DECODES photos are decoded at once in a process: a third upload, with both slots
    taken, waits (its header read, nothing decoded) and goes on once one is free."""
    from grassroots.core import uploads

    slots = threading.BoundedSemaphore(2)
    monkeypatch.setattr(uploads, "DECODING", slots)
    slots.acquire()
    slots.acquire()  # two photos being decoded elsewhere
    done = []
    third = threading.Thread(target=lambda: done.append(check_upload(_png("third.png"))))
    third.start()
    third.join(0.5)
    assert third.is_alive() and not done  # waiting for a slot
    slots.release()
    third.join(10)
    assert not third.is_alive() and done[0].thumbnail is not None
    slots.release()
    assert slots.acquire(blocking=False) and slots.acquire(blocking=False)  # both slots given back
    slots.release()
    slots.release()


def test_the_decodes_allowed_at_once_are_set_from_the_environment():
    from django.conf import settings

    from grassroots.core import uploads

    assert settings.GRASSROOTS_PHOTO_DECODES >= 1
    assert uploads.DECODING._initial_value == settings.GRASSROOTS_PHOTO_DECODES
