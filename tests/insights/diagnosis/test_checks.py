"""Each check of the diagnosis against the records of the small county's last year (conftest): what it finds, the
figure and the threshold, the records and the actions; nothing passes for want of data."""

from decimal import Decimal

import pytest

from grassroots.insights.diagnosis import engine
from grassroots.insights.diagnosis.checks import CHECKS, PROBLEMS
from grassroots.insights.models import DiagnosedOrganization

# The diagnosis part's own checks (the other parts of the app register theirs beside them).
OWN = ("guidance", "vanguard", "integration", "incentives")


def diagnose(org, period, **kwargs):
    return engine.diagnose(
        organizations=DiagnosedOrganization.objects.filter(pk=org.pk), period=period, root_path=org.path, **kwargs
    )


def by_code(findings) -> dict:
    return {f.code: f for f in findings}


def test_the_four_problems_each_have_checks_registered():
    problems = {c.problem for c in CHECKS.values()}
    assert {"guidance", "vanguard", "integration", "incentives"} <= problems <= set(PROBLEMS)
    for code, check in CHECKS.items():
        if code.split(".")[0] in OWN and check.threshold is not None:
            assert str(check.rule), code  # a figure shown states its rule


def test_the_good_branch_has_no_finding_of_guidance_vanguard_or_incentives(diagnosed):
    found = by_code(diagnose(diagnosed.v11, diagnosed.period))
    assert not [c for c in found if c.split(".")[0] in ("guidance", "vanguard", "incentives")], found


def test_a_branch_with_nothing_recorded_is_told_its_data_is_missing_in_every_area(diagnosed):
    found = by_code(diagnose(diagnosed.v12, diagnosed.period))
    for code in (
        "guidance.study_hours",
        "guidance.lectures",
        "vanguard.took_on",
        "vanguard.points",
        "integration.linked",
        "integration.index",
        "incentives.appraisal",
    ):
        assert code in found, code
        assert found[code].missing_data, code
        assert "missing" in found[code].text or "No " in found[code].text
    assert found["incentives.talks"].measured == Decimal("1.000")
    assert {f.problem for f in found.values()} >= {"guidance", "vanguard", "integration", "incentives"}


def test_study_behind_the_plan_states_the_figure_and_the_threshold(diagnosed):
    f = by_code(diagnose(diagnosed.v21, diagnosed.period))["guidance.study_hours"]
    # Three members studied an hour a month until June, the fourth none, of 32 each: 18 of 128 hours.
    assert f.measured == Decimal("0.141") and f.threshold == Decimal("0.80")
    assert "18 hours" in f.text and "128" in f.text and "80%" in f.text
    assert any("/study/" in e.url for e in f.evidence)
    assert f.actions[0].url.startswith("/study/new/?org=") and f.actions[0].permission == "change"


def test_a_lecture_missed_is_found_with_an_action_to_plan_one(diagnosed):
    f = by_code(diagnose(diagnosed.v21, diagnosed.period))["guidance.lectures"]
    assert f.measured == Decimal("0.938")  # 15 of the 16 due: 3 of 4 lectures, 12 of 12 theme days
    assert "3 of 4" in f.text
    assert f.actions and "kind=lecture" in f.actions[0].url and "/meetings/plan/" in f.actions[0].url


def test_members_with_no_study_for_months_are_named(diagnosed):
    f = by_code(diagnose(diagnosed.v21, diagnosed.period))["guidance.no_study"]
    assert f.measured == Decimal(4)  # the three stopped in June, the fourth never studied
    assert {e.label for e in f.evidence} >= {m.name for m in diagnosed.baishi}
    assert "member=" in f.actions[0].url


def test_vanguard_findings_of_the_weak_branch(diagnosed):
    found = by_code(diagnose(diagnosed.v21, diagnosed.period))
    assert found["vanguard.took_on"].missing_data  # nobody claimed or was responsible
    assert "claimable=1" in found["vanguard.took_on"].actions[0].url
    assert found["vanguard.appraisal"].measured == Decimal("0.500")
    assert found["vanguard.never_active"].measured == Decimal("0.250")
    assert diagnosed.baishi[3].name in {e.label for e in found["vanguard.never_active"].evidence}


def test_incentives_findings_of_the_weak_branch(diagnosed):
    found = by_code(diagnose(diagnosed.v21, diagnosed.period))
    care = found["incentives.care"]
    assert care.measured == 1 and diagnosed.baishi[3].name in care.text and "never visited" in care.text
    assert f"member={diagnosed.baishi[3].pk}" in care.actions[0].url and "/care/visit/" in care.actions[0].url
    assert found["incentives.talks"].measured == Decimal("0.750")
    follow = [f for f in diagnose(diagnosed.v21, diagnosed.period) if f.code == "incentives.follow_results"]
    assert len(follow) == 1 and diagnosed.baishi[0].name in follow[0].text
    assert "incentives.appraisal" not in found


def test_the_integration_index_finds_duties_done_and_objectives_not_moved(diagnosed):
    found = by_code(diagnose(diagnosed.v22, diagnosed.period))
    f = found["integration.index"]
    # 石门 moved 10% of the way, its one comparable organization (白石) 100%: 90 points behind, duties all done.
    assert f.measured == Decimal("-0.900") and f.threshold == Decimal("-0.20")
    assert "linked duties are done" in f.text and "read it with care" in f.text
    assert "integration.index" not in by_code(diagnose(diagnosed.v21, diagnosed.period))


def test_the_share_of_linked_duties(diagnosed):
    assert "integration.linked" not in by_code(diagnose(diagnosed.v11, diagnosed.period))  # 2 of 3 linked
    from grassroots.insights.models import DiagnosisThreshold

    DiagnosisThreshold.objects.create(organization=diagnosed.county, code="integration.linked", value=Decimal("0.9"))
    f = by_code(diagnose(diagnosed.v11, diagnosed.period))["integration.linked"]
    assert f.measured == Decimal("0.667") and f.threshold == Decimal("0.90")


def test_the_nearest_threshold_wins_over_the_one_above_and_the_default(diagnosed):
    from grassroots.insights.models import DiagnosisThreshold

    DiagnosisThreshold.objects.create(organization=diagnosed.county, code="guidance.study_hours", value=Decimal("0.1"))
    assert "guidance.study_hours" not in by_code(diagnose(diagnosed.v21, diagnosed.period))
    DiagnosisThreshold.objects.create(organization=diagnosed.t2, code="guidance.study_hours", value=Decimal("0.5"))
    assert by_code(diagnose(diagnosed.v21, diagnosed.period))["guidance.study_hours"].threshold == Decimal("0.5")
    # Over the whole county at once: Baishi under the township's rule, the other township under the county's.
    summary = engine.summarize(
        organizations=DiagnosedOrganization.objects.filter(diagnosed.county.subtree_q()),
        period=diagnosed.period,
        root_path=diagnosed.county.path,
    )
    ranked = {r.check.code: r for r in summary.ranked}
    assert ranked["guidance.study_hours"].organization_ids == sorted([diagnosed.v12.pk, diagnosed.v21.pk])
    assert engine.threshold_for("guidance.study_hours", diagnosed.v11.path) == Decimal("0.1")
    assert engine.threshold_for("guidance.study_hours", diagnosed.v22.path) == Decimal("0.5")


def test_the_subtree_summary_ranks_findings_by_how_many_organizations_share_them(diagnosed):
    summary = engine.summarize(
        organizations=DiagnosedOrganization.objects.filter(diagnosed.county.subtree_q()),
        period=diagnosed.period,
        root_path=diagnosed.county.path,
    )
    assert summary.diagnosed == 4
    counts = [r.organizations for r in summary.ranked]
    assert counts == sorted(counts, reverse=True)
    ranked = {r.check.code: r for r in summary.ranked}
    # 柳湾 and 白石 with nobody taking work on (no data), 石门 with one member of four responsible.
    assert ranked["vanguard.took_on"].organizations == 3 and ranked["vanguard.took_on"].missing_data == 2
    assert ranked["incentives.care"].organization_ids == [diagnosed.v21.pk]
    # 青山, 白石 (none of its linked duties done, its objective attained) and 石门: too few to read a relation.
    assert summary.integration.n == 3 and not summary.integration.enough


def test_the_subtree_is_diagnosed_in_as_many_queries_as_one_organization(diagnosed, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        diagnose(diagnosed.v21, diagnosed.period, detailed=False)
    with CaptureQueriesContext(connection) as all_:
        engine.diagnose(
            organizations=DiagnosedOrganization.objects.filter(diagnosed.county.subtree_q()),
            period=diagnosed.period,
            root_path=diagnosed.county.path,
            detailed=False,
        )
    assert len(all_) == len(one)


def test_a_period_not_begun_has_no_finding_but_the_missing_members(diagnosed):
    from grassroots.core.periods import period_for

    future = period_for(str(diagnosed.period.start.year + 3))
    assert diagnose(diagnosed.v21, future) == []


@pytest.mark.parametrize(
    ("rules", "root", "expected"),
    [
        ({}, None, [(None, 1)]),
        ({"0001": 2}, "00010001", [(None, 2)]),
        ({"0001": 2, "00010002": 3}, "00010001", [(None, 2)]),
    ],
)
def test_threshold_groups_keep_only_the_rules_that_matter(rules, root, expected):
    assert engine.threshold_groups(rules, 1, root) == expected


def test_threshold_groups_split_a_subtree_by_its_rules():
    groups = engine.threshold_groups({"00010001": 3, "000100010002": 4}, 1, "0001")
    assert [value for _q, value in groups] == [1, 3, 4]


def test_spearman_and_its_bootstrap_interval():
    from grassroots.insights.diagnosis import stats

    x = list(range(20))
    assert stats.spearman(x, [v * v for v in x]) == pytest.approx(1.0)
    assert stats.spearman(x, [-v for v in x]) == pytest.approx(-1.0)
    assert stats.spearman([1, 2, 3], [5, 5, 5]) is None  # one side constant: undefined, not 0
    # Two neighbouring pairs swapped: 1 - 6·(1+1+1+1)/(5·24) = 0.8.
    assert stats.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    noisy = [v + (7 if v % 3 == 0 else -5) for v in x]
    c = stats.correlation(x, noisy)
    assert c.enough and c.low <= c.rho <= c.high and c.high <= 1
    assert stats.correlation(x, noisy) == c  # a fixed seed: the same figures on every reading
    few = stats.correlation(x[:5], noisy[:5])
    assert not few.enough and few.low is None


def test_honours_and_cases_that_do_not_follow_the_published_results(diagnosed):
    from grassroots.accountability.models import Case, Commendation
    from grassroots.assessment.models import AssessmentRun, IndicatorSystem, Result

    system = IndicatorSystem.objects.create(code="t", name="体系", owner=diagnosed.county)
    run = AssessmentRun.objects.create(
        system=system, period=diagnosed.period, scope=diagnosed.county, state="published"
    )
    for org, grade in ((diagnosed.v12, "poor"), (diagnosed.v22, "fair"), (diagnosed.v11, "excellent")):
        Result.objects.create(run=run, organization=org, weighted=50, score=50, grade=grade)
    Commendation.objects.create(
        kind="advanced_organization",
        period=diagnosed.period,
        organization=diagnosed.v22,
        commending=diagnosed.county,
        state="proposed",
    )
    liuwan = [f for f in diagnose(diagnosed.v12, diagnosed.period) if f.code == "incentives.follow_results"]
    assert len(liuwan) == 1 and "no case was opened" in liuwan[0].text
    action = liuwan[0].actions[0]
    assert action.permission == "pursue" and action.url.startswith("/cases/new/?organization=C-T1-V2")
    assert f"period={diagnosed.period.code}" in action.url and "title=" in action.url and "facts=" in action.url
    shimen = [f for f in diagnose(diagnosed.v22, diagnosed.period) if f.code == "incentives.follow_results"]
    assert len(shimen) == 1 and "advanced organization" in shimen[0].text and "Fair" in shimen[0].text
    assert not [f for f in diagnose(diagnosed.v11, diagnosed.period) if f.code == "incentives.follow_results"]
    # A case opened for Liuwan in the period: the grade is followed.
    Case.objects.create(
        organization=diagnosed.v12,
        deciding=diagnosed.t1,
        period=diagnosed.period,
        trigger="poor_grade",
        title="评定为差",
        facts="考核评为差",
    )
    assert not [f for f in diagnose(diagnosed.v12, diagnosed.period) if f.code == "incentives.follow_results"]
