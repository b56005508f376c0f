"""Determine and perform: issuing down, decomposing, reporting, reviewing; every allowed and refused step."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.core.errors import Conflict
from grassroots.core.models import AuditEntry, Notification
from grassroots.core.policy import PermissionDenied
from grassroots.duties import selectors, services
from grassroots.duties.models import Assignment, AssignmentState, ClaimState, ReportState
from grassroots.organizations.models import Organization, Post


def _png(name="photo.png", color=(200, 30, 30)):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def issued(county, duty_at):
    """A county duty issued to all four village branches; each branch's secretary post is set."""
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )
    duty = duty_at(county)
    villages = services.resolve_targets(issuer=county.county, mode="kind", kind="branch")
    count = services.duty_issue(actor=county.users.officer, duty=duty, targets=villages)
    assert count == 4
    return duty


def _assignment(duty, org):
    return Assignment.objects.get(duty=duty, organization=org)


def test_issuing_makes_one_assignment_per_receiver_with_its_secretary_responsible(county, issued):
    a = _assignment(issued, county.v11)
    assert a.state == AssignmentState.ISSUED
    assert a.responsible == county.members["C-T1-V1"]
    assert AuditEntry.objects.filter(action="duties.duty.issue").count() == 1


def test_issuing_twice_to_the_same_receivers_adds_nothing(county, issued):
    villages = services.resolve_targets(issuer=county.county, mode="kind", kind="branch")
    assert services.duty_issue(actor=county.users.officer, duty=issued, targets=villages) == 0


def test_issuing_outside_the_issuers_subtree_is_refused(county, duty_at):
    duty = duty_at(county, org=county.t1, actor=county.users.t1_officer)
    with pytest.raises(ValidationError, match="not below"):
        services.duty_issue(actor=county.users.t1_officer, duty=duty, targets=[county.v21])


def test_a_secretary_cannot_issue_a_county_duty(county, issued):
    with pytest.raises(PermissionDenied):
        services.duty_issue(actor=county.users.secretary, duty=issued, targets=[county.v11])


def test_receivers_get_a_notification(county, issued):
    assert Notification.objects.filter(recipient=county.users.secretary, kind="duties.issued").count() == 1


def test_report_with_photo_then_accept(county, issued):
    a = _assignment(issued, county.v11)
    report = services.report_submit(
        actor=county.users.secretary,
        assignment=a,
        text="开展了主题党日，到会28人",
        percent=100,
        files=[_png()],
    )
    a.refresh_from_db()
    assert a.state == AssignmentState.SUBMITTED
    evidence = report.evidence.get()
    assert evidence.kind == "image" and evidence.phash and evidence.thumbnail
    services.report_accept(actor=county.users.officer, report=report)
    a.refresh_from_db()
    assert a.state == AssignmentState.ACCEPTED and a.accepted_at and a.percent == 100


def test_return_needs_a_reason_and_sends_the_assignment_back(county, issued):
    a = _assignment(issued, county.v11)
    report = services.report_submit(actor=county.users.secretary, assignment=a, text="已完成", percent=100)
    with pytest.raises(ValidationError):
        services.report_return(actor=county.users.officer, report=report, reason=" ")
    services.report_return(actor=county.users.officer, report=report, reason="照片与上月青山村重复")
    a.refresh_from_db()
    assert a.state == AssignmentState.RETURNED
    assert Notification.objects.filter(recipient=county.users.secretary, kind="duties.report_returned").exists()
    again = services.report_submit(actor=county.users.secretary, assignment=a, text="补充了新照片", percent=100)
    assert again.state == ReportState.SUBMITTED


def test_nobody_reviews_their_own_report(county, duty_at):
    duty = duty_at(county, org=county.t1, actor=county.users.t1_officer)
    services.duty_issue(actor=county.users.t1_officer, duty=duty)
    a = _assignment(duty, county.t1)
    report = services.report_submit(actor=county.users.t1_officer, assignment=a, text="done", percent=100)
    with pytest.raises(PermissionDenied, match="own report"):
        services.report_accept(actor=county.users.t1_officer, report=report)
    services.report_accept(actor=county.users.officer, report=report)


def test_the_receiver_cannot_accept_its_own_assignment(county, issued):
    a = _assignment(issued, county.v11)
    report = services.report_submit(actor=county.users.secretary, assignment=a, text="done", percent=100)
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=county.users.secretary, report=report)


def test_concurrent_review_one_wins_the_other_is_told(county, issued):
    a = _assignment(issued, county.v11)
    report = services.report_submit(actor=county.users.secretary, assignment=a, text="done", percent=100)
    stale = type(report).objects.get(pk=report.pk)
    services.report_accept(actor=county.users.officer, report=report)
    with pytest.raises(Conflict, match="already"):
        services.report_return(actor=county.users.admin, report=stale, reason="late")


def test_reporting_on_an_accepted_assignment_is_refused(county, issued):
    a = _assignment(issued, county.v11)
    report = services.report_submit(actor=county.users.secretary, assignment=a, text="done", percent=100)
    services.report_accept(actor=county.users.officer, report=report)
    with pytest.raises(ValidationError, match="cannot be made now"):
        services.report_submit(actor=county.users.secretary, assignment=a, text="more", percent=100)


def test_accepting_a_withdrawn_report_is_refused(county, issued):
    a = _assignment(issued, county.v11)
    report = services.report_submit(actor=county.users.secretary, assignment=a, text="draft", percent=40)
    services.report_withdraw(actor=county.users.secretary, report=report)
    a.refresh_from_db()
    assert a.state == AssignmentState.IN_PROGRESS
    with pytest.raises(Conflict):
        services.report_accept(actor=county.users.officer, report=report)


@pytest.mark.parametrize("percent", [-1, 101, "abc"])
def test_percent_outside_0_100_is_refused(county, issued, percent):
    with pytest.raises(ValidationError):
        services.report_submit(
            actor=county.users.secretary,
            assignment=_assignment(issued, county.v11),
            text="x",
            percent=percent,
        )


def test_a_secretary_cannot_report_for_another_branch(county, issued):
    with pytest.raises(PermissionDenied):
        services.report_submit(
            actor=county.users.secretary, assignment=_assignment(issued, county.v21), text="x", percent=10
        )


def test_township_decomposes_and_progress_rolls_up(county, duty_at):
    duty = duty_at(county, org=county.county)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.t1, county.t2])
    a_t1 = _assignment(duty, county.t1)
    sub = services.duty_decompose(actor=county.users.t1_officer, assignment=a_t1, requirement="附活动照片与签到表")
    services.duty_issue(actor=county.users.t1_officer, duty=sub, targets=[county.v11, county.v12])
    progress = selectors.duty_progress(duty)
    assert progress["total"] == 3 and progress["accepted"] == 0  # the township's middle one counts through its two
    report = services.report_submit(
        actor=county.users.secretary, assignment=_assignment(sub, county.v11), text="done", percent=100
    )
    services.report_accept(actor=county.users.t1_officer, report=report)
    progress = selectors.duty_progress(duty)
    assert progress["accepted"] == 1 and progress["completion"] == 33.3
    by_child = selectors.progress_by_child(organization=county.county, duty=duty)
    assert by_child[county.t1.path]["total"] == 2 and by_child[county.t2.path]["total"] == 1


def test_decomposed_duty_cannot_be_due_after_the_assignment(county, duty_at):
    duty = duty_at(county, days=10)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.t1])
    a = _assignment(duty, county.t1)
    with pytest.raises(ValidationError):
        services.duty_decompose(actor=county.users.t1_officer, assignment=a, due_on=a.due_on + dt.timedelta(days=5))


def test_due_date_request_granted_moves_the_date(county, issued):
    a = _assignment(issued, county.v11)
    new_due = a.due_on + dt.timedelta(days=7)
    request = services.due_date_request(actor=county.users.secretary, assignment=a, new_due=new_due, reason="秋收农忙")
    with pytest.raises(PermissionDenied):
        services.due_date_decide(actor=county.users.secretary, request=request, grant=True)
    services.due_date_decide(actor=county.users.officer, request=request, grant=True)
    a.refresh_from_db()
    assert a.due_on == new_due
    with pytest.raises(Conflict):
        services.due_date_decide(actor=county.users.officer, request=request, grant=False, note="x")


def test_due_date_refusal_needs_a_reason(county, issued):
    a = _assignment(issued, county.v11)
    request = services.due_date_request(
        actor=county.users.secretary, assignment=a, new_due=a.due_on + dt.timedelta(days=3), reason="雨天"
    )
    with pytest.raises(ValidationError):
        services.due_date_decide(actor=county.users.officer, request=request, grant=False, note="")


def test_members_claim_and_claims_complete_with_the_duty(county, duty_at):
    duty = duty_at(county, org=county.t1, actor=county.users.t1_officer, claimable=True, claim_limit=2)
    services.duty_issue(actor=county.users.t1_officer, duty=duty)
    member = county.members["C-T1-V1"]
    claim = services.claim_create(actor=county.users.member, duty=duty, member=member, note="组织志愿队")
    with pytest.raises(ValidationError, match="already"):
        services.claim_create(actor=county.users.member, duty=duty, member=member)
    with pytest.raises(ValidationError, match="Only members"):
        services.claim_create(actor=county.users.officer, duty=duty, member=county.members["C-T2-V1"])
    a = _assignment(duty, county.t1)
    report = services.report_submit(actor=county.users.t1_officer, assignment=a, text="志愿队帮扶12户", percent=100)
    services.report_accept(actor=county.users.officer, report=report)
    claim.refresh_from_db()
    assert claim.state == ClaimState.COMPLETED


def test_an_unclaimable_duty_cannot_be_claimed(county, duty_at):
    duty = duty_at(county, org=county.t1, actor=county.users.t1_officer)
    with pytest.raises(ValidationError, match="not open"):
        services.claim_create(actor=county.users.member, duty=duty, member=county.members["C-T1-V1"])


def test_a_monthly_duty_issues_every_occurrence(county, duty_at, period):
    duty = duty_at(county, recurrence="monthly", due_on=dt.date(period.start.year, 1, 25))
    made = services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.v11, county.v12])
    assert duty.occurrences.count() == 12
    assert made == 24
    assert selectors.duty_progress(duty)["total"] == 24


def test_copy_last_years_list_shifts_dates(county, duty_at, period):
    last = services.period_for(str(period.start.year - 1))
    old_list = services.duty_list_for(actor=county.users.officer, organization=county.county, period=last)
    services.duty_create(
        actor=county.users.officer,
        duty_list=old_list,
        title="每季度上一次党课",
        dimension="ideological",
        due_on=dt.date(last.start.year, 6, 30),
        requirement="有讲稿",
    )
    new_list = services.duty_list_copy(
        actor=county.users.officer, source=old_list, organization=county.county, period=period
    )
    copied = new_list.duties.get(title="每季度上一次党课")
    assert copied.due_on == dt.date(period.start.year, 6, 30)


def test_due_date_outside_the_period_is_refused(county, duty_at, period):
    with pytest.raises(ValidationError, match="within the period"):
        duty_at(county, due_on=dt.date(period.start.year + 1, 1, 5))


def test_lights_follow_the_due_date(county, issued):
    from django.utils import timezone

    today = timezone.localdate()
    a = _assignment(issued, county.v11)
    Assignment.objects.filter(pk=a.pk).update(due_on=today - dt.timedelta(days=1))
    assert selectors.assignment_list(user=county.users.officer).get(pk=a.pk).light_code == "red"
    Assignment.objects.filter(pk=a.pk).update(due_on=today + dt.timedelta(days=2))
    assert selectors.assignment_list(user=county.users.officer).get(pk=a.pk).light_code == "yellow"
    Assignment.objects.filter(pk=a.pk).update(due_on=today + dt.timedelta(days=20))
    assert selectors.assignment_list(user=county.users.officer).get(pk=a.pk).light_code == "green"


def test_periods_are_parsed_from_codes(db):
    q3 = services.period_for("2026-Q3")
    assert (q3.start, q3.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    with pytest.raises(ValidationError):
        services.period_for("2026-13")
    with pytest.raises(ValidationError):
        services.period_for("last year")


def test_organizations_fixture_is_the_small_county(county):
    assert Organization.objects.count() == 8


def test_a_townships_own_duty_is_reviewed_by_the_township_not_sent_to_the_countys_queue(county, duty_at):
    """The county's queue holds the reports on the county's duties; a duty the township issues (to its villages or
    keeps for itself) waits in the township's queue only; the county may take the review over (its ?others=1)."""
    own = duty_at(county, org=county.t1, actor=county.users.t1_officer, title="镇里自己的工作")
    services.duty_issue(actor=county.users.t1_officer, duty=own, targets=[county.v11])
    theirs = duty_at(county, title="县里的工作")
    services.duty_issue(actor=county.users.officer, duty=theirs, targets=[county.v11])
    reports = {}
    for duty in (own, theirs):
        a = Assignment.objects.get(duty=duty, organization=county.v11)
        reports[duty.pk] = services.report_submit(
            actor=county.users.secretary, assignment=a, text="已完成", percent=100
        )
    queue = lambda user: set(selectors.review_queue(user=user).values_list("pk", flat=True))  # noqa: E731
    assert queue(county.users.t1_officer) == {reports[own.pk].pk}
    assert queue(county.users.officer) == {reports[theirs.pk].pk}
    assert set(selectors.review_queue(user=county.users.officer, others=True).values_list("pk", flat=True)) == {
        reports[own.pk].pk
    }
    with pytest.raises(PermissionDenied, match="take the review over"):  # the county reviews it only by taking over
        services.report_accept(actor=county.users.officer, report=reports[own.pk])
    services.report_accept(actor=county.users.officer, report=reports[own.pk], take_over=True)


def test_a_claim_leads_to_its_duty_and_its_points_back_to_it(county, duty_at, client_for, default_rules):
    """From "my claims" to the duty (its work and reports), and from the points it earned back to the duty."""
    from django.urls import reverse

    from grassroots.orglife.models import PointEntry

    duty = duty_at(county, org=county.t1, actor=county.users.t1_officer, claimable=True, title="志愿帮扶")
    services.duty_issue(actor=county.users.t1_officer, duty=duty)
    member = county.members["C-T1-V1"]
    services.claim_create(actor=county.users.member, duty=duty, member=member, note="组织志愿队")
    mine = client_for(county.users.member).get(reverse("duties:my_work"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("duties:duty", args=[duty.pk])}"' in mine
    a = _assignment(duty, county.t1)
    report = services.report_submit(actor=county.users.t1_officer, assignment=a, text="志愿队帮扶12户", percent=100)
    services.report_accept(actor=county.users.officer, report=report)
    assert PointEntry.objects.filter(member=member, source_type="claim").exists()
    ledger = client_for(county.users.officer).get(reverse("orglife:member_points", args=[member.pk])).content.decode()
    assert f'href="{reverse("duties:duty", args=[duty.pk])}"' in ledger


def test_issuing_to_township_committees_leaves_the_subdistrict_committees_out(county):
    from tests.factories import add_org

    street = add_org(county.county, "城关街道党工委", "committee", "subdistrict", code="C-S1")
    townships = services.resolve_targets(issuer=county.county, mode="kind", kind="committee", unit_type="township")
    assert set(townships) == {county.t1, county.t2}
    streets = services.resolve_targets(issuer=county.county, mode="kind", kind="committee", unit_type="subdistrict")
    assert list(streets) == [street]
