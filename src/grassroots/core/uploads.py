"""Uploaded files, handled once: checked by content, hashed, thumbnailed, stored and served as inert content."""

import contextlib
import contextvars
import hashlib
import io
import threading
import zipfile

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_PIXELS = 50_000_000  # a 50-megapixel photo decodes to 150 MB; a larger one is refused before decoding
Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS  # Pillow's own guard, behind ours
# Photos decoded at once in one process, whatever the requests in flight (GRASSROOTS_PHOTO_DECODES, 2): a request
# beyond them waits for one to end. A JPEG is decoded at a fraction of its size (see _photo); a PNG, GIF or WebP of
# the most pixels accepted takes about 200 MB while it is decoded, so a process holds at most this many times that.
DECODING = threading.BoundedSemaphore(settings.GRASSROOTS_PHOTO_DECODES)


# The files stored inside a `stored_until_committed` block, to remove if it ends in an error.
_STORED: contextvars.ContextVar[list | None] = contextvars.ContextVar("grassroots_stored_files", default=None)


@contextlib.contextmanager
def stored_until_committed():
    """Around a service's transaction that stores files: when the block ends in an error (the transaction begun in
    it rolled back, or its commit failed: the database gone), the files stored in it are removed again, so that a
    report that was not kept leaves no photo behind on the disk or in the bucket."""
    stored: list = []
    token = _STORED.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise
    finally:
        _STORED.reset(token)


def _note_stored(field) -> None:
    stored = _STORED.get()
    if stored is not None:
        stored.append((field.storage, field.name))


class UploadKind(models.TextChoices):
    IMAGE = "image", gettext_lazy("Photo")
    PDF = "pdf", gettext_lazy("PDF")
    OFFICE = "office", gettext_lazy("Office document")


# extension -> (kind, content type); the content itself is checked by _content_matches
ALLOWED = {
    ".jpg": (UploadKind.IMAGE, "image/jpeg"),
    ".jpeg": (UploadKind.IMAGE, "image/jpeg"),
    ".png": (UploadKind.IMAGE, "image/png"),
    ".gif": (UploadKind.IMAGE, "image/gif"),
    ".webp": (UploadKind.IMAGE, "image/webp"),
    ".pdf": (UploadKind.PDF, "application/pdf"),
    ".docx": (UploadKind.OFFICE, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": (UploadKind.OFFICE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (UploadKind.OFFICE, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".doc": (UploadKind.OFFICE, "application/msword"),
    ".xls": (UploadKind.OFFICE, "application/vnd.ms-excel"),
}
# What the browser's file picker offers: the same types.
ACCEPT = "image/*,.pdf,.docx,.xlsx,.pptx,.doc,.xls"
IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
OOXML_PART = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
THUMB_SIZE = (480, 480)
# The thumbnail lists show: 96×96 CSS px, so 192 px square for a phone's 2x screen (cropped as the page crops it).
SMALL_THUMB_SIZE = (192, 192)
DESCRIPTION_MAX = 200


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def kind_of(name: str) -> tuple[str, str]:
    """The kind and content type of a stored upload, by the name it passed check_upload with."""
    return ALLOWED.get(_extension(name), ("", "application/octet-stream"))


def max_upload_mb() -> int:
    """The size limit of one file, in MB, as the upload pages state it."""
    return settings.GRASSROOTS_EVIDENCE_MAX_BYTES // 1_000_000


# ---------------------------------------------------------------- checking


def _content_matches(ext: str, head: bytes, data: bytes) -> bool:
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == ".gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if ext == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext in (".doc", ".xls"):
        return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if ext in OOXML_PART:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith(OOXML_PART[ext]) for n in names)
    return False


def dhash(image: Image.Image) -> str:
    """64-bit difference hash: near-identical photos (resized, recompressed) get near-identical hashes."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(small.tobytes())
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


class CheckedFile:
    """An upload that passed the checks, ready to be stored."""

    def __init__(self, name, data, kind, content_type, ext, sha256, phash="", thumbnail=None):
        self.name, self.data, self.kind, self.content_type, self.ext = name, data, kind, content_type, ext
        self.sha256, self.phash, self.thumbnail = sha256, phash, thumbnail


def _photo(name: str, ext: str, data: bytes, sha: str) -> tuple[str, ContentFile]:
    """The perceptual hash and the thumbnail of a photo; a file that does not open as one is refused."""
    try:
        with Image.open(io.BytesIO(data)) as image, DECODING:
            if image.format != IMAGE_FORMATS[ext]:
                raise ValidationError(_("%(name)s is not a readable photo.") % {"name": name})
            width, height = image.size  # read from the header: nothing is decoded yet
            if width * height > MAX_PHOTO_PIXELS:
                raise Image.DecompressionBombError()
            # A JPEG is decoded at the smallest of 1/2, 1/4, 1/8 of its size still at least the thumbnail's (a
            # phone's 12-megapixel photo at 1/4: a sixteenth of the pixels); the hash, 9×8 pixels, is read from the
            # thumbnail.
            image.draft("RGB", THUMB_SIZE)
            image.load()
            image = ImageOps.exif_transpose(image)
            thumb = image if image.mode == "RGB" else image.convert("RGB")
            thumb.thumbnail(THUMB_SIZE)
            phash = dhash(thumb)
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=80)
            return phash, ContentFile(out.getvalue(), name=f"{sha}.thumb.jpg")
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            _("%(name)s is too large a picture; photos of up to 50 million pixels are accepted.") % {"name": name}
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("%(name)s is not a readable photo.") % {"name": name}) from exc


def clean_description(text) -> str:
    """What a photo shows, as its describer typed it: spaces made single, required, at most DESCRIPTION_MAX."""
    description = " ".join((text or "").split())
    if not description:
        raise ValidationError({"description": _("Say what the photo shows.")})
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError({"description": _("A description has at most 200 characters.")})
    return description


def check_upload(uploaded) -> CheckedFile:
    """Refuse a file that is too large, of a forbidden type, or whose content does not match its extension."""
    name = (getattr(uploaded, "name", "") or "file").rsplit("/", 1)[-1][:200]
    limit = settings.GRASSROOTS_EVIDENCE_MAX_BYTES
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("%(name)s is too large (%(size).1f MB); the limit is %(limit).0f MB.")
            % {"name": name, "size": size / 1e6, "limit": limit / 1e6}
        )
    ext = _extension(name)
    if ext not in ALLOWED:
        raise ValidationError(
            _("%(name)s: files of this type are not accepted. Send photos (JPEG, PNG, GIF, WebP), PDF or Office files.")
            % {"name": name}
        )
    data = uploaded.read()
    if len(data) > limit:
        raise ValidationError(
            _("%(name)s is too large; the limit is %(limit).0f MB.") % {"name": name, "limit": limit / 1e6}
        )
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    if not _content_matches(ext, data[:16], data):
        raise ValidationError(
            _("%(name)s is not really a %(ext)s file: its content does not match its name.")
            % {"name": name, "ext": ext}
        )
    kind, content_type = ALLOWED[ext]
    sha = hashlib.sha256(data).hexdigest()
    phash, thumbnail = _photo(name, ext, data, sha) if kind == UploadKind.IMAGE else ("", None)
    return CheckedFile(name, data, kind, content_type, ext, sha, phash, thumbnail)


# ---------------------------------------------------------------- storing


def upload_path(instance, filename: str) -> str:
    """Where a checked file is kept: its model's folder, the month, and its content hash as its name."""
    return f"{instance.upload_dir}/{timezone.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{_extension(filename)}"


class UploadedFile(models.Model):
    """A file someone uploaded, as it passed check_upload: its content, thumbnail, hashes, name and type.

    A concrete model names its folder (`upload_dir`) and the URL names that serve the file and its thumbnail.
    """

    upload_dir = "uploads"
    url_name = ""
    thumbnail_url_name = ""
    describe_url_name = ""  # where a photo's description is written, for a model that keeps one (`description`)

    file = models.FileField(gettext_lazy("file"), upload_to=upload_path, max_length=300)
    thumbnail = models.FileField(max_length=300, blank=True)
    original_name = models.CharField(gettext_lazy("file name"), max_length=200)
    kind = models.CharField(gettext_lazy("kind"), max_length=10, choices=UploadKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(gettext_lazy("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    phash = models.CharField(max_length=16, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.original_name

    def attach(self, checked: CheckedFile):
        """Take a checked file: its name, type and hashes, its content and thumbnail stored; the caller saves the row."""
        self.original_name, self.kind, self.content_type = checked.name, checked.kind, checked.content_type
        self.size, self.sha256, self.phash = len(checked.data), checked.sha256, checked.phash
        stored = []
        try:
            self.file.save(f"{checked.sha256}{checked.ext}", ContentFile(checked.data), save=False)
            stored.append(self.file)
            _note_stored(self.file)
            if checked.thumbnail is not None:
                self.thumbnail.save(f"{self.file.name}.thumb.jpg", checked.thumbnail, save=False)
                stored.append(self.thumbnail)
                _note_stored(self.thumbnail)
        except OSError as exc:  # disk full, not writable, storage gone: nothing of this file stays
            for field in stored:
                with contextlib.suppress(OSError):
                    field.storage.delete(field.name)
            raise ValidationError(STORAGE_FAILED) from exc
        return self

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=[self.pk])

    @property
    def thumbnail_url(self) -> str:
        return reverse(self.thumbnail_url_name, args=[self.pk])

    @property
    def describe_url(self) -> str:
        return reverse(self.describe_url_name, args=[self.pk]) if self.describe_url_name else ""


STORAGE_FAILED = gettext_lazy(
    "The file could not be stored: the server's disk is full or cannot be written. Nothing was saved; try again "
    "later or tell the administrator."
)


# ---------------------------------------------------------------- serving

# Uploaded files are served with their checked type, never sniffed, in a sandbox: never active content.
UPLOAD_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
SERVABLE_TYPES = {content_type for _kind, content_type in ALLOWED.values()}


def serve_upload(fieldfile, content_type: str, filename: str, *, attachment: bool):
    """A FileResponse for a stored upload: unknown types become a download, headers forbid sniffing and scripts."""
    if not fieldfile:
        raise Http404
    if content_type not in SERVABLE_TYPES:
        content_type, attachment = "application/octet-stream", True
    try:
        handle = fieldfile.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, as_attachment=attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = UPLOAD_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response


def serve_file(upload: UploadedFile):
    """An uploaded file as stored: photos and PDF inline (PDF in a frame of our own page), other files saved."""
    attachment = upload.kind not in (UploadKind.IMAGE, UploadKind.PDF)
    return serve_upload(upload.file, upload.content_type, upload.original_name, attachment=attachment)


def serve_thumbnail(upload: UploadedFile, size: str | None = None):
    """A photo's thumbnail (480 px); `size="small"`: the 192-px square the lists show at 96 CSS px."""
    stem = upload.original_name.rsplit(".", 1)[0] or "photo"
    if size == "small" and upload.thumbnail:
        small = small_thumbnail(upload)
        if small is not None:
            return serve_upload(small, "image/jpeg", f"{stem}.small.jpg", attachment=False)
    return serve_upload(upload.thumbnail, "image/jpeg", f"{stem}.thumb.jpg", attachment=False)


class _Stored:
    """A file of the storage by its name, opened as serve_upload opens a FieldFile."""

    def __init__(self, storage, name):
        self.storage, self.name = storage, name

    def __bool__(self):
        return True

    def open(self, mode="rb"):
        return self.storage.open(self.name, mode)


def small_thumbnail(upload: UploadedFile):
    """The small square thumbnail of a photo, made from its thumbnail the first time it is asked for and kept
    beside it in the storage; None when the thumbnail cannot be read."""
    storage, name = upload.thumbnail.storage, f"{upload.thumbnail.name}.small.jpg"
    try:
        if not storage.exists(name):
            with upload.thumbnail.open("rb") as handle, Image.open(handle) as image:
                small = ImageOps.fit(image.convert("RGB"), SMALL_THUMB_SIZE, Image.Resampling.LANCZOS)
                out = io.BytesIO()
                small.save(out, "JPEG", quality=75, optimize=True, progressive=True)
            name = storage.save(name, ContentFile(out.getvalue()))
    except (OSError, UnidentifiedImageError):
        return None
    return _Stored(storage, name)


# ---------------------------------------------------------------- the form field


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files under one name, the picker offering the accepted types; each is checked by the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]
