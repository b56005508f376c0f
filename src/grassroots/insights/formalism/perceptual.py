"""The same photo, found again, without Django: a 64-bit perceptual hash (pHash: the low frequencies of the discrete
cosine transform against their median, on numpy and Pillow) survives resizing and recompression; a light crop
moves it, so each photo is also hashed as if cropped a little on each side (the variants), and two photos are the
same when the closest of their hashes differ in few bits. The index finds candidates by 16-bit bands: two hashes
within 3 bits share a band for certain, and the variants make a close pair very likely to."""

import itertools

import numpy as np
from PIL import Image, ImageOps

SIZE = 32
LOW = 8
# Two photos whose closest hashes differ in at most this many of 64 bits are the same photo (measured on the
# labelled set: copies resized, recompressed or cropped by up to 8% stay within 8; different photos of the same
# kind of scene start at about 18).
THRESHOLD = 10
CROPS = (0.0, 0.05)  # each side cropped by this share, in every combination: the variants of a photo
BANDS = 4
BAND_BITS = 16
# Set on the bands of a photo's whole hash, kept beside the bands of all its variants (see `keys`).
WHOLE = 1 << (BAND_BITS + 2)


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    return m


_DCT = _dct_matrix(SIZE)


def phash(image: Image.Image) -> int:
    """The 64-bit pHash of an image, as an unsigned integer."""
    pixels = np.asarray(image.convert("L").resize((SIZE, SIZE), Image.Resampling.LANCZOS), dtype=np.float64)
    low = (_DCT @ pixels @ _DCT.T)[:LOW, :LOW].flatten()
    bits = low > np.median(low[1:])
    return int.from_bytes(np.packbits(bits).tobytes(), "big")  # the first coefficient the highest bit


def variants(image: Image.Image) -> list[int]:
    """The hash of the whole image first, then of the image cropped a little on each combination of sides."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    if max(image.size) > 512:
        image = image.copy()
        image.thumbnail((512, 512))
    # Grey once for the 16 crops (a crop of the grey image is the grey of the crop: the hashes are the same).
    image = image.convert("L")
    width, height = image.size
    out = []
    for left, top, right, bottom in itertools.product(CROPS, repeat=4):
        box = (int(width * left), int(height * top), width - int(width * right), height - int(height * bottom))
        out.append(phash(image.crop(box)))
    return out


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def distance(a: list[int], b: list[int]) -> int:
    """How far two photos are: the whole of each against every variant of the other, the closest pair."""
    return min(min(hamming(a[0], v) for v in b), min(hamming(b[0], v) for v in a))


def bands(value: int) -> list[int]:
    """The hash cut into BANDS bands of BAND_BITS bits, each tagged with its place (one key column in the index)."""
    mask = (1 << BAND_BITS) - 1
    return [(i << BAND_BITS) | ((value >> (i * BAND_BITS)) & mask) for i in range(BANDS)]


def keys(hashes: list[int]) -> tuple[set[int], set[int]]:
    """The band keys a photo is kept under, and those it looks the kept photos up by. The distance compares one
    photo's whole hash with the other's variants, both ways, never a variant with a variant: the whole hash's bands
    are looked up among the variants' (of every kept photo), and every variant's among the whole hashes' (kept
    apart, tagged WHOLE). A variant meeting a variant by chance, five times in seven of the chance candidates on the
    generated photos, is not looked up."""
    whole = bands(hashes[0])
    variants = {b for h in hashes for b in bands(h)}
    return variants | {WHOLE | b for b in whole}, set(whole) | {WHOLE | b for b in variants}
