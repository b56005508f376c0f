"""Every filter the OpenAPI schema documents on a list (or list-like action) narrows that list.

One walk over the schema, on a county with duties, organization life, an assessment and a case: for each GET list
operation without path parameters and each query filter it documents,
a value matching nothing answers an empty list (or a 400 naming the bad value), and of a choice or yes/no filter at
least one value leaves rows out. A filter the schema lists but the endpoint ignores answers the whole list and fails.
"""

import datetime as dt

from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from grassroots.duties import services
from grassroots.duties.models import Assignment
from grassroots.organizations.models import Post

NOT_FILTERS = {"page", "format", "sort", "ordering", "search", "sheet"}
NOTHING = 2**62  # an id, number or year no row has
# The lists the fixture fills for one of the callers (duties, organizations, organization life, the assessment,
# pursuit): each of their filters is really checked.
MUST_BE_FILLED = {
    "meetings_list",
    "study_records_list",
    "talks_list",
    "care_cases_list",
    "care_visits_list",
    "point_entries_list",
    "indicator_systems_list",
    "assessment_runs_list",
    "assessment_results_list",
    "veto_events_list",
    "cases_list",
    "grants_list",
    "assignments_list",
    "assignments_mine_list",
    "reports_list",
    "reports_to_review_list",
    "duties_list",
    "duties_claimable_list",
    "duty_lists_list",
    "organizations_list",
    "members_list",
    "posts_list",
}


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def _count(response) -> int | None:
    """The number of rows answered, or None when refused (400, or 403/404 for this caller)."""
    if response.status_code in (400, 403, 404):
        return None
    assert response.status_code == 200, (response.request, response.status_code)
    data = response.json()
    if isinstance(data, dict):
        return data["count"] if "count" in data else len(data.get("results", []))
    return len(data)


def _list_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get or "{" in path or not get["operationId"].endswith("_list"):
            continue
        params = [p for p in get.get("parameters", []) if p["in"] == "query" and p["name"] not in NOT_FILTERS]
        if params:
            yield path, get["operationId"], params


def _nothing_values(param) -> list:
    """Values of a free filter that match no row of the fixture (a date range filter: its far end)."""
    schema = param["schema"]
    if schema.get("type") in ("integer", "number"):
        return [NOTHING]
    if schema.get("format") == "date" or param["name"].endswith(("_from", "_to")):
        return ["2999-01-01" if param["name"].endswith("_from") else "1900-01-01"]
    return ["zz-matches-nothing"]


def _seed(county, period):
    """A county duty issued to the four village branches, one of them reporting; a claimable duty above the member."""
    officer = county.users.officer
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )
    duty_list = services.duty_list_for(actor=officer, organization=county.county, period=period)
    due = min(max(dt.date.today() + dt.timedelta(days=30), period.start), period.end)
    duty = services.duty_create(
        actor=officer, duty_list=duty_list, title="主题党日", dimension="political", due_on=due, requirement="有照片"
    )
    services.duty_issue(actor=officer, duty=duty, targets=_branches(county), note="")
    assignment = Assignment.objects.get(duty=duty, organization=county.v11)
    services.report_submit(actor=county.users.secretary, assignment=assignment, text="开了", percent=100, files=[])
    services.duty_create(
        actor=officer,
        duty_list=duty_list,
        title="认领：慰问老党员",
        dimension="political",
        due_on=due,
        requirement="有照片",
        claimable=True,
        is_key=True,
    )


def _seed_more(county, period):
    """Organization life, an assessment and a case: a meeting with attendance, study, a talk, a care case and its
    visit, points, the year's assessment computed and published, a veto, a case opened by hand."""
    from grassroots.accountability import services as pursuit
    from grassroots.assessment import defaults
    from grassroots.assessment import services as assessment
    from grassroots.orglife import services as orglife
    from grassroots.orglife.models import PointRule

    officer = county.users.officer
    member = county.members["C-T1-V1"]
    yesterday = dt.date.today() - dt.timedelta(days=1)
    orglife.meeting_record(
        actor=officer,
        organization=county.v11,
        kind="theme_day",
        held_on=yesterday,
        topic="主题党日",
        attendance={member.pk: "present"},
    )
    orglife.study_record_create(actor=officer, member=member, title="学习", studied_on=yesterday, hours=2)
    orglife.talk_record(actor=officer, member=member, talked_on=yesterday, topic="谈心", with_name="书记")
    orglife.care_case_open(actor=officer, member=member, category="illness", details="住院")
    orglife.care_visit_record(actor=officer, member=member, visited_on=yesterday, help_given="慰问")
    orglife.points_enter(
        actor=officer, member=member, rule=PointRule.objects.get(code="volunteer"), earned_on=yesterday, note="秋收"
    )
    branch, _secretary = defaults.install(actor=officer, owner=county.county)
    run = assessment.run_create(actor=officer, system=branch, period=period, scope=county.county)
    assessment.veto_record(actor=officer, period=period, organization=county.v21, reason="违纪", occurred_on=yesterday)
    assessment.run_compute(actor=officer, run=run, asof=period.end)
    pursuit.case_open(actor=officer, organization=county.v12, title="逾期", facts="重点工作逾期")


def _branches(county):
    return [county.v11, county.v12, county.v21, county.v22]


def test_every_documented_filter_narrows_its_list(county, period, default_rules):
    _seed(county, period)
    _seed_more(county, period)
    callers = [_client(county.users.officer), _client(county.users.secretary), _client(county.users.member)]
    filled, failures = set(), []
    for path, operation_id, params in _list_operations():
        for client in callers:
            everything = _count(client.get(path))
            if not everything:
                continue  # refused or empty for this caller: nothing a filter could narrow
            filled.add(operation_id)
            for param in params:
                name, enum = param["name"], [v for v in param["schema"].get("enum", []) if v not in ("", None)]
                if param["schema"].get("type") == "boolean" and not enum:
                    enum = ["true", "false"]
                if enum:
                    counts = [_count(client.get(path, {name: value})) for value in enum]
                    answered = [c for c in counts if c is not None]
                    if len(enum) > 1 and answered and min(answered) >= everything:
                        failures.append(f"{operation_id} ?{name}=<each of {enum}> never narrows {everything} rows")
                    continue
                for value in _nothing_values(param):
                    got = _count(client.get(path, {name: value}))
                    if got:
                        failures.append(f"{operation_id} ?{name}={value} answers {got} of {everything} rows")
    assert not failures, "\n".join(failures)
    assert filled >= MUST_BE_FILLED, MUST_BE_FILLED - filled
