"""The start page of each role leads with what to do now: every count equals the rows of the list it links to."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from grassroots.site.start import start_for
from tests.site.conftest import rows_of

ACCOUNTS = ["admin", "county", "township", "secretary", "member", "auditor"]


def _user(name):
    return get_user_model().objects.get(username=name)


@pytest.mark.parametrize("name", ACCOUNTS)
def test_every_count_on_the_start_page_equals_the_rows_of_its_list(site_demo, client, name):
    user = _user(name)
    client.force_login(user)
    start = start_for(user)
    for task in start.tasks:
        assert rows_of(client, task.url) == task.count, (name, task.key, task.url)


@pytest.mark.parametrize("name", ACCOUNTS)
def test_the_start_page_shows_each_pending_count_linked_to_its_list(site_demo, client, name):
    user = _user(name)
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    start = start_for(user)
    for task in start.pending:
        link = re.search(rf'href="{re.escape(task.url)}" data-task="{task.key}"><span class="task-count">(\d+)<', html)
        assert link and int(link.group(1)) == task.count, (name, task.key)
    assert "data-row" not in html


def test_the_demo_gives_each_role_something_to_do(site_demo):
    """The counts above are not all zero: the demo's secretary and county each have work waiting."""
    pending = {name: {t.key for t in start_for(_user(name)).pending} for name in ACCOUNTS}
    assert {"due", "returned"} & pending["secretary"], pending["secretary"]
    assert {"reviews", "overdue", "gaps"} <= pending["county"], pending["county"]
    assert "flags" in {t.key for t in start_for(_user("township")).tasks}


def test_a_secretary_sees_branch_work_and_no_officer_counts(site_demo):
    start = start_for(_user("secretary"))
    keys = {t.key for t in start.tasks}
    assert {"due", "returned", "appeals", "meetings", "study", "care"} <= keys
    assert not {"reviews", "overdue", "gaps", "runs", "flags"} & keys
    assert not start.setup


def test_a_member_sees_own_work_study_and_points(site_demo, client):
    user = _user("member")
    start = start_for(user)
    assert [t.key for t in start.member] == ["work", "ratings"]
    assert [f.key for f in start.figures] == ["study", "points"]
    client.force_login(user)
    for figure in start.figures:
        assert client.get(figure.url).status_code == 200


def test_setup_steps_are_gone_once_setup_is_done(site_demo, client):
    client.force_login(_user("county"))
    start = start_for(_user("county"))
    assert start.setup and start.setup_done
    assert 'class="card setup"' not in client.get(reverse("home")).content.decode()


def test_setup_steps_show_what_is_left_while_setup_is_not_done(county, client):
    """The small county has members and grants but no duty list and no indicator system in use."""
    officer = county.users.officer
    steps = {str(step["text"]): step["done"] for step in start_for(officer).setup}
    assert list(steps.values()) == [True, True, False, False]
    client.force_login(officer)
    html = client.get(reverse("home")).content.decode()
    assert 'class="card setup"' in html and f'<a href="{reverse("assessment:systems")}">' in html


def test_the_county_start_page_reads_in_a_bounded_number_of_queries(site_demo, client, django_assert_max_num_queries):
    """Every count is one aggregate: 27 queries on the tiny demo and on the county demo alike (bench/start.py)."""
    client.force_login(_user("county"))
    with django_assert_max_num_queries(30):
        assert client.get(reverse("home")).status_code == 200


def test_the_start_page_reads_in_chinese(site_demo, client):
    client.force_login(_user("secretary"))
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "现在要做的事" in html
