"""Near-duplicate text, without Django: texts cut into character shingles (so Chinese needs no segmenter), a MinHash
signature of each (datasketch) cut into LSH bands for candidate lookup, and the exact Jaccard similarity that
decides. Shingles that occur in many documents (template phrases everyone writes) are dropped, from a stop list
learnt from the corpus, so that a shared template does not make every report a duplicate of every other."""

import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

NUM_PERM = 128
# A pair whose shingles overlap this much (Jaccard, stop shingles left out) is flagged as copied.
THRESHOLD = 0.3
# Bands and rows of the LSH index: tuned by datasketch for a candidate threshold below THRESHOLD, so that a pair
# just above it is found (a false candidate costs one exact comparison; a missed one is a copy unseen).
BANDS, ROWS = _optimal_param(0.25, NUM_PERM, 0.5, 0.5)
# A candidate whose similarity estimated from the MinHash values is below this is not compared exactly. The estimate
# (the share of the 128 values two texts have in common) has a standard deviation of 0.04 at the threshold, so a pair
# at the threshold falls below 0.15 about once in 10,000; on the generated reports, texts on a common topic that
# share a band by chance estimate 0.07 (median), 0.17 at the 99th percentile.
PREFILTER = 0.15
# Fewer informative shingles than this and a text says too little to be called a copy ("done", "已完成").
MIN_SHINGLES = 12
# A shingle in at least this share of the documents (and at least STOP_MIN_DOCS of them) is a template phrase.
STOP_SHARE = 0.05
STOP_MIN_DOCS = 5

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Width, case, numbers and punctuation folded: a copy with other figures or other punctuation reads the same."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _DIGITS.sub("0", text)
    return _NOT_WORD.sub(" ", text).strip()


def is_chinese(text: str) -> bool:
    letters = sum(1 for ch in text if not ch.isspace())
    return letters > 0 and len(_CJK.findall(text)) * 2 >= letters


@functools.lru_cache(maxsize=1 << 16)
def shingle_hash(shingle: str) -> int:
    """A shingle as a stable 32-bit number (the same in every process, unlike hash()); the common ones (template
    phrases, the duty's wording) kept, not hashed again for each text."""
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=4).digest(), "big")


def shingles(text: str) -> set[int]:
    """The text's shingles: 3 characters of Chinese (spaces left out), or 5 characters of other writing."""
    norm = normalize(text)
    if is_chinese(norm):
        chars, k = norm.replace(" ", ""), 3
    else:
        chars, k = norm, 5
    if len(chars) < k:
        return set()
    return {shingle_hash(chars[i : i + k]) for i in range(len(chars) - k + 1)}


def learn_stop_shingles(documents: Iterable[set[int]]) -> set[int]:
    """The shingles common to many documents (templates, the duty's own wording): a stop list learnt from the corpus."""
    counts: Counter[int] = Counter()
    n = 0
    for doc in documents:
        counts.update(doc)
        n += 1
    floor = max(STOP_MIN_DOCS, int(n * STOP_SHARE))
    return {s for s, c in counts.items() if c >= floor}


@dataclass
class Signature:
    """What the index keeps of one text: its informative shingles, MinHash values and band keys."""

    shingles: frozenset[int]
    hashvalues: np.ndarray

    @property
    def informative(self) -> bool:
        return len(self.shingles) >= MIN_SHINGLES

    def bands(self) -> list[int]:
        return band_keys(self.hashvalues)

    def to_bytes(self) -> bytes:
        return self.hashvalues.astype("<u8").tobytes()


def _identity(value: int) -> int:
    return value


# Drawing a MinHash's permutations costs more than hashing a report's shingles (about 2 ms against 1): they are drawn
# once (the seed fixes them), and each text's MinHash starts from a copy, as datasketch's bulk MinHash does.
_EMPTY = MinHash(num_perm=NUM_PERM, hashfunc=_identity)


def signature(text: str, stop: set[int] | frozenset[int] = frozenset()) -> Signature:
    return signatures([text], stop)[0]


def signatures(texts: Iterable[str], stop: set[int] | frozenset[int] = frozenset()) -> list[Signature]:
    """The signatures of many texts, the permutations drawn once for them all."""
    stop = frozenset(stop)
    out = []
    for text in texts:
        kept = frozenset(shingles(text) - stop)
        minhash = _EMPTY.copy()
        if kept:
            minhash.update_batch(list(kept))
        out.append(Signature(shingles=kept, hashvalues=np.array(minhash.hashvalues, dtype=np.uint64)))
    return out


def band_keys(hashvalues: np.ndarray) -> list[int]:
    """One key per band: the band's rows hashed to a signed 63-bit number (an index column in the database)."""
    raw = hashvalues.astype("<u8")
    keys = []
    for band in range(BANDS):
        chunk = raw[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "big")).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def estimated_jaccard(values: np.ndarray, hashvalues: np.ndarray) -> np.ndarray:
    """The similarity of each row of MinHash values (one text each) to one text's, estimated: the share of the
    values they have in common."""
    return (values == hashvalues[None, :]).mean(axis=1)


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(a: Iterable[int], b: Iterable[int]) -> float:
    """How much of the smaller text is in the larger: a short report copied into a longer one still shows."""
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def similarity(a: Iterable[int], b: Iterable[int]) -> float:
    return jaccard(a, b)
