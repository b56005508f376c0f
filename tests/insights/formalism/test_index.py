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
