"""The report-on-duty review (述职评议) and its three lists: the reports a review expects, the answer to last period's
problems, the rating by the assessment's fuzzy evaluation (the fewest raters, one's own report, twice), the lists and
the rectification as an assignment, the result entered in the secretaries' assessment, who may do what (the
secretary, the officer, a member, an outsider), the pages in both languages and the API; every refusal with nothing
written."""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from grassroots.accountability import selectors, services
from grassroots.accountability.models import (
    DutyReport,
    DutyReportFile,
    DutyReview,
    ListKind,
    ProblemAnswer,
    ReportState,
    ReviewListItem,
    ReviewRating,
    ReviewState,
)
from grassroots.accountability.services.review import previous_report, rater_kind
from grassroots.assessment import methods
from grassroots.assessment import services as assessment
from grassroots.assessment.engine import GRADE_SCORES
from grassroots.assessment.models import EnteredValue
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import AuditEntry, Notification
from grassroots.core.periods import period_for
from grassroots.core.policy import PermissionDenied
from grassroots.duties import selectors as duty_selectors
from grassroots.duties.models import Assignment, Duty
from grassroots.organizations.models import Post
from tests import shelf
from tests.factories import MemberFactory, UserFactory

TODAY = timezone.localdate()
LAST, THIS = str(TODAY.year - 1), str(TODAY.year)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def build_reporters(county):
    """青山村 (C-T1-V1): its secretary 李德明 (user 'li'), a deputy secretary, a secretary who left last year, and four
    members with an account (the 'member', two more, and one in its party group); 柳湾村 (C-T1-V2): its secretary
    (user 'peer'). Township 2's branches have no secretary."""
    users = county.users
    started = TODAY - dt.timedelta(days=800)
    users.li = UserFactory(username="li")
    county.li = MemberFactory(organization=county.v11, name="李德明", user=users.li)
    Post.objects.create(member=county.li, organization=county.v11, title="secretary", started_on=started)
    county.deputy = MemberFactory(organization=county.v11, name="青山副书记")
    Post.objects.create(member=county.deputy, organization=county.v11, title="deputy_secretary", started_on=started)
    left = MemberFactory(organization=county.v11, name="前任书记")
    Post.objects.create(
        member=left, organization=county.v11, title="secretary", started_on=dt.date(2010, 1, 1), ended_on=started
    )
    users.peer = UserFactory(username="peer")
    county.peer = MemberFactory(organization=county.v12, name="柳书记", user=users.peer)
    Post.objects.create(member=county.peer, organization=county.v12, title="secretary", started_on=started)
    users.reps = [users.member]
    for n, org in enumerate((county.v11, county.v11, county.g111), start=1):
        rep = UserFactory(username=f"rep{n}")
        MemberFactory(organization=org, user=rep)
        users.reps.append(rep)
    return county


reporters = shelf.shelved(
    "reporters",
    build_reporters,
    below="county",
    doc="The small county with secretaries in post in Xinjie's two villages (李德明 of Qingshan, user 'li'; 柳书记 of "
    "Liuwan, user 'peer'), Qingshan's deputy, and four members of Qingshan with an account (users.reps).",
)


def _open(c, period=THIS, **kw):
    return services.review_open(actor=c.users.t1_officer, organization=c.t1, period=period_for(period), **kw)


def _report(review, member) -> DutyReport:
    return DutyReport.objects.get(review=review, member=member)


def _rated_review(c, period=THIS, grades=None):
    """A review of `period` whose two reports are submitted and rated (the rating not closed yet)."""
    review = _open(c, period)
    li, peer = _report(review, c.li), _report(review, c.peer)
    services.report_submit(actor=c.users.li, report=li, text="一年来，抓党建第一责任人职责落实情况……")
    services.report_submit(actor=c.users.peer, report=peer, text="柳湾村述职报告")
    services.review_start_rating(actor=c.users.t1_officer, review=review)
    for user, grade in grades or ():
        services.rating_give(actor=user, report=li, grade=grade)
    return review, li, peer


def _closed_with_problems(c, period=LAST, problems=("组织生活会质量不高", "发展党员工作滞后")):
    """A closed review of `period` with problems written for 李德明's report."""
    review, li, _peer = _rated_review(c, period, grades=[(c.users.t1_officer, "good")])
    services.review_close(actor=c.users.t1_officer, review=review)
    li.refresh_from_db()
    for text in problems:
        services.list_item_add(actor=c.users.t1_officer, report=li, kind=ListKind.PROBLEM, text=text)
    return review, li


def _written() -> tuple:
    return (
        DutyReview.objects.count(),
        DutyReport.objects.filter(state=ReportState.SUBMITTED).count(),
        ReviewRating.objects.count(),
        ReviewListItem.objects.count(),
        ProblemAnswer.objects.count(),
        Duty.objects.count(),
        Assignment.objects.count(),
        AuditEntry.objects.count(),
    )


# ---------------------------------------------------------------- the review and the reports it expects


def test_a_review_expects_one_report_per_secretary_in_post_below_and_tells_them(reporters):
    c = reporters
    review = _open(c)
    reports = list(review.reports.order_by("organization__path"))
    # Qingshan's and Liuwan's secretaries in post; not the one who left, not the deputy, nothing of township 2.
    assert [(r.organization, r.member, r.post_title) for r in reports] == [
        (c.v11, c.li, "secretary"),
        (c.v12, c.peer, "secretary"),
    ]
    assert {r.state for r in reports} == {ReportState.EXPECTED}
    assert review.state == ReviewState.OPEN
    assert {(g.kind, str(g.weight), g.min_raters) for g in review.groups.all()} == {
        ("superior", "0.4000", 1),
        ("members", "0.3000", 3),
        ("peers", "0.3000", 3),
    }
    told = Notification.objects.filter(kind="accountability.review_opened")
    assert {n.recipient for n in told} == {c.users.li, c.users.peer}
    assert told.get(recipient=c.users.li).url == reverse("accountability:review_report", args=[reports[0].pk])
    assert AuditEntry.objects.filter(action="accountability.review.open", object_id=str(review.pk)).exists()
    # A secretary appointed since is added on asking, once.
    newcomer = MemberFactory(organization=c.v21, name="新书记")  # township 2: never this review's
    Post.objects.create(member=newcomer, organization=c.v21, title="secretary", started_on=TODAY)
    deputy_made_secretary = Post.objects.create(
        member=c.deputy, organization=c.v12, title="secretary", started_on=TODAY
    )
    assert services.review_refresh(actor=c.users.t1_officer, review=review) == 1
    assert _report(review, c.deputy).organization == deputy_made_secretary.organization
    assert services.review_refresh(actor=c.users.t1_officer, review=review) == 0


def test_committee_members_report_too_when_the_review_asks_it(reporters):
    review = _open(reporters, include_committee=True)
    assert set(review.reports.values_list("member__name", "post_title")) == {
        ("李德明", "secretary"),
        ("青山副书记", "deputy_secretary"),
        ("柳书记", "secretary"),
    }


@pytest.mark.parametrize(
    ("who", "organization", "kw", "refusal", "message"),
    [
        ("secretary", "t1", {}, PermissionDenied, "Only the officers who pursue in 新街镇党委"),
        ("member", "t1", {}, PermissionDenied, "Only the officers who pursue"),
        ("auditor", "t1", {}, PermissionDenied, "Only the officers who pursue"),
        ("outsider", "t1", {}, PermissionDenied, "Only the officers who pursue"),
        ("li", "t1", {}, PermissionDenied, "Only the officers who pursue"),
        ("t1_officer", "t1", {"weights": {"superior": 0.5, "members": 0.3}}, ValidationError, "add up to 1"),
        ("t1_officer", "t1", {"weights": {"superior": -0.5, "members": 1.5}}, ValidationError, "cannot be negative"),
        ("t1_officer", "t1", {"weights": {"masses": 1}}, ValidationError, "Unknown group of raters"),
        ("t1_officer", "t1", {"fewest": {"members": 0}}, ValidationError, "from 1 to 1000"),
        ("officer", "t2", {}, ValidationError, "No branch below 白石镇党委 has a secretary in post"),
    ],
)
def test_opening_a_review_wrongly_is_refused_with_nothing_written(reporters, who, organization, kw, refusal, message):
    before = _written()
    with pytest.raises(refusal) as caught:
        services.review_open(
            actor=getattr(reporters.users, who),
            organization=getattr(reporters, organization),
            period=period_for(THIS),
            **kw,
        )
    assert message in str(caught.value.message if hasattr(caught.value, "message") else caught.value)
    assert _written() == before


def test_a_period_is_reviewed_once_by_an_organization(reporters):
    _open(reporters)
    before = _written()
    with pytest.raises(ValidationError, match="already reviews the reports on duty of"):
        _open(reporters)
    assert _written() == before


# ---------------------------------------------------------------- the report on duty


def test_only_the_reporter_submits_their_report_while_the_review_takes_reports(reporters):
    c = reporters
    review = _open(c)
    li = _report(review, c.li)
    before = _written()
    for other in (c.users.t1_officer, c.users.peer, c.users.member, c.users.outsider, c.users.admin):
        with pytest.raises(PermissionDenied, match="Only the one who reports on duty submits their report"):
            services.report_submit(actor=other, report=li, text="代写")
    with pytest.raises(ValidationError, match="Write the report on duty"):
        services.report_submit(actor=c.users.li, report=li, text="   ")
    assert _written() == before
    pdf = SimpleUploadedFile("述职报告.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    services.report_submit(actor=c.users.li, report=li, text="第一稿", attachment=pdf)
    services.report_submit(actor=c.users.li, report=li, text="第二稿")  # again, while it takes reports
    li.refresh_from_db()
    assert li.state == ReportState.SUBMITTED and li.text == "第二稿" and li.submitted_at is not None
    assert DutyReportFile.objects.get(report=li).original_name == "述职报告.pdf"
    services.review_start_rating(actor=c.users.t1_officer, review=review)
    with pytest.raises(Conflict, match="submitted while it takes them"):
        services.report_submit(actor=c.users.li, report=li, text="第三稿")
    li.refresh_from_db()
    assert li.text == "第二稿"


def test_next_periods_report_must_answer_each_of_last_periods_problems(reporters):
    c = reporters
    _last, before = _closed_with_problems(c)
    problems = list(before.list_items.filter(kind=ListKind.PROBLEM).order_by("id"))
    review = _open(c, THIS)
    li, peer = _report(review, c.li), _report(review, c.peer)
    assert selectors.problems_to_answer(li) == problems
    assert selectors.problems_to_answer(peer) == []  # Liuwan had no problem listed
    written = _written()
    with pytest.raises(ValidationError) as caught:
        services.report_submit(actor=c.users.li, report=li, text="今年述职")
    assert "“组织生活会质量不高”" in str(caught.value) and "“发展党员工作滞后”" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.report_submit(
            actor=c.users.li, report=li, text="今年述职", answers={problems[0].pk: "已整改：每月召开"}
        )
    assert "“发展党员工作滞后”" in str(caught.value) and "组织生活会质量不高" not in str(caught.value)
    with pytest.raises(ValidationError, match="answers only last period's problems"):
        services.report_submit(
            actor=c.users.li, report=li, text="今年述职", answers={p.pk: "答" for p in problems} | {999999: "?"}
        )
    with pytest.raises(ValidationError):  # an answer of spaces is no answer
        services.report_submit(
            actor=c.users.li, report=li, text="今年述职", answers={problems[0].pk: "已整改", problems[1].pk: "  "}
        )
    assert _written() == written
    services.report_submit(
        actor=c.users.li,
        report=li,
        text="今年述职",
        answers={str(problems[0].pk): "已整改：每月召开", problems[1].pk: "已发展两名预备党员"},
    )
    assert dict(ProblemAnswer.objects.filter(report=li).values_list("problem__text", "text")) == {
        "组织生活会质量不高": "已整改：每月召开",
        "发展党员工作滞后": "已发展两名预备党员",
    }
    services.report_submit(actor=c.users.peer, report=peer, text="柳湾述职")  # nothing to answer
    # The report before is the branch's, for the same post: a new secretary of Qingshan answers its problems too.
    assert previous_report(li) == before
    newcomer = MemberFactory(organization=c.v11, name="新书记")
    Post.objects.filter(member=c.li).update(ended_on=TODAY - dt.timedelta(days=1))
    Post.objects.create(member=newcomer, organization=c.v11, title="secretary", started_on=TODAY)
    later = services.review_open(actor=c.users.t1_officer, organization=c.t1, period=period_for(f"{THIS}-Q4"))
    assert _report(later, newcomer).post_title == "secretary"
    assert previous_report(_report(later, newcomer)) == before  # 2025 closed; this year's review is not closed


# ---------------------------------------------------------------- rating


def _score(weights, counts):
    """The assessment's fuzzy evaluation, by hand: membership rows, weights of the groups that count, the scores."""
    weights = np.array(weights) / np.sum(weights)
    membership = methods.membership_from_counts(np.array(counts, dtype=float))
    return round(float(methods.fuzzy_score(methods.fuzzy_evaluate(weights, membership), GRADE_SCORES)), 2)


def test_ratings_are_evaluated_as_the_assessment_evaluates_a_rated_indicator(reporters):
    c = reporters
    u = c.users
    review, li, _peer = _rated_review(
        c,
        grades=[
            (u.t1_officer, "excellent"),  # superior officers
            (u.officer, "good"),  # the county's officer pursues in the township too
            (u.reps[0], "good"),  # members of Qingshan (the party group's member too)
            (u.reps[1], "good"),
            (u.reps[3], "fair"),
            (u.peer, "excellent"),  # one peer: fewer than three, no opinion
        ],
    )
    result = selectors.review_result(li)
    # superior [1, 1, 0, 0] and members [0, 2, 1, 0] weighted 0.4 : 0.3 (the peers' 0.3 shared by the others)
    expected = _score([0.4, 0.3], [[1, 1, 0, 0], [0, 2, 1, 0]])
    assert result.score == expected == 87.86
    assert result.grade == "good"  # 80 to 90, the assessment's default bands
    votes = {v["kind"]: v for v in result.votes}
    assert votes["superior"]["grades"] == {"excellent": 1, "good": 1, "fair": 0, "poor": 0}
    assert votes["members"]["raters"] == 3 and votes["members"]["counted"]
    assert votes["peers"]["raters"] == 1 and not votes["peers"]["counted"]
    assert {r.group.kind for r in li.ratings.select_related("group")} == {"superior", "members", "peers"}
    services.review_close(actor=u.t1_officer, review=review)
    li.refresh_from_db()
    assert (float(li.score), li.grade) == (87.86, "good") and li.votes == result.votes
    entry = AuditEntry.objects.filter(action="accountability.review.rate", object_id=str(li.pk)).order_by("seq").first()
    assert entry.after == {"group": "superior"}  # who rated in which group, not the grade


def test_a_group_with_fewer_raters_than_its_fewest_gives_no_opinion(reporters):
    c = reporters
    u = c.users
    _review, li, _peer = _rated_review(
        c, grades=[(u.t1_officer, "excellent"), (u.reps[0], "poor"), (u.reps[1], "poor")]
    )
    result = selectors.review_result(li)
    assert result.score == 100.0 and result.grade == "excellent"  # two members of three: their weight goes over
    services.rating_give(actor=u.reps[2], report=li, grade="poor")
    result = selectors.review_result(li)
    assert result.score == _score([0.4, 0.3], [[1, 0, 0, 0], [0, 0, 0, 3]]) == 82.86  # 100·4/7 + 60·3/7
    assert result.grade == "good"
    # Nobody counted yet: no result.
    assert selectors.review_result(_report(_review, c.peer)).score is None


def test_nobody_rates_their_own_report_nor_twice_nor_outside_the_raters(reporters):
    c = reporters
    u = c.users
    review = _open(c)
    li = _report(review, c.li)
    services.report_submit(actor=u.li, report=li, text="述职")
    with pytest.raises(Conflict, match="rated while it is rating"):
        services.rating_give(actor=u.t1_officer, report=li, grade="good")
    services.review_start_rating(actor=u.t1_officer, review=review)
    services.rating_give(actor=u.t1_officer, report=li, grade="good")
    before = _written()
    with pytest.raises(PermissionDenied, match="Nobody rates their own report on duty"):
        services.rating_give(actor=u.li, report=li, grade="excellent")
    with pytest.raises(Conflict, match="You have already rated this report"):
        services.rating_give(actor=u.t1_officer, report=li, grade="excellent")
    for outsider in (u.outsider, u.auditor, u.secretary):  # the auditor reads, the secretary role is no rater
        with pytest.raises(PermissionDenied, match="You are not among the raters"):
            services.rating_give(actor=outsider, report=li, grade="good")
    with pytest.raises(ValidationError, match="Choose one of the four grades"):
        services.rating_give(actor=u.reps[0], report=li, grade="splendid")
    with pytest.raises(Conflict, match="not submitted"):
        services.rating_give(actor=u.t1_officer, report=_report(review, c.peer), grade="good")
    assert _written() == before
    assert ReviewRating.objects.get(report=li).grade == "good"


def test_a_peer_rates_as_a_peer_and_a_member_as_a_member(reporters):
    c = reporters
    review, li, peer = _rated_review(c)
    assert rater_kind(c.users.peer, li) == "peers"
    assert rater_kind(c.users.li, peer) == "peers"
    assert rater_kind(c.users.reps[3], li) == "members"  # the party group is within the branch
    assert rater_kind(c.users.reps[3], peer) is None  # Liuwan's members only
    assert rater_kind(c.users.t1_officer, li) == "superior"
    assert rater_kind(c.users.li, li) is None
    assert [r.pk for r in selectors.reports_to_rate(user=c.users.li)] == [peer.pk]
    assert {r.pk for r in selectors.reports_to_rate(user=c.users.t1_officer)} == {li.pk, peer.pk}
    services.rating_give(actor=c.users.t1_officer, report=li, grade="good")
    assert [r.pk for r in selectors.reports_to_rate(user=c.users.t1_officer)] == [peer.pk]
    assert selectors.reports_to_rate(user=c.users.outsider) == []


def test_a_review_closes_once_rated_and_its_steps_are_the_officers(reporters):
    c = reporters
    review = _open(c)
    before = _written()
    with pytest.raises(Conflict, match="No report on duty is submitted yet"):
        services.review_start_rating(actor=c.users.t1_officer, review=review)
    with pytest.raises(Conflict, match="closed once its reports are rated"):
        services.review_close(actor=c.users.t1_officer, review=review)
    for who in (c.users.li, c.users.auditor, c.users.member):
        with pytest.raises(PermissionDenied):
            services.review_refresh(actor=who, review=review)
    assert _written() == before
    services.report_submit(actor=c.users.li, report=_report(review, c.li), text="述职")
    with pytest.raises(PermissionDenied):
        services.review_start_rating(actor=c.users.li, review=review)
    services.review_start_rating(actor=c.users.t1_officer, review=review)
    services.review_close(actor=c.users.officer, review=review)  # the county pursues there too
    review.refresh_from_db()
    assert review.state == ReviewState.CLOSED and review.closed_at is not None
    li = _report(review, c.li)
    assert li.score is None and li.grade == ""  # not rated: no result
    told = Notification.objects.get(kind="accountability.review_closed", recipient=c.users.li)
    assert told.url == reverse("accountability:review_report", args=[li.pk])
    assert not Notification.objects.filter(kind="accountability.review_closed", recipient=c.users.peer).exists()


# ---------------------------------------------------------------- the three lists


def test_the_three_lists_and_the_rectification_as_an_assignment(reporters):
    c = reporters
    officer = c.users.t1_officer
    review, li, _peer = _rated_review(c, grades=[(officer, "fair")])
    with pytest.raises(Conflict, match="once the rating is over"):
        services.list_item_add(actor=officer, report=li, kind=ListKind.PROBLEM, text="问题")
    services.review_close(actor=officer, review=review)
    services.list_item_add(actor=officer, report=li, kind=ListKind.PROBLEM, text="“三会一课”记录不全")
    services.list_item_add(actor=officer, report=li, kind=ListKind.RESPONSIBILITY, text="支部书记负直接责任")
    due = TODAY + dt.timedelta(days=30)
    item = services.list_item_add(
        actor=officer,
        report=li,
        kind=ListKind.RECTIFICATION,
        text="补齐会议记录",
        due_on=due,
        evidence_expected="会议记录照片",
    )
    assignment = item.assignment
    assert assignment.organization == c.v11 and assignment.responsible == c.li
    assert assignment.duty.organization == c.t1 and assignment.due_on == due
    assert assignment.duty.title == "Rectification: 补齐会议记录" and assignment.duty.dimension == "discipline"
    assert "补齐会议记录" in assignment.duty.requirement and assignment.duty.evidence_expected == "会议记录照片"
    assert assignment.review_item == item
    lists = selectors.list_items_of(li)
    assert [i.text for i in lists[ListKind.PROBLEM]] == ["“三会一课”记录不全"]
    assert [i.text for i in lists[ListKind.RESPONSIBILITY]] == ["支部书记负直接责任"]
    assert lists[ListKind.RECTIFICATION][0].light == "green"
    # The secretary reports on it as on any work: it is in his work.
    assert assignment.pk in {a.pk for a in duty_selectors.my_work(user=c.users.li)}
    assert AuditEntry.objects.filter(action="accountability.review.item").count() == 3


def test_writing_the_lists_wrongly_is_refused_with_nothing_written(reporters):
    c = reporters
    officer = c.users.t1_officer
    review, li, _peer = _rated_review(c)
    services.review_close(actor=officer, review=review)
    before = _written()
    for who in (c.users.li, c.users.member, c.users.auditor, c.users.outsider):
        with pytest.raises(PermissionDenied):
            services.list_item_add(actor=who, report=li, kind=ListKind.PROBLEM, text="问题")
    cases = [
        ({"kind": "wish", "text": "愿望"}, "Choose the list"),
        ({"kind": ListKind.PROBLEM, "text": "  "}, "Write the item"),
        ({"kind": ListKind.PROBLEM, "text": "长" * 301}, "at most 300 characters"),
        ({"kind": ListKind.RECTIFICATION, "text": "整改", "due_on": None}, "Say by when"),
        (
            {"kind": ListKind.RECTIFICATION, "text": "整改", "due_on": TODAY - dt.timedelta(days=1)},
            "due today or later",
        ),
    ]
    for kw, message in cases:
        with pytest.raises(ValidationError, match=message):
            services.list_item_add(actor=officer, report=li, **kw)
    assert _written() == before
    rectification = services.list_item_add(
        actor=officer, report=li, kind=ListKind.RECTIFICATION, text="整改", due_on=TODAY
    )
    with pytest.raises(Conflict, match="assignment under way"):
        services.list_item_remove(actor=officer, item=rectification)
    problem = services.list_item_add(actor=officer, report=li, kind=ListKind.PROBLEM, text="写错了")
    with pytest.raises(PermissionDenied):
        services.list_item_remove(actor=c.users.li, item=problem)
    services.list_item_remove(actor=officer, item=problem)
    assert not ReviewListItem.objects.filter(pk=problem.pk).exists()
    assert AuditEntry.objects.filter(action="accountability.review.item_remove").exists()


def test_an_answered_problem_stays(reporters):
    c = reporters
    _last, before = _closed_with_problems(c, problems=("问题一",))
    problem = before.list_items.get()
    review = _open(c, THIS)
    services.report_submit(actor=c.users.li, report=_report(review, c.li), text="述职", answers={problem.pk: "已整改"})
    with pytest.raises(Conflict, match="A report has answered this problem"):
        services.list_item_remove(actor=c.users.t1_officer, item=problem)


# ---------------------------------------------------------------- the result as an input of the assessment


def _secretaries_run(c, period=THIS, kind="entered"):
    """An assessment of the secretaries of Xinjie's branches whose system has an entered indicator C2 (or a rated
    one, `kind` qualitative), run by the township's officer."""
    spec = [{"code": "C2", "name": "述职评议得分", "name_en": "Report-on-duty review", "kind": kind, "weight": 1}]
    system = assessment.system_create(
        actor=c.users.officer,
        owner=c.county,
        code=f"secretary-review-{kind}",
        name="书记述职评议",
        spec=spec,
        assessed_kind="branch",
        assesses_secretaries=True,
    )
    system = assessment.system_activate(actor=c.users.officer, system=system)
    run = assessment.run_create(actor=c.users.t1_officer, system=system, period=period_for(period), scope=c.t1)
    return run, system.indicators.get(code="C2")


def test_the_result_is_entered_as_an_entered_indicator_of_the_secretaries_assessment(reporters):
    c = reporters
    officer = c.users.t1_officer
    review, li, peer = _rated_review(c, grades=[(officer, "good"), (c.users.officer, "good")])
    run, c2 = _secretaries_run(c)
    with pytest.raises(Conflict, match="once the review is closed"):
        services.review_result_feed(actor=officer, report=li, run=run, indicator=c2)
    services.review_close(actor=officer, review=review)
    li.refresh_from_db()
    peer.refresh_from_db()
    assert [t.key for t in selectors.feed_targets(user=officer, report=li)] == [f"{run.pk}:{c2.pk}"]
    before = _written()
    with pytest.raises(PermissionDenied):
        services.review_result_feed(actor=c.users.li, report=li, run=run, indicator=c2)
    with pytest.raises(Conflict, match="has no result"):
        services.review_result_feed(actor=officer, report=peer, run=run, indicator=c2)
    rated_run, c1 = _secretaries_run(c, kind="qualitative")
    with pytest.raises(ValidationError, match="not entered by hand"):
        services.review_result_feed(actor=officer, report=li, run=rated_run, indicator=c1)
    other_run, other_c2 = _secretaries_run(c, period=LAST)
    with pytest.raises(ValidationError, match="choose one of the same period"):
        services.review_result_feed(actor=officer, report=li, run=other_run, indicator=other_c2)
    assert _written()[:-1] == before[:-1]  # (the systems and runs made above are audited)
    value = services.review_result_feed(actor=officer, report=li, run=run, indicator=c2)
    assert value == EnteredValue.objects.get(run=run, organization=c.v11, indicator=c2)
    assert float(value.value) == float(li.score) == 85.0 and "85.00" in value.note
    li.refresh_from_db()
    assert li.fed_value == value
    assert AuditEntry.objects.filter(action="accountability.review.feed", object_id=str(li.pk)).exists()
    assert AuditEntry.objects.filter(action="assessment.value.enter").exists()


# ---------------------------------------------------------------- the pages


def _page(response) -> str:
    return response.content.decode()


def _url(name, *args):
    return reverse(f"accountability:{name}", args=args)


def test_every_review_page_renders_in_english_and_chinese(reporters, client_for):
    c = reporters
    _last, before = _closed_with_problems(c)
    review = _open(c, THIS)
    li = _report(review, c.li)
    officer = client_for(c.users.t1_officer)
    pages = {
        _url("reviews"): ("Reviews of reports on duty", "述职评议"),
        _url("review_new"): ("Open a review of reports on duty", "开展述职评议"),
        _url("review", review.pk): ("Add the reports of secretaries appointed since", "补充此后任职书记的述职"),
        _url("review_report", before.pk): ("Write the three lists", "填写三个清单"),
    }
    for url, (english, chinese) in pages.items():
        en, zh = officer.get(url, **EN), officer.get(url, **ZH)
        assert en.status_code == zh.status_code == 200, url
        assert english in _page(en) and english not in _page(zh), url
        assert chinese in _page(zh), url
    secretary = client_for(c.users.li)
    for url, (english, chinese) in {
        _url("my_reports"): ("My reports on duty", "我的述职"),
        _url("review_report", li.pk): ("Last period's problems: answer each", "上期问题：逐条回应"),
    }.items():
        en, zh = secretary.get(url, **EN), secretary.get(url, **ZH)
        assert en.status_code == zh.status_code == 200, url
        assert english in _page(en) and chinese in _page(zh), url
    zh = _page(secretary.get(_url("review_report", li.pk), **ZH))
    assert "组织生活会质量不高" in zh and "发展党员工作滞后" in zh


ROLES = [
    # who, reads the report while rating, sees the rating form, sees the result
    ("t1_officer", True, True, True),
    ("officer", True, True, True),
    ("admin", True, True, True),
    ("auditor", True, False, True),
    ("li", True, False, False),  # his own: the result once closed
    ("peer", True, True, False),
    ("member", True, True, False),
    ("secretary", False, False, False),  # the secretary role on Qingshan reads no case, no review
    ("outsider", False, False, False),
]


@pytest.mark.parametrize(("who", "reads", "rates", "result"), ROLES)
def test_who_reads_a_report_and_what_they_may_do(reporters, client_for, who, reads, rates, result):
    c = reporters
    _review, li, _peer = _rated_review(c)
    response = client_for(getattr(c.users, who)).get(_url("review_report", li.pk), **EN)
    if not reads:
        assert response.status_code == 404
        return
    page = _page(response)
    assert response.status_code == 200 and "一年来，抓党建第一责任人职责落实情况" in page
    assert ("Rate this report" in page) == rates
    assert ('id="result"' in page) == result
    assert "Write the three lists" not in page  # not before the rating is over


def test_a_secretary_submits_on_the_page_and_an_unanswered_problem_is_refused(reporters, client_for):
    c = reporters
    _last, before = _closed_with_problems(c)
    problems = list(before.list_items.order_by("id"))
    li = _report(_open(c, THIS), c.li)
    client = client_for(c.users.li)
    url = _url("review_report_step", li.pk, "submit")
    written = _written()
    response = client.post(url, {"text": "今年述职", f"answer_{problems[0].pk}": "已整改"}, **EN)
    assert response.status_code == 400
    page = _page(response)
    assert "not answered: “发展党员工作滞后”" in page and "今年述职" in page and "已整改" in page
    assert _written() == written
    response = client.post(url, {"text": "今年述职", **{f"answer_{p.pk}": "已整改" for p in problems}}, **EN)
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.state == ReportState.SUBMITTED and li.answers.count() == 2
    page = _page(client.get(_url("review_report", li.pk), **EN))
    assert "Answers to last period's problems" in page and "Submit your report again" in page


def test_a_rater_rates_on_the_page_once(reporters, client_for):
    c = reporters
    _review, li, _peer = _rated_review(c)
    client = client_for(c.users.member)
    url = _url("review_report_step", li.pk, "rate")
    response = client.post(url, {}, **EN)
    assert response.status_code == 400 and "Choose one of the four grades" in _page(response)
    assert client.post(url, {"grade": "good"}, **EN).status_code == 302
    page = _page(client.get(_url("review_report", li.pk), **EN))
    assert "You rated this report: Good." in page and "Rate this report" not in page
    response = client.post(url, {"grade": "poor"}, **EN)
    assert response.status_code == 400 and "You have already rated this report" in _page(response)
    assert ReviewRating.objects.get(report=li, rater=c.users.member).grade == "good"
    own = client_for(c.users.li).post(_url("review_report_step", _peer.pk, "rate"), {"grade": "poor"}, **EN)
    assert own.status_code == 302  # a peer's report: Li rates it
    response = client_for(c.users.li).post(_url("review_report_step", li.pk, "rate"), {"grade": "excellent"}, **EN)
    assert response.status_code == 400 and "Nobody rates their own report on duty" in _page(response)


def test_the_officer_conducts_a_review_through_the_pages(reporters, client_for):
    c = reporters
    client = client_for(c.users.t1_officer)
    response = client.post(
        _url("review_new"),
        {
            "organization": c.t1.code,
            "period": THIS,
            "weight_superior": "0.5",
            "weight_members": "0.5",
            "weight_peers": "0",
            "fewest_superior": "1",
            "fewest_members": "2",
            "fewest_peers": "3",
        },
        **EN,
    )
    assert response.status_code == 302, _page(response)
    review = DutyReview.objects.get(organization=c.t1, period__code=THIS)
    assert set(review.groups.values_list("kind", "min_raters")) == {("superior", 1), ("members", 2)}
    again = client.post(
        _url("review_new"),
        {
            "organization": c.t1.code,
            "period": THIS,
            "weight_superior": "1",
            "weight_members": "0",
            "weight_peers": "0",
            "fewest_superior": "1",
            "fewest_members": "1",
            "fewest_peers": "1",
        },
        **EN,
    )
    assert again.status_code == 400 and "already reviews the reports on duty of" in _page(again)
    response = client.post(_url("review_step", review.pk, "rating"), **EN)
    assert response.status_code == 400 and "No report on duty is submitted yet" in _page(response)
    response = client.post(_url("review_step", review.pk, "refresh"), follow=True, **EN)
    assert "Nobody took a post since the review opened" in _page(response)
    other = Client()
    other.force_login(c.users.li)
    assert other.post(_url("review_step", review.pk, "refresh"), **EN).status_code == 404  # he reads no review
    li = _report(review, c.li)
    services.report_submit(actor=c.users.li, report=li, text="述职")
    assert client.post(_url("review_step", review.pk, "rating"), **EN).status_code == 302
    client.post(_url("review_report_step", li.pk, "rate"), {"grade": "excellent"}, **EN)
    assert client.post(_url("review_step", review.pk, "close"), **EN).status_code == 302
    page = _page(client.get(_url("review", review.pk), **EN))
    assert "100.00" in page and "Excellent" in page
    response = client.post(
        _url("review_report_step", li.pk, "item"),
        {"kind": "rectification", "rectification-text": "整改会议记录", "rectification-due_on": ""},
        **EN,
    )
    assert response.status_code == 400 and "Say by when the rectification is due" in _page(response)
    due = (TODAY + dt.timedelta(days=10)).isoformat()
    response = client.post(
        _url("review_report_step", li.pk, "item"),
        {"kind": "rectification", "rectification-text": "整改会议记录", "rectification-due_on": due},
        **EN,
    )
    assert response.status_code == 302
    item = ReviewListItem.objects.get(report=li)
    page = _page(client_for(c.users.li).get(_url("my_reports"), **EN))
    assert "整改会议记录" in page and reverse("duties:assignment", args=[item.assignment_id]) in page
    assert "100.00" in page


def test_the_start_page_links_my_reports_on_duty(reporters, client_for):
    c = reporters
    _open(c)
    page = _page(client_for(c.users.li).get(reverse("home"), **EN))
    assert _url("my_reports") in page and "You owe a report on duty" in page
    page = _page(client_for(c.users.outsider).get(reverse("home"), **EN))
    assert _url("my_reports") not in page


# ---------------------------------------------------------------- the API


def api(user, language="en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def test_the_review_through_the_api(reporters):
    c = reporters
    officer = api(c.users.t1_officer)
    response = officer.post("/api/duty-reviews/", {"organization": c.t1.code, "period": THIS}, format="json")
    assert response.status_code == 201, response.content
    review = response.json()
    assert review["state"] == "open" and len(review["reports"]) == 2
    li = next(r for r in review["reports"] if r["member"] == c.li.pk)
    again = officer.post("/api/duty-reviews/", {"organization": c.t1.code, "period": THIS}, format="json")
    assert again.status_code == 400 and "already reviews" in str(again.json())
    secretary = api(c.users.li)
    assert secretary.post(f"/api/duty-reports/{li['id']}/submit/", {"text": ""}, format="json").status_code == 400
    response = secretary.post(f"/api/duty-reports/{li['id']}/submit/", {"text": "述职"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    by_officer = officer.post(f"/api/duty-reports/{li['id']}/submit/", {"text": "代写"}, format="json")
    assert by_officer.status_code == 403  # the officer reads it, only Li submits it
    hidden = api(c.users.peer).post(f"/api/duty-reports/{li['id']}/submit/", {"text": "代写"}, format="json")
    assert hidden.status_code == 404  # a peer reads it once the rating starts
    assert officer.post(f"/api/duty-reviews/{review['id']}/start-rating/").status_code == 200
    response = officer.post("/api/duty-review-ratings/", {"report": li["id"], "grade": "good"}, format="json")
    assert response.status_code == 201 and response.json()["group"] == "superior"
    twice = officer.post("/api/duty-review-ratings/", {"report": li["id"], "grade": "good"}, format="json")
    assert twice.status_code == 409
    own = secretary.post("/api/duty-review-ratings/", {"report": li["id"], "grade": "excellent"}, format="json")
    assert own.status_code == 403 and "own report" in own.json()["detail"]
    hidden = api(c.users.outsider).post(
        "/api/duty-review-ratings/", {"report": li["id"], "grade": "good"}, format="json"
    )
    assert hidden.status_code == 400  # a report the caller does not read is not found among theirs
    assert api(c.users.outsider).get(f"/api/duty-reports/{li['id']}/").status_code == 404
    to_give = api(c.users.member).get("/api/duty-review-ratings/to-give/")
    assert [r["id"] for r in to_give.json()] == [li["id"]]
    assert officer.post(f"/api/duty-reviews/{review['id']}/close/").status_code == 200
    shown = secretary.get(f"/api/duty-reports/{li['id']}/").json()
    assert shown["score"] == "85.00" and shown["grade"] == "good"
    response = officer.post(
        "/api/duty-review-items/",
        {"report": li["id"], "kind": "rectification", "text": "整改", "due_on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    assignment = Assignment.objects.get(pk=response.json()["assignment"])
    assert assignment.responsible == c.li
    refused = secretary.post(
        "/api/duty-review-items/", {"report": li["id"], "kind": "problem", "text": "自己写"}, format="json"
    )
    assert refused.status_code == 403
    mine = secretary.get("/api/duty-review-items/").json()
    assert [i["text"] for i in mine["results"]] == ["整改"]
    assert api(c.users.member).get("/api/duty-review-items/").json()["results"] == []
    late = api(c.users.member, "zh-hans").post(
        "/api/duty-review-ratings/", {"report": li["id"], "grade": "good"}, format="json"
    )
    assert late.status_code == 409 and "已结束" in late.json()["detail"]  # in the caller's language


def test_the_api_answers_last_periods_problems(reporters):
    c = reporters
    _last, before = _closed_with_problems(c)
    problems = list(before.list_items.order_by("id"))
    review = _open(c, THIS)
    li = _report(review, c.li)
    secretary = api(c.users.li)
    shown = secretary.get(f"/api/duty-reports/{li.pk}/").json()
    assert [p["text"] for p in shown["problems_to_answer"]] == ["组织生活会质量不高", "发展党员工作滞后"]
    response = secretary.post(f"/api/duty-reports/{li.pk}/submit/", {"text": "述职"}, format="json")
    assert response.status_code == 400 and "“发展党员工作滞后”" in str(response.json()["answers"])
    response = secretary.post(
        f"/api/duty-reports/{li.pk}/submit/",
        {"text": "述职", "answers": {str(p.pk): "已整改" for p in problems}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [a["answer"] for a in response.json()["problems_to_answer"]] == ["已整改", "已整改"]


# ---------------------------------------------------------------- the reads of the pages


def test_my_reports_span_the_periods(reporters):
    c = reporters
    _closed_with_problems(c)
    review = _open(c, THIS)
    mine = list(selectors.my_reports(user=c.users.li))
    assert [r.review.period.code for r in mine] == [THIS, LAST]
    assert (
        selectors.review_notice(c.users.li)
        == SimpleNamespace(to_submit=1, to_rate=0, mine=True, conduct=False).__dict__
    )
    assert review.reports.count() == 2


def test_a_group_the_review_does_not_ask_rates_nothing(reporters):
    c = reporters
    review = services.review_open(
        actor=c.users.t1_officer,
        organization=c.t1,
        period=period_for(THIS),
        weights={"superior": 0.5, "members": 0.5, "peers": 0},
    )
    assert set(review.groups.values_list("kind", flat=True)) == {"superior", "members"}
    li, peer = _report(review, c.li), _report(review, c.peer)
    services.report_submit(actor=c.users.li, report=li, text="述职")
    services.report_submit(actor=c.users.peer, report=peer, text="述职")
    services.review_start_rating(actor=c.users.t1_officer, review=review)
    li = DutyReport.objects.get(pk=li.pk)
    assert rater_kind(c.users.peer, li) is None and selectors.reports_to_rate(user=c.users.peer) == []
    with pytest.raises(PermissionDenied, match="You are not among the raters"):
        services.rating_give(actor=c.users.peer, report=li, grade="good")
    assert [r.pk for r in selectors.reports_to_rate(user=c.users.member)] == [li.pk]
    # A peer does not read another's report either, where peers are not asked.
    assert not selectors.may_read_report(c.users.peer, li)


def test_the_attachment_is_served_to_the_readers_of_the_report_only(reporters, client_for):
    c = reporters
    review = _open(c)
    li = _report(review, c.li)
    pdf = SimpleUploadedFile("述职报告.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    response = client_for(c.users.li).post(
        _url("review_report_step", li.pk, "submit"), {"text": "述职", "attachment": pdf}, **EN
    )
    assert response.status_code == 302
    upload = DutyReportFile.objects.get(report=li)
    assert client_for(c.users.t1_officer).get(upload.url).status_code == 200
    assert client_for(c.users.outsider).get(upload.url).status_code == 404
    assert client_for(c.users.peer).get(upload.url).status_code == 404  # not before the rating starts
    bad = SimpleUploadedFile("述职报告.pdf", b"not a pdf at all")
    response = client_for(c.users.li).post(
        _url("review_report_step", li.pk, "submit"), {"text": "第二稿", "attachment": bad}, **EN
    )
    assert response.status_code == 400 and "its content does not match its name" in _page(response)
    li.refresh_from_db()
    assert li.text == "述职" and DutyReportFile.objects.get(report=li).pk == upload.pk


def test_the_officer_enters_the_result_on_the_page(reporters, client_for):
    c = reporters
    officer = c.users.t1_officer
    review, li, _peer = _rated_review(c, grades=[(officer, "excellent")])
    services.review_close(actor=officer, review=review)
    run, c2 = _secretaries_run(c)
    client = client_for(officer)
    page = _page(client.get(_url("review_report", li.pk), **EN))
    assert "Enter the result in the secretaries' assessment" in page and f'value="{run.pk}:{c2.pk}"' in page
    response = client.post(_url("review_report_step", li.pk, "feed"), {"target": "0:0"}, **EN)
    assert response.status_code == 400 and not EnteredValue.objects.exists()
    response = client.post(_url("review_report_step", li.pk, "feed"), {"target": f"{run.pk}:{c2.pk}"}, **EN)
    assert response.status_code == 302
    assert EnteredValue.objects.get(run=run, organization=c.v11, indicator=c2).value == 100
    assert "Entered in the secretaries' assessment as C2 = 100.00." in _page(
        client.get(_url("review_report", li.pk), **EN)
    )
