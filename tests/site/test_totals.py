"""The totals the dashboards keep (site/dashboards/totals.py): after every service that changes a record they count,
counting them all again from the records changes nothing (rebuild == incremental); rebuilt after bulk writes; the
dashboard read from them gives the figures its lists count."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from grassroots.duties import services as duties
from grassroots.duties.models import Assignment
from grassroots.organizations import services as organizations
from grassroots.organizations.models import MemberStatus
from grassroots.orglife import services as orglife
from grassroots.orglife.models import MeetingKind, StudyRecord
from grassroots.site.dashboards import figures, totals
from grassroots.site.dashboards.totals import SubtreeTotal
from tests.factories import MemberFactory


def _kept():
    assert totals.rebuild() == 0


def _tree(org, key):
    row = SubtreeTotal.objects.filter(organization=org, subtree=True, key=key).first()
    return (row.n, row.a) if row else (0, Decimal(0))


@pytest.fixture
def period(db):
    return duties.period_for(str(timezone.localdate().year))


@pytest.mark.django_db
def test_every_service_keeps_the_totals_equal_to_a_count_from_the_records(county, period):
    users, today = county.users, timezone.localdate()
    _kept()
    # Duties: issued, decomposed and issued below, reported, accepted, a due date moved, cancelled.
    duty_list = duties.duty_list_for(actor=users.officer, organization=county.county, period=period)
    due = min(today + dt.timedelta(days=20), period.end)
    duty = duties.duty_create(
        actor=users.officer, duty_list=duty_list, title="主题党日", dimension="political", due_on=due, requirement="r"
    )
    duties.duty_issue(actor=users.officer, duty=duty, targets=[county.t1, county.t2])
    _kept()
    duties.duty_update(actor=users.officer, duty=duty, dimension="organizational", due_on=due - dt.timedelta(days=1))
    _kept()
    middle = Assignment.objects.get(duty=duty, organization=county.t1)
    sub = duties.duty_decompose(actor=users.t1_officer, assignment=middle)
    duties.duty_issue(actor=users.t1_officer, duty=sub, targets=[county.v11, county.v12])
    _kept()
    report = duties.report_submit(
        actor=users.secretary,
        assignment=Assignment.objects.get(duty=sub, organization=county.v11),
        text="x",
        percent=100,
    )
    duties.report_accept(actor=users.t1_officer, report=report)
    _kept()
    assert _tree(county.county, f"acc|{today:%Y-%m}")[0] == 1
    v21 = Assignment.objects.get(duty=duty, organization=county.t2)
    asked = duties.due_date_request(actor=users.officer, assignment=v21, new_due=period.end, reason="农忙")
    duties.due_date_decide(actor=users.officer, request=asked, grant=True)
    _kept()
    duties.duty_cancel(actor=users.t1_officer, duty=sub, reason="合并")
    _kept()

    # Organizational life: a meeting recorded held, another held later; study recorded and confirmed.
    orglife.meeting_record(
        actor=users.secretary, organization=county.v11, kind=MeetingKind.GENERAL, held_on=today, topic="t"
    )
    _kept()
    member = county.members["C-T1-V1"]
    record = orglife.study_record_create(
        actor=users.member, member=member, title="学习", studied_on=today, hours=Decimal("2.5")
    )
    if record.state != "confirmed":
        orglife.study_record_decide(actor=users.secretary, record=record, confirm=True)
    _kept()
    assert _tree(county.county, f"study|{today:%Y-%m}")[1] == Decimal("2.5")

    # Members: seven active in a branch make a committee; one leaves; one moves to another branch with their study.
    for _ in range(6):
        MemberFactory(organization=county.v12)
    _kept()
    assert _tree(county.t1, "committee")[0] == 1
    gone = county.v12.members.first()
    gone.status = MemberStatus.DECEASED
    gone.save()
    _kept()
    assert _tree(county.t1, "committee")[0] == 0
    organizations.transfer_request(actor=users.officer, member=member, to_organization=county.v21)
    _kept()
    assert _tree(county.t2, f"study|{today:%Y-%m}")[1] == Decimal("2.5")

    # The tree: a branch moved to the other township takes its totals with it; a township made inactive.
    organizations.organization_move(actor=users.admin, organization=county.v12, new_parent=county.t2)
    _kept()
    organizations.organization_update(actor=users.admin, organization=county.t2, is_active=False)
    _kept()


@pytest.mark.django_db
def test_a_change_recounts_its_own_part_only_and_writes_only_the_rows_that_differ(county, period):
    """A duty issued to every branch of a province recounted the branches' meetings, study and members too, and wrote
    every own row of theirs again: now a change to assignments recounts assignments, and writes the rows it changed."""
    users, today = county.users, timezone.localdate()
    duty_list = duties.duty_list_for(actor=users.officer, organization=county.county, period=period)

    def issue(days):
        duty = duties.duty_create(
            actor=users.officer,
            duty_list=duty_list,
            title=f"任务{days}",
            dimension="political",
            due_on=min(today + dt.timedelta(days=days), period.end),
            requirement="r",
        )
        duties.duty_issue(actor=users.officer, duty=duty, targets=[county.t1])
        return duty

    issue(10)
    first = SubtreeTotal.objects.get(organization=county.t1, subtree=False, key__startswith="asg|")
    # A meeting row gone wrong past the services: an assignment's change does not recount meetings, so it stays.
    SubtreeTotal.objects.create(organization=county.t1, subtree=False, key=f"meet|general|{today:%Y-%m}", n=9)
    issue(20)
    assert SubtreeTotal.objects.filter(organization=county.t1, subtree=False, key__startswith="asg|").count() == 2
    assert SubtreeTotal.objects.get(pk=first.pk).n == 1  # the row the change did not touch kept, not written again
    assert SubtreeTotal.objects.get(organization=county.t1, subtree=False, key__startswith="meet|").n == 9
    assert totals.rebuild() == 1  # the stray row, and only it, differs from a count of the records
    _kept()


@pytest.mark.django_db
def test_the_command_counts_the_totals_again_after_writes_past_the_services(county, period):
    MemberFactory(organization=county.v11)
    StudyRecord.objects.create(
        member=county.members["C-T1-V1"], title="t", studied_on=timezone.localdate(), hours=1, state="confirmed"
    )
    SubtreeTotal.objects.all().delete()  # as after a restore made past the services
    out = StringIO()
    call_command("rebuild_totals", stdout=out)
    assert "totals that differed: 0" not in out.getvalue()
    _kept()
    assert _tree(county.county, "members")[0] == 5


@pytest.mark.django_db
def test_the_dashboard_read_from_the_totals_is_the_one_counted_from_the_records(county, period):
    """The figures read from the totals equal those the records give, counted the old way (a grouped query each)."""
    users, today = county.users, timezone.localdate()
    duty_list = duties.duty_list_for(actor=users.officer, organization=county.county, period=period)
    duty = duties.duty_create(
        actor=users.officer,
        duty_list=duty_list,
        title="主题党日",
        dimension="political",
        due_on=period.end,
        requirement="r",
    )
    duties.duty_issue(actor=users.officer, duty=duty, targets=[county.v11, county.v12, county.v21])
    for org in (county.v11, county.v21):
        orglife.meeting_record(
            actor=users.officer, organization=org, kind=MeetingKind.GENERAL, held_on=today, topic="t"
        )
    got = figures.compute(organization=county.county, period=period, today=today)
    assert got["duties"]["total"] == 3
    assert [c["total"] for c in got["children"]] == [2, 1]
    assert got["meetings"]["held"] == 2
    assert got["study"]["members"] == 4


@pytest.mark.parametrize("code", ["2026", "2026-Q2", "2026-05", "2025"])
def test_the_demo_countys_figures_from_the_totals_are_those_counted_from_its_records(dashboard_demo, code):
    """Every figure of every dashboard of the demo county down to its branches, read from the totals, equals the same
    figure counted from the records the long way (site/dashboards/reference.py: the roll-up's rule tested on each
    assignment, grouped queries over the records)."""
    from grassroots.core.periods import period_for
    from grassroots.organizations.models import Organization
    from grassroots.site.dashboards import reference

    period, today = period_for(code), timezone.localdate()
    assert totals.rebuild() == 0  # the demo's bulk writes were counted
    root = Organization.objects.get(depth=1)
    places = [root, *Organization.objects.filter(depth__in=(2, 3)).order_by("path")[:12]]
    for org in places:
        kept = figures.compute(organization=org, period=period, today=today)
        counted = reference.compute(organization=org, period=period, today=today)
        assert kept == counted, org.code


def test_the_batches_are_whole_subtrees_and_the_organizations_above_them_are_counted_apart():
    paths = {1: "0001", 2: "00010001", 3: "000100010001", 4: "000100010002", 5: "00010002", 6: "000100020001"}
    paths.update({7: "00010003", 8: "0002"})
    batches, top = totals._batches(paths, limit=3)
    assert top == [1]  # the only subtree larger than 3 organizations
    # Each subtree whole in one batch, the batches filled up to the limit in the order of the paths.
    assert batches == [[2, 3, 4], [5, 6, 7], [8]]
    assert totals._batches(paths, limit=10) == ([[1, 2, 3, 4, 5, 6, 7, 8]], [])
    assert totals._batches(paths, limit=1) == ([[3], [4], [6], [7], [8]], [1, 2, 5])


def test_counted_a_few_organizations_at_a_time_the_totals_are_those_counted_at_once(dashboard_demo):
    """`rebuild` counts whole subtrees of at most `batch` organizations at a time and the organizations above them
    last: whatever the batch, the rows it writes are the same, and none differs after."""
    from grassroots.organizations.models import Organization

    assert Organization.objects.count() > 20
    assert totals.rebuild() == 0
    fields = ("organization_id", "subtree", "key", "n", "a", "b")
    counted = set(SubtreeTotal.objects.values_list(*fields))
    SubtreeTotal.objects.filter(
        pk__in=list(SubtreeTotal.objects.order_by("pk").values_list("pk", flat=True))[::7]
    ).delete()
    SubtreeTotal.objects.filter(subtree=True, key="members").update(n=0)
    SubtreeTotal.objects.create(
        organization=Organization.objects.get(depth=1), subtree=False, key="meet|x|2000-01", n=5
    )
    assert totals.rebuild(batch=4) > 0
    assert set(SubtreeTotal.objects.values_list(*fields)) == counted
    for batch in (1, 7, 10_000):
        assert totals.rebuild(batch=batch) == 0
