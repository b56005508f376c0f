"""Every score explained: from the total of an organization down to the records that produced it."""

import pytest
from django.urls import reverse

from grassroots.assessment import selectors, services
from grassroots.assessment.models import Metric, Result
from grassroots.assessment.templatetags.assessment_scores import score_text
from grassroots.duties.models import Assignment
from tests.assessment.year import END, with_deductions
from tests.factories import MemberFactory, UserFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _explain(county, org, user=None):
    return selectors.explanation(user=user or county.users.officer, run=county.run, organization=org)


def test_points_lost_add_up_to_what_the_weighted_score_misses(computed):
    for org in (computed.v11, computed.v12, computed.v21, computed.v22):
        x = _explain(computed, org)
        assert abs(x.lost_weighted - (100 - x.result.weighted)) < 0.1, org.code
        # The lost points of a group are the sum of its children's.
        for group in (line for line in x.lines if line.is_group and not line.missing):
            kids = [
                line for line in x.lines if line.indicator.parent_id == group.indicator.pk and line.lost is not None
            ]
            assert abs(sum(k.lost for k in kids) - group.lost) < 1e-6


def test_what_does_not_apply_gives_way_and_says_why(computed):
    """The run collects no ratings, and Liuwan has nobody in the care ledger: the satisfaction rating and the care
    visits do not apply, so the whole work-style area gives its weight to the other areas; the page says why."""
    x = _explain(computed, computed.v12)
    lines = {line.indicator.code: line for line in x.lines}
    for code in ("W1", "W2", "W"):
        assert lines[code].missing and lines[code].lost is None and lines[code].status == "not_applicable", code
    assert "collects no ratings" in lines["W1"].why and "care ledger" in lines["W2"].why
    top = [line for line in x.lines if line.level == 0 and not line.missing]
    assert sum(line.effective_weight for line in top) == pytest.approx(1.0)
    political = lines["P"]
    assert political.effective_weight == pytest.approx(political.global_weight / (1 - lines["W"].global_weight))


def test_liuwan_is_shown_its_late_key_duty_and_its_missing_meetings(computed):
    county = with_deductions(computed)  # the default system deducts for neither (one fact, one use)
    x = _explain(county, county.v12)
    key = next(line for line in x.lines if line.indicator.metric == Metric.KEY_WORK)
    late = [row for row in key.records.rows if row["flag"] == "late"]
    overdue = Assignment.objects.get(organization=county.v12, duty__is_key=True, due_on__month=11)
    assert [row["id"] for row in late] == [overdue.pk]
    assert late[0]["url"] == reverse("duties:assignment", args=[overdue.pk])
    assert "overdue" in late[0]["flag_label"]
    assert key.lost > 0

    overdue_key = next(line for line in x.adjustments if line.indicator.metric == Metric.OVERDUE_KEY)
    assert overdue_key.value.raw == 1 and overdue_key.value.score == 2.0
    assert [row["id"] for row in overdue_key.records.rows] == [overdue.pk]

    missing = next(line for line in x.adjustments if line.indicator.metric == Metric.MISSING_MEETINGS)
    kinds = {row["id"]: row for row in missing.records.rows}
    assert "theme_day" in kinds and "lecture" in kinds
    assert "6 missing" in kinds["theme_day"]["flag_label"]
    assert sum(int(r["flag_label"].split()[0]) for r in missing.records.rows) == missing.value.raw

    meetings = next(line for line in x.lines if line.indicator.metric == Metric.MEETINGS)
    assert any(row["flag"] == "late" for row in meetings.records.rows)


def test_the_page_shows_the_records_behind_the_points_lost(computed, client_for):
    county = computed
    client = client_for(county.users.officer)
    page = client.get(reverse("assessment:explain", args=[county.run.pk, county.v12.pk]), **EN).content.decode()
    overdue = Assignment.objects.get(organization=county.v12, duty__is_key=True, due_on__month=11)
    assert reverse("duties:assignment", args=[overdue.pk]) in page
    assert "days overdue" in page
    assert "Party lecture" in page and "missing" in page
    assert "The biggest losses" in page
    result = Result.objects.get(run=county.run, organization=county.v12)
    assert score_text(result.score) in page


def test_baishi_is_vetoed_to_poor_and_the_page_says_why(computed, client_for):
    county = computed
    page = (
        client_for(county.users.officer)
        .get(reverse("assessment:explain", args=[county.run.pk, county.v21.pk]), **EN)
        .content.decode()
    )
    assert "Vetoed to" in page and "Poor" in page and "村支委严重违纪" in page
    x = _explain(county, county.v21)
    veto = next(line for line in x.vetoes if line.indicator.metric == Metric.VETO_EVENTS)
    assert veto.fired and veto.records.rows[0]["title"] == "村支委严重违纪"


def test_records_follow_the_policy_of_the_reader(computed):
    county = computed
    services.run_publish(actor=county.users.officer, run=county.run)
    # A member of Qingshan without a grant or a post sees the branch's result but not its assignments.
    reader = UserFactory(username="qingshan-member")
    MemberFactory(organization=county.v11, user=reader)
    x = _explain(county, county.v11, user=reader)
    completion = next(line for line in x.lines if line.indicator.metric == Metric.COMPLETION)
    assert completion.records.rows == [] and completion.records.hidden == 4
    secretary = _explain(county, county.v11, user=county.users.secretary)
    completion = next(line for line in secretary.lines if line.indicator.metric == Metric.COMPLETION)
    assert len(completion.records.rows) == 4 and completion.records.hidden == 0


def test_every_metric_has_its_records(computed):
    county = computed
    officer = county.users.officer
    for metric in Metric.values:
        records = selectors.records_for(user=officer, run=county.run, organization=county.v11, metric=metric)
        assert records.hidden == 0, metric
    study = selectors.records_for(user=officer, run=county.run, organization=county.v11, metric=Metric.STUDY)
    assert len(study.rows) == 4 and all(row["flag"] == "late" for row in study.rows)
    talks = selectors.records_for(user=officer, run=county.run, organization=county.v11, metric=Metric.TALKS)
    assert len(talks.rows) == 4


def test_the_explanation_api_answers_the_same(computed, client_for):
    county = computed
    client = client_for(county.users.officer)
    url = reverse("assessment-run-explanation", args=[county.run.pk])
    data = client.get(url, {"organization": "C-T1-V2"}, **EN).json()
    assert abs(data["lost_weighted"] - (100 - data["weighted"])) < 0.1
    key = next(i for i in data["indicators"] if i["metric"] == "key_work")
    assert any(r["flag"] == "late" for r in key["records"]["rows"])
    assert client.get(url, {"organization": "NOPE"}).status_code == 404
    assert client.get(url).status_code == 400


def test_meeting_records_count_what_was_due_by_the_as_of_day(assessed):  # noqa: F811
    """Computed in the middle of the year, the records behind the meetings score count the meetings due by then,
    as the score does, not those of the whole year."""
    asof = END.replace(month=9, day=15)  # eight whole months passed
    county = with_deductions(assessed, asof=asof)  # the default system deducts for no missing meeting
    x = _explain(county, county.v12)
    missing = next(line for line in x.adjustments if line.indicator.metric == Metric.MISSING_MEETINGS)
    meetings = next(line for line in x.lines if line.indicator.metric == Metric.MEETINGS)
    rows = missing.records.rows
    assert sum(int(r["flag_label"].split()[0]) for r in rows) == missing.value.raw
    required = sum(int(r["details"][0].split(": ")[1].split(",")[0]) for r in meetings.records.rows)
    assert required == meetings.value.denominator
    assert all("required by" in r["details"][0] for r in meetings.records.rows)
