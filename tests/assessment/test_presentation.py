"""How the assessment pages word and punctuate what they show: the sensitivity verdict, lists in both languages,
zero deductions, computing times and the options of the AHP editor."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from grassroots.assessment import selectors, services
from grassroots.assessment.forms import saaty_choices
from grassroots.assessment.models import Result
from grassroots.core.text import duration, enumerate_items, join_clauses, labelled
from tests.assessment.year import END, with_deductions

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


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


# ---------------------------------------------------------------- lists, labels and times in each language


def test_lists_are_punctuated_as_each_language_writes_them():
    with translation.override("en"):
        assert enumerate_items(["Excellent 1", "Good 4"]) == "Excellent 1, Good 4"
        assert join_clauses(["A", "B"]) == "A; B"
        assert labelled("The masses", "Good 1") == "The masses: Good 1"
    with translation.override("zh-hans"):
        assert enumerate_items(["优秀 1", "良好 4", "一般 1"]) == "优秀 1，良好 4，一般 1"
        assert join_clauses(["甲", "乙"]) == "甲；乙"
        assert labelled("群众", "良好 1") == "群众：良好 1"
    assert enumerate_items([]) == "" and join_clauses(["only"]) == "only"


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (0, "under 1 ms", "不到 1 毫秒"),
        (0.0002, "under 1 ms", "不到 1 毫秒"),
        (0.0432, "43 ms", "43 毫秒"),
        (0.9994, "999 ms", "999 毫秒"),
        (0.9999, "1.0 seconds", "1.0 秒"),
        (12.34, "12.3 seconds", "12.3 秒"),
        (None, "under 1 ms", "不到 1 毫秒"),
    ],
)
def test_computing_times_are_never_shown_as_zero(seconds, en, zh):
    with translation.override("en"):
        assert duration(seconds) == en
    with translation.override("zh-hans"):
        assert duration(seconds) == zh


def test_the_message_after_computing_gives_a_readable_time(assessed, client_for):  # noqa: F811
    client = client_for(assessed.users.officer)
    response = client.post(
        reverse("assessment:run_action", args=[assessed.run.pk, "compute"]), follow=True, **ZH
    ).content.decode()
    message = re.search(r"已完成 \d+ 个党组织的计算，用时 ([^<]*)。", response)
    assert message, response
    assert re.fullmatch(r"不到 1 毫秒|\d+ 毫秒|\d+\.\d 秒", message.group(1))
    assert message.group(1) not in ("0.0 秒", "0 毫秒")


def _rate(run, organization, officer, grades_list):
    questions = services.qualitative_indicators(run)
    secrets = services.tokens_issue(
        actor=officer, run=run, kind="masses", organization=organization, count=len(grades_list)
    )
    for secret, grade in zip(secrets, grades_list, strict=True):
        services.rating_submit(secret=secret, grades={q.pk: grade for q in questions})


def test_the_ratings_line_has_no_trailing_separator_in_either_language(assessed, client_for):  # noqa: F811
    county = assessed
    _rate(county.run, county.v11, county.users.officer, ["excellent", "good", "good"])
    services.run_compute(actor=county.users.officer, run=county.run, asof=END)
    client = client_for(county.users.officer)
    url = reverse("assessment:explain", args=[county.run.pk, county.v11.pk])
    zh = client.get(url, **ZH).content.decode()
    lines = re.findall(r'<ul class="small ratings"><li>([^<]*)</li>', zh)
    assert lines and set(lines) == {"群众：优秀 1，良好 2"}
    en = client.get(url, **EN).content.decode()
    lines = re.findall(r'<ul class="small ratings"><li>([^<]*)</li>', en)
    assert lines and set(lines) == {"The masses: Excellent 1, Good 2"}


def test_the_rating_form_lists_the_missing_questions_with_chinese_punctuation(assessed, client):  # noqa: F811
    county = assessed
    secret = services.tokens_issue(
        actor=county.users.officer, run=county.run, kind="masses", organization=county.v11, count=1
    )[0]
    questions = services.qualitative_indicators(county.run)
    assert len(questions) >= 2
    response = client.post(f"/rate/{secret}/", {}, **ZH)
    body = response.content.decode()
    assert response.status_code == 400
    names = "；".join(q.name for q in questions)
    assert f"请为以下问题选择评价等次：{names}" in body
    assert "; " not in re.search(r"请为以下问题选择评价等次：[^<]*", body).group(0)


def test_a_deduction_of_zero_is_a_plain_zero_not_a_green_minus(computed, client_for):
    county = with_deductions(computed)  # the default system has no deduction counted from records
    client = client_for(county.users.officer)
    page = client.get(reverse("assessment:explain", args=[county.run.pk, county.v11.pk]), **EN).content.decode()
    assert "−0.0" not in page and "+0.0" not in page
    x1 = re.search(r'id="ind-X1">(.*?)</li>', page, re.S).group(1)
    assert '<span class="points zero">0</span>' in x1 and "minus" not in x1


# ---------------------------------------------------------------- the AHP editor's options


def test_the_options_of_a_pair_start_with_the_side_and_the_degree():
    with translation.override("en"):
        labels = dict(saaty_choices("Meetings held", "Talks"))
        assert labels["9"] == "9 · first: extremely more important (Meetings held)"
        assert labels["1/3"] == "1/3 · second: moderately more important (Talks)"
        assert labels["1"] == "1 · both equally important"
    with translation.override("zh-hans"):
        labels = dict(saaty_choices("“三会一课”和主题党日按规定开展", "谈心谈话覆盖率"))
        assert labels["9"] == "9 · 前者极端重要（“三会一课”和主题党日按规定开展）"
        assert labels["1/9"] == "1/9 · 后者极端重要（谈心谈话覆盖率）"
        assert labels["1/8"].startswith("1/8 · 后者强烈至极端重要")
        # What decides the choice comes before the name, within what a phone's closed select shows (about 18 characters).
        assert all(len(label.split("（")[0]) <= 16 for label in labels.values())


# ---------------------------------------------------------------- no ASCII punctuation in Chinese running text

CJK_BESIDE_ASCII = re.compile(r"[\u4e00-\u9fff] ?[:;,?!()]|[:;,?!()] ?[\u4e00-\u9fff]")


def _visible_lines(page: str) -> list[str]:
    import html

    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return [line.strip() for line in html.unescape(re.sub(r"<[^>]+>", "\n", page)).split("\n") if line.strip()]


def test_chinese_assessment_pages_use_chinese_punctuation(published, client_for):
    county = published
    run = county.run
    branch = Result.objects.filter(run=run).order_by("rank_level").first().organization_id
    client = client_for(county.users.officer)
    for url in [
        reverse("assessment:runs"),
        reverse("assessment:run", args=[run.pk]),
        reverse("assessment:results", args=[run.pk]),
        reverse("assessment:explain", args=[run.pk, branch]),
        reverse("assessment:sensitivity", args=[run.pk]),
        reverse("assessment:vetoes", args=[run.pk]),
        reverse("assessment:values", args=[run.pk]),
        reverse("assessment:systems"),
        reverse("assessment:system", args=[run.system_id]),
        reverse("assessment:ratings_to_give"),
    ]:
        lines = _visible_lines(client.get(url, **ZH).content.decode())
        assert not [line for line in lines if CJK_BESIDE_ASCII.search(line)], url


def test_a_note_in_brackets_follows_the_language_of_the_text():
    from grassroots.core.text import bracketed

    assert bracketed("每月开展一次主题党日", "2026-12") == "每月开展一次主题党日（2026-12）"
    assert bracketed("Monthly theme day", "2026-12") == "Monthly theme day (2026-12)"
    long = bracketed("主题党日" * 50, "2026-12", limit=200)  # a title of 200 characters still fits its column
    assert len(long) == 200 and long.endswith("…（2026-12）")
