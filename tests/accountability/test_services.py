"""Pursuit by its services: each rule of pursuit fires once for what qualifies and not for what does not, the
ladder climbs on a repeat, the statement window closes with the decision, a rectification is an assignment whose
lapse escalates, and bad input is refused with nothing written."""

import datetime as dt

import pytest

from grassroots.accountability import services
from grassroots.accountability.models import Case, CaseState, Measure, Rectification, Trigger
from grassroots.assessment import services as assessment
from grassroots.core.audit import AuditEntry
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import Notification
from grassroots.core.policy import PermissionDenied
from grassroots.duties import services as duties
from grassroots.duties.models import Assignment
from grassroots.orglife.models import CareCase
from tests.assessment.year import END, YEAR

# Liuwan (v12) and both villages of township 2 leave the November key duty (due 28 November) undone.
LATE = dt.date(YEAR + 1, 1, 15)  # 48 days after


def _cases(**kw):
    return Case.objects.filter(**kw)


def test_overdue_key_work_opens_one_case_per_assignment_beyond_the_threshold(pursued):
    assert services.pursue(date=dt.date(YEAR, 12, 20))[Trigger.OVERDUE_KEY] == 0  # 22 days: within the 30
    opened = services.pursue(date=LATE)
    assert opened[Trigger.OVERDUE_KEY] == 3
    case = _cases(trigger=Trigger.OVERDUE_KEY, organization=pursued.v12).get()
    assert case.deciding == pursued.county  # the organization that issued the duty decides
    assert case.person == pursued.members["C-T1-V2"]  # no responsible person named: the secretary
    assert case.assignment.duty.is_key and "已逾期 48 天" in case.facts  # written in the site's language
    assert case.evidence[0]["url"] == f"/assignments/{case.assignment.pk}/"
    assert case.proposed_measure == Measure.REMINDER_TALK and case.state == CaseState.OPENED
    # The county's officer is told once of the three cases waiting for a decision, not three times.
    digest = Notification.objects.filter(recipient=pursued.users.officer, kind="accountability.cases_opened")
    assert [n.params["n"] for n in digest] == [3]
    assert not Notification.objects.filter(recipient=pursued.users.officer, kind="accountability.case_opened").exists()
    # Run again, and again the next day: the same conditions open nothing more.
    assert sum(services.pursue(date=LATE).values()) == 0
    assert services.pursue(date=LATE + dt.timedelta(days=1))[Trigger.OVERDUE_KEY] == 0
    assert _cases(trigger=Trigger.OVERDUE_KEY).count() == 3
    # Qingshan did everything on time: no case.
    assert not _cases(organization=pursued.v11, trigger=Trigger.OVERDUE_KEY).exists()


def test_a_rule_set_in_a_subtree_wins_over_the_default(pursued):
    officer = pursued.users.officer
    services.pursuit_rule_set(
        actor=officer, organization=pursued.t2, trigger=Trigger.OVERDUE_KEY, enabled=True, threshold=60
    )
    services.pursuit_rule_set(
        actor=officer, organization=pursued.v12, trigger=Trigger.OVERDUE_KEY, enabled=False, threshold=0
    )
    assert services.rules_for(pursued.v21)[Trigger.OVERDUE_KEY] == (True, 60)
    assert services.rules_for(pursued.v11)[Trigger.OVERDUE_KEY] == (True, 30)
    assert services.pursue(date=LATE)[Trigger.OVERDUE_KEY] == 0  # township 2 waits 60 days, Liuwan not at all
    assert services.pursue(date=dt.date(YEAR + 1, 1, 28))[Trigger.OVERDUE_KEY] == 2  # 61 days
    with pytest.raises(PermissionDenied):
        services.pursuit_rule_set(
            actor=pursued.users.t1_officer, organization=pursued.t2, trigger=Trigger.VETO, enabled=False, threshold=0
        )
    with pytest.raises(ValidationError, match="at most 100%"):
        services.pursuit_rule_set(
            actor=officer, organization=pursued.t2, trigger=Trigger.STUDY_BELOW, enabled=True, threshold=150
        )


def test_a_veto_opens_a_case_decided_above_the_branch(pursued):
    assert services.pursue(date=LATE)[Trigger.VETO] == 1
    case = _cases(trigger=Trigger.VETO).get()
    assert (case.organization, case.deciding) == (pursued.v21, pursued.t2)
    assert "村支委严重违纪" in case.title


def test_a_grade_of_poor_in_published_results_opens_a_case_once_whatever_the_version(pursued):
    officer = pursued.users.officer
    run = pursued.run
    assessment.run_compute(actor=officer, run=run, asof=END)
    assert services.pursue(date=LATE)[Trigger.POOR_GRADE] == 0  # computed, not published
    assessment.run_publish(actor=officer, run=run)
    poor = set(run.results.filter(grade="poor", vetoed=False).values_list("organization_id", flat=True))
    assert services.pursue(date=LATE)[Trigger.POOR_GRADE] == len(poor)
    assert set(_cases(trigger=Trigger.POOR_GRADE).values_list("organization_id", flat=True)) == poor
    assert not _cases(trigger=Trigger.POOR_GRADE, organization=pursued.v21).exists()  # vetoed: the veto's case
    assessment.run_close(actor=officer, run=run)
    assessment.run_recompute(actor=officer, run=run, asof=END)  # a new version, not published: nothing new
    assert services.pursue(date=LATE)[Trigger.POOR_GRADE] == 0


def test_reports_returned_more_often_than_the_threshold_open_a_case(pursued):
    officer, secretary = pursued.users.officer, pursued.users.secretary
    a = (
        Assignment.objects.filter(organization=pursued.v11, state="issued").first()
        or Assignment.objects.filter(organization=pursued.v11).first()
    )
    Assignment.objects.filter(pk=a.pk).update(state="in_progress", accepted_on=None)
    for k in range(4):
        report = duties.report_submit(actor=secretary, assignment=a, text=f"第{k}次", percent=50)
        duties.report_return(actor=officer, report=report, reason="材料不全")
        assert services.pursue(date=LATE)[Trigger.RETURNED] == (1 if k == 3 else 0)
    assert _cases(trigger=Trigger.RETURNED, assignment=a).count() == 1


def test_a_member_in_difficulty_not_visited_opens_a_case_per_lapse(pursued):
    member = pursued.members["C-T1-V2"]
    care = CareCase.objects.create(
        member=member, category="illness", opened_on=dt.date(YEAR, 1, 10), visit_interval_days=90
    )
    assert services.pursue(date=dt.date(YEAR, 5, 1))[Trigger.CARE_NOT_VISITED] == 0  # 111 days: not 30 past 90
    assert services.pursue(date=dt.date(YEAR, 6, 1))[Trigger.CARE_NOT_VISITED] == 1
    case = _cases(trigger=Trigger.CARE_NOT_VISITED).get()
    assert case.care_case == care and case.organization == pursued.v12 and "从未走访" in case.facts
    care.visits.create(visited_on=dt.date(YEAR, 6, 5), help_given="慰问")
    assert services.pursue(date=dt.date(YEAR, 7, 1))[Trigger.CARE_NOT_VISITED] == 0  # visited in time again
    assert services.pursue(date=dt.date(YEAR, 10, 20))[Trigger.CARE_NOT_VISITED] == 1  # a new lapse, a new case


def test_a_branch_far_below_its_study_plan_opens_a_case_once_a_year(pursued):
    assert services.pursue(date=dt.date(YEAR, 3, 1))[Trigger.STUDY_BELOW] == 0  # too early in the year
    opened = services.pursue(date=dt.date(YEAR, 9, 1))[Trigger.STUDY_BELOW]
    assert opened == 4  # nobody recorded any study in the year of work
    assert services.pursue(date=dt.date(YEAR, 10, 1))[Trigger.STUDY_BELOW] == 0


def _by_hand(county, **kw):
    fields = {
        "actor": county.users.t1_officer,
        "organization": county.v11,
        "title": "主题党日流于形式",
        "facts": "连续三次主题党日无实质内容",
        "person": county.members["C-T1-V1"],
    }
    return services.case_open(**{**fields, **kw})


def test_a_repeat_on_the_same_responsibility_proposes_the_next_rung(pursued):
    officer = pursued.users.t1_officer
    first = _by_hand(pursued)
    assert first.deciding == pursued.t1 and first.proposed_measure == Measure.REMINDER_TALK
    services.case_decide(actor=officer, case=first, measure=Measure.REMINDER_TALK)
    second = _by_hand(pursued, title="再次流于形式")
    assert second.proposed_measure == Measure.CRITICISM
    with pytest.raises(ValidationError, match="differs from the one proposed"):
        services.case_decide(actor=officer, case=second, measure=Measure.REMINDER_TALK)
    services.case_decide(actor=officer, case=second, measure=Measure.SELF_EXAMINATION, note="情节较重")
    assert _by_hand(pursued, title="第三次").proposed_measure == Measure.CIRCULATED


def test_the_person_concerned_makes_a_statement_until_the_decision(pursued):
    case = _by_hand(pursued)
    person, officer = pursued.users.member, pursued.users.t1_officer
    person_notices = Notification.objects.filter(recipient=person, kind="accountability.case_opened")
    assert person_notices.count() == 1  # the person concerned is told
    with pytest.raises(PermissionDenied, match="person concerned"):
        services.case_statement(actor=officer, case=case, text="我来替他说")
    services.case_review(actor=officer, case=case)
    services.case_statement(actor=person, case=case, text="因防汛任务推迟，已补开")
    case.refresh_from_db()
    assert case.statement.startswith("因防汛") and case.state == CaseState.UNDER_REVIEW
    with pytest.raises(PermissionDenied, match="concerning themselves"):
        services.case_decide(actor=person, case=case, measure=Measure.REMINDER_TALK)
    services.case_decide(actor=officer, case=case, measure=Measure.REMINDER_TALK)
    entries = AuditEntry.objects.count()
    with pytest.raises(Conflict, match="before the decision"):
        services.case_statement(actor=person, case=case, text="补充说明")
    assert AuditEntry.objects.count() == entries
    assert Notification.objects.filter(recipient=person, kind="accountability.case_decided").exists()


@pytest.mark.parametrize(("measure", "message"), [("", "names its measure"), ("expulsion", "on the ladder")])
def test_a_decision_names_a_measure_on_the_ladder(pursued, measure, message):
    case = _by_hand(pursued)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match=message):
        services.case_decide(actor=pursued.users.t1_officer, case=case, measure=measure, note="x")
    case.refresh_from_db()
    assert case.state == CaseState.OPENED and case.measure == "" and AuditEntry.objects.count() == entries


def test_a_case_is_opened_by_hand_only_above_the_organization_concerned(pursued):
    before = Case.objects.count()
    with pytest.raises(PermissionDenied):
        _by_hand(pursued, actor=pursued.users.t1_officer, organization=pursued.v21)  # another township's
    with pytest.raises(ValidationError, match="above the one concerned"):
        _by_hand(pursued, actor=pursued.users.officer, organization=pursued.v11, deciding=pursued.v11)
    with pytest.raises(ValidationError, match="belong to the organization concerned"):
        _by_hand(pursued, person=pursued.members["C-T2-V1"])
    with pytest.raises(ValidationError, match="facts"):
        _by_hand(pursued, facts="  ")
    assert Case.objects.count() == before


def test_dismissed_and_withdrawn_cases_stay_with_their_reason(pursued):
    officer = pursued.users.t1_officer
    a, b = _by_hand(pursued), _by_hand(pursued, title="另一件")
    with pytest.raises(ValidationError, match="reason"):
        services.case_dismiss(actor=officer, case=a, reason=" ")
    services.case_dismiss(actor=officer, case=a, reason="经核实情况属实但已整改")
    services.case_withdraw(actor=officer, case=b, reason="误登记")
    assert set(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", "reason")) == {
        (CaseState.DISMISSED, "经核实情况属实但已整改"),
        (CaseState.WITHDRAWN, "误登记"),
    }
    with pytest.raises(Conflict):
        services.case_decide(actor=officer, case=a, measure=Measure.REMINDER_TALK)


def test_a_rectification_is_an_assignment_reviewed_by_the_deciding_organization_and_its_lapse_escalates(pursued):
    officer = pursued.users.t1_officer
    case = _by_hand(pursued)
    with pytest.raises(Conflict, match="once the case is decided"):
        services.rectification_require(
            actor=officer, case=case, title="补开", requirement="r", due_on=dt.date.today() + dt.timedelta(days=30)
        )
    services.case_decide(actor=officer, case=case, measure=Measure.REMINDER_TALK)
    with pytest.raises(ValidationError, match="due today or later"):
        services.rectification_require(
            actor=officer, case=case, title="补开", requirement="r", due_on=dt.date.today() - dt.timedelta(days=1)
        )
    due = dt.date.today() + dt.timedelta(days=30)
    rect = services.rectification_require(
        actor=officer, case=case, title="补开主题党日", requirement="补开并上传照片", due_on=due
    )
    a = rect.assignment
    assert (a.organization, a.duty.organization, a.responsible) == (pursued.v11, pursued.t1, case.person)
    case.refresh_from_db()
    assert case.state == CaseState.RECTIFYING
    with pytest.raises(Conflict, match="not accepted yet"):
        services.case_close(actor=officer, case=case)
    # Its lapse: a case of its own, following this one, and a notice to the county above the township.
    opened = services.pursue(date=due + dt.timedelta(days=1))
    assert opened[Trigger.RECTIFICATION_OVERDUE] == 1
    lapse = Case.objects.get(trigger=Trigger.RECTIFICATION_OVERDUE)
    assert lapse.follows == case and lapse.assignment == a and lapse.deciding == pursued.t1
    assert services.pursue(date=due + dt.timedelta(days=2))[Trigger.RECTIFICATION_OVERDUE] == 0
    # Reported by the branch, accepted by the township: the case closes.
    report = duties.report_submit(actor=pursued.users.secretary, assignment=a, text="已补开", percent=100)
    duties.report_accept(actor=officer, report=report)
    services.case_close(actor=officer, case=case)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and Rectification.objects.filter(case=case).count() == 1


def test_fair_twice_in_a_row_opens_a_case_once(pursued):
    """Graded fair in the published results of two consecutive periods (the same system and scope)."""
    from grassroots.assessment.models import Result
    from grassroots.core.periods import period_for

    officer, run = pursued.users.officer, pursued.run
    before = assessment.run_create(actor=officer, system=run.system, period=period_for(str(YEAR - 1)), scope=run.scope)
    for r, day in ((before, dt.date(YEAR - 1, 12, 31)), (run, END)):
        assessment.run_compute(actor=officer, run=r, asof=day)
        assessment.run_publish(actor=officer, run=r)
    Result.objects.filter(run__in=[before, run]).update(grade="good", vetoed=False)
    Result.objects.filter(run__in=[before, run], organization=pursued.v12).update(grade="fair")
    Result.objects.filter(run=run, organization=pursued.v22).update(grade="fair")  # fair once only
    assert services.pursue(date=LATE)[Trigger.FAIR_TWICE] == 1
    case = _cases(trigger=Trigger.FAIR_TWICE).get()
    assert case.organization == pursued.v12 and str(YEAR - 1) in case.facts
    assert services.pursue(date=LATE)[Trigger.FAIR_TWICE] == 0


def test_a_decided_case_is_not_withdrawn_but_told_why_in_both_languages(pursued, client_for):
    """A decided case has its measure: withdrawing it was a server error (the database refuses a measure on a
    withdrawn case); it is refused with the rule, the page no longer offers it, and the case stays as it was."""
    from django.urls import reverse
    from django.utils import translation

    officer = pursued.users.t1_officer
    case = _by_hand(pursued)
    services.case_decide(actor=officer, case=case, measure=Measure.REMINDER_TALK)
    for language, words in (
        ("en", "only a case not yet decided is withdrawn"),
        ("zh-hans", "只有尚未决定的案件才能撤销"),
    ):
        with translation.override(language), pytest.raises(Conflict, match=words):
            services.case_withdraw(actor=officer, case=case, reason="误登记")
    client = client_for(officer)
    page = client.get(reverse("accountability:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'id="withdraw"' not in page.content.decode()
    posted = client.post(
        reverse("accountability:case_step", args=[case.pk, "withdraw"]), {"reason": "误登记"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert posted.status_code in (302, 400, 409)  # refused, the page again with the message
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED and case.measure == Measure.REMINDER_TALK
