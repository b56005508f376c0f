"""One fact, one use: a fact (the assignments due, the meetings held...) takes points in the weighted indicators or in a
deduction or bonus, not both, unless the deduction or bonus says why; refused when a draft is put in use, by the
services, the pages and the API alike."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from grassroots.assessment import defaults, facts, services
from grassroots.assessment.facts import METRIC_FACT, Fact
from grassroots.assessment.models import Indicator, IndicatorSystem, Metric, SystemState
from grassroots.core.models import AuditEntry
from tests.assessment.year import with_deductions

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

KEY = {"code": "K", "name": "重点工作", "name_en": "Key work", "kind": "computed", "metric": "key_work", "weight": 1}
OVERDUE = {
    "code": "X",
    "name": "逾期扣分",
    "name_en": "Key work overdue",
    "kind": "deduction",
    "metric": "overdue_key",
    "points": 2,
    "cap": 10,
}
REASON = "The county counts an overdue key item twice in 2027, as its committee decided."


def _make(county, spec, code="facts"):
    return services.system_create(
        actor=county.users.officer, owner=county.county, code=code, name="一事一用", spec=spec, assessed_kind="branch"
    )


def _activate(county, system):
    return services.system_activate(actor=county.users.officer, system=system)


def _refusal(county, system) -> str:
    with pytest.raises(ValidationError) as refused:
        _activate(county, system)
    assert IndicatorSystem.objects.get(pk=system.pk).state == SystemState.DRAFT
    return " ".join(refused.value.messages)


# ---------------------------------------------------------------- the table of facts


def test_every_metric_counts_one_fact_and_the_assignments_five():
    assert set(METRIC_FACT) == set(Metric)
    assignments = {m for m, fact in METRIC_FACT.items() if fact == Fact.ASSIGNMENTS}
    assert assignments == {
        Metric.COMPLETION,
        Metric.ON_TIME,
        Metric.KEY_WORK,
        Metric.OVERDUE_KEY,
        Metric.MAJOR_FAILED,
    }
    assert METRIC_FACT[Metric.MISSING_MEETINGS] == METRIC_FACT[Metric.MEETINGS] == Fact.MEETINGS
    assert METRIC_FACT[Metric.UNEXCUSED] == METRIC_FACT[Metric.ATTENDANCE] == Fact.ATTENDANCE
    assert facts.fact_of("") is None


# ---------------------------------------------------------------- the services


def test_a_leaf_and_a_deduction_on_one_fact_are_refused_when_put_in_use_and_accepted_with_a_reason(county):
    draft = _make(county, [KEY, OVERDUE])  # a draft may break the rule while it is made
    with translation.override("en"):
        message = _refusal(county, draft)
    assert "X Key work overdue takes points for the assignments due, which K Key work already count" in message
    assert "say on X Key work overdue why" in message
    with translation.override("zh-hans"):
        message = _refusal(county, draft)
    assert "X 逾期扣分" in message and "K 重点工作" in message and "到期的任务" in message

    deduction = draft.indicators.get(code="X")
    services.indicator_update(actor=county.users.officer, indicator=deduction, data={"double_use_reason": REASON})
    assert _activate(county, draft).state == SystemState.ACTIVE
    entry = AuditEntry.objects.filter(action="assessment.indicator.update").latest("seq")
    assert entry.after == {"double_use_reason": REASON} and entry.before == {"double_use_reason": ""}


def test_a_spec_may_give_the_reason_itself(county):
    system = _make(county, [KEY, {**OVERDUE, "double_use_reason": f"  {REASON} "}])
    assert system.indicators.get(code="X").double_use_reason == REASON
    assert _activate(county, system).state == SystemState.ACTIVE


def test_a_veto_on_the_same_fact_is_no_second_use_unless_it_takes_points(county):
    veto = {"code": "V", "name": "重大任务未完成", "kind": "deduction", "metric": "major_failed", "is_veto": True}
    assert _activate(county, _make(county, [KEY, veto])).state == SystemState.ACTIVE
    # A veto that also takes points is a second use like any deduction.
    costly = _make(county, [KEY, {**veto, "points": 5, "cap": 5}], code="facts-costly")
    with translation.override("en"):
        assert "V 重大任务未完成 takes points for the assignments due" in _refusal(county, costly)


def test_two_leaves_may_count_one_fact_but_two_deductions_may_not(county):
    completion = {"code": "C", "name": "完成率", "kind": "computed", "metric": "completion", "weight": 0.5}
    two_leaves = _make(county, [completion, {**KEY, "weight": 0.5}])
    assert _activate(county, two_leaves).state == SystemState.ACTIVE
    # Two deductions for the same assignments (and no leaf counting them): each is counted against the other.
    meetings = {"code": "M", "name": "会议", "kind": "computed", "metric": "meetings", "weight": 1}
    failed = {**OVERDUE, "code": "Y", "metric": "major_failed", "name": "重大任务扣分", "name_en": "Major tasks failed"}
    two_deductions = _make(county, [meetings, OVERDUE, failed], code="facts-two")
    with translation.override("en"):
        message = _refusal(county, two_deductions)
    assert "which Y Major tasks failed already count" in message and "which X Key work overdue already count" in message


def test_a_leaf_that_weighs_nothing_is_no_use(county):
    spec = [{**KEY, "weight": 0}, {"code": "M", "name": "会议", "kind": "computed", "metric": "meetings", "weight": 1}]
    assert _activate(county, _make(county, [*spec, OVERDUE])).state == SystemState.ACTIVE


def test_a_reason_where_no_fact_is_counted_twice_is_refused(county):
    for node in (
        {**KEY, "double_use_reason": REASON},
        {
            "code": "V",
            "name": "否决",
            "kind": "deduction",
            "metric": "major_failed",
            "is_veto": True,
            "double_use_reason": "x",
        },
    ):
        with pytest.raises(ValidationError) as refused:
            _make(county, [KEY, node] if node["code"] != "K" else [node])
        assert "double_use_reason" in refused.value.error_dict


def test_the_default_systems_use_each_fact_once(county):
    branch, secretary = defaults.install(actor=county.users.officer, owner=county.county)  # each put in use
    branch.refresh_from_db()
    secretary.refresh_from_db()
    assert branch.state == secretary.state == SystemState.ACTIVE
    codes = set(branch.indicators.values_list("code", flat=True))
    assert not codes & {"X1", "X2", "X3"} and {"B1", "V1", "V2"} <= codes
    for system in (branch, secretary):
        assert facts.second_uses(list(system.indicators.all())) == []
    # V2 counts the assignments P1 counts: a veto, which takes no points.
    assert facts.fact_of(branch.indicators.get(code="V2").metric) == facts.fact_of(
        branch.indicators.get(code="P1").metric
    )


def test_a_new_version_of_a_system_counting_twice_is_refused_until_mended(assessed):  # noqa: F811
    """A system put in use before the rule keeps its versions; a new version of it is checked when put in use."""
    county = assessed
    officer = county.users.officer
    draft = services.system_new_version(actor=officer, system=county.run.system)
    x1 = services.indicator_add(
        actor=officer,
        system=draft,
        data={
            "code": "X1",
            "kind": "deduction",
            "name": "重点工作逾期扣分",
            "metric": "overdue_key",
            "points": 2,
            "cap": 10,
        },
    )
    with translation.override("en"):
        message = _refusal(county, draft)
    for named in ("X1", "P1", "S1", "D1", "the assignments due"):
        assert named in message, named
    services.indicator_remove(actor=officer, indicator=x1)
    assert not Indicator.objects.filter(pk=x1.pk).exists()
    assert _activate(county, draft).state == SystemState.ACTIVE
    assert AuditEntry.objects.filter(action="assessment.indicator.remove", object_id=str(x1.pk)).exists()


def test_only_a_draft_changes_and_a_weighted_indicator_is_not_removed(assessed):  # noqa: F811
    county = assessed
    officer = county.users.officer
    in_use = county.run.system
    with pytest.raises(ValidationError, match="Only a draft"):
        services.indicator_update(actor=officer, indicator=in_use.indicators.get(code="B1"), data={"cap": 3})
    draft = services.system_new_version(actor=officer, system=in_use)
    with pytest.raises(ValidationError, match="weighted indicators stay"):
        services.indicator_remove(actor=officer, indicator=draft.indicators.get(code="P1"))
    with pytest.raises(ValidationError) as refused:
        services.indicator_update(actor=officer, indicator=draft.indicators.get(code="P1"), data={"points": 2})
    assert "points" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError) as refused:
        services.indicator_update(
            actor=officer, indicator=draft.indicators.get(code="P1"), data={"metric": "overdue_key"}
        )
    assert "metric" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        services.indicator_add(actor=officer, system=draft, data={"code": "P1", "kind": "bonus", "name": "x", "cap": 1})
    assert "code" in refused.value.error_dict


# ---------------------------------------------------------------- the pages


def test_the_editor_shows_the_field_and_the_page_the_refusal(assessed, client_for):  # noqa: F811
    county = assessed
    officer = county.users.officer
    draft = services.system_new_version(actor=officer, system=county.run.system)
    client = client_for(officer)
    add = reverse("assessment:indicator_add", args=[draft.pk])
    form = client.get(add, **EN).content.decode()
    assert 'name="double_use_reason"' in form and "One fact, one use" in form
    body = {"code": "X1", "kind": "deduction", "name": "重点工作逾期扣分", "name_en": "Key work overdue"}
    body |= {"metric": "overdue_key", "points": "2", "cap": "10"}
    added = client.post(add, body, follow=True, **EN)
    assert added.redirect_chain[-1][0] == reverse("assessment:system", args=[draft.pk])
    page = added.content.decode()
    assert "X1 Key work overdue added" in page
    assert "Counts the same records as P1" in page and "No reason given" in page
    assert "This draft cannot be put in use while a fact takes points twice" in page
    assert "counts the assignments due" in page  # the fact under each metric
    assert "a veto takes no points, so this is not a second use" in page  # V2, on the assignments too

    refused = client.post(reverse("assessment:system_activate", args=[draft.pk]), {"confirm": "1"}, follow=True, **EN)
    page = refused.content.decode()
    assert "X1 Key work overdue takes points for the assignments due" in page and "D1" in page
    assert IndicatorSystem.objects.get(pk=draft.pk).state == SystemState.DRAFT
    zh = client.post(reverse("assessment:system_activate", args=[draft.pk]), {"confirm": "1"}, follow=True, **ZH)
    assert "到期的任务" in zh.content.decode()

    x1 = draft.indicators.get(code="X1")
    edit = reverse("assessment:indicator", args=[draft.pk, x1.pk])
    page = client.get(edit, **EN).content.decode()
    assert 'name="double_use_reason"' in page and 'name="double_use"' in page
    assert "without a reason the system is not put in use" in page
    assert "The same records are counted by" in page and "P1" in page
    changes = {"name": x1.name, "name_en": x1.name_en, "metric": "overdue_key", "points": "2", "cap": "10"}
    unsaid = client.post(edit, {**changes, "double_use": "on", "double_use_reason": " "}, **EN)
    assert unsaid.status_code == 400 and "Say why the fact is counted twice" in unsaid.content.decode()
    saved = client.post(edit, {**changes, "double_use": "on", "double_use_reason": REASON}, follow=True, **EN)
    assert f"Counted twice on purpose: {REASON}" in saved.content.decode()
    done = client.post(reverse("assessment:system_activate", args=[draft.pk]), {"confirm": "1"}, follow=True, **EN)
    assert "is in use" in done.content.decode()


def test_a_leaf_has_no_reason_field_and_the_page_of_a_system_in_use_changes_nothing(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    in_use = county.run.system
    p1 = in_use.indicators.get(code="P1")
    assert client.get(reverse("assessment:indicator", args=[in_use.pk, p1.pk]), **EN).status_code == 302
    assert (
        reverse("assessment:indicator_add", args=[in_use.pk])
        not in client.get(reverse("assessment:system", args=[in_use.pk]), **EN).content.decode()
    )
    draft = services.system_new_version(actor=county.users.officer, system=in_use)
    page = client.get(reverse("assessment:indicator", args=[draft.pk, draft.indicators.get(code="P1").pk]), **EN)
    assert page.status_code == 200 and 'name="metric"' in page.content.decode()
    assert 'name="double_use_reason"' not in page.content.decode() and "Remove P1" not in page.content.decode()
    outsider = client_for(county.users.t1_officer)
    assert outsider.get(reverse("assessment:indicator_add", args=[draft.pk])).status_code in (403, 404)


# ---------------------------------------------------------------- the API


def test_the_api_refuses_with_400_and_the_message_and_mends_through_the_same_service(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    draft = services.system_new_version(actor=county.users.officer, system=county.run.system)
    add = reverse("indicator-system-indicators", args=[draft.pk])
    body = {"code": "X2", "kind": "deduction", "name": "缺开会议扣分", "name_en": "Required meetings not held"}
    body |= {"metric": "missing_meetings", "points": "0.5", "cap": "5"}
    added = client.post(add, body, content_type="application/json", **EN)
    assert added.status_code == 201, added.json()
    x2 = added.json()
    assert x2["fact"] == "meetings" and x2["counted_twice_with"] == ["O1"] and x2["double_use_reason"] == ""

    activate = reverse("indicator-system-activate", args=[draft.pk])
    refused = client.post(activate, **EN)
    assert refused.status_code == 400
    assert refused.json()["detail"] == [
        "X2 Required meetings not held takes points for the meetings required and held, which O1 Meetings held as "
        "the rules require already count for points: one failure would cost twice. Remove one of them, or say on "
        "X2 Required meetings not held why the fact is counted twice."
    ]
    one = reverse("indicator-system-indicator", args=[draft.pk, x2["id"]])
    veto = client.patch(
        one, {"is_veto": True, "points": "0", "double_use_reason": REASON}, content_type="application/json"
    )
    assert veto.status_code == 400 and "double_use_reason" in veto.json()  # a veto takes no points: no second use
    mended = client.patch(one, {"double_use_reason": REASON}, content_type="application/json", **EN)
    assert mended.status_code == 200 and mended.json()["double_use_reason"] == REASON
    assert client.post(activate, **EN).status_code == 200
    assert client.patch(one, {"cap": "3"}, content_type="application/json").status_code == 400  # no longer a draft


def test_the_api_removes_a_deduction_from_a_draft(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    draft = services.system_new_version(actor=county.users.officer, system=county.run.system)
    b1 = draft.indicators.get(code="B1")
    url = reverse("indicator-system-indicator", args=[draft.pk, b1.pk])
    assert client.delete(url).status_code == 204 and not Indicator.objects.filter(pk=b1.pk).exists()
    assert client.delete(url).status_code == 404
    p1 = draft.indicators.get(code="P1")
    kept = client.delete(reverse("indicator-system-indicator", args=[draft.pk, p1.pk]), **EN)
    assert kept.status_code == 400 and "weighted indicators stay" in str(kept.json())


def test_an_explained_double_use_still_counts_in_the_engine(assessed):  # noqa: F811
    """A designer who says why gets both: the deduction is computed as before (Liuwan's overdue key item)."""
    county = with_deductions(assessed)
    result = county.run.results.get(organization=county.v12)
    assert result.deductions > 0
