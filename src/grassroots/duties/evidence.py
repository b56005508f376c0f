"""Evidence files: size and type checked by content, thumbnails and perceptual hashes for photos."""

import hashlib
import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

Image.MAX_IMAGE_PIXELS = 60_000_000  # larger claims are refused as decompression bombs

# extension -> (kind, content type, content check)
ALLOWED = {
    ".jpg": ("image", "image/jpeg"),
    ".jpeg": ("image", "image/jpeg"),
    ".png": ("image", "image/png"),
    ".gif": ("image", "image/gif"),
    ".webp": ("image", "image/webp"),
    ".pdf": ("pdf", "application/pdf"),
    ".docx": ("office", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("office", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("office", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".doc": ("office", "application/msword"),
    ".xls": ("office", "application/vnd.ms-excel"),
}
IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
OOXML_PART = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
THUMB_SIZE = (480, 480)


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def kind_of(name: str) -> tuple[str, str]:
    """The kind and content type of a stored upload, by the name it passed check_upload with."""
    return ALLOWED.get(_extension(name), ("", "application/octet-stream"))


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
    phash, thumbnail = "", None
    if kind == "image":
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format != IMAGE_FORMATS[ext]:
                    raise ValidationError(_("%(name)s is not a readable photo.") % {"name": name})
                image.load()
                image = ImageOps.exif_transpose(image)
                phash = dhash(image)
                thumb = image.convert("RGB")
                thumb.thumbnail(THUMB_SIZE)
                out = io.BytesIO()
                thumb.save(out, "JPEG", quality=80)
                thumbnail = ContentFile(out.getvalue(), name=f"{sha}.thumb.jpg")
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
            raise ValidationError(_("%(name)s is not a readable photo.") % {"name": name}) from exc
    return CheckedFile(name, data, kind, content_type, ext, sha, phash, thumbnail)


# Uploaded files are served with their checked type, never sniffed, in a sandbox: never active content.
UPLOAD_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
SERVABLE_TYPES = {content_type for _kind, content_type in ALLOWED.values()}


def serve_upload(fieldfile, content_type: str, filename: str, *, attachment: bool):
    """A FileResponse for a stored upload: unknown types become a download, headers forbid sniffing and scripts."""
    from django.http import FileResponse, Http404

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
