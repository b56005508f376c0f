"""Scores a discipline inspector would sign: nothing scores for want of data, what does not apply says so and gives
its weight away, an organization without enough to assess is not graded, a rating's top grade reaches the top, a
rule not yet evaluated says so; and adding a record that fulfils something due never lowers a score."""

import csv
import datetime as dt
import io

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.assessment import selectors, services
from grassroots.assessment.models import Indicator, Result, ValueSheet
from grassroots.duties import services as duties
from grassroots.duties.models import Assignment
from grassroots.organizations import services as organizations
from grassroots.organizations.models import Member, Organization
from grassroots.orglife import services as orglife
from tests.assessment.year import END, YEAR
from tests.factories import MemberFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _compute(county, asof=END):
    services.run_compute(actor=county.users.officer, run=county.run, asof=asof)
    return {r.organization_id: r for r in Result.objects.filter(run=county.run)}


def _value(county, organization, code):
    sheet = ValueSheet.objects.select_related("run").get(run=county.run, organization=organization)
    return sheet.indicator_values()[Indicator.objects.get(system=county.run.system, code=code).pk]


def test_a_branch_without_members_is_not_assessed_and_says_why(assessed, client):
    """A new branch with no members and no records scored 85.3, "good", before: now it has no score, grade or rank."""
    new = organizations.organization_create(
        actor=assessed.users.officer, parent=assessed.t1, code="C-T1-V9", name="新村党支部", kind="branch"
    )
    results = _compute(assessed)
    result = results[new.pk]
    assert (result.grade, result.not_assessed, result.score, result.rank_level) == (
        "not_assessed",
        "no_members",
        None,
        None,
    )
    # The others are ranked among themselves, 1 to 4.
    assert sorted(r.rank_level for r in results.values() if r.pk != result.pk) == [1, 2, 3, 4]
    client.force_login(assessed.users.officer)
    page = client.get(reverse("assessment:explain", args=[assessed.run.pk, new.pk]), **EN).content.decode()
    assert "Not assessed" in page and "no active member" in page
    # The list says so too, last; so does the export, with the reason.
    listed = client.get(reverse("assessment:results", args=[assessed.run.pk]), **EN).content.decode()
    assert listed.index("C-T1-V9") > max(listed.index(o.code) for o in (assessed.v11, assessed.v22))
    export = client.get(reverse("assessment-result-csv"), {"run": assessed.run.pk}, HTTP_ACCEPT="text/csv", **EN)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    row = next(r for r in rows if r[0] == "C-T1-V9")
    assert (row[2], row[6], row[-1]) == ("", "Not assessed", "It had no active member in the period.")


def test_a_branch_whose_members_all_left_is_not_assessed(assessed):
    """A branch whose members all left rose from 28.9 to 41.7 before (study, talks and claims went to 100)."""
    Member.objects.filter(organization=assessed.v12).update(status="transferred")
    result = _compute(assessed)[assessed.v12.pk]
    assert result.grade == "not_assessed" and result.not_assessed == "no_members"
    for code in ("I1", "O3"):
        assert _value(assessed, assessed.v12, code).status == "not_applicable"


def test_a_branch_below_half_the_weight_is_not_assessed(assessed):
    """With no duty due, no meeting required and no rating collected, little applies: the branch is not graded."""
    from grassroots.orglife.models import MeetingRule

    MeetingRule.objects.all().delete()
    Assignment.objects.filter(organization=assessed.v22).delete()
    result = _compute(assessed)[assessed.v22.pk]
    assert result.grade == "not_assessed" and result.not_assessed == "coverage"
    assert result.coverage < 0.5 and result.score is None


def test_nothing_to_count_is_not_full_marks(computed):
    """No member in difficulty: care visits do not apply (no score, no weight), they are not 100; no duty open
    for claiming: claims per member do not apply either."""
    for code in ("W2", "S2"):
        value = _value(computed, computed.v12, code)
        assert (value.status, value.score) == ("not_applicable", None), code


def test_claims_apply_where_a_duty_was_open_for_claiming(assessed):
    """Claims per member depended on whether claimable duties were offered at all: now they apply only then, and a
    branch offered one that nobody claimed has nothing recorded (0)."""
    officer = assessed.users.officer
    period = duties.period_for(str(YEAR))
    duty_list = duties.duty_list_for(actor=officer, organization=assessed.county, period=period)
    duties.duty_create(
        actor=officer,
        duty_list=duty_list,
        title="认领：村道清洁",
        dimension="work_style",
        due_on=dt.date(YEAR, 10, 1),
        requirement="r",
        claimable=True,
    )
    _compute(assessed)
    claimed = _value(assessed, assessed.v11, "S2")
    assert claimed.status == "scored" and claimed.numerator == 2
    nobody = _value(assessed, assessed.v12, "S2")
    assert (nobody.status, nobody.score) == ("no_data", 0.0)


def test_absence_with_leave_does_not_lower_attendance(assessed):
    members = list(assessed.v11.members.all())
    orglife.meeting_record(
        actor=assessed.users.officer,
        organization=assessed.v11,
        kind="general",
        held_on=dt.date(YEAR, 12, 1),
        topic="党员大会",
        attendance={m.pk: ("excused", "外出务工") for m in members},
    )
    _compute(assessed)
    value = _value(assessed, assessed.v11, "O2")
    assert value.numerator == value.denominator and value.score == 100.0


def test_the_top_grade_reaches_the_top_and_a_group_needs_its_fewest_raters(assessed):
    officer, run = assessed.users.officer, assessed.run
    questions = services.qualitative_indicators(run)
    links = services.tokens_issue(actor=officer, run=run, kind="masses", organization=assessed.v11, count=3)
    for link in links[:2]:
        services.rating_submit(secret=link, grades={q.pk: "excellent" for q in questions})
    # Two raters of three: the group gives no opinion; counted to the year's end, the rating has nothing recorded.
    _compute(assessed)
    value = _value(assessed, assessed.v11, "W1")
    assert (value.status, value.score) == ("no_data", 0.0)
    x = selectors.explanation(user=officer, run=run, organization=assessed.v11)
    rated = next(line for line in x.lines if line.indicator.code == "W1")
    assert [g["text"] for g in rated.ratings] == ["The masses: Excellent 2 (fewer than 3 raters: not counted)"]
    # Counted to mid-year, ratings may still come: not evaluated yet, no score, its weight to the others.
    _compute(assessed, asof=dt.date(YEAR, 7, 15))
    value = _value(assessed, assessed.v11, "W1")
    assert (value.status, value.score) == ("not_evaluated", None)
    services.rating_submit(secret=links[2], grades={q.pk: "excellent" for q in questions})
    _compute(assessed)
    assert _value(assessed, assessed.v11, "W1").score == 100.0


def test_a_rated_and_an_unrated_branch_weigh_their_records_alike(assessed):
    """Once the run rates an indicator, an organization without enough raters has nothing recorded for it (0), so
    the record-based indicators carry the same weights whether an organization was rated or not."""
    officer, run = assessed.users.officer, assessed.run
    questions = services.qualitative_indicators(run)
    for link in services.tokens_issue(actor=officer, run=run, kind="masses", organization=assessed.v21, count=3):
        services.rating_submit(secret=link, grades={q.pk: "good" for q in questions})
    _compute(assessed)
    rated = selectors.explanation(user=officer, run=run, organization=assessed.v21)
    unrated = selectors.explanation(user=officer, run=run, organization=assessed.v22)
    weights = [
        {line.indicator.code: line.effective_weight for line in x.lines if line.indicator.kind == "computed"}
        for x in (rated, unrated)
    ]
    record_leaves = {code for code in weights[0] if _value(assessed, assessed.v21, code).status != "not_applicable"} & {
        code for code in weights[1] if _value(assessed, assessed.v22, code).status != "not_applicable"
    }
    assert record_leaves
    for code in record_leaves:
        assert weights[0][code] == pytest.approx(weights[1][code]), code
    assert _value(assessed, assessed.v22, "W1").status == "no_data"


def test_a_rule_evaluated_only_at_the_period_end_says_so_before_it(assessed, client):
    """The major-task veto is counted at the period's end: a run counted to 6 December says it is not evaluated
    yet, not that it was not triggered."""
    _compute(assessed, asof=dt.date(YEAR, 12, 6))
    value = _value(assessed, assessed.v11, "V2")
    assert (value.status, value.score) == ("not_evaluated", None)
    client.force_login(assessed.users.officer)
    page = client.get(reverse("assessment:explain", args=[assessed.run.pk, assessed.v11.pk]), **EN).content
    assert "Counted only at the end of the period." in page.decode()
    _compute(assessed)
    assert _value(assessed, assessed.v11, "V2").status == "scored"


def test_the_explanation_api_gives_each_indicators_status_rule_and_weight(computed, client):
    client.force_login(computed.users.officer)
    url = reverse("assessment-run-explanation", args=[computed.run.pk]) + f"?organization={computed.v12.code}"
    body = client.get(url, **EN).json()
    lines = {line["code"]: line for line in body["indicators"]}
    assert lines["W2"]["status"] == "not_applicable" and "care ledger" in lines["W2"]["why"]
    assert lines["W2"]["effective_weight"] is None and lines["W2"]["score"] is None
    assert lines["I1"]["rule"].startswith("Each member's study hours")
    scored = [line for line in body["indicators"] if line["level"] == 0 and line["score"] is not None]
    assert sum(line["effective_weight"] for line in scored) == pytest.approx(1.0)
    assert body["coverage"] > 0.5 and body["not_assessed"] == "" and len(body["rules"]) == 4
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["indicators"][0]["rule"] != body["indicators"][0]["rule"]


# Records that fulfil something due: an assignment accepted on its due day, a required meeting held with everyone
# present, study hours, a heart-to-heart talk.
FULFILMENTS = ["accept", "meeting", "study", "talk"]


def _fulfil(county, kind: str, k: int, step: int = 0) -> None:
    officer = county.users.officer
    branches = [county.v11, county.v12, county.v21, county.v22]
    branch = branches[k % 4]
    members = list(branch.members.filter(status="active").order_by("pk"))
    if kind == "accept":
        open_ = Assignment.objects.filter(organization=branch).exclude(state="accepted").order_by("due_on").first()
        if open_ is not None:
            Assignment.objects.filter(pk=open_.pk).update(state="accepted", accepted_on=open_.due_on, percent=100)
    elif kind == "meeting":
        orglife.meeting_record(
            actor=officer,
            organization=branch,
            kind="theme_day",
            held_on=dt.date(YEAR, 7 + k % 5, 20),
            topic=f"主题党日（第{step + 1}次）",  # one meeting a step: the same one recorded again is refused
            attendance={m.pk: "present" for m in members},
        )
    elif kind == "study":
        orglife.study_record_create(
            actor=officer, member=members[k % len(members)], title="学习", studied_on=dt.date(YEAR, 5, 1), hours=4
        )
    else:
        orglife.talk_record(
            actor=officer,
            member=members[k % len(members)],
            talked_on=dt.date(YEAR, 9, 1),
            topic="谈心",
            with_name="书记",
        )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(FULFILMENTS), st.integers(0, 11)), min_size=1, max_size=3))
def test_a_record_that_fulfils_something_due_never_lowers_a_score(assessed, steps):
    """Property: with more done, no score falls (and with it undone, none rises); nobody assessed becomes not
    assessed."""
    with transaction.atomic():
        savepoint = transaction.savepoint()
        before = _compute(assessed)
        for step, (kind, k) in enumerate(steps):
            _fulfil(assessed, kind, k, step)
        after = _compute(assessed)
        transaction.savepoint_rollback(savepoint)
    for org, result in before.items():
        if result.score is None:
            continue
        assert after[org].score is not None, (org, steps)
        assert after[org].score >= result.score - 1e-9, (org, steps, result.score, after[org].score)


def test_a_member_of_a_small_branch_is_not_asked_for_committee_meetings(computed):
    """A branch of fewer than 7 members has no committee: none of its meetings are required."""
    from grassroots.assessment.selectors import records

    rows = records.meeting_records(computed.run, computed.v11)
    assert "committee" not in {row["kind"] for row in rows}
    MemberFactory.create_batch(7, organization=computed.v11)
    assert "committee" in {row["kind"] for row in records.meeting_records(computed.run, computed.v11)}
    assert Organization.objects.filter(pk=computed.v11.pk).exists()
