"""The assessment pages as the county officer, a township officer, a secretary and an outsider meet them."""

import csv
import datetime as dt
import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from grassroots.assessment import defaults, services
from grassroots.assessment.models import AssessmentRun, EnteredValue, IndicatorSystem, Result, RunState, VetoEvent
from grassroots.core.models import AuditEntry
from tests.assessment.year import END
from tests.factories import UserFactory, grant

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}
INCONSISTENT = ["9", "1/9", "9", "9", "9", "1/9", "9", "1/9", "9", "9", "1/9", "9", "9", "1/9", "9"]


def _pages(county):
    run = county.run
    system = run.system
    group = system.indicators.get(code="O")
    return [
        reverse("assessment:runs"),
        reverse("assessment:run_new"),
        reverse("assessment:systems"),
        reverse("assessment:system", args=[system.pk]),
        reverse("assessment:weights_top", args=[system.pk]),
        reverse("assessment:weights", args=[system.pk, group.pk]),
        reverse("assessment:run", args=[run.pk]),
        reverse("assessment:links", args=[run.pk]),
        reverse("assessment:vetoes", args=[run.pk]),
        reverse("assessment:values", args=[run.pk]),
        reverse("assessment:results", args=[run.pk]),
        reverse("assessment:sensitivity", args=[run.pk]),
        reverse("assessment:explain", args=[run.pk, county.v11.pk]),
        reverse("assessment:explain", args=[run.pk, county.v21.pk]),
    ]


def test_every_page_opens_for_the_officer(computed, client_for):
    client = client_for(computed.users.officer)
    for url in _pages(computed):
        response = client.get(url, **EN)
        assert response.status_code == 200, url
    home = client.get(reverse("assessment:runs"), **EN)
    assert "Assessment" in home.content.decode()


def test_the_nav_offers_assessment(computed, client_for):
    page = client_for(computed.users.secretary).get(reverse("duties:my_work"), **EN).content.decode()
    assert reverse("assessment:runs") in page


def test_an_outsider_sees_nothing_and_another_branch_is_hidden(published, client_for):
    county = published
    run = county.run
    outsider = client_for(county.users.outsider)
    for url in _pages(county)[3:]:
        assert outsider.get(url, **EN).status_code in (403, 404), url
    assert run.system.name not in outsider.get(reverse("assessment:systems"), **EN).content.decode()
    assert run.system.name not in outsider.get(reverse("assessment:runs"), **EN).content.decode()
    assert outsider.post(reverse("assessment:run_action", args=[run.pk, "compute"])).status_code == 404
    assert outsider.get(reverse("assessment:results_export", args=[run.pk, "csv"])).status_code == 404

    # Qingshan's secretary sees Qingshan's published result and its explanation, not Liuwan's.
    secretary = client_for(county.users.secretary)
    assert secretary.get(reverse("assessment:run", args=[run.pk]), **EN).status_code == 200
    assert secretary.get(reverse("assessment:explain", args=[run.pk, county.v11.pk]), **EN).status_code == 200
    assert secretary.get(reverse("assessment:explain", args=[run.pk, county.v12.pk]), **EN).status_code == 404
    results = secretary.get(reverse("assessment:results", args=[run.pk]), **EN).content.decode()
    assert county.v11.name in results and county.v12.name not in results
    assert secretary.get(reverse("assessment:links", args=[run.pk]), **EN).status_code == 403
    assert secretary.post(reverse("assessment:run_action", args=[run.pk, "close"]), {"confirm": "1"}).status_code == 403
    assert secretary.post(reverse("assessment:vetoes", args=[run.pk]), {"reason": "x"}).status_code == 403
    assert AssessmentRun.objects.get(pk=run.pk).state == RunState.PUBLISHED

    # The secretary of Shimen (another township) sees nothing of Qingshan.
    other = grant(UserFactory(username="shimen"), county.v22, "secretary")
    client = client_for(other)
    assert client.get(reverse("assessment:explain", args=[run.pk, county.v11.pk]), **EN).status_code == 404


def test_before_publication_only_those_who_manage_see_the_run(computed, client_for):
    county = computed
    run = county.run
    assert client_for(county.users.secretary).get(reverse("assessment:run", args=[run.pk])).status_code == 404
    t1 = client_for(county.users.t1_officer)
    assert t1.get(reverse("assessment:explain", args=[run.pk, county.v12.pk]), **EN).status_code == 200
    assert t1.get(reverse("assessment:explain", args=[run.pk, county.v21.pk]), **EN).status_code == 404


def test_the_ahp_page_points_out_an_inconsistent_matrix_and_saves_a_consistent_one(assessed, client_for):  # noqa: F811
    county = assessed
    system = county.run.system
    IndicatorSystem.objects.filter(pk=system.pk).update(state="draft")
    client = client_for(county.users.officer)
    url = reverse("assessment:weights_top", args=[system.pk])
    top = [i for i in system.indicators.filter(parent__isnull=True).order_by("position", "id") if not i.is_adjustment]
    names = [i.name_en for i in top]
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    data = {f"p_{i}_{j}": v for (i, j), v in zip(pairs, INCONSISTENT, strict=True)}

    live = client.post(url, {**data, "action": "check"}, **HTMX)
    assert live.status_code == 200
    fragment = live.content.decode()
    assert "inconsistent" in fragment and 'hx-swap-oob="true"' in fragment and "Revisit" in fragment

    refused = client.post(url, {**data, "action": "save_ahp"}, **EN)
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "inconsistent" in page
    flagged = re.findall(r'id="pair-(\d)-(\d)"', page)
    assert len(flagged) == 15
    revisit = re.findall(r'class="pair revisit" id="pair-(\d)-(\d)"', page)
    assert len(revisit) == 2
    for i, j in revisit:
        assert names[int(i)] in page and names[int(j)] in page
    before = [float(i.weight) for i in top]
    assert [
        float(i.weight) for i in system.indicators.filter(pk__in=[t.pk for t in top]).order_by("position")
    ] == before

    consistent = {f"p_{i}_{j}": v for (i, j), v in zip(pairs, defaults.SIX_AREAS_AHP, strict=True)}
    consistent.update({"p_0_1": "3", "p_0_2": "3"})
    saved = client.post(url, {**consistent, "action": "save_ahp"}, **EN)
    assert saved.status_code == 302
    political = system.indicators.get(code="P")
    assert float(political.weight) > before[0]
    assert AuditEntry.objects.filter(action="assessment.system.weights").exists()


def test_weights_of_a_system_in_use_are_refused_with_the_message(assessed, client_for):  # noqa: F811
    system = assessed.run.system
    group = system.indicators.get(code="D")
    kids = list(group.children.order_by("position"))
    client = client_for(assessed.users.officer)
    url = reverse("assessment:weights", args=[system.pk, group.pk])
    response = client.post(url, {f"w_{kids[0].pk}": "0.5", f"w_{kids[1].pk}": "0.5", "action": "save_direct"}, **EN)
    assert response.status_code == 200
    assert "Only a draft indicator system can change" in response.content.decode()


def test_direct_weights_must_add_up_to_one(assessed, client_for):  # noqa: F811
    system = assessed.run.system
    IndicatorSystem.objects.filter(pk=system.pk).update(state="draft")
    group = system.indicators.get(code="D")
    kids = list(group.children.order_by("position"))
    client = client_for(assessed.users.officer)
    url = reverse("assessment:weights", args=[system.pk, group.pk])
    wrong = client.post(url, {f"w_{kids[0].pk}": "0.7", f"w_{kids[1].pk}": "0.5", "action": "save_direct"}, **EN)
    assert "must add up to 1" in wrong.content.decode()
    right = client.post(url, {f"w_{kids[0].pk}": "0.7", f"w_{kids[1].pk}": "0.3", "action": "save_direct"}, **EN)
    assert right.status_code == 302
    assert float(system.indicators.get(pk=kids[0].pk).weight) == 0.7


def test_a_run_is_opened_and_computed_from_the_dashboard(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    system = county.run.system
    form = {
        "system": system.pk,
        "period": "2025-H2",
        "scope": county.county.pk,
        "superior": "0.5",
        "peers": "0",
        "members": "0.25",
        "masses": "0.25",
    }
    response = client.post(reverse("assessment:run_new"), form, **EN)
    assert response.status_code == 302
    run = AssessmentRun.objects.get(period__code="2025-H2")
    assert set(run.rater_groups.values_list("kind", flat=True)) == {"superior", "members", "masses"}
    again = client.post(reverse("assessment:run_new"), form, **EN)
    assert "already exists" in again.content.decode()

    response = client.post(reverse("assessment:run_action", args=[county.run.pk, "compute"]), follow=True, **EN)
    page = response.content.decode()
    assert "Computed 4 organizations" in page
    run = AssessmentRun.objects.get(pk=county.run.pk)
    assert run.state == RunState.COMPUTED and run.computed_seconds is not None
    assert Result.objects.filter(run=run).count() == 4
    assert "grade-stat" in page


def test_a_closed_run_refuses_to_compute_with_a_message(computed, client_for):
    county = computed
    officer = county.users.officer
    services.run_publish(actor=officer, run=county.run)
    client = client_for(officer)
    unconfirmed = client.post(reverse("assessment:run_action", args=[county.run.pk, "close"]), follow=True, **EN)
    assert "Tick the box" in unconfirmed.content.decode()
    client.post(reverse("assessment:run_action", args=[county.run.pk, "close"]), {"confirm": "1"}, **EN)
    assert AssessmentRun.objects.get(pk=county.run.pk).state == RunState.CLOSED
    response = client.post(reverse("assessment:run_action", args=[county.run.pk, "compute"]), follow=True, **EN)
    assert "closed and its results are frozen" in response.content.decode()
    recomputed = client.post(reverse("assessment:run_action", args=[county.run.pk, "recompute"]), follow=True, **EN)
    assert "Version 2" in recomputed.content.decode()
    assert AssessmentRun.objects.filter(previous=county.run, version=2, state=RunState.COMPUTED).exists()


def test_results_filter_sort_and_paginate(computed, client_for):
    county = computed
    client = client_for(county.users.officer)
    url = reverse("assessment:results", args=[county.run.pk])
    page = client.get(url, {"org": "C-T2"}, **EN).content.decode()
    assert county.v21.name in page and county.v11.name not in page
    assert "vetoed" in page and "村支委严重违纪" in page
    by_score = client.get(url, {"sort": "score"}, **EN).content.decode()
    assert by_score.index(county.v21.name) < by_score.index(county.v11.name)
    bad = client.get(url, {"org": "NOPE"}, **EN)
    assert "No organization with this code" in bad.content.decode()
    sensitivity = client.get(reverse("assessment:sensitivity", args=[county.run.pk]), **EN).content.decode()
    assert county.v11.name in sensitivity and "sens-row" in sensitivity


def test_results_download_only_the_organizations_in_scope(computed, client_for):
    county = computed
    client = client_for(county.users.t1_officer)
    response = client.get(reverse("assessment:results_export", args=[county.run.pk, "csv"]), **EN)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Organization code"
    assert sorted(r[0] for r in rows[1:]) == ["C-T1-V1", "C-T1-V2"]

    response = client.get(reverse("assessment:results_export", args=[county.run.pk, "xlsx"]), {"sort": "score"}, **EN)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    codes = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["C-T1-V1", "C-T1-V2"]
    exports = AuditEntry.objects.filter(action="core.export", object_type="assessment.assessmentrun")
    assert exports.count() == 2 and exports.first().actor_id == county.users.t1_officer.pk

    member = client_for(county.users.member)
    assert member.get(reverse("assessment:results_export", args=[county.run.pk, "csv"])).status_code == 404


def test_rating_links_print_with_qr_codes_and_rate_once(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    url = reverse("assessment:links", args=[county.run.pk])
    response = client.post(url, {"kind": "masses", "organization": "C-T1-V1", "count": "3", "days": "30"}, **EN)
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert page.count("qr-card") == 3 and page.count("<svg") >= 3
    links = re.findall(r"<code>(http://testserver/rate/[^<]+)</code>", page)
    assert len(links) == 3
    assert AssessmentRun.objects.get(pk=county.run.pk).state == RunState.COLLECTING
    outside = client.post(url, {"kind": "masses", "organization": "C", "count": "3", "days": "30"}, **EN)
    assert "No organization with this code" in outside.content.decode()

    rater = client.__class__(enforce_csrf_checks=True)
    path = links[0].replace("http://testserver", "")
    form = rater.get(path, **EN)
    body = form.content.decode()
    assert form.status_code == 200 and county.v11.name in body and "grade-btn" in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    questions = services.qualitative_indicators(county.run)
    grades = {f"q_{q.pk}": "good" for q in questions}
    missing = rater.post(path, {"csrfmiddlewaretoken": token}, **EN)
    assert missing.status_code == 400 and "Choose a grade" in missing.content.decode()
    bad = rater.post(path, {**grades, f"q_{questions[0].pk}": "splendid", "csrfmiddlewaretoken": token}, **EN)
    assert bad.status_code == 400 and "four grades" in bad.content.decode()
    done = rater.post(path, {**grades, "csrfmiddlewaretoken": token}, **EN)
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    again = rater.get(path, **EN)
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert rater.get("/rate/made-up-token/", **EN).status_code == 404
    # No CSRF token needed (a browser keeping no cookies has none): the link's secret is what a forged form lacks.
    no_csrf = rater.post(links[1].replace("http://testserver", ""), grades, **EN)
    assert no_csrf.status_code == 200 and "Thank you" in no_csrf.content.decode()


def test_an_expired_link_says_so(assessed, client):  # noqa: F811
    from grassroots.assessment.models import RatingToken

    secrets = services.tokens_issue(
        actor=assessed.users.officer, run=assessed.run, kind="masses", organization=assessed.v12, count=1
    )
    RatingToken.objects.update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = client.get(reverse("assessment:rate", args=[secrets[0]]), **EN)
    assert response.status_code == 404 and "expired" in response.content.decode()


def test_veto_events_and_entered_values_are_entered_on_their_pages(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    run = county.run
    outside = client.post(
        reverse("assessment:vetoes", args=[run.pk]),
        {"organization": "C-T2-V2", "reason": "违纪", "occurred_on": "2024-05-01"},
        **EN,
    )
    assert "outside the period" in outside.content.decode()
    response = client.post(
        reverse("assessment:vetoes", args=[run.pk]),
        {"organization": "C-T2-V2", "reason": "违纪", "occurred_on": "2025-05-01"},
        **EN,
    )
    assert response.status_code == 302
    assert VetoEvent.objects.filter(organization=county.v22).exists()

    bonus = run.system.indicators.get(code="B1")
    response = client.post(
        reverse("assessment:values", args=[run.pk]),
        {"indicator": bonus.pk, "organization": "C-T1-V1", "value": "3", "note": "县级表彰"},
        **EN,
    )
    assert response.status_code == 302
    assert EnteredValue.objects.get(run=run, organization=county.v11).value == 3
    services.run_compute(actor=county.users.officer, run=run, asof=END)
    assert Result.objects.get(run=run, organization=county.v11).bonus == 3.0
    assert Result.objects.get(run=run, organization=county.v22).vetoed


def test_a_member_sees_the_explanation_of_their_organization_once_published(computed, client_for):
    county = computed
    member = client_for(county.users.member)
    url = reverse("assessment:explain", args=[county.run.pk, county.v11.pk])
    assert member.get(url, **EN).status_code == 404
    services.run_publish(actor=county.users.officer, run=county.run)
    response = member.get(url, **EN)
    assert response.status_code == 200
    assert "Weighted score" in response.content.decode()
    dashboard = member.get(reverse("assessment:run", args=[county.run.pk]), **EN).content.decode()
    assert "Why this score" in dashboard


def test_the_admin_shows_runs_and_computes_through_the_service(computed, client_for):
    county = computed
    client = client_for(county.users.admin)
    for name in ("assessmentrun", "result", "indicatorsystem", "vetoevent", "enteredvalue"):
        assert client.get(reverse(f"admin:assessment_{name}_changelist"), **EN).status_code == 200, name
    assert client.get(reverse("admin:assessment_assessmentrun_change", args=[county.run.pk])).status_code == 200
    response = client.post(
        reverse("admin:assessment_assessmentrun_changelist"),
        {"action": "publish", "_selected_action": [county.run.pk]},
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    assert AssessmentRun.objects.get(pk=county.run.pk).state == RunState.PUBLISHED
    assert AuditEntry.objects.filter(action="assessment.run.publish").exists()


def test_an_auditor_may_check_a_matrix_but_not_save_it(assessed, client_for):  # noqa: F811
    county = assessed
    system = county.run.system
    auditor = grant(UserFactory(username="county-auditor"), county.county, "auditor")
    client = client_for(auditor)
    url = reverse("assessment:weights_top", args=[system.pk])
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    data = {f"p_{i}_{j}": v for (i, j), v in zip(pairs, INCONSISTENT, strict=True)}
    assert "inconsistent" in client.post(url, {**data, "action": "check"}, **HTMX).content.decode()
    assert client.post(url, {**data, "action": "save_ahp"}, **EN).status_code == 403
    assert "Save these weights" not in client.get(url, **EN).content.decode()
