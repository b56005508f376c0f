"""The permission matrix of the duties API: every role, inside and outside its subtree, for every model and operation.

"Inside" objects live in 青山村党支部 (C-T1-V1, in township 1); "outside" objects in 白石村党支部 (C-T2-V1, in
township 2). Every duty there names the branch's member as responsible, and that member wrote the report and the
due-date request: the plain member (linked to the inside member) is the responsible person inside. The township
officer and the auditor hold their roles on township 1, the secretary on C-T1-V1, the county officer on the county.

What "create" and "change" mean for each model:

    objective         create: POST /objectives/              change: record a measured value
    duty_list         create: POST /duty-lists/              change: copy it into next year
    duty              create: POST /duties/                  change: PATCH the requirement
    assignment        create: issue a draft duty to a group  change: PATCH the receiver's note
    report            create: report on an assignment        change: accept the report (taking it over above)
    due_date_request  create: ask for a new due date         change: grant it
    claim             create: claim a duty for the member    change: withdraw the claim
"""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from grassroots.duties import services
from tests import shelf
from tests.factories import UserFactory, add_org

ROLES = ["admin", "officer", "t1_officer", "secretary", "auditor", "member", "outsider", "anonymous"]
MODELS = ["objective", "duty_list", "duty", "assignment", "report", "due_date_request", "claim"]
OPS = ["list", "detail", "create", "change"]

EVERYONE_INSIDE = {"admin", "officer", "t1_officer", "secretary", "auditor"}
CHANGERS_INSIDE = {"admin", "officer", "t1_officer", "secretary"}
CHANGERS_OUTSIDE = {"admin", "officer"}
VIEWERS_OUTSIDE = {"admin", "officer"}
RESPONSIBLE = {"member"}  # the responsible person sees their duties, assignments, reports and claims

# (model, op) -> (roles allowed inside, roles allowed outside)
EXPECTED = {
    ("objective", "list"): (EVERYONE_INSIDE, VIEWERS_OUTSIDE),
    ("objective", "detail"): (EVERYONE_INSIDE, VIEWERS_OUTSIDE),
    ("objective", "create"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("objective", "change"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("duty_list", "list"): (EVERYONE_INSIDE, VIEWERS_OUTSIDE),
    ("duty_list", "detail"): (EVERYONE_INSIDE, VIEWERS_OUTSIDE),
    ("duty_list", "create"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("duty_list", "change"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("duty", "list"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("duty", "detail"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("duty", "create"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("duty", "change"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("assignment", "list"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("assignment", "detail"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("assignment", "create"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("assignment", "change"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("report", "list"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("report", "detail"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("report", "create"): (CHANGERS_INSIDE | RESPONSIBLE, CHANGERS_OUTSIDE),
    ("report", "change"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),  # nobody reviews their own report
    # The responsible person sees the requests made on their assignment.
    ("due_date_request", "list"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("due_date_request", "detail"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("due_date_request", "create"): (CHANGERS_INSIDE | RESPONSIBLE, CHANGERS_OUTSIDE),
    ("due_date_request", "change"): (CHANGERS_INSIDE, CHANGERS_OUTSIDE),
    ("claim", "list"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("claim", "detail"): (EVERYONE_INSIDE | RESPONSIBLE, VIEWERS_OUTSIDE),
    ("claim", "create"): (CHANGERS_INSIDE | RESPONSIBLE, CHANGERS_OUTSIDE),
    ("claim", "change"): (CHANGERS_INSIDE | RESPONSIBLE, CHANGERS_OUTSIDE),  # a member withdraws their own claim
}
BASE = {
    "objective": "/api/objectives/",
    "duty_list": "/api/duty-lists/",
    "duty": "/api/duties/",
    "assignment": "/api/assignments/",
    "report": "/api/reports/",
    "due_date_request": "/api/due-date-requests/",
    "claim": "/api/claims/",
}


def test_the_table_is_complete():
    assert set(EXPECTED) == {(model, op) for model in MODELS for op in OPS}


def _world(county, period, where):
    """Objects of each model at the inside or the outside branch, made by the administrator and the reporter."""
    admin = county.users.admin
    if where == "inside":
        org, member, reporter, group = county.v11, county.members["C-T1-V1"], county.users.member, county.g111
    else:
        org, member = county.v21, county.members["C-T2-V1"]
        reporter = UserFactory(username="reporter-outside")
        member.user = reporter
        member.save()
        group = add_org(county.v21, "白石村第一党小组", "group", "village", code="C-T2-V1-G1")
    due = min(max(dt.date.today() + dt.timedelta(days=30), period.start), period.end)
    duty_list = services.duty_list_for(actor=admin, organization=org, period=period)

    def duty(title, **fields):
        defaults = {"dimension": "political", "due_on": due, "requirement": "有照片、有签到表", "responsible": member}
        defaults.update(fields)
        return services.duty_create(actor=admin, duty_list=duty_list, title=title, **defaults)

    reported, open_one = duty("每月开展主题党日"), duty("每季度上一次党课")
    draft = duty("走访困难党员", responsible=None)
    claimed, to_claim = duty("志愿服务认领", claimable=True), duty("人居环境整治认领", claimable=True)
    services.duty_issue(actor=admin, duty=reported)
    services.duty_issue(actor=admin, duty=open_one)
    assignment = reported.assignments.get()
    report = services.report_submit(actor=reporter, assignment=assignment, text="开展了主题党日", percent=60)
    request = services.due_date_request(
        actor=reporter, assignment=assignment, new_due=assignment.due_on + dt.timedelta(days=7), reason="秋收农忙"
    )
    claim = services.claim_create(actor=reporter, duty=claimed, member=member, note="组织志愿队")
    objective = services.objective_create(
        actor=admin, organization=org, period=period, name="村集体经济收入", unit="万元", baseline=10, target=20
    )
    return {
        "org": org,
        "member": member,
        "group": group,
        "period": period,
        "due": due,
        "objective": objective,
        "duty_list": duty_list,
        "duty": reported,
        "draft": draft,
        "assignment": assignment,
        "open_assignment": open_one.assignments.get(),
        "report": report,
        "due_date_request": request,
        "claim": claim,
        "to_claim": to_claim,
    }


def _shelved_world(county, where):
    return _world(county, services.period_for(str(timezone.localdate().year)), where)


objs = shelf.shelved("objs", _shelved_world, below="county", params=("where",), doc=_world.__doc__)


def _create(client, model, objs):
    org, year, due = objs["org"], objs["period"].start.year, objs["due"]
    if model == "objective":
        payload = {
            "organization": org.code,
            "period": str(year),
            "name": "为民服务办结率",
            "baseline": "60",
            "target": "95",
        }
        return client.post(BASE[model], payload, format="json")
    if model == "duty_list":
        payload = {"organization": org.code, "period": str(year + 1), "title": "下一年度责任清单"}
        return client.post(BASE[model], payload, format="json")
    if model == "duty":
        payload = {
            "duty_list": objs["duty_list"].pk,
            "title": "开展一次组织生活会",
            "dimension": "organizational",
            "due_on": due.isoformat(),
            "requirement": "有会议记录",
        }
        return client.post(BASE[model], payload, format="json")
    if model == "assignment":
        payload = {"mode": "pick", "ids": [objs["group"].code]}
        return client.post(f"/api/duties/{objs['draft'].pk}/issue/", payload, format="json")
    if model == "report":
        payload = {"text": "完成了党课", "percent": "100"}
        return client.post(f"/api/assignments/{objs['open_assignment'].pk}/report/", payload, format="multipart")
    if model == "due_date_request":
        new_due = objs["open_assignment"].due_on + dt.timedelta(days=5)
        payload = {"new_due": new_due.isoformat(), "reason": "村里换届"}
        return client.post(f"/api/assignments/{objs['open_assignment'].pk}/due_date_request/", payload, format="json")
    payload = {"duty": objs["to_claim"].pk, "member": objs["member"].pk, "note": "我来负责"}
    return client.post(BASE[model], payload, format="json")


def _change(client, model, objs):
    obj = objs[model]
    url = f"{BASE[model]}{obj.pk}/"
    if model == "objective":
        return client.post(f"{url}record_value/", {"measured_on": "2026-06-30", "value": "14.5"}, format="json")
    if model == "duty_list":
        return client.post(f"{url}copy/", {"period": str(objs["period"].start.year + 1)}, format="json")
    if model == "duty":
        return client.patch(url, {"requirement": "有照片、有签到表、有心得体会"}, format="json")
    if model == "assignment":
        return client.patch(url, {"note": "每名党员写一篇心得"}, format="json")
    if model == "report":  # those above the issuing branch take the review over (tests/duties/test_api_issue22.py)
        return client.post(f"{url}accept/", {"take_over": True}, format="json")
    if model == "due_date_request":
        return client.post(f"{url}decide/", {"grant": True}, format="json")
    return client.post(f"{url}withdraw/", format="json")


def _request(client, model, op, objs):
    obj = objs[model]
    if op == "list":
        response = client.get(BASE[model])
        ids = {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()
        return response.status_code, obj.pk in ids
    if op == "detail":
        response = client.get(f"{BASE[model]}{obj.pk}/")
        return response.status_code, response.status_code == 200
    response = _create(client, model, objs) if op == "create" else _change(client, model, objs)
    return response.status_code, response.status_code in (200, 201)


@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(county, objs, role, model, op, where):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(getattr(county.users, role))
    status, allowed = _request(client, model, op, objs)
    inside, outside = EXPECTED[(model, op)]
    expected = role in (inside if where == "inside" else outside)
    assert status < 500
    assert allowed == expected, f"{role} {op} {model} {where}: HTTP {status}"
    if not expected and op in ("detail", "create", "change"):
        assert status in (401, 403, 404), f"{role} {op} {model} {where}: HTTP {status}"
    if role == "anonymous":
        assert status in (401, 403)


@pytest.mark.parametrize("model", ["objective", "duty_list", "duty"])
def test_a_refused_create_leaves_no_trace(county, period, model):
    """The auditor sees the branch but changes nothing: not even the period named in the refused call is kept; the
    trail holds the refusal alone (result "refused"), nothing of what the call would have written."""
    from grassroots.core.models import AuditEntry, AuditResult, Period
    from grassroots.duties.models import BusinessObjective, Duty, DutyList

    objs = _world(county, period, "inside")
    done = AuditEntry.objects.filter(result=AuditResult.DONE)
    tables = (Period.objects, done, BusinessObjective.objects, DutyList.objects, Duty.objects)

    def counts():
        return [qs.count() for qs in tables]

    before = counts()
    client = APIClient()
    client.force_authenticate(county.users.auditor)
    assert _create(client, model, objs).status_code == 403
    assert counts() == before
    [refused] = AuditEntry.objects.filter(result=AuditResult.REFUSED)
    assert (refused.action, refused.actor_id, refused.after["method"]) == (
        "core.refused",
        county.users.auditor.pk,
        "POST",
    )
