"""The index's lookups: what a check reads of the kept texts and photos, and what it leaves unread."""

from grassroots.insights.formalism import index, shingles
from grassroots.insights.models import TextSource

from .conftest import COPY, DISTINCT, ORIGINAL

# Other reports on the theme day, written by their branches: on the topic, not copies.
OTHERS = [
    "柳湾村党支部组织党员到村小学操场开展主题党日，给孩子们讲红色故事，捐赠图书两百册，老师和家长都很感动。",
    "石门村支部在党群服务中心学习党章党规，书记逐条讲解，党员轮流发言，会后大家到河边清理了三车垃圾。",
    "东岭村党员分成四个小组走访独居老人，帮他们检查电线、修理水管，记下需要村里解决的问题，共七件。",
]


def test_the_minhash_estimate_is_close_to_the_exact_similarity():
    a, b = shingles.signature(ORIGINAL), shingles.signature(COPY)
    estimate = shingles.estimated_jaccard(b.hashvalues[None, :], a.hashvalues)[0]
    assert abs(estimate - shingles.jaccard(a.shingles, b.shingles)) < 0.15
    assert shingles.estimated_jaccard(a.hashvalues[None, :], a.hashvalues)[0] == 1.0


def test_texts_sharing_a_band_by_chance_are_not_read_whole(county, period, monkeypatch):
    """Every kept text shares every band with the new one here (one band key for all): only the text whose MinHash
    values say it may be a copy is read whole and compared; the copy is found as before."""
    monkeypatch.setattr(shingles, "band_keys", lambda values: [7] * shingles.BANDS)
    texts = [ORIGINAL, DISTINCT, *OTHERS]
    rows = [(i + 1, text, county.v21.pk, period.pk, 0) for i, text in enumerate(texts)]
    assert index.bulk_index_texts(source=TextSource.REPORT, rows=rows, stop=frozenset()) == len(texts)
    sig = shingles.signature(COPY)
    likely = index._likely(TextSource.REPORT, sig.bands(), sig, exclude=0)
    assert [other.record_id for other in likely] == [1]
    matches = index.index_text(
        source=TextSource.REPORT, record_id=9, text=COPY, organization=county.v12, period=period, stop=frozenset()
    )
    assert [m.other.record_id for m in matches] == [1]


def test_a_photos_hashes_are_those_of_each_crop_hashed_alone():
    """The variants are hashed from one grey image (converted once, not once a crop), to the same bits as each
    crop of the colour photo hashed on its own: the photos kept before stay comparable."""
    import itertools

    import numpy as np
    from PIL import Image

    from grassroots.insights.formalism import evaluation, perceptual

    photo = evaluation.scene(np.random.default_rng(4), "fields", size=(480, 360))
    width, height = photo.size
    expected = []
    for left, top, right, bottom in itertools.product(perceptual.CROPS, repeat=4):
        box = (int(width * left), int(height * top), width - int(width * right), height - int(height * bottom))
        grey = photo.crop(box).convert("L").resize((perceptual.SIZE,) * 2, Image.Resampling.LANCZOS)
        low = (perceptual._DCT @ np.asarray(grey, dtype=np.float64) @ perceptual._DCT.T)[
            : perceptual.LOW, : perceptual.LOW
        ]
        bits = low.flatten() > np.median(low.flatten()[1:])
        expected.append(int("".join("1" if b else "0" for b in bits), 2))
    assert perceptual.variants(photo) == expected


def test_a_photo_is_looked_up_whole_against_variants_and_variants_against_whole():
    """Two photos meet in the index where the distance compares them (a whole hash with the other's variants),
    not where only their variants agree."""
    from grassroots.insights.formalism import perceptual

    whole_a, whole_b, crop = 0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x0F0F0F0F0F0F0F0F
    kept, _ = perceptual.keys([whole_a, crop])
    assert not kept & perceptual.keys([whole_b, crop])[1]  # a crop in common, and no whole hash near the other
    assert kept & perceptual.keys([crop, whole_b])[1]  # a's crop is b's whole photo
    assert kept & perceptual.keys([whole_b, whole_a])[1]  # b's crop is a's whole photo


def test_photos_kept_before_get_their_whole_hashs_bands_from_the_migration(county, issued, submit):
    """A photo kept before the whole hash's bands were kept apart gets them from its stored hashes (insights 0009);
    a crop of it sent by another branch is still found."""
    import importlib

    from django.apps import apps

    from grassroots.insights.formalism import perceptual
    from grassroots.insights.models import Flag, FlagKind, PhotoBand, PhotoSignature

    from .conftest import photo

    submit(issued["C-T1-V1"], "见照片", files=[photo(seed=5)])
    kept = PhotoSignature.objects.get()
    whole = index._unpack64(kept.hashes)[0]
    PhotoBand.objects.filter(key__gte=perceptual.WHOLE).delete()  # the index as an earlier version kept it
    importlib.import_module("grassroots.insights.migrations.0009_photo_whole_bands").whole_bands(apps, None)
    tagged = set(PhotoBand.objects.filter(signature=kept, key__gte=perceptual.WHOLE).values_list("key", flat=True))
    assert tagged == {perceptual.WHOLE | b for b in perceptual.bands(whole)}
    submit(issued["C-T1-V2"], "活动照片", files=[photo(seed=5, quality=40, crop=0.03, scale=0.5)])
    assert Flag.objects.filter(kind=FlagKind.REUSED_PHOTO, organization=county.v12).exists()
