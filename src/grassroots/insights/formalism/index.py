"""The indexes of texts and photos in the database: a new text or photo is looked up by its bands (an indexed column)
among those kept, compared exactly with the few candidates, then kept itself. Nothing is read again in full; the
stop list of template shingles is learnt from the corpus by `relearn` (the `grassroots formalism index` command)."""

from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from PIL import Image, UnidentifiedImageError

from grassroots.core.uploads import UploadedFile
from grassroots.duties.models import Evidence
from grassroots.orglife.models import MeetingFile

from ..models import PhotoBand, PhotoSignature, StopShingle, TextBand, TextSignature
from . import perceptual, shingles


@dataclass(frozen=True)
class TextMatch:
    other: TextSignature
    similarity: float
    shared: int  # informative shingles in common


@dataclass(frozen=True)
class PhotoMatch:
    other: PhotoSignature
    distance: int


def stop_list(source: str) -> frozenset[int]:
    """The template shingles of one kind of text (reports, minutes, reports on duty each have their own)."""
    return frozenset(StopShingle.objects.filter(source=source).values_list("value", flat=True))


def _pack32(values) -> bytes:
    return np.array(sorted(values), dtype="<u4").tobytes()


def _unpack32(data) -> set[int]:
    return set(np.frombuffer(bytes(data), dtype="<u4").tolist())


def _pack64(values) -> bytes:
    return np.array(values, dtype="<u8").tobytes()


def _unpack64(data) -> list[int]:
    return np.frombuffer(bytes(data), dtype="<u8").tolist()


def _id(value) -> int:
    """A row or its id (the bench passes ids)."""
    return getattr(value, "pk", value)


def _allowed_pair(new: TextSignature | PhotoSignature, other) -> bool:
    """A copy is of another organization's record, or of an earlier period's of the same organization; a record
    resubmitted on the same assignment (thread) is its own revision, not a copy."""
    if new.thread and other.thread == new.thread:
        return False
    if other.organization_id != new.organization_id:
        return True
    return getattr(other, "period_id", None) != getattr(new, "period_id", None)


def _likely(source: str, keys: list[int], sig: shingles.Signature, *, exclude: int) -> list[TextSignature]:
    """The kept texts sharing a band with this one whose MinHash says they may be as close as a copy. Texts on a
    common topic share a band by chance with a share of the index (the candidates grow with it); their MinHash
    values are read (an id and 1 KB each) and compared at once in numpy, and only the few left are read whole."""
    found = list(
        TextSignature.objects.filter(source=source, pk__in=TextBand.objects.filter(key__in=keys).values("signature"))
        .exclude(pk=exclude)
        .values_list("pk", "minhash")
    )
    if not found:
        return []
    values = np.frombuffer(b"".join(bytes(m) for _pk, m in found), dtype="<u8").reshape(len(found), -1)
    close = shingles.estimated_jaccard(values, sig.hashvalues) >= shingles.PREFILTER
    likely = [pk for (pk, _m), keep in zip(found, close.tolist(), strict=True) if keep]
    if not likely:
        return []
    return list(TextSignature.objects.filter(pk__in=likely).select_related("organization"))


def text_signature(source: str, text: str, stop=None) -> shingles.Signature:
    """A text's signature (its shingles and MinHash, the template shingles of its kind left out): work for the
    processor only, done before the transaction that keeps it (SQLite's one writer waits for no hashing)."""
    return shingles.signature(text, stop_list(source) if stop is None else stop)


@transaction.atomic
def index_text(*, source: str, record_id: int, text: str, organization, period, thread: int = 0, stop=None, sig=None):
    """Keep the text's signature (replacing one kept for the same record) and return the earlier texts it copies;
    `sig`: the signature made already (text_signature)."""
    TextSignature.objects.filter(source=source, record_id=record_id).delete()
    sig = text_signature(source, text, stop) if sig is None else sig
    if not sig.informative:
        return []
    row = TextSignature.objects.create(
        source=source,
        record_id=record_id,
        organization_id=_id(organization),
        period_id=_id(period),
        thread=thread,
        shingles=_pack32(sig.shingles),
        minhash=sig.to_bytes(),
    )
    keys = sig.bands()
    matches = []
    for other in _likely(source, keys, sig, exclude=row.pk):
        if not _allowed_pair(row, other):
            continue
        theirs = _unpack32(other.shingles)
        similarity = shingles.jaccard(sig.shingles, theirs)
        if similarity >= shingles.THRESHOLD:
            matches.append(TextMatch(other, similarity, len(sig.shingles & theirs)))
    TextBand.objects.bulk_create([TextBand(signature=row, key=k) for k in set(keys)])
    return sorted(matches, key=lambda m: -m.similarity)


def photo_hashes(upload: UploadedFile) -> list[int] | None:
    """The variants' hashes of an uploaded photo (report evidence, a meeting's file), read from its thumbnail (or the
    file); None when it is no photo."""
    if upload.kind != "image":
        return None
    for field in (upload.thumbnail, upload.file):
        if not field:
            continue
        try:
            with field.open("rb") as handle, Image.open(handle) as image:
                image.load()
                return perceptual.variants(image)
        except (OSError, UnidentifiedImageError, ValueError):
            continue
    return None


@transaction.atomic
def index_photo(
    *,
    evidence: Evidence | None = None,
    meeting_file: MeetingFile | None = None,
    organization,
    thread: int = 0,
    hashes: list[int] | None = None,
):
    """Keep the photo's hashes (a report's evidence or a meeting's file) and return the earlier photos, of reports
    or meetings, it is a copy of."""
    upload = evidence if evidence is not None else meeting_file
    hashes = photo_hashes(upload) if hashes is None else hashes
    own = {"evidence": evidence} if evidence is not None else {"meeting_file": meeting_file}
    PhotoSignature.objects.filter(**own).delete()
    if not hashes:
        return []
    row = PhotoSignature.objects.create(**own, organization=organization, thread=thread, hashes=_pack64(hashes))
    kept, looked_up = perceptual.keys(hashes)
    # Photos of a common kind of scene share a band by chance (about one pair in a hundred on the generated
    # photos): the candidates grow with the index, so only their hashes are read, and the few close ones whole.
    candidates = (
        PhotoSignature.objects.filter(pk__in=PhotoBand.objects.filter(key__in=looked_up).values("signature"))
        .exclude(pk=row.pk)
        .values_list("pk", "thread", "hashes")
    )
    close = {}
    for pk, their_thread, theirs in candidates:
        if thread and their_thread == thread:
            continue
        distance = perceptual.distance(hashes, _unpack64(theirs))
        if distance <= perceptual.THRESHOLD:
            close[pk] = distance
    PhotoBand.objects.bulk_create([PhotoBand(signature=row, key=k) for k in kept])
    others = PhotoSignature.objects.select_related("organization").in_bulk(list(close))
    return sorted((PhotoMatch(others[pk], d) for pk, d in close.items()), key=lambda m: (m.distance, m.other.pk))


@transaction.atomic
def relearn_stop_list(texts, *, source: str) -> int:
    """Learn the template shingles of one kind of text from the texts given (the corpus, or its latest part)."""
    stop = shingles.learn_stop_shingles(shingles.shingles(t) for t in texts)
    StopShingle.objects.filter(source=source).delete()
    StopShingle.objects.bulk_create([StopShingle(source=source, value=v) for v in stop], batch_size=2000)
    return len(stop)


def clear_texts(*, source: str | None = None, from_record: int = 0) -> None:
    """Forget the texts kept (of one source, from a record id on): their bands, then their signatures, one statement
    each. The ORM's cascade would load every signature and delete the bands a thousand signatures at a time, each
    time scanning the bands (not indexed by signature: the index would slow every insert) - a scan of 42 million
    rows a thousand times over for a province's year."""
    band, signature = TextBand._meta.db_table, TextSignature._meta.db_table
    with connection.cursor() as cursor:
        if source is None and not from_record:
            cursor.execute(f'DELETE FROM "{band}"')
            cursor.execute(f'DELETE FROM "{signature}"')
            return
        where, params = "record_id >= %s", [from_record]
        if source is not None:
            where, params = f"source = %s AND {where}", [source, from_record]
        cursor.execute(
            f'DELETE FROM "{band}" WHERE signature_id IN (SELECT id FROM "{signature}" WHERE {where})', params
        )
        cursor.execute(f'DELETE FROM "{signature}" WHERE {where}', params)


def _insert_bands(pairs: list[tuple[int, int]]) -> None:
    """(signature id, key) rows written straight, without a model object each (a report has 42 of them): COPY on
    PostgreSQL, one prepared INSERT run over the rows elsewhere."""
    table = TextBand._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" (signature_id, key) FROM STDIN') as copy:
                for pair in pairs:
                    copy.write_row(pair)
        else:
            cursor.executemany(f'INSERT INTO "{table}" (signature_id, key) VALUES (%s, %s)', pairs)


def bulk_index_texts(*, source: str, rows, stop=None, batch: int = 2000) -> int:
    """Index many texts at once (the first build of the index over a corpus already there), without comparing them:
    rows of (record id, text, organization id, period id, thread). Returns how many were kept."""
    stop = stop_list(source) if stop is None else stop
    kept = 0
    chunk: list = []

    def flush():
        nonlocal kept
        signatures, keys = [], []
        for (record_id, _text, organization_id, period_id, thread), sig in zip(
            chunk, shingles.signatures((row[1] for row in chunk), stop), strict=True
        ):
            if not sig.informative:
                continue
            signatures.append(
                TextSignature(
                    source=source,
                    record_id=record_id,
                    organization_id=organization_id,
                    period_id=period_id,
                    thread=thread or 0,
                    shingles=_pack32(sig.shingles),
                    minhash=sig.to_bytes(),
                )
            )
            keys.append(set(sig.bands()))
        with transaction.atomic():
            TextSignature.objects.filter(source=source, record_id__in=[r[0] for r in chunk]).delete()
            made = TextSignature.objects.bulk_create(signatures)
            _insert_bands([(s.pk, k) for s, ks in zip(made, keys, strict=True) for k in ks])
        kept += len(made)
        chunk.clear()

    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            flush()
    if chunk:
        flush()
    return kept
