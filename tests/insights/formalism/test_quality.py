"""The detectors' quality on the labelled generated sets: the figures the README reports."""

from grassroots.insights.formalism import evaluation


def test_copied_reports_are_found_with_precision_and_recall():
    quality = evaluation.evaluate_text(evaluation.text_corpus(originals=400, copies=150))
    assert quality.true_pairs > 100
    assert quality.precision >= 0.9
    assert quality.recall >= 0.8


def test_reused_photos_are_found_resized_recompressed_and_cropped():
    quality = evaluation.evaluate_photos(evaluation.photo_corpus(originals=30, copies=24))
    assert quality.true_pairs >= 20
    assert quality.precision >= 0.9
    assert quality.recall >= 0.8


def test_a_shared_template_alone_does_not_make_a_copy():
    from grassroots.insights.formalism import shingles

    corpus = evaluation.text_corpus(originals=200, copies=0)
    with_template = [r for r in corpus if r.text.startswith(evaluation.OPENING) and evaluation.CLOSING in r.text]
    assert len(with_template) > 20
    stop = shingles.learn_stop_shingles(shingles.shingles(r.text) for r in corpus)
    a, b = (shingles.signature(r.text, stop) for r in with_template[:2])
    assert shingles.jaccard(a.shingles, b.shingles) < shingles.THRESHOLD
    # Without the stop list, the template alone brings them close.
    raw = shingles.jaccard(shingles.shingles(with_template[0].text), shingles.shingles(with_template[1].text))
    assert raw > shingles.jaccard(a.shingles, b.shingles)
