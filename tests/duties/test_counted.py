"""The roll-up's rule stored on each assignment (`Assignment.counted`, duties.counting): kept by the services equal to
the rule, so that rebuilding it from the rule changes nothing; rebuilt after writes made past them."""

from io import StringIO

import pytest
from django.core.management import call_command

from grassroots.duties import selectors, services
from grassroots.duties.counting import rebuild_counted
from grassroots.duties.models import Assignment, AssignmentState


def _stored():
    return set(selectors.stored_counted_assignments().values_list("pk", flat=True))


def _rule():
    return set(selectors.counted_assignments().values_list("pk", flat=True))


def _kept():
    """The flags the services left are the rule's, and rebuilding them changes none."""
    assert _stored() == _rule()
    assert rebuild_counted() == 0


@pytest.mark.django_db
def test_the_services_keep_the_stored_rule_equal_to_the_rule_step_by_step(county, duty_at):
    users = county.users
    duty = duty_at(county)
    services.duty_issue(actor=users.officer, duty=duty, targets=[county.t1, county.t2])
    middle = Assignment.objects.get(duty=duty, organization=county.t1)
    assert middle.counted
    _kept()

    # Decomposed and issued to two branches: the township's assignment becomes a middle one, its work below.
    sub = services.duty_decompose(actor=users.t1_officer, assignment=middle, requirement="每村一份")
    _kept()
    services.duty_issue(actor=users.t1_officer, duty=sub, targets=[county.v11, county.v12])
    middle.refresh_from_db()
    assert not middle.counted
    _kept()

    # A branch reports and is accepted; the other's report is returned.
    v11 = Assignment.objects.get(duty=sub, organization=county.v11)
    v12 = Assignment.objects.get(duty=sub, organization=county.v12)
    report = services.report_submit(actor=users.secretary, assignment=v11, text="已完成", percent=100)
    services.report_accept(actor=users.t1_officer, report=report)
    other = services.report_submit(actor=users.officer, assignment=v12, text="进行中", percent=50)
    services.report_return(actor=users.t1_officer, report=other, reason="缺照片")
    _kept()

    # The township reports on its middle assignment itself: it counts as an item of its own, until withdrawn.
    own = services.report_submit(actor=users.t1_officer, assignment=middle, text="镇里汇总", percent=50)
    middle.refresh_from_db()
    assert middle.counted
    _kept()
    services.report_withdraw(actor=users.t1_officer, report=own)
    middle.refresh_from_db()
    assert not middle.counted
    _kept()

    # The decomposed duty cancelled: its open assignment no longer counts; the accepted one stays done and counted,
    # so the township's is still a middle one.
    services.duty_cancel(actor=users.t1_officer, duty=sub, reason="合并到下一项")
    middle.refresh_from_db()
    assert not middle.counted
    assert set(Assignment.objects.filter(duty=sub, counted=True)) == {v11}
    _kept()

    # The county's whole duty cancelled: only the accepted work stays counted.
    services.duty_cancel(actor=users.officer, duty=duty, reason="上级通知取消")
    assert set(Assignment.objects.filter(counted=True)) == {v11}
    _kept()


@pytest.mark.django_db
def test_rebuilding_sets_the_rule_after_writes_made_past_the_services(county, duty_at):
    duty = duty_at(county)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.t1, county.t2])
    sub = services.duty_decompose(
        actor=county.users.t1_officer, assignment=Assignment.objects.get(duty=duty, organization=county.t1)
    )
    services.duty_issue(actor=county.users.t1_officer, duty=sub, targets=[county.v11])
    rule = _rule()
    Assignment.objects.update(counted=True)  # a bulk write that knows nothing of the rule
    assert _stored() != rule
    out = StringIO()
    call_command("rebuild_counted", stdout=out)
    assert "changed: 1" in out.getvalue()
    assert _stored() == rule
    assert rebuild_counted() == 0


@pytest.mark.django_db
def test_an_assignment_saved_with_a_new_state_refreshes_its_flag(county, duty_at):
    duty = duty_at(county)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.t1])
    assignment = Assignment.objects.get(duty=duty)
    assignment.state = AssignmentState.CANCELLED
    assignment.save()
    assignment.refresh_from_db()
    assert not assignment.counted
    _kept()
