"""Pursuit through the REST API: cases opened by hand and taken step by step, the rules of pursuit, the export; every
refusal answered in the caller's language with nothing written, and nobody reading a case outside their scope."""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from grassroots.accountability import services
from grassroots.accountability.models import Case, PursuitRule, Rectification
from grassroots.accountability.services.cases import open_automatically
from grassroots.core.models import AuditEntry, AuditResult
from grassroots.core.periods import period_for
from grassroots.duties import services as duties
from grassroots.duties.models import AssignmentState
from tests.factories import MemberFactory, UserFactory, grant

TODAY = timezone.localdate()
FORMULA = '=HYPERLINK("http://example.org","click")'


def api(user=None, language="en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def cases(county):
    """Four cases: one on 青山村 (C-T1-V1) concerning its member who has an account, decided by the township; one on
    the township C-T1 decided by the county; one on 白石村 (C-T2-V1) of last year, whose title looks like a formula;
    one opened by a rule on 柳湾村 (C-T1-V2), withdrawn. Plus an officer of the sibling township C-T2 and a plain
    member of 青山村 with an account."""
    officer, t1 = county.users.officer, county.users.t1_officer
    person = county.members["C-T1-V1"]
    v11 = services.case_open(
        actor=t1,
        organization=county.v11,
        title="主题党日连续两个月未开展",
        facts=FORMULA,
        person=person,
        evidence=[{"label": "主题党日", "url": "/duties/"}],
    )
    township = services.case_open(actor=officer, organization=county.t1, title="述职报告未按时提交", facts="逾期。")
    v21 = services.case_open(
        actor=officer,
        organization=county.v21,
        title="=SUM(1,2)",
        facts="@risky -1+2",
        period=period_for(str(TODAY.year - 1)),
    )
    rule = open_automatically(
        key="overdue_key:test:1",
        trigger="overdue_key",
        organization=county.v12,
        deciding=county.t1,
        period=period_for(str(TODAY.year)),
        title="重点工作逾期",
        facts="逾期 40 天。",
    )
    services.case_withdraw(actor=t1, case=rule, reason="误开")
    t2_officer = grant(UserFactory(username="t2officer"), county.t2, "officer")
    plain = UserFactory(username="plainmember")
    MemberFactory(organization=county.v11, user=plain)
    return SimpleNamespace(v11=v11, township=township, v21=v21, rule=rule, t2_officer=t2_officer, plain=plain)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def written(case: Case) -> tuple:
    """What a refusal must leave as it was: the case, its rectifications, the audit trail of what was done (a refusal of
    the policy adds its own entry, result "refused")."""
    case.refresh_from_db()
    return (
        case.state,
        case.measure,
        case.decision_note,
        case.statement,
        case.reason,
        Case.objects.count(),
        Rectification.objects.count(),
        AuditEntry.objects.filter(result=AuditResult.DONE).count(),
    )


# ---------------------------------------------------------------- happy paths


def test_a_case_opened_by_hand_shows_what_it_concerns(county, cases):
    officer = api(county.users.t1_officer)
    response = officer.post(
        "/api/cases/",
        {
            "organization": "C-T1-V2",
            "person": county.members["C-T1-V2"].pk,
            "title": "组织生活会未召开",
            "facts": "上半年未召开组织生活会。",
            "evidence": [{"label": "会议记录", "url": "/orglife/"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["organization"] == "C-T1-V2" and data["organization_name"] == "柳湾村党支部"
    assert data["deciding"] == "C-T1" and data["period"] == str(TODAY.year)
    assert data["person"] == county.members["C-T1-V2"].pk and data["person_name"] == county.members["C-T1-V2"].name
    assert data["trigger"] == "by_hand" and data["state"] == "opened" and data["key"] == ""
    assert data["proposed_measure"] == "reminder_talk" and data["measure"] == ""
    assert data["evidence"] == [{"label": "会议记录", "url": "/orglife/"}] and data["rectifications"] == []
    assert AuditEntry.objects.filter(action="accountability.case.open", object_id=str(data["id"])).exists()
    detail = officer.get(f"/api/cases/{data['id']}/").json()
    assert detail["facts"] == "上半年未召开组织生活会。" and detail["title"] == "组织生活会未召开"

    # The county decides a case on the township's branch when it says so; a period named is made on first use.
    county_case = api(county.users.officer).post(
        "/api/cases/",
        {"organization": "C-T1-V2", "deciding": "C", "period": "2025-Q3", "title": "t", "facts": "f"},
        format="json",
    )
    assert county_case.status_code == 201 and county_case.json()["deciding"] == "C"
    assert county_case.json()["period"] == "2025-Q3"


def test_a_case_is_reviewed_answered_decided_rectified_and_closed(county, cases):
    officer, person = api(county.users.t1_officer), api(county.users.member)
    url = f"/api/cases/{cases.v11.pk}"
    assert officer.post(f"{url}/review/").json()["state"] == "under_review"
    answered = person.post(f"{url}/statement/", {"text": "当月遇汛期，已补开。"}, format="json")
    assert answered.status_code == 200 and answered.json()["statement"] == "当月遇汛期，已补开。"
    assert answered.json()["statement_at"]
    decided = officer.post(f"{url}/decide/", {"measure": "criticism", "note": "两个月未开展。"}, format="json")
    assert decided.status_code == 200, decided.json()
    assert decided.json()["state"] == "decided" and decided.json()["measure"] == "criticism"
    assert decided.json()["decision_note"] == "两个月未开展。" and decided.json()["decided_at"]

    due = TODAY + dt.timedelta(days=20)
    required = officer.post(
        f"{url}/rectifications/",
        {
            "title": "补开主题党日",
            "requirement": "补开并上传记录",
            "due_on": due.isoformat(),
            "evidence_expected": "照片",
        },
        format="json",
    )
    assert required.status_code == 201, required.json()
    rect = required.json()
    assert rect["title"] == "Rectification: 补开主题党日" and rect["evidence_expected"] == "照片"
    assert rect["due_on"] == due.isoformat() and rect["state"] == "issued" and rect["light"] == "green"
    assert rect["responsible"] == county.members["C-T1-V1"].pk and rect["requirement"] == "补开并上传记录"
    listed = officer.get(f"{url}/rectifications/").json()
    assert [r["assignment"] for r in listed] == [rect["assignment"]]
    shown = person.get(f"{url}/").json()
    assert shown["state"] == "rectifying"
    assert shown["rectifications"][0]["assignment"] == rect["assignment"]
    assert shown["rectifications"][0]["due_on"] == due.isoformat()

    refused = officer.post(f"{url}/close/", {"note": "已整改"}, format="json")
    assert refused.status_code == 409 and "not accepted" in refused.json()["detail"]
    assignment = Rectification.objects.get(pk=rect["id"]).assignment
    report = duties.report_submit(actor=county.users.member, assignment=assignment, text="已补开", percent=100)
    duties.report_accept(actor=county.users.t1_officer, report=report)
    closed = officer.post(f"{url}/close/", {"note": "整改到位。"}, format="json")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]
    assert closed.json()["rectifications"][0]["state"] == AssignmentState.ACCEPTED
    assert closed.json()["decision_note"] == "两个月未开展。\n整改到位。"
    actions = set(AuditEntry.objects.filter(object_id=str(cases.v11.pk)).values_list("action", flat=True))
    assert {"accountability.case.review", "accountability.case.statement", "accountability.case.decide"} <= actions


def test_a_case_is_dismissed_or_withdrawn_with_its_reason(county, cases):
    officer = api(county.users.officer)
    dismissed = officer.post(f"/api/cases/{cases.township.pk}/dismiss/", {"reason": "已按期补交。"}, format="json")
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert dismissed.json()["reason"] == "已按期补交。"
    again = officer.post(f"/api/cases/{cases.township.pk}/withdraw/", {"reason": "x"}, format="json")
    assert again.status_code == 409
    withdrawn = officer.post(f"/api/cases/{cases.v21.pk}/withdraw/", {"reason": "开错了。"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert Case.objects.filter(pk=cases.v21.pk).exists()  # never deleted
    no_reason = officer.post(f"/api/cases/{cases.v11.pk}/dismiss/", {"reason": " "}, format="json")
    assert no_reason.status_code == 400 and no_reason.json() == {"reason": ["Give the reason."]}


def test_each_filter_narrows_the_list(county, cases):
    services.case_decide(actor=county.users.t1_officer, case=cases.v11, measure="reminder_talk")
    officer = api(county.users.officer)
    everything = ids(officer.get("/api/cases/"))
    assert everything == {cases.v11.pk, cases.township.pk, cases.v21.pk, cases.rule.pk}
    expected = {
        "state=decided": {cases.v11.pk},
        "state=opened": {cases.township.pk, cases.v21.pk},
        "open=true": {cases.v11.pk, cases.township.pk, cases.v21.pk},
        "open=false": {cases.rule.pk},
        "trigger=overdue_key": {cases.rule.pk},
        "trigger=by_hand": {cases.v11.pk, cases.township.pk, cases.v21.pk},
        "measure=reminder_talk": {cases.v11.pk},
        "measure=criticism": set(),
        "organization=C-T1": {cases.township.pk},
        "within=C-T1": {cases.v11.pk, cases.township.pk, cases.rule.pk},
        "within=C-T2": {cases.v21.pk},
        "within=NOWHERE": set(),
        "deciding=C": {cases.township.pk},
        "deciding=C-T2": {cases.v21.pk},
        "deciding=C-T1": {cases.v11.pk, cases.rule.pk},
        f"period={TODAY.year - 1}": {cases.v21.pk},
        f"person={county.members['C-T1-V1'].pk}": {cases.v11.pk},
        "state=decided&within=C-T2": set(),
    }
    for query, want in expected.items():
        got = ids(officer.get(f"/api/cases/?{query}"))
        assert got == want, query
        assert got < everything, query
    for bad in ("state=lost", "measure=expulsion", "person=abc", "trigger=by_foot"):
        assert officer.get(f"/api/cases/?{bad}").status_code == 400, bad


# ---------------------------------------------------------------- who reads a case


def test_a_case_is_read_only_within_its_scope_and_by_the_person_concerned(county, cases):
    sibling = api(cases.t2_officer)
    assert ids(sibling.get("/api/cases/")) == {cases.v21.pk}
    assert sibling.get(f"/api/cases/{cases.v11.pk}/").status_code == 404
    assert sibling.post(f"/api/cases/{cases.v11.pk}/review/").status_code == 404
    assert sibling.get(f"/api/cases/{cases.v11.pk}/rectifications/").status_code == 404
    assert sibling.get(f"/api/cases/{cases.v21.pk}/").status_code == 200

    township = api(county.users.t1_officer)
    assert ids(township.get("/api/cases/")) == {cases.v11.pk, cases.township.pk, cases.rule.pk}
    assert township.get(f"/api/cases/{cases.v21.pk}/").status_code == 404
    inspector = api(county.users.auditor)  # the discipline inspector of the township reads its cases
    assert ids(inspector.get("/api/cases/")) == {cases.v11.pk, cases.township.pk, cases.rule.pk}
    assert inspector.post(f"/api/cases/{cases.v11.pk}/review/").status_code == 403  # reads, never decides

    # A branch's members do not see its cases; its secretary neither; the person concerned sees their own.
    assert ids(api(cases.plain).get("/api/cases/")) == set()
    assert api(cases.plain).get(f"/api/cases/{cases.v11.pk}/").status_code == 404
    assert ids(api(county.users.secretary).get("/api/cases/")) == set()
    person = api(county.users.member)
    assert ids(person.get("/api/cases/")) == {cases.v11.pk}
    mine = person.get(f"/api/cases/{cases.v11.pk}/").json()
    assert mine["facts"] == FORMULA and mine["statement"] == ""
    assert person.post(f"/api/cases/{cases.v11.pk}/decide/", {"measure": "reminder_talk"}).status_code == 403
    assert api().get("/api/cases/").status_code in (401, 403)


# ---------------------------------------------------------------- refusals, in the caller's language


REFUSALS = {
    "no measure": (400, "A decision names its measure."),
    "off the ladder": (400, "Choose a measure on the ladder of accountability."),
    "statement after the decision": (409, "The case is decided: a statement is made before the decision."),
    "statement by another": (403, "Only the person concerned makes a statement on a case."),
    "rectification in the past": (400, "A rectification is due today or later."),
    "unknown organization": (400, "There is no organization with the code C-T9 among those you can see."),
    "not below the deciding one": (400, "A case is decided by an organization above the one concerned."),
}
CHINESE = {
    "no measure": "作出决定须写明问责方式。",
    "off the ladder": "请从问责方式阶梯中选择一种。",
    "statement after the decision": "该案件已作出决定：申辩须在决定之前提出。",
    "statement by another": "只有被问责人本人可以对案件提出申辩。",
    "rectification in the past": "整改期限须为今天或以后。",
    "unknown organization": "在您可查看的组织中没有代码为 C-T9 的组织。",
    "not below the deciding one": "案件须由被问责组织的上级组织作出决定。",
}


DECIDED_FIRST = ("statement after the decision", "rectification in the past")


def _call(county, cases, which: str, language: str):
    """The refused call (the case already decided where the refusal needs it)."""
    t1 = api(county.users.t1_officer, language)
    url = f"/api/cases/{cases.v11.pk}"
    if which == "no measure":
        return t1.post(f"{url}/decide/", {"note": "x"}, format="json")
    if which == "off the ladder":
        return t1.post(f"{url}/decide/", {"measure": "expulsion", "note": "x"}, format="json")
    if which == "statement after the decision":
        return api(county.users.member, language).post(f"{url}/statement/", {"text": "迟来的申辩"}, format="json")
    if which == "statement by another":
        return t1.post(f"{url}/statement/", {"text": "代为申辩"}, format="json")
    if which == "rectification in the past":
        body = {"title": "补开", "requirement": "补开", "due_on": (TODAY - dt.timedelta(days=1)).isoformat()}
        return t1.post(f"{url}/rectifications/", body, format="json")
    if which == "unknown organization":
        return t1.post("/api/cases/", {"organization": "C-T9", "title": "t", "facts": "f"}, format="json")
    body = {"organization": "C-T1", "deciding": "C-T1-V1", "title": "t", "facts": "f"}
    return api(county.users.officer, language).post("/api/cases/", body, format="json")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("which", list(REFUSALS))
def test_a_refusal_is_said_in_the_callers_language_and_writes_nothing(county, cases, which, language):
    code, english = REFUSALS[which]
    if which in DECIDED_FIRST:
        services.case_decide(actor=county.users.t1_officer, case=cases.v11, measure="reminder_talk")
    before = written(cases.v11)
    response = _call(county, cases, which, language)
    assert response.status_code == code, response.content
    text = str(response.json())
    assert (english if language == "en" else CHINESE[which]) in text, text
    assert written(cases.v11) == before


def test_a_wrong_measure_needs_a_reason_and_bad_evidence_links_are_refused(county, cases):
    officer = api(county.users.t1_officer)
    before = written(cases.v11)
    other = officer.post(f"/api/cases/{cases.v11.pk}/decide/", {"measure": "criticism"}, format="json")
    assert other.status_code == 400 and "differs from the one proposed" in str(other.json()["note"])
    assert written(cases.v11) == before
    link = officer.post(
        "/api/cases/",
        {"organization": "C-T1-V2", "title": "t", "facts": "f", "evidence": [{"label": "x", "url": "http://evil"}]},
        format="json",
    )
    assert link.status_code == 400 and "pages of this site" in str(link.json())
    person = api(county.users.t1_officer).post(
        "/api/cases/",
        {"organization": "C-T1-V2", "person": county.members["C-T1-V1"].pk, "title": "t", "facts": "f"},
        format="json",
    )
    assert person.status_code == 400 and "must belong to the organization concerned" in str(person.json())
    empty = officer.post("/api/cases/", {"organization": "C-T1-V2", "title": " ", "facts": "f"}, format="json")
    assert empty.status_code == 400 and "Say which responsibility" in str(empty.json())
    period = officer.post(
        "/api/cases/", {"organization": "C-T1-V2", "period": "someday", "title": "t", "facts": "f"}, format="json"
    )
    assert period.status_code == 400 and "is not a period" in str(period.json())
    assert Case.objects.count() == 4
    secretary = api(county.users.secretary).post(
        "/api/cases/", {"organization": "C-T1-V1-G1", "title": "t", "facts": "f"}, format="json"
    )
    assert secretary.status_code == 403  # sees the group and its branch, does not pursue there
    assert Case.objects.count() == 4


# ---------------------------------------------------------------- the rules of pursuit


def test_rules_of_pursuit_are_set_read_in_force_and_removed(county, cases):
    township = api(county.users.t1_officer)
    made = township.post(
        "/api/pursuit-rules/", {"organization": "C-T1", "trigger": "overdue_key", "threshold": 10}, format="json"
    )
    assert made.status_code == 201, made.json()
    rule = made.json()
    assert rule["organization"] == "C-T1" and rule["enabled"] is True and rule["threshold"] == 10
    assert rule["unit"] == "days overdue"

    def in_force(client, code):
        response = client.get("/api/pursuit-rules/in-force/", {"organization": code})
        return response.status_code, {r["trigger"]: r for r in response.json()} if response.status_code == 200 else {}

    code, rules = in_force(township, "C-T1-V1")
    assert code == 200 and rules["overdue_key"]["threshold"] == 10 and rules["overdue_key"]["default_threshold"] == 30
    assert rules["returned"] == {**rules["returned"], "enabled": True, "threshold": 3}
    assert "by_hand" not in rules
    assert in_force(api(county.users.officer), "C-T2-V1")[1]["overdue_key"]["threshold"] == 30
    assert in_force(township, "C-T2-V1")[0] == 404  # not theirs to see
    assert township.get("/api/pursuit-rules/in-force/").status_code == 400

    changed = township.patch(f"/api/pursuit-rules/{rule['id']}/", {"enabled": False}, format="json")
    assert changed.status_code == 200 and changed.json()["enabled"] is False and changed.json()["threshold"] == 10
    assert in_force(township, "C-T1-V1")[1]["overdue_key"]["enabled"] is False
    other = services.pursuit_rule_set(
        actor=county.users.t1_officer, organization=county.v11, trigger="veto", enabled=True, threshold=0
    )
    rules_listed = lambda **query: [r["id"] for r in township.get("/api/pursuit-rules/", query).json()["results"]]  # noqa: E731
    assert rules_listed() == [rule["id"], other.pk]
    assert rules_listed(trigger="overdue_key") == [rule["id"]]
    assert rules_listed(enabled="true") == [other.pk]
    assert rules_listed(organization="C-T1-V1") == [other.pk]
    assert township.get("/api/pursuit-rules/", {"trigger": "by_hand"}).status_code == 400  # no rule opens by hand
    assert api(cases.t2_officer).get(f"/api/pursuit-rules/{rule['id']}/").status_code == 404

    assert township.delete(f"/api/pursuit-rules/{rule['id']}/").status_code == 204
    assert not PursuitRule.objects.filter(pk=rule["id"]).exists()
    assert in_force(township, "C-T1-V1")[1]["overdue_key"] == {**rules["overdue_key"], "threshold": 30}
    assert {"accountability.rule.set", "accountability.rule.delete"} <= set(
        AuditEntry.objects.filter(object_id=str(rule["id"])).values_list("action", flat=True)
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_rules_of_pursuit_refuse_what_is_not_the_callers_to_set(county, cases, language):
    township = api(county.users.t1_officer, language)
    zh = language == "zh-hans"
    default = township.post("/api/pursuit-rules/", {"trigger": "veto", "threshold": 0}, format="json")
    assert default.status_code == 400
    assert ("只有系统管理员" if zh else "Only an administrator sets the default") in str(default.json())
    hidden = township.post(
        "/api/pursuit-rules/", {"organization": "C-T2", "trigger": "veto", "threshold": 0}, format="json"
    )
    assert hidden.status_code == 400 and ("C-T2" in str(hidden.json()))
    study = township.post(
        "/api/pursuit-rules/", {"organization": "C-T1", "trigger": "study_below", "threshold": 150}, format="json"
    )
    assert study.status_code == 400 and ("100%" in str(study.json()))
    secretary = api(county.users.secretary, language).post(
        "/api/pursuit-rules/", {"organization": "C-T1-V1", "trigger": "veto", "threshold": 0}, format="json"
    )
    assert secretary.status_code == 403
    assert PursuitRule.objects.count() == 0
    made = api(county.users.admin).post("/api/pursuit-rules/", {"trigger": "veto", "enabled": False, "threshold": 0})
    assert made.status_code == 201 and made.json()["organization"] is None
    assert township.delete(f"/api/pursuit-rules/{made.json()['id']}/").status_code == 400
    assert PursuitRule.objects.count() == 1


# ---------------------------------------------------------------- the export


def _sheets(response) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {ws.title: [[c for c in row] for row in ws.iter_rows()] for ws in workbook.worksheets}


def test_the_export_holds_the_scope_only_and_formulas_stay_text(county, cases):
    services.case_decide(actor=county.users.t1_officer, case=cases.v11, measure="reminder_talk")
    services.rectification_require(
        actor=county.users.t1_officer,
        case=cases.v11,
        title="补开主题党日",
        requirement="-1 补开",
        due_on=TODAY + dt.timedelta(days=10),
    )
    township = api(county.users.t1_officer)
    response = township.get("/api/cases/export/", {"format": "xlsx", "within": "C-T1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert "cases-C-T1-all-" in response["Content-Disposition"]
    sheets = _sheets(response)
    assert list(sheets) == ["Cases", "Rectifications"]
    cases_rows, rect_rows = sheets["Cases"], sheets["Rectifications"]
    assert cases_rows[0][0].value == "Case number" and cases_rows[0][9].value == "Facts"
    assert sorted(row[0].value for row in cases_rows[1:]) == sorted([cases.v11.pk, cases.township.pk, cases.rule.pk])
    v11 = next(row for row in cases_rows[1:] if row[0].value == cases.v11.pk)
    assert v11[9].value == FORMULA and v11[9].data_type == "s"  # text, never a formula
    assert v11[11].value == "Rectifying" and v11[13].value == "Reminder talk" and v11[3].value
    assert [row[0].value for row in rect_rows[1:]] == [cases.v11.pk]
    assert rect_rows[1][5].value == "-1 补开"
    entry = AuditEntry.objects.filter(action="core.export", actor_id=county.users.t1_officer.pk).latest("seq")
    assert entry.after["cases"] == 3 and entry.after["rectifications"] == 1 and entry.after["format"] == "xlsx"
    assert entry.after["within"] == "C-T1" and entry.organization_id == county.t1.pk

    theirs = _sheets(township.get("/api/cases/export/"))  # without `within`: all they read, never the sibling's
    assert cases.v21.pk not in {row[0].value for row in theirs["Cases"][1:]} and len(theirs["Cases"]) == 4
    everything = _sheets(api(county.users.officer).get("/api/cases/export/", {"format": "xlsx"}))
    assert len(everything["Cases"]) == 5
    v21 = next(row for row in everything["Cases"][1:] if row[0].value == cases.v21.pk)
    assert v21[8].value == "=SUM(1,2)" and v21[8].data_type == "s"
    last_year = _sheets(api(county.users.officer).get("/api/cases/export/", {"period": str(TODAY.year - 1)}))
    assert [row[0].value for row in last_year["Cases"][1:]] == [cases.v21.pk]

    text = api(county.users.officer).get("/api/cases/export/", {"format": "csv", "within": "C-T2"})
    assert text.status_code == 200 and text["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(text.streaming_content).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [str(cases.v21.pk)]
    assert rows[1][8] == "'=SUM(1,2)" and rows[1][9] == "'@risky -1+2"
    rect_csv = township.get("/api/cases/export/", {"format": "csv", "sheet": "rectifications"})
    rect_rows = list(csv.reader(io.StringIO(b"".join(rect_csv.streaming_content).decode("utf-8-sig"))))
    assert rect_rows[0][0] == "Case number" and [r[5] for r in rect_rows[1:]] == ["'-1 补开"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_export_is_refused_outside_the_callers_rights(county, cases, language):
    count = AuditEntry.objects.filter(action="core.export").count()
    member = api(county.users.member, language).get("/api/cases/export/", {"format": "xlsx"})
    assert member.status_code == 403 and member["Content-Type"].startswith("application/json")
    assert ("您无权导出数据" if language == "zh-hans" else "You may not export data.") in member.json()["detail"]
    township = api(county.users.t1_officer, language)
    assert township.get("/api/cases/export/", {"format": "xlsx", "within": "C-T2"}).status_code == 404
    assert township.get("/api/cases/export/", {"format": "pdf"}).status_code == 404
    assert township.get("/api/cases/export/", {"format": "csv", "sheet": "x"}).status_code == 400
    assert AuditEntry.objects.filter(action="core.export").count() == count
    # A secretary exports (their role may) only the cases concerning them: none here.
    secretary = _sheets(api(county.users.secretary).get("/api/cases/export/"))
    assert len(secretary["Cases"]) == 1
