"""Large subtrees' summaries computed ahead (`grassroots diagnosis keep`, the daily timer; again after a threshold
changes): the same figures as on request, with the time they were computed; out of date said when a threshold changed
since; computed again in a job from the thresholds page, the API and the summary page; audited; only by those who
set thresholds."""

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from grassroots.core.models import AuditEntry
from grassroots.insights.diagnosis import engine, selectors, services
from grassroots.insights.models import KeptDiagnosis
from tests.insights.diagnosis.conftest import YEAR


def _on_request(d, organization):
    summary = engine.summarize(
        organizations=selectors.subtree(user=d.users.admin, organization=organization),
        period=d.period,
        root_path=organization.path,
    )
    return engine.summary_to_data(summary)


def _without_ids(data):
    return {**data, "ranked": [(code, n, missing, []) for code, n, missing, _ids in data["ranked"]]}


def test_each_subtree_is_kept_with_the_figures_computed_on_request(diagnosed):
    expected = {o.pk: _on_request(diagnosed, o) for o in (diagnosed.county, diagnosed.t1, diagnosed.t2)}
    rows = services.diagnosis_keep(actor=None, period=diagnosed.period, smallest=1)
    assert {r.organization_id for r in rows} == set(expected)
    for row in KeptDiagnosis.objects.filter(period=diagnosed.period):
        want = expected[row.organization_id]
        got = {**row.summary, "ranked": [tuple(r) for r in row.summary["ranked"]]}
        assert got == {**_without_ids(want), "integration": list(want["integration"])}
        assert row.organization_ids == {code: ids for code, _n, _m, ids in want["ranked"]}
    assert AuditEntry.objects.filter(action="insights.diagnosis.keep").count() == 3
    # the smallest size chosen: only the county holds four diagnosed organizations
    assert [r.organization for r in services.diagnosis_keep(actor=None, period=diagnosed.period, smallest=4)] == [
        diagnosed.county
    ]


def test_the_page_reads_the_kept_summary_and_says_when(diagnosed, client):
    services.diagnosis_keep(actor=None, period=diagnosed.period, smallest=4)
    client.force_login(diagnosed.users.officer)
    url = f"/insights/diagnosis/{diagnosed.county.code}/?period={YEAR}"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 organizations diagnosed" in html and "Computed ahead at" in html
    assert "A threshold changed" not in html
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "提前计算" in zh
    # the drill-down names the same organizations from the kept ids
    drill = client.get(f"/insights/diagnosis/C/findings/incentives.care/?period={YEAR}").content.decode()
    assert diagnosed.v21.name in drill and diagnosed.v11.name not in drill


def test_a_threshold_set_on_the_page_computes_the_kept_summaries_again(diagnosed, client):
    services.diagnosis_keep(actor=None, period=diagnosed.period, smallest=1)
    before = KeptDiagnosis.objects.get(organization=diagnosed.county).computed_at
    client.force_login(diagnosed.users.officer)
    response = client.post(
        f"/insights/diagnosis/{diagnosed.t2.code}/thresholds/set/",
        {"code": "guidance.study_hours", "value": "0.01"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "being computed again" in response.content.decode()
    # the township's own summary, the county's above it; the other township's is not touched
    fresh = {k.organization_id: k for k in KeptDiagnosis.objects.all()}
    assert fresh[diagnosed.county.pk].computed_at > before
    assert fresh[diagnosed.t1.pk].computed_at < fresh[diagnosed.county.pk].computed_at
    assert fresh[diagnosed.county.pk].thresholds == engine.thresholds_stamp()
    summary = selectors.subtree_summary(
        user=diagnosed.users.officer, organization=diagnosed.county, period=diagnosed.period
    )
    assert not summary.out_of_date
    assert selectors.organizations_with(
        user=diagnosed.users.officer,
        organization=diagnosed.county,
        period=diagnosed.period,
        code="guidance.study_hours",
    ) == [diagnosed.v12.pk]  # 白石 no longer below the threshold; 柳湾's data missing


def test_out_of_date_is_said_and_an_officer_computes_it_again(diagnosed, client):
    services.diagnosis_keep(actor=None, period=diagnosed.period, smallest=1)
    services.threshold_set(
        actor=diagnosed.users.officer, organization=diagnosed.county, code="guidance.study_hours", value="0.01"
    )
    client.force_login(diagnosed.users.auditor)  # the township's auditor reads, and may not compute
    html = client.get(f"/insights/diagnosis/{diagnosed.t1.code}/?period={YEAR}", HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "A threshold changed after this summary was computed" in html and "Compute again now" not in html
    assert client.post(f"/insights/diagnosis/{diagnosed.t1.code}/keep/?period={YEAR}").status_code == 404
    url = f"/insights/diagnosis/{diagnosed.county.code}/?period={YEAR}"
    # the drill-down does not read ids kept under other thresholds
    assert selectors.organizations_with(
        user=diagnosed.users.officer,
        organization=diagnosed.county,
        period=diagnosed.period,
        code="guidance.study_hours",
    ) == [diagnosed.v12.pk]
    client.force_login(diagnosed.users.officer)
    assert "Compute again now" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.post(f"/insights/diagnosis/{diagnosed.county.code}/keep/?period={YEAR}", follow=True)
    assert response.status_code == 200 and "/jobs/" in response.redirect_chain[0][0]
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Computed ahead at" in html and "A threshold changed" not in html


def test_computing_ahead_is_for_the_timer_and_the_officers_only(diagnosed):
    from grassroots.core.errors import PermissionDenied

    for user in (diagnosed.users.secretary, diagnosed.users.auditor, diagnosed.users.member):
        with pytest.raises(PermissionDenied):
            services.diagnosis_keep(actor=user, period=diagnosed.period, around=diagnosed.county)
    with pytest.raises(PermissionDenied):  # a township's officer, over the county
        services.diagnosis_keep(actor=diagnosed.users.t1_officer, period=diagnosed.period, around=diagnosed.county)
    assert not KeptDiagnosis.objects.exists()


def test_the_api_summary_says_whether_it_was_computed_ahead(diagnosed, client):
    client.force_login(diagnosed.users.officer)
    url = f"/api/diagnosis/{diagnosed.county.code}/summary/?period={YEAR}"
    data = client.get(url).json()
    assert data["computed_at"] is None and data["out_of_date"] is False
    services.diagnosis_keep(actor=None, period=diagnosed.period, smallest=4)
    data = client.get(url).json()
    assert data["computed_at"] and data["out_of_date"] is False and data["diagnosed"] == 4
    response = client.post(
        "/api/diagnosis-thresholds/",
        {"organization": diagnosed.county.code, "code": "guidance.study_hours", "value": "0.01"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert client.get(url).json()["out_of_date"] is False  # computed again at once (a job)


def test_the_command_keeps_them_and_a_bad_period_is_said(diagnosed):
    from grassroots.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["diagnosis", "keep", "--period", str(YEAR), "--from", "4"]) == 0
    assert f"{diagnosed.county.code} {YEAR}: 4 diagnosed" in out.getvalue() and "kept: 1" in out.getvalue()
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert main(["diagnosis", "keep", "--period", "last year"]) == 2
    assert "not a period" in err.getvalue()
