"""How the assessment pages word and punctuate what they show: the sensitivity verdict."""

import pytest
from django.urls import reverse

from grassroots.assessment import selectors, services
from grassroots.assessment.models import Result
from tests.assessment.test_engine import END, assessed  # noqa: F401 - the fixture of a year of work

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def computed(assessed):  # noqa: F811
    services.run_compute(actor=assessed.users.officer, run=assessed.run, asof=END)
    return assessed


# ---------------------------------------------------------------- the sensitivity verdict


@pytest.mark.parametrize(("size", "limit"), [(0, 2), (4, 2), (27, 2), (60, 3), (100, 5), (1123, 56)])
def test_the_range_called_stable_grows_with_the_number_ranked_together(size, limit):
    assert selectors.unstable_range(size) == limit


def _spread(run, ranges):
    for result, (low, high) in zip(Result.objects.filter(run=run).order_by("rank_level", "pk"), ranges, strict=False):
        Result.objects.filter(pk=result.pk).update(rank_low=low, rank_high=high)


def test_only_ranges_wide_for_the_level_are_marked_and_the_rule_is_stated(computed, client_for):
    run = computed.run
    size = selectors.level_size(run)
    assert size == Result.objects.filter(run=run).count() and size < 40
    _spread(run, [(1, 3), (1, 4), (2, 3)])
    marked = selectors.unstable(Result.objects.filter(run=run), selectors.unstable_range(size))
    assert [(r.rank_low, r.rank_high) for r in marked] == [(1, 4)]

    client = client_for(computed.users.officer)
    url = reverse("assessment:sensitivity", args=[run.pk])
    page = client.get(url, **EN).content.decode()
    assert f"5% of the {size} organizations ranked together" in page and "more than 2 places" in page
    assert "more than on the work done" not in page
    assert page.count("sensitive to the weights</b>") == 1 and "Only the 1 rank sensitive to the weights" in page
    only = client.get(url + "?unstable=1", **EN).content.decode()
    assert only.count('class="sens-row') == 1
    # Every organization keeps its range, marked or not.
    assert page.count('class="sens-row') == size and page.count("rank 1–3") == 1 and page.count("rank 2–3") == 1

    zh = client.get(url, **ZH).content.decode()
    assert f"同批排名的 {size} 个党组织的 5%" in zh and "受权重影响较大" in zh
    assert "而不是工作做得怎么样" not in zh

    results = client.get(reverse("assessment:results", args=[run.pk]), **EN).content.decode()
    assert results.count(" unstable") == 1


def test_a_large_level_does_not_mark_a_range_of_a_few_places(computed, client_for):
    run = computed.run
    _spread(run, [(6, 9)])
    # 1,123 organizations ranked together: a range of 3 places is well within 5% of them.
    limit = selectors.unstable_range(1123)
    assert not selectors.unstable(Result.objects.filter(run=run), limit).exists()
    assert selectors.unstable(Result.objects.filter(run=run), selectors.unstable_range(10)).count() == 1
