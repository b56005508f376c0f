"""The lists the start page's counts open hold exactly what their counts say: the filters added for them."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from grassroots.assessment.models import RunState
from grassroots.assessment.selectors import runs_to_advance
from grassroots.duties.models import AssignmentState
from grassroots.duties.selectors import DUE_SOON_DAYS, my_work, my_work_shown, overdue_receivers
from grassroots.organizations.models import Organization
from grassroots.orglife.selectors import FAR_BEHIND_SHARE, quarter_of, study_far_behind, study_progress
from grassroots.site.start import _year


def _user(name):
    return get_user_model().objects.get(username=name)


def test_due_work_is_late_or_due_within_a_week_and_not_waiting_for_review(site_demo):
    today = timezone.localdate()
    user = _user("secretary")
    due = list(my_work_shown(user=user, show="due"))
    assert due
    assert all(a.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS) for a in due)
    assert all(a.state in (AssignmentState.ISSUED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED) for a in due)
    rest = set(my_work(user=user).values_list("pk", flat=True)) - {a.pk for a in due}
    assert (
        not my_work(user=user)
        .filter(pk__in=rest, state__in=["issued", "in_progress", "returned"], due_on__lte=today + dt.timedelta(days=7))
        .exists()
    )


def test_overdue_work_below_is_late_at_another_organization_with_nothing_reported(site_demo):
    today = timezone.localdate()
    county = _user("county")
    rows = list(overdue_receivers(user=county))
    assert rows
    for a in rows:
        assert a.due_on < today and a.organization_id != a.duty.organization_id
        assert a.state in (AssignmentState.ISSUED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED)
    township = _user("township")
    mine = {a.pk for a in overdue_receivers(user=township)}
    assert mine <= {a.pk for a in rows}  # the county manages the township's subtree too


def test_overdue_work_below_is_refused_to_a_plain_member(site_demo, client):
    client.force_login(_user("member"))
    assert client.get(reverse("duties:overdue")).status_code == 403


def test_far_behind_is_under_half_the_hours_expected(site_demo):
    user = _user("secretary")
    org = Organization.objects.get(name="青山村党支部")
    year = _year(timezone.localdate())
    rows = study_progress(organization=org, period=year, user=user)
    far = study_far_behind(organization=org, period=year, user=user)
    assert [r["member"].pk for r in far] == [
        r["member"].pk for r in rows if r["hours"] < r["expected"] * Decimal(FAR_BEHIND_SHARE)
    ]
    assert all(r["behind"] for r in far)


def test_runs_to_advance_are_computed_or_past_their_period(site_demo):
    today = timezone.localdate()
    for run in runs_to_advance(user=_user("county")):
        assert run.state == RunState.COMPUTED or (
            run.state in (RunState.OPEN, RunState.COLLECTING) and run.period.end < today
        )
    assert not runs_to_advance(user=_user("secretary")).exists()


def test_a_quarter_ends_on_its_last_day():
    assert [quarter_of(dt.date(2026, m, 5)).end for m in (2, 5, 8, 11)] == [
        dt.date(2026, 3, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 9, 30),
        dt.date(2026, 12, 31),
    ]
    assert quarter_of(dt.date(2026, 8, 5)).code == "2026-Q3"
