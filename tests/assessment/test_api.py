"""The assessment API: same services, same policy as the pages; errors as JSON in the user's language."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grassroots.assessment import defaults, services
from grassroots.assessment.models import AssessmentRun, EnteredValue, Rating, RunState, VetoEvent
from grassroots.core.models import AuditEntry

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_systems_show_the_tree_with_global_weights_and_check_a_matrix(assessed, client_for):  # noqa: F811
    client = client_for(assessed.users.officer)
    systems = client.get(reverse("indicator-system-list"), **EN).json()["results"]
    assert {s["code"] for s in systems} == {"branch", "secretary"}
    branch = next(s for s in systems if s["code"] == "branch")
    detail = client.get(reverse("indicator-system-detail", args=[branch["id"]]), **EN).json()
    leaves = [i for i in detail["indicators"] if i["kind"] not in ("group", "deduction", "bonus")]
    assert abs(sum(i["global_weight"] for i in leaves) - 1) < 1e-6
    assert all(i["global_weight"] is None for i in detail["indicators"] if i["kind"] == "deduction")

    url = reverse("indicator-system-ahp-check", args=[branch["id"]])
    good = client.post(url, {"upper": defaults.SIX_AREAS_AHP}, content_type="application/json", **EN).json()
    assert good["consistent"] and len(good["weights"]) == 6
    bad_upper = ["9", "1/9", "9", "9", "9", "1/9", "9", "1/9", "9", "9", "1/9", "9", "9", "1/9", "9"]
    bad = client.post(url, {"upper": bad_upper}, content_type="application/json", **EN).json()
    assert not bad["consistent"] and bad["cr"] >= 0.1 and bad["pairs"][0]["a_code"] in "POIDWS"
    short = client.post(url, {"upper": ["2"]}, content_type="application/json", **EN)
    assert short.status_code == 400 and "comparisons" in str(short.json())
    group = next(i for i in detail["indicators"] if i["code"] == "O")
    three = client.post(url, {"group": group["id"], "upper": ["2", "3", "2"]}, content_type="application/json")
    assert three.status_code == 200 and len(three.json()["weights"]) == 3
    assert client.post(url, {"group": 999999, "upper": []}, content_type="application/json").status_code == 404

    outsider = client_for(assessed.users.outsider)
    assert outsider.get(reverse("indicator-system-detail", args=[branch["id"]])).status_code == 404


def test_a_run_is_created_computed_published_closed_and_recomputed(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    body = {
        "system": county.run.system_id,
        "period": "2025-Q4",
        "scope": "C-T1",
        "rater_weights": {"superior": 0.5, "masses": 0.5},
    }
    created = client.post(reverse("assessment-run-list"), body, content_type="application/json", **EN)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["state"] == "open" and data["scope"] == "C-T1" and len(data["rater_groups"]) == 2
    again = client.post(reverse("assessment-run-list"), body, content_type="application/json", **EN)
    assert again.status_code == 400 and "already exists" in str(again.json())
    bad = client.post(
        reverse("assessment-run-list"),
        {**body, "period": "2025-Q3", "rater_weights": {"superior": 0.5}},
        content_type="application/json",
        **EN,
    )
    assert bad.status_code == 400 and "add up to 1" in str(bad.json())
    for weights in ({"superior": 1.5, "masses": -0.5}, {"superior": "nan", "masses": 0.5}):
        refused = client.post(
            reverse("assessment-run-list"),
            {**body, "period": "2025-Q3", "rater_weights": weights},
            content_type="application/json",
            **EN,
        )
        assert refused.status_code == 400, weights
    for weights in ({"superior": 2, "masses": -1}, {"superior": float("nan"), "masses": 1}, {"superior": float("inf")}):
        with pytest.raises(ValidationError):  # the service itself, whoever calls it
            services.run_create(
                actor=county.users.officer,
                system=county.run.system,
                period=county.run.period,
                scope=county.t2,
                rater_weights=weights,
            )
    unweighted = services.run_create(
        actor=county.users.officer,
        system=county.run.system,
        period=county.run.period,
        scope=county.t2,
        rater_weights={"superior": 1, "masses": 0},
    )
    assert [g.kind for g in unweighted.rater_groups.all()] == ["superior"]  # a group weighing nothing is not asked

    pk = county.run.pk
    run_url = lambda name: reverse(f"assessment-run-{name}", args=[pk])  # noqa: E731
    assert client.post(run_url("publish"), **EN).status_code == 409
    computed = client.post(run_url("compute"), **EN).json()
    assert computed["state"] == "computed" and computed["assessed_count"] == 4
    assert client.post(run_url("publish"), **EN).json()["state"] == "published"
    assert client.post(run_url("close"), **EN).json()["state"] == "closed"
    refused = client.post(run_url("compute"), **EN)
    assert refused.status_code == 409 and "frozen" in refused.json()["detail"]
    new = client.post(run_url("recompute"), **EN)
    assert new.status_code == 201 and new.json()["version"] == 2 and new.json()["previous"] == pk

    listed = client.get(reverse("assessment-run-list"), {"period": "2025"}, **EN).json()
    assert {r["version"] for r in listed["results"]} == {1, 2}

    secretary = client_for(county.users.secretary)
    assert secretary.get(reverse("assessment-run-detail", args=[pk])).status_code == 200  # published: theirs
    assert secretary.post(run_url("recompute")).status_code == 403
    outsider = client_for(county.users.outsider)
    assert outsider.get(reverse("assessment-run-detail", args=[pk])).status_code == 404
    assert outsider.post(reverse("assessment-run-list"), body, content_type="application/json").status_code == 404


def test_results_filter_and_export_within_the_callers_scope(computed, client_for):
    county = computed
    officer = client_for(county.users.officer)
    url = reverse("assessment-result-list")
    everything = officer.get(url, {"run": county.run.pk}, **EN).json()
    assert everything["count"] == 4
    t2 = officer.get(url, {"run": county.run.pk, "organization": "C-T2", "sort": "rank"}, **EN).json()["results"]
    assert [r["organization"] for r in t2] == ["C-T2-V2", "C-T2-V1"]
    vetoed = officer.get(url, {"run": county.run.pk, "vetoed": "true"}, **EN).json()["results"]
    assert [r["organization"] for r in vetoed] == ["C-T2-V1"] and vetoed[0]["grade"] == "poor"
    assert officer.get(url, {"grade": "splendid"}).status_code == 400

    township = client_for(county.users.t1_officer)
    mine = township.get(url, {"run": county.run.pk}, **EN).json()
    assert {r["organization"] for r in mine["results"]} == {"C-T1-V1", "C-T1-V2"}
    response = township.get(reverse("assessment-result-csv"), {"run": county.run.pk}, HTTP_ACCEPT="text/csv", **EN)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(r[0] for r in rows[1:]) == ["C-T1-V1", "C-T1-V2"]
    assert AuditEntry.objects.filter(action="core.export", actor_id=county.users.t1_officer.pk).exists()
    assert township.get(reverse("assessment-result-csv")).status_code == 400

    secretary = client_for(county.users.secretary)
    assert secretary.get(url, {"run": county.run.pk}).json()["count"] == 0  # not yet published
    services.run_publish(actor=county.users.officer, run=county.run)
    assert [r["organization"] for r in secretary.get(url, {"run": county.run.pk}).json()["results"]] == ["C-T1-V1"]


def test_tokens_are_returned_once_and_rate_once(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    url = reverse("assessment-run-tokens", args=[county.run.pk])
    response = client.post(
        url, {"kind": "masses", "organization": "C-T1-V2", "count": 2}, content_type="application/json", **EN
    )
    assert response.status_code == 201
    links = response.json()["links"]
    assert len(links) == 2 and links[0]["url"].endswith(f"/rate/{links[0]['secret']}/")
    assert "no-store" in response["Cache-Control"]
    outside = client.post(url, {"kind": "masses", "organization": "C", "count": 1}, content_type="application/json")
    assert outside.status_code == 400
    unknown = client.post(
        url, {"kind": "peers", "organization": "C-T1-V2", "count": 1}, content_type="application/json"
    )
    assert unknown.status_code == 400
    questions = services.qualitative_indicators(county.run)
    services.rating_submit(secret=links[0]["secret"], grades={q.pk: "fair" for q in questions})
    assert Rating.objects.filter(organization=county.v12).count() == len(questions)
    assert AssessmentRun.objects.get(pk=county.run.pk).state == RunState.COLLECTING


def test_veto_events_and_entered_values(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    veto = client.post(
        reverse("veto-event-list"),
        {"period": "2025", "organization": "C-T1-V2", "reason": "违反中央八项规定精神", "occurred_on": "2025-06-01"},
        content_type="application/json",
        **EN,
    )
    assert veto.status_code == 201 and VetoEvent.objects.filter(organization=county.v12).exists()
    listed = client.get(reverse("veto-event-list"), {"organization": "C-T1-V2"}).json()
    assert listed["count"] == 1
    empty = client.post(
        reverse("veto-event-list"),
        {"period": "2025", "organization": "C-T1-V2", "reason": " ", "occurred_on": "2025-06-01"},
        content_type="application/json",
        **EN,
    )
    assert empty.status_code == 400

    url = reverse("entered-value-list")
    body = {"run": county.run.pk, "organization": "C-T1-V1", "indicator": "B1", "value": "2", "note": "表彰"}
    assert client.post(url, body, content_type="application/json", **EN).status_code == 201
    assert client.post(url, {**body, "value": "4"}, content_type="application/json", **EN).status_code == 201
    assert EnteredValue.objects.get(run=county.run, organization=county.v11).value == 4
    wrong = client.post(url, {**body, "indicator": "P1"}, content_type="application/json", **EN)
    assert wrong.status_code == 400 and "not entered by hand" in str(wrong.json())
    missing = client.post(url, {**body, "indicator": "ZZ"}, content_type="application/json", **EN)
    assert missing.status_code == 400
    secretary = client_for(county.users.secretary)
    assert secretary.post(url, body, content_type="application/json").status_code in (403, 404)
