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

from grassroots.core.models import User
from grassroots.duties import services as duty_services
from grassroots.duties.models import Dimension
from grassroots.organizations.models import Grant

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
