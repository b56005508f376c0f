"""Indicators from another app's records (assessment/outside.py): the masses' requests answered in time and the
requesters' satisfaction, registered by insights, computed by the engine and held to the reference computation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grassroots.assessment import facts, outside, rules, selectors, services
from grassroots.assessment.engine.base import metrics
from grassroots.assessment.forms import metric_choices
from grassroots.assessment.models import Indicator, IndicatorKind, LeafStatus, Metric, ValueSheet, metric_values
from grassroots.insights.appeals.indicators import ANSWER_SECONDS, IN_TIME, SATISFACTION
from grassroots.insights.models import Appeal
from tests.assessment.test_engine import _agreement
from tests.assessment.year import END, YEAR

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
MID = dt.date(YEAR, 7, 15)
SPEC = [
    {"code": "C1", "name": "完成率", "kind": "computed", "metric": "completion", "weight": 0.5},
    {"code": "A1", "name": "群众诉求按时答复", "kind": "computed", "metric": IN_TIME, "weight": 0.25},
    {"code": "A2", "name": "群众满意度", "kind": "computed", "metric": SATISFACTION, "weight": 0.25},
]


def _at(month, day, hour=9):
    return timezone.make_aware(dt.datetime(YEAR, month, day, hour))


def _appeal(organization, received, *, answered=None, rating=None, rated=None):
    """A request received at `received`, first responded to at `answered` (None: not yet), rated at `rated`."""
    n = Appeal.objects.count() + 1
    appeal = Appeal.objects.create(
        organization=organization,
        number=f"T{n:05d}",
        follow_hash=f"test-{n}",
        kind="request",
        category="roads",
        text="路灯坏了",
        state="answered" if answered else "new",
    )
    seconds = None if answered is None else int((answered - received).total_seconds())
    Appeal.objects.filter(pk=appeal.pk).update(
        created_at=received,
        first_response_at=answered,
        answered_at=answered,
        response_seconds=seconds,
        rating=rating,
        rated_at=rated,
    )
    return appeal


def _requests(county):
    """Qingshan (v11): one answered in two hours (rated 5), one ten days late (rated 2), one never answered, one
    received on 10 July and answered late on the 20th; Liuwan (v12): two answered in time, and one of the year
    before never answered; Baishi (v21): none; Dongtou (v22): one received on 14 July answered on the 18th, one
    received on 30 December not answered yet."""
    v11, v12, v22 = county.v11, county.v12, county.v22
    return {
        "in_time": _appeal(v11, _at(2, 3), answered=_at(2, 3, 11), rating=5, rated=_at(2, 4)),
        "late": _appeal(v11, _at(4, 1), answered=_at(4, 11), rating=2, rated=_at(4, 12)),
        "never": _appeal(v11, _at(3, 5)),
        "july": _appeal(v11, _at(7, 10), answered=_at(7, 20)),
        "v12a": _appeal(v12, _at(5, 6), answered=_at(5, 8)),
        "v12b": _appeal(v12, _at(9, 1), answered=_at(9, 7, 8)),
        "before": _appeal(v12, timezone.make_aware(dt.datetime(YEAR - 1, 12, 1))),
        "v22a": _appeal(v22, _at(7, 14), answered=_at(7, 18)),
        "v22b": _appeal(v22, _at(12, 30)),
    }


def _run(county):
    officer = county.users.officer
    system = services.system_create(actor=officer, owner=county.county, code="appeals", name="诉求", spec=SPEC)
    services.system_activate(actor=officer, system=system)
    return services.run_create(actor=officer, system=system, period=county.run.period, scope=county.county)


def _value(run, organization, code):
    sheet = ValueSheet.objects.get(run=run, organization=organization)
    return sheet.indicator_values()[run.system.indicators.get(code=code).pk]


def test_the_requests_are_registered_as_metrics_beside_the_built_in_ones():
    assert [m.code for m in outside.metrics()] == [IN_TIME, SATISFACTION]
    assert not set(outside.codes()) & set(Metric.values)  # never a built-in metric's code
    assert {IN_TIME, SATISFACTION} <= set(metric_values())
    assert {IN_TIME, SATISFACTION} <= {code for code, _label in Indicator._meta.get_field("metric").choices}
    assert metrics()[-2:] == [IN_TIME, SATISFACTION] and metrics(())[-1] == "offered"
    assert IN_TIME in dict(metric_choices(IndicatorKind.COMPUTED))
    assert IN_TIME not in dict(metric_choices(IndicatorKind.DEDUCTION))  # a ratio, not a count
    assert str(facts.fact_of(IN_TIME).label) == "the requests from the public"
    assert "within 7 days" in str(rules.metric_rule(IN_TIME).counts) and ANSWER_SECONDS == 7 * 86400


@pytest.mark.parametrize("asof", [END, MID])
def test_the_engine_agrees_with_the_reference_on_the_requests(assessed, asof):
    county = assessed
    _requests(county)
    run = _run(county)
    services.run_compute(actor=county.users.officer, run=run, asof=asof)
    outcomes = _agreement(run, asof)
    assert set(outcomes) == {county.v11.pk, county.v12.pk, county.v21.pk, county.v22.pk}
    a1 = {org: _value(run, org, "A1") for org in (county.v11, county.v12, county.v21, county.v22)}
    if asof == END:
        # Qingshan: one of four in time; Liuwan: both (the year before's does not count); Dongtou: the one answered
        # (the one of 30 December is still within its days).
        assert (a1[county.v11].numerator, a1[county.v11].denominator, a1[county.v11].score) == (1, 4, 25)
        assert (a1[county.v22].numerator, a1[county.v22].denominator, a1[county.v22].score) == (1, 1, 100)
    else:
        # By 15 July the request of the 10th is neither for nor against, nor is Dongtou's of the 14th.
        assert (a1[county.v11].numerator, a1[county.v11].denominator) == (1, 3)
        assert a1[county.v22].status == LeafStatus.NOT_APPLICABLE and a1[county.v22].score is None
    assert a1[county.v12].score == 100
    # No request: not scored (its weight goes to the others), never a free full mark.
    assert a1[county.v21].status == LeafStatus.NOT_APPLICABLE and a1[county.v21].score is None
    a2 = _value(run, county.v11, "A2")
    assert (a2.denominator, a2.score) == (2, pytest.approx(70))  # (5 + 2) / 2 over 5
    assert _value(run, county.v12, "A2").status == LeafStatus.NOT_APPLICABLE  # nobody rated


def test_a_system_without_them_runs_only_the_built_in_statements(assessed):
    """The requests are read, once, only by a run whose system counts them; the default system's run makes no table
    or column of them (its statements are the built-in metrics' alone)."""
    county = assessed
    _requests(county)
    officer = county.users.officer
    for run, reads in ((county.run, 0), (_run(county), 1)):
        with CaptureQueriesContext(connection) as queries:
            services.run_compute(actor=officer, run=run, asof=END)
        statements = [q["sql"] for q in queries.captured_queries]
        assert sum(Appeal._meta.db_table in sql and "GROUP BY a.organization_id" in sql for sql in statements) == reads
        assert any("appeals_in_time" in sql for sql in statements) == bool(reads)


def test_the_county_totals_roll_up_and_agree_on_a_subtree(assessed):
    county = assessed
    _requests(county)
    run = _run(county)
    sub = services.run_create(actor=county.users.officer, system=run.system, period=run.period, scope=county.t1)
    services.run_compute(actor=county.users.officer, run=sub, asof=END)
    assert set(_agreement(sub, END)) == {county.v11.pk, county.v12.pk}
    # The subtree's figures sum its organizations' (the reference reads the township's records).
    from grassroots.assessment import reference
    from grassroots.assessment.engine import Context

    totals = reference.metric_totals(Context.of(sub, END), county.t1, 1.0, 1.0)
    assert totals[IN_TIME] == (3, 6) and totals[SATISFACTION] == (pytest.approx(1.4), 2)


def test_the_explanation_lists_the_requests_and_the_page_states_the_rule(assessed, client_for):
    county = assessed
    made = _requests(county)
    run = _run(county)
    services.run_compute(actor=county.users.officer, run=run, asof=END)
    x = selectors.explanation(user=county.users.officer, run=run, organization=county.v11)
    line = next(line for line in x.lines if line.indicator.metric == IN_TIME)
    rows = {row["id"]: row for row in line.records.rows}
    assert set(rows) == {made[k].pk for k in ("in_time", "late", "never", "july")}
    assert rows[made["in_time"].pk]["flag"] == "ok" and rows[made["never"].pk]["flag"] == "late"
    assert [row["flag"] for row in line.records.rows] == ["late", "late", "late", "ok"]  # what cost points first
    assert rows[made["late"].pk]["url"] == reverse("insights:appeal", args=[made["late"].pk])
    dongtou = selectors.explanation(user=county.users.officer, run=run, organization=county.v22)
    line = next(line for line in dongtou.lines if line.indicator.metric == IN_TIME)
    assert {row["flag"] for row in line.records.rows} == {"ok", "open"}  # the one of 30 December not due yet
    baishi = selectors.explanation(user=county.users.officer, run=run, organization=county.v21)
    line = next(line for line in baishi.lines if line.indicator.metric == IN_TIME)
    assert line.status == LeafStatus.NOT_APPLICABLE and line.records.rows == []
    assert "No request from the public was received" in line.why
    client = client_for(county.users.officer)
    url = reverse("assessment:explain", args=[run.pk, county.v11.pk])
    page = client.get(url, **EN).content.decode()
    assert "Requests from the public answered within 7 days" in page
    assert "came within 7 days of their receipt" in page and made["never"].number in page
    page = client.get(url, **ZH).content.decode()
    assert "7日内得到回应的群众诉求" in page and "首次回应" in page
    # A reader of the branch's result who may not read its appeals (a plain member) is told they are hidden.
    from tests.factories import MemberFactory, UserFactory

    services.run_publish(actor=county.users.officer, run=run)
    reader = UserFactory(username="qingshan-reader")
    MemberFactory(organization=county.v11, user=reader)
    x = selectors.explanation(user=reader, run=run, organization=county.v11)
    line = next(line for line in x.lines if line.indicator.metric == IN_TIME)
    assert line.records.rows == [] and line.records.hidden == 4


def test_the_editor_and_the_api_offer_the_requests_for_a_computed_indicator_only(assessed, client_for):
    county = assessed
    officer = county.users.officer
    system = services.system_create(actor=officer, owner=county.county, code="draft-a", name="草稿", spec=SPEC)
    client = client_for(officer)
    add = reverse("indicator-system-indicators", args=[system.pk])
    body = {"code": "D9", "name": "扣分", "kind": "deduction", "metric": IN_TIME, "points": "1", "cap": "5"}
    added = client.post(add, body, content_type="application/json", **EN)
    assert added.status_code == 400, added.content  # a deduction counts, and the requests are a share
    c1 = system.indicators.get(code="C1")
    one = reverse("indicator-system-indicator", args=[system.pk, c1.pk])
    changed = client.patch(one, {"metric": IN_TIME}, content_type="application/json", **EN)
    assert changed.status_code == 200, changed.content
    assert changed.json()["metric"] == IN_TIME and changed.json()["fact"] == "appeals"
    c1.refresh_from_db()
    assert c1.get_metric_display() == "Requests from the public answered within 7 days"
    assert client.patch(one, {"metric": "nothing"}, content_type="application/json").status_code == 400
    page = client.get(reverse("assessment:system", args=[system.pk]), **EN).content.decode()
    assert "Requests from the public answered within 7 days" in page and "counts the requests from the public" in page
    a2 = system.indicators.get(code="A2")
    form = client.get(reverse("assessment:indicator", args=[system.pk, a2.pk]), **EN).content.decode()
    assert f'value="{IN_TIME}"' in form and f'value="{SATISFACTION}" selected' in form
    with pytest.raises(ValidationError):
        services.system_create(
            actor=officer,
            owner=county.county,
            code="bad",
            name="坏",
            spec=[*SPEC, {"code": "D", "name": "扣", "kind": "deduction", "metric": IN_TIME, "points": 1, "cap": 5}],
        )
