"""Dashboards per scope: each figure is the count of the list it leads to, figures agree with the duties' own
roll-ups, who may open which dashboard, the data screen and its fragments, the JSON, both languages."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from grassroots.core.periods import period_for
from grassroots.duties import selectors as duty_selectors
from grassroots.organizations.models import Organization, OrgKind
from grassroots.site.dashboards import figures as figure_module
from grassroots.site.dashboards.panels import panels
from tests.factories import add_org

PERIOD = "2026"


def _user(name):
    return get_user_model().objects.get(username=name)


def _root():
    return Organization.objects.get(depth=1)


def _figure_cells(organization, *, show_cases=True):
    data = figure_module.figures(organization=organization, period=period_for(PERIOD))
    with translation.override("en"):
        shown = panels(data, show_cases=show_cases)
    return data, [(p.key, cell) for p in shown for row in p.rows for cell in row if cell.value is not None]


def test_every_figure_of_the_county_dashboard_is_the_count_of_the_list_it_leads_to(dashboard_demo, client):
    client.force_login(_user("county"))
    root = _root()
    _data, cells = _figure_cells(root)
    assert len(cells) > 40
    checked = set()
    for key, cell in cells:
        assert cell.url, f"{key}: a figure without its list"
        response = client.get(cell.url)
        assert response.status_code == 200, cell.url
        if cell.summed:
            assert float(response.context["total"]) == pytest.approx(cell.value), f"{key}: {cell.url}"
        else:
            assert response.context["page"].paginator.count == cell.value, f"{key}: {cell.url}"
        checked.add(key)
    assert {"lights", "areas", "children", "meetings", "study", "care", "cases", "rectifications"} <= checked
    assert {"assessment", "months", "periods"} <= checked


def test_the_figures_have_something_to_show_in_the_demo(dashboard_demo):
    data, _cells = _figure_cells(_root())
    assert data["duties"]["total"] > 0 and data["duties"]["by_light"]["done"] > 0
    assert data["meetings"]["held"] > 0 and data["meetings"]["required"] > 0
    assert data["study"]["hours"] > 0 and data["care"]["cases"] > 0
    assert data["assessment"]["run"] is not None and data["assessment"]["total"] > 0
    assert sum(data["trends"]["meetings"]) == data["meetings"]["held"]


def test_the_figures_agree_with_the_duties_roll_ups(dashboard_demo):
    root = _root()
    period = period_for(PERIOD)
    data = figure_module.compute(organization=root, period=period, today=timezone.localdate())
    whole = duty_selectors.subtree_progress(organization=root, period=period)
    assert data["duties"]["total"] == whole["total"]
    assert data["duties"]["completion"] == whole["completion"]
    assert data["duties"]["by_light"]["red"] == whole["red"]
    by_child = duty_selectors.progress_by_child(organization=root, period=period)
    for child in data["children"]:
        expected = by_child.get(Organization.objects.get(pk=child["pk"]).path, {"total": 0, "completion": 0.0})
        assert (child["total"], child["completion"]) == (expected["total"], expected["completion"])


def test_each_child_opens_its_own_dashboard_one_level_down(dashboard_demo, client):
    client.force_login(_user("county"))
    root = _root()
    page = client.get(f"/dashboards/{root.pk}/?period={PERIOD}").content.decode()
    for child in Organization.objects.filter(parent=root, is_active=True):
        assert f'href="/dashboards/{child.pk}/?period={PERIOD}"' in page
        inner = client.get(f"/dashboards/{child.pk}/?period={PERIOD}")
        assert inner.status_code == 200
        assert f'href="/dashboards/{root.pk}/?period={PERIOD}"' in inner.content.decode()  # the way back up


def test_the_figures_are_counted_by_a_fixed_number_of_queries_whatever_the_size_of_the_subtree(dashboard_demo):
    period = period_for(PERIOD)
    root = _root()
    township = Organization.objects.filter(parent=root, kind=OrgKind.COMMITTEE).first()
    counts = []
    for org in (root, township):
        with CaptureQueriesContext(connection) as queries:
            figure_module.compute(organization=org, period=period, today=timezone.localdate())
        counts.append(len(queries))
    assert counts[0] - 1 == counts[1] <= 25  # the top asks once whether it is the only root (figures._within)
    sizes = [Organization.objects.filter(path__startswith=org.path).count() for org in (root, township)]
    children = [Organization.objects.filter(parent=org).count() for org in (root, township)]
    assert sizes[0] > 2 * sizes[1] and children[0] != children[1]  # larger, with other children: the same queries


def test_figures_are_taken_from_the_cache_within_its_lifetime(dashboard_demo, django_assert_num_queries):
    root, period = _root(), period_for(PERIOD)
    first = figure_module.figures(organization=root, period=period)
    with django_assert_num_queries(0):
        assert figure_module.figures(organization=root, period=period) == first


@pytest.mark.parametrize(
    ("username", "scope", "status"),
    [
        ("county", "root", 200),
        ("auditor", "own", 200),
        ("township", "own", 200),
        ("township", "root", 404),  # out of sight
        ("secretary", "own", 200),
        ("member", "own", 403),  # a member sees their branch, not its figures
        ("admin", "root", 200),
    ],
)
def test_who_may_open_which_dashboard(dashboard_demo, client, username, scope, status):
    from grassroots.core.policy import subject

    user = _user(username)
    client.force_login(user)
    if scope == "root":
        org = _root()
    else:
        subj = subject(user)
        roots = subj.paths_for("view")
        path = roots[0] if roots else subj.member.organization.path
        org = Organization.objects.get(path=path)
    for url in (f"/dashboards/{org.pk}/", f"/dashboards/{org.pk}/screen/", f"/dashboards/{org.pk}/list/assignments/"):
        assert client.get(url).status_code == status, url


def test_the_dashboard_link_leads_to_the_highest_dashboard_the_user_may_open(dashboard_demo, client):
    client.force_login(_user("county"))
    response = client.get("/dashboards/")
    assert response.status_code == 302 and response["Location"] == f"/dashboards/{_root().pk}/"
    client.force_login(_user("member"))
    assert client.get("/dashboards/").status_code == 403
    client.logout()
    assert client.get("/dashboards/").status_code == 302  # to the login page


def test_cases_are_shown_only_to_those_who_may_read_them(dashboard_demo, client):
    client.force_login(_user("secretary"))
    from grassroots.core.policy import subject

    branch = Organization.objects.get(path=subject(_user("secretary")).paths_for("view")[0])
    page = client.get(f"/dashboards/{branch.pk}/").content.decode()
    assert 'id="panel-cases"' not in page and 'id="panel-rectifications"' in page
    api = client.get(f"/api/dashboards/{branch.code}/").json()
    assert "cases" not in api and "rectifications" in api
    client.force_login(_user("county"))
    assert 'id="panel-cases"' in client.get(f"/dashboards/{_root().pk}/").content.decode()


def test_every_chart_is_an_image_with_a_table_beside_it(dashboard_demo, client):
    client.force_login(_user("county"))
    page = client.get(f"/dashboards/{_root().pk}/?period={PERIOD}").content.decode()
    panels_shown = re.findall(r'<section class="dash-panel[^"]*" id="panel-([a-z]+)"', page)
    assert len(panels_shown) >= 11
    assert page.count('role="img"') >= len(panels_shown)
    assert page.count('<table class="table dash-table"') == len(panels_shown)
    assert "<script" not in page.split("<main", 1)[1]  # the charts need no script


def test_the_data_screen_asks_for_its_panels_again_without_reloading(dashboard_demo, client):
    client.force_login(_user("county"))
    root = _root()
    page = client.get(f"/dashboards/{root.pk}/screen/?period={PERIOD}").content.decode()
    assert f'hx-get="/dashboards/{root.pk}/screen/panels/?period={PERIOD}"' in page
    assert 'hx-trigger="every 30s"' in page and "htmx" in page
    fragment = client.get(f"/dashboards/{root.pk}/screen/panels/?period={PERIOD}", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body and 'class="screen-heads"' in body
    assert body.count('role="img"') >= 10


def test_the_api_gives_the_same_figures_as_json(dashboard_demo, client):
    client.force_login(_user("county"))
    root = _root()
    data = client.get(f"/api/dashboards/{root.code}/?period={PERIOD}").json()
    expected = figure_module.figures(organization=root, period=period_for(PERIOD))
    assert data["duties"] == expected["duties"]
    assert data["children"][0]["code"] == expected["children"][0]["code"]
    assert data["assessment"]["by_grade"] == expected["assessment"]["by_grade"]
    assert client.get(f"/api/dashboards/{root.code}/?period=20x6").status_code == 400
    assert client.get("/api/dashboards/no-such-code/").status_code == 404
    client.force_login(_user("member"))
    member_org = _user("member").member_set.first() if hasattr(_user("member"), "member_set") else None
    assert client.get(f"/api/dashboards/{root.code}/").status_code == 404 or member_org is not None


def test_bad_input_gets_a_message_and_never_an_error(dashboard_demo, client):
    client.force_login(_user("county"))
    root = _root()
    page = client.get(f"/dashboards/{root.pk}/?period=next-year", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "is not a period" in page.content.decode()
    listing = client.get(
        f"/dashboards/{root.pk}/list/assignments/?light=purple&month=2026-13", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert listing.status_code == 200
    assert "Select a valid choice" in listing.content.decode()
    assert listing.context["page"].paginator.count == 0
    assert client.get(f"/dashboards/{root.pk}/list/nothing/").status_code == 404
    assert client.get(f"/dashboards/{root.pk}/list/meetings/?page=999").status_code == 200


def test_the_dashboard_speaks_chinese(dashboard_demo, client):
    client.force_login(_user("county"))
    root = _root()
    page = client.get(f"/dashboards/{root.pk}/?period={PERIOD}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for text in ("按亮灯状态的责任事项", "按建设领域的责任事项", "组织生活", "学习时长", "逐月"):
        assert text in page, text
    screen = client.get(f"/dashboards/{root.pk}/screen/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "数据大屏" in screen


def test_the_top_of_the_only_tree_counts_every_row_without_reaching_its_organizations(dashboard_demo):
    from grassroots.orglife.models import Meeting

    root, period = _root(), period_for(PERIOD)
    assert not figure_module._within(root, "organization__path")  # no filter: every row is in its subtree
    township = Organization.objects.filter(parent=root).first()
    assert figure_module._within(township, "organization__path")
    data = figure_module.compute(organization=root, period=period, today=timezone.localdate())
    held = Meeting.objects.filter(state="held", held_on__range=(period.start, period.end)).count()
    assert data["meetings"]["held"] == held
    add_org(None, "另一棵树", OrgKind.COMMITTEE)
    assert figure_module._within(Organization.objects.get(pk=root.pk), "organization__path")


def test_meetings_required_are_what_each_branch_and_group_owes_by_its_own_rules(dashboard_demo):
    """The set-based count against orglife's own, one organization at a time (the slow oracle)."""
    from grassroots.orglife.selectors import meeting_status

    root, period = _root(), period_for(PERIOD)
    data = figure_module.compute(organization=root, period=period, today=timezone.localdate())
    owed: dict[str, int] = {}
    for org in Organization.objects.filter(
        path__startswith=root.path, kind__in=[OrgKind.BRANCH, OrgKind.GROUP], is_active=True
    ):
        for row in meeting_status(organization=org, period=period):
            owed[row["kind"]] = owed.get(row["kind"], 0) + row["required"]
    counted = {row["kind"]: row["required"] for row in data["meetings"]["by_kind"] if row["required"]}
    assert counted == {kind: n for kind, n in owed.items() if n}
