"""The start page's counts are kept a short while per user: the user's own change counts them again at once, another
user's change shows once the time kept is over, and the page then says when they were counted."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from grassroots.core import middleware
from grassroots.core.models import User
from grassroots.duties import services as duty_services
from grassroots.duties.models import Dimension
from grassroots.duties.selectors import my_work_shown
from grassroots.organizations.models import Grant
from grassroots.site import start
from grassroots.site.start import Kept

pytestmark = pytest.mark.django_db


def _due(client) -> tuple[int, bool]:
    html = client.get(reverse("home")).content.decode()
    found = re.search(r'data-task="due"><span class="task-count">(\d+)<', html)
    return (int(found.group(1)) if found else 0), "counted-at" in html


def _issue_to(branch, issuer, title):
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("kept-admin")
    today = timezone.localdate()
    duty_list = duty_services.duty_list_for(
        actor=admin, organization=issuer, period=duty_services.period_for(str(today.year))
    )
    duty = duty_services.duty_create(
        actor=admin,
        duty_list=duty_list,
        title=title,
        dimension=Dimension.POLITICAL,
        due_on=today + dt.timedelta(days=2),
        start_on=today - dt.timedelta(days=1),
        requirement="按时完成。",
    )
    duty_services.duty_issue(actor=admin, duty=duty, targets=[branch])


@override_settings(GRASSROOTS_START_CACHE_SECONDS=30)
def test_counts_are_kept_until_the_users_own_write_and_say_when_they_were_counted(site_demo, client):
    cache.clear()
    secretary = get_user_model().objects.get(username="secretary")
    branch = Grant.objects.filter(user=secretary, role="secretary").select_related("organization").first().organization
    client.force_login(secretary)
    first, said = _due(client)
    assert not said  # counted just now: nothing to say

    _issue_to(branch, branch.parent, "另一组织下达的任务")  # another user's change
    kept, said = _due(client)
    assert kept == first and said  # kept, and the page says when it was counted

    # The secretary's own write through the session (any accepted form post) counts them again.
    response = client.post(reverse("notifications"))  # marks the notifications read
    assert response.status_code == 302
    fresh, said = _due(client)
    assert fresh == first + 1 and not said


@override_settings(GRASSROOTS_START_CACHE_SECONDS=30)
def test_counts_kept_lapse_after_their_time(site_demo, client):
    cache.clear()
    secretary = get_user_model().objects.get(username="secretary")
    branch = Grant.objects.filter(user=secretary, role="secretary").select_related("organization").first().organization
    client.force_login(secretary)
    first, _said = _due(client)
    _issue_to(branch, branch.parent, "时限后可见的任务")
    cache.clear()  # the time kept is over
    assert _due(client) == (first + 1, False)


def test_without_keeping_each_visit_counts(site_demo, client):
    secretary = get_user_model().objects.get(username="secretary")
    branch = Grant.objects.filter(user=secretary, role="secretary").select_related("organization").first().organization
    client.force_login(secretary)
    first, _said = _due(client)
    _issue_to(branch, branch.parent, "立即可见的任务")
    assert _due(client) == (first + 1, False)


def _stamped(rf, user, stamps: dict):
    request = rf.get("/")
    request.user = user
    request.COOKIES[middleware.WRITE_STAMP] = (
        middleware.stamp_after({}, (), 0) if not stamps else "|".join(f"{label}~{at}" for label, at in stamps.items())
    )
    return request


@override_settings(GRASSROOTS_START_CACHE_SECONDS=30)
def test_each_count_is_counted_again_only_after_a_write_of_what_it_reads(rf, django_user_model):
    cache.clear()
    user = django_user_model.objects.create_user("kept-reader")
    today = timezone.localdate()
    counted = []

    def visit(stamps):
        keep = Kept(_stamped(rf, user, stamps), today, 30)
        values = {
            name: keep(name, reads, lambda name=name: counted.append(name) or len(counted))
            for name, reads in (("due", start.WORK), ("meetings", start.LIFE), ("gaps", start.GAPS))
        }
        return values, keep.at

    first, at = visit({})
    assert counted == ["due", "meetings", "gaps"] and at is None
    again, at = visit({})
    assert again == first and at is not None and len(counted) == 3  # all kept
    # The user accepted a report: the work is counted again, the meetings and the data gaps are not.
    counted.clear()
    after_report, _at = visit({"duties.progressreport": 10, "duties.assignment": 10})
    assert counted == ["due"] and after_report["meetings"] == first["meetings"]
    # They recorded a meeting: the meetings and the gaps (a quarter without one) are counted again.
    counted.clear()
    visit({"duties.progressreport": 10, "orglife.meeting": 20})
    assert counted == ["meetings", "gaps"]
    # A change to the tree or the grants, or a write that named no records: everything.
    counted.clear()
    visit({"duties.progressreport": 10, "orglife.meeting": 20, "organizations.grant": 30})
    assert counted == ["due", "meetings", "gaps"]
    counted.clear()
    visit({"*": 40})
    assert counted == ["due", "meetings", "gaps"]


def test_the_write_stamps_cookie_is_read_strictly_and_stays_small(rf):
    request = rf.get("/")
    request.COOKIES[middleware.WRITE_STAMP] = "123"  # one stamp for everything, as first written
    assert middleware.write_stamps(request) == {"*": 123}
    request.COOKIES[middleware.WRITE_STAMP] = "duties.assignment~5|<script>~6|orglife.meeting~x|*~2"
    assert middleware.write_stamps(request) == {"duties.assignment": 5, "*": 2}
    assert middleware.write_stamp(request, ("orglife",)) == "2"
    assert middleware.write_stamp(request, ("duties",)) == "5"
    assert middleware.write_stamp(request) == "5"
    # A stamp for everything makes older ones say nothing more; too many kinds fold into one.
    assert middleware.stamp_after({"duties.assignment": 5}, ["*"], 9) == "*~9"
    many = middleware.stamp_after({f"app{i}.model": i for i in range(100)}, ["duties.duty"], 200)
    assert many == "*~200"


@override_settings(GRASSROOTS_START_CACHE_SECONDS=30)
def test_a_report_stamps_the_records_it_wrote_and_its_count_shows_at_once(site_demo, client):
    cache.clear()
    secretary = get_user_model().objects.get(username="secretary")
    client.force_login(secretary)
    due, _said = _due(client)
    assert due
    assignment = my_work_shown(user=secretary, show="due").first()
    made = client.post(f"/api/assignments/{assignment.pk}/report/", {"text": "已完成，附记录。", "percent": "100"})
    assert made.status_code == 201, made.content
    stamps = middleware.write_stamps(type("R", (), {"COOKIES": {k: v.value for k, v in client.cookies.items()}}))
    assert "duties.progressreport" in stamps and "*" not in stamps
    assert _due(client) == (due - 1, True)  # the work counted again; the rest kept
