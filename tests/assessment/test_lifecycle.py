"""What an assessment's life allows and refuses: drafts, published results, versions, rating links, vetoes and
values taken back, and the evidence behind a value, in the services, the pages and the API."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from grassroots.assessment import selectors, services
from grassroots.assessment.models import AssessmentRun, EnteredValue, IndicatorSystem, Result, RunState, VetoEvent
from grassroots.assessment.services.runs import _set_rater_groups
from grassroots.core.errors import Conflict, PermissionDenied
from grassroots.core.models import AuditEntry
from grassroots.organizations.models import Organization
from tests.assessment.year import END, YEAR, deductions_system

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


def _run_url(name, run):
    return reverse(f"assessment-run-{name}", args=[run.pk])


def test_no_assessment_on_a_draft_system(assessed, client_for):  # noqa: F811
    county = assessed
    system = county.run.system
    IndicatorSystem.objects.filter(pk=system.pk).update(state="draft")
    system.refresh_from_db()
    with pytest.raises(ValidationError, match="draft"):
        services.run_create(actor=county.users.officer, system=system, period=county.run.period, scope=county.t1)
    client = client_for(county.users.officer)
    body = {"system": system.pk, "period": f"{YEAR}-Q1", "scope": "C-T1"}
    refused = client.post(reverse("assessment-run-list"), body, content_type="application/json", **EN)
    assert refused.status_code == 400 and "still a draft" in str(refused.json())
    assert not AssessmentRun.objects.filter(period__code=f"{YEAR}-Q1").exists()


def test_published_results_are_computed_again_only_when_their_withdrawal_is_confirmed(published, client_for):
    county = published
    run, officer = county.run, county.users.officer
    with pytest.raises(Conflict, match="published"):
        services.run_compute(actor=officer, run=run, asof=END)
    run.refresh_from_db()
    assert run.state == RunState.PUBLISHED and run.published_at

    client = client_for(officer)
    url = reverse("assessment:run_action", args=[run.pk, "compute"])
    page = client.get(reverse("assessment:run", args=[run.pk]), **EN).content.decode()
    assert "the published results are withdrawn until you publish again" in page
    unconfirmed = client.post(url, **EN, follow=True)
    assert "Tick the box to confirm: the published results are withdrawn." in unconfirmed.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.PUBLISHED

    assert client.post(url, {"confirm": "1"}, **EN).status_code == 302
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED and run.published_at is None
    entry = AuditEntry.objects.filter(action="assessment.run.compute").latest("seq")
    assert entry.after["publication"] == "withdrawn"

    services.run_publish(actor=officer, run=run)
    refused = client.post(_run_url("compute", run), **EN)
    assert refused.status_code == 409 and "published" in refused.json()["detail"]
    again = client.post(_run_url("compute", run), {"withdraw_publication": True}, content_type="application/json")
    assert again.status_code == 200 and again.json()["state"] == "computed"


def test_a_closed_version_is_recomputed_once(published, client_for):
    county = published
    run, officer = county.run, county.users.officer
    services.run_close(actor=officer, run=run)
    second = services.run_recompute(actor=officer, run=run, asof=END)
    assert second.version == 2
    with pytest.raises(Conflict, match="Version 2"):
        services.run_recompute(actor=officer, run=run, asof=END)
    assert AssessmentRun.objects.filter(scope=run.scope, period=run.period).count() == 2
    client = client_for(officer)
    page = client.get(reverse("assessment:run", args=[run.pk]), **EN).content.decode()
    assert "Recompute as a new version" not in page
    twice = client.post(reverse("assessment:run_action", args=[run.pk, "recompute"]), **EN, follow=True)
    assert "Version 2 of this assessment already exists" in twice.content.decode()
    assert client.post(_run_url("recompute", run), **EN).status_code == 409


def test_a_run_button_pressed_after_the_session_ended_does_nothing_and_shows_the_run(published, client_for):
    county = published
    run = county.run
    client = client_for(county.users.officer)
    response = client.get(reverse("assessment:run_action", args=[run.pk, "close"]), **EN, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("assessment:run", args=[run.pk])
    assert "Nothing was done yet" in response.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.PUBLISHED


def test_no_rating_links_once_the_results_are_published(published, client_for):
    county = published
    run = county.run
    with pytest.raises(Conflict, match="Rating for this assessment has ended"):
        services.tokens_issue(actor=county.users.officer, run=run, kind="masses", organization=county.v11, count=1)
    client = client_for(county.users.officer)
    page = client.get(reverse("assessment:links", args=[run.pk]), **EN).content.decode()
    assert "links are issued only until its results are published" in page
    assert "Make the links and print them" not in page
    api = client.post(
        _run_url("tokens", run),
        {"kind": "masses", "organization": "C-T1-V1", "count": 1},
        content_type="application/json",
    )
    assert api.status_code == 409


def test_the_printed_links_page_sent_again_makes_no_more_links(assessed, client_for):  # noqa: F811
    county = assessed
    run = county.run
    client = client_for(county.users.officer)
    url = reverse("assessment:links", args=[run.pk])
    form = client.get(url, **EN)
    batch = form.context["batch"]
    data = {"kind": "masses", "organization": "C-T1-V1", "count": 3, "days": 30, "batch": batch}
    first = client.post(url, data, **EN)
    assert first.status_code == 200 and len(first.context["links"]) == 3
    again = client.post(url, data, **EN, follow=True)
    assert "These links were already made and shown once" in again.content.decode()
    assert run.rater_groups.get(kind="masses").tokens.count() == 3


def test_the_rater_weights_of_a_new_assessment_are_checked_on_the_page(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    base = {"system": county.run.system_id, "period": f"{YEAR}-Q2", "scope": county.t1.pk}
    zeros = client.post(
        reverse("assessment:run_new"), {**base, "superior": 0, "peers": 0, "members": 0, "masses": 0}, **EN
    )
    assert "they must add up to 1" in zeros.content.decode()
    negative = client.post(
        reverse("assessment:run_new"), {**base, "superior": "-0.2", "peers": "0.2", "members": 0.5, "masses": 0.5}, **EN
    )
    assert "greater than or equal to 0" in negative.content.decode()
    chinese = client.post(
        reverse("assessment:run_new"), {**base, "superior": "1.5", "peers": 0, "members": 0, "masses": 0}, **ZH
    )
    assert "小于或等于" in chinese.content.decode()
    assert not AssessmentRun.objects.filter(period__code=f"{YEAR}-Q2").exists()


def test_results_sort_by_topsis_closeness(published, client_for):
    county = published
    client = client_for(county.users.officer)
    response = client.get(reverse("assessment:results", args=[county.run.pk]), {"sort": "closeness"}, **EN)
    assert response.status_code == 200 and not response.context["form"].errors
    shown = [r.closeness for r in response.context["page"]]
    assert len(shown) == Result.objects.filter(run=county.run).count() and shown == sorted(shown, reverse=True)
    export = client.get(reverse("assessment:results_export", args=[county.run.pk, "csv"]), {"sort": "closeness"})
    assert len(b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()) == len(shown) + 1


def test_a_veto_dated_outside_its_period_is_refused_whoever_records_it(assessed, client_for):  # noqa: F811
    county = assessed
    with pytest.raises(ValidationError, match="outside the period"):
        services.veto_record(
            actor=county.users.officer,
            period=county.run.period,
            organization=county.v11,
            reason="x",
            occurred_on=dt.date(YEAR - 1, 5, 1),
        )
    client = client_for(county.users.officer)
    body = {"period": str(YEAR), "organization": "C-T1-V1", "reason": "x", "occurred_on": f"{YEAR - 1}-05-01"}
    refused = client.post(reverse("veto-event-list"), body, content_type="application/json", **EN)
    assert refused.status_code == 400 and "outside the period" in str(refused.json())


def test_a_veto_above_every_organization_assessed_is_refused_as_it_would_veto_nothing(assessed, client_for):  # noqa: F811
    county = assessed
    day = dt.date(YEAR, 5, 1)
    with pytest.raises(ValidationError, match="No assessment counts a veto"):
        services.veto_record(
            actor=county.users.officer, period=county.run.period, organization=county.t1, reason="x", occurred_on=day
        )
    client = client_for(county.users.officer)
    body = {"period": str(YEAR), "organization": "C-T1", "reason": "x", "occurred_on": f"{YEAR}-05-01"}
    refused = client.post(reverse("veto-event-list"), body, content_type="application/json", **ZH)
    assert refused.status_code == 400 and "不计入任何考核" in str(refused.json()["organization"])
    assert not VetoEvent.objects.filter(organization=county.t1).exists()
    # A branch, as a party group below one, is vetoed (the group's veto counts for its branch).
    body["organization"] = "C-T1-V1"
    assert client.post(reverse("veto-event-list"), body, content_type="application/json").status_code == 201
    # The page takes the same organizations, and refuses the township with the same reason.
    page = reverse("assessment:vetoes", args=[county.run.pk])
    form = {"reason": "x", "occurred_on": f"{YEAR}-05-01"}
    refused = client.post(page, {**form, "organization": "C-T1"}, **EN)
    assert refused.status_code == 200 and "No assessment counts a veto on" in refused.content.decode()
    group = Organization.objects.filter(parent=county.v11, kind="group").first()
    recorded = client.post(page, {**form, "organization": group.code, "reason": "小组违纪"}, **EN, follow=True)
    assert "Veto event recorded" in recorded.content.decode()
    services.run_compute(actor=county.users.officer, run=county.run, asof=END)
    vetoed = Result.objects.get(run=county.run, organization=county.v11)
    assert vetoed.vetoed and "小组违纪" in vetoed.veto_reason


def test_a_veto_recorded_by_mistake_is_taken_back_with_a_reason(assessed, client_for):  # noqa: F811
    county = assessed
    run, officer = county.run, county.users.officer
    event = services.veto_record(
        actor=officer, period=run.period, organization=county.v11, reason="录错了", occurred_on=dt.date(YEAR, 6, 1)
    )
    services.run_compute(actor=officer, run=run, asof=END)
    assert Result.objects.get(run=run, organization=county.v11).vetoed

    client = client_for(officer)
    url = reverse("assessment:vetoes", args=[run.pk])
    assert "Take the veto back" in client.get(url, **EN).content.decode()
    no_reason = client.post(url, {"action": "withdraw", "event": event.pk, "reason": " "}, **EN, follow=True)
    assert "Say why the veto is taken back." in no_reason.content.decode()
    assert VetoEvent.objects.filter(pk=event.pk).exists()
    done = client.post(url, {"action": "withdraw", "event": event.pk, "reason": "wrong branch"}, **EN, follow=True)
    assert "Veto taken back" in done.content.decode()
    event.refresh_from_db()
    assert event.withdrawn_at and event.withdrawn_by == officer and event.withdrawn_reason == "wrong branch"
    listed = done.content.decode()
    assert "Taken back on" in listed and "wrong branch" in listed  # kept in the list, marked, with no second button
    assert f'name="event" value="{event.pk}"' not in listed
    again = client.post(url, {"action": "withdraw", "event": event.pk, "reason": "twice"}, **EN, follow=True)
    assert "already been taken back" in again.content.decode()
    with pytest.raises(ValidationError, match="300 characters at most"):  # refused whole, never cut to fit
        services.veto_record(
            actor=officer,
            period=run.period,
            organization=county.v12,
            reason="长" * 301,
            occurred_on=dt.date(YEAR, 6, 1),
        )
    entry = AuditEntry.objects.get(action="assessment.veto.withdraw")
    assert entry.before["reason"] == "录错了" and entry.after["why"] == "wrong branch"
    services.run_compute(actor=officer, run=run, asof=END)
    assert not Result.objects.get(run=run, organization=county.v11).vetoed

    other = services.veto_record(
        actor=officer, period=run.period, organization=county.v12, reason="x", occurred_on=dt.date(YEAR, 6, 1)
    )
    api = reverse("veto-event-withdraw", args=[other.pk])
    assert client.post(api, {}, content_type="application/json").status_code == 400
    secretary = client_for(county.users.secretary)  # another branch's secretary: does not even see the veto
    assert secretary.post(api, {"reason": "x"}, content_type="application/json").status_code == 404
    township = client_for(county.users.t1_officer)  # manages the branch, not the county that recorded the veto
    refused = township.post(api, {"reason": "x"}, content_type="application/json", **EN)
    assert refused.status_code == 403 and VetoEvent.objects.filter(pk=other.pk).exists()
    # Still so once the county's recorder has left (their account closed).
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)
    assert township.post(api, {"reason": "x"}, content_type="application/json").status_code == 403
    type(officer).objects.filter(pk=officer.pk).update(is_active=True)
    own = services.veto_record(
        actor=county.users.t1_officer,
        period=run.period,
        organization=county.v12,
        reason="x",
        occurred_on=dt.date(YEAR, 7, 1),
    )
    services.veto_withdraw(actor=county.users.t1_officer, event=own, reason="the township's own")
    client = client_for(officer)
    assert client.post(api, {"reason": "typo"}, content_type="application/json").status_code == 204
    assert VetoEvent.objects.get(pk=other.pk).withdrawn_reason == "typo"
    twice = client.post(api, {"reason": "typo"}, content_type="application/json", **EN)
    assert twice.status_code == 409 and "already been taken back" in str(twice.json())
    listed = client.get(reverse("veto-event-list"), {"organization": "C-T1-V2"}).json()["results"]
    assert {(v["id"], v["withdrawn_reason"]) for v in listed} >= {(other.pk, "typo"), (own.pk, "the township's own")}
    in_force = client.get(reverse("veto-event-list"), {"organization": "C-T1-V2", "in_force": "true"}).json()
    assert other.pk not in [v["id"] for v in in_force["results"]]


def test_the_explanation_lists_the_vetoes_the_result_counted_until_it_is_computed_again(published):
    county = published
    run, officer = county.run, county.users.officer
    services.run_compute(actor=officer, run=run, asof=END, withdraw=True)
    event = services.veto_record(
        actor=officer, period=run.period, organization=county.v12, reason="counted", occurred_on=dt.date(YEAR, 6, 1)
    )
    services.run_compute(actor=officer, run=run, asof=END)
    services.run_publish(actor=officer, run=run)
    run.refresh_from_db()
    services.veto_withdraw(actor=officer, event=event, reason="later")
    later = services.veto_record(
        actor=officer, period=run.period, organization=county.v12, reason="not yet", occurred_on=dt.date(YEAR, 7, 1)
    )
    assert Result.objects.get(run=run, organization=county.v12).vetoed
    assert [v.pk for v in selectors.veto_records(run, county.v12)] == [event.pk]  # as the published result counted
    services.run_compute(actor=officer, run=run, asof=END, withdraw=True)
    run.refresh_from_db()
    assert [v.pk for v in selectors.veto_records(run, county.v12)] == [later.pk]
    assert Result.objects.get(run=run, organization=county.v12).veto_reason == "not yet"


def test_a_closed_run_still_shows_the_veto_it_counted_after_it_is_taken_back(computed, client_for):
    county = computed
    run, officer = county.run, county.users.officer
    event = services.veto_record(
        actor=officer, period=run.period, organization=county.v11, reason="重大违纪", occurred_on=dt.date(YEAR, 6, 1)
    )
    services.run_compute(actor=officer, run=run, asof=END)
    services.run_publish(actor=officer, run=run)
    services.run_close(actor=officer, run=run)
    run.refresh_from_db()
    services.veto_withdraw(actor=officer, event=event, reason="wrong branch")
    late = services.veto_record(
        actor=officer,
        period=run.period,
        organization=county.v11,
        reason="recorded later",
        occurred_on=dt.date(YEAR, 7, 1),
    )
    assert [v.pk for v in selectors.veto_records(run, county.v11)] == [event.pk]  # as it was when computed
    result = Result.objects.get(run=run, organization=county.v11)
    assert result.vetoed and "重大违纪" in result.veto_reason
    page = client_for(officer).get(reverse("assessment:explain", args=[run.pk, county.v11.pk]), **EN).content.decode()
    assert "重大违纪" in page and "taken back on" in page and "recorded later" not in page

    newer = services.run_recompute(actor=officer, run=run, asof=END)
    assert [v.pk for v in selectors.veto_records(newer, county.v11)] == [late.pk]


def test_a_value_entered_by_mistake_is_removed_and_its_evidence_opened(assessed, client_for):  # noqa: F811
    county = assessed
    run, officer = county.run, county.users.officer
    bonus = run.system.indicators.get(code="B1")
    with pytest.raises(ValidationError, match="not really"):
        services.entered_value_set(
            actor=officer,
            run=run,
            organization=county.v11,
            indicator=bonus,
            value=2,
            evidence=SimpleUploadedFile("photo.png", b"<script>alert(1)</script>"),
        )
    value = services.entered_value_set(
        actor=officer,
        run=run,
        organization=county.v11,
        indicator=bonus,
        value=2,
        evidence=SimpleUploadedFile("award.png", PNG),
    )
    client = client_for(officer)
    page = client.get(reverse("assessment:values", args=[run.pk]), **EN).content.decode()
    evidence_url = reverse("assessment:value_evidence", args=[run.pk, value.pk])
    assert evidence_url in page and "Remove" in page
    opened = client.get(evidence_url)
    assert opened.status_code == 200 and opened["Content-Type"] == "image/png"
    assert b"".join(opened.streaming_content) == PNG
    assert client_for(county.users.outsider).get(evidence_url).status_code == 404
    client = client_for(officer)
    listed = client.get(reverse("entered-value-list"), {"run": run.pk}).json()["results"]
    assert [v["evidence_url"] for v in listed] == [f"http://testserver{evidence_url}"]

    client = client_for(officer)
    removed = client.post(reverse("assessment:values", args=[run.pk]), {"action": "remove", "value": value.pk}, **EN)
    assert removed.status_code == 302 and not EnteredValue.objects.filter(pk=value.pk).exists()
    assert AuditEntry.objects.get(action="assessment.value.remove").before["value"] == "2.00"

    again = services.entered_value_set(actor=officer, run=run, organization=county.v11, indicator=bonus, value=1)
    services.run_compute(actor=officer, run=run, asof=END)
    services.run_close(actor=officer, run=run)
    with pytest.raises(Conflict):
        services.entered_value_remove(actor=officer, value=again)
    api = client.delete(reverse("entered-value-detail", args=[again.pk]), **EN)
    assert api.status_code == 409 and EnteredValue.objects.filter(pk=again.pk).exists()


def test_organizations_are_named_by_code_chinese_or_english_name_in_the_forms(assessed, client_for):  # noqa: F811
    county = assessed
    run = county.run
    client = client_for(county.users.officer)
    url = reverse("assessment:vetoes", args=[run.pk])
    name_en = county.v12.name_en or "Liuwan Village Branch"
    type(county.v12).objects.filter(pk=county.v12.pk).update(name_en=name_en)
    client.post(url, {"organization": name_en.upper(), "reason": "x", "occurred_on": f"{YEAR}-03-01"}, **EN)
    assert VetoEvent.objects.filter(organization=county.v12).exists()


def test_superiors_and_members_rate_with_their_account_once(assessed, client_for):  # noqa: F811
    county = assessed
    run = county.run
    questions = services.qualitative_indicators(run)
    township = client_for(county.users.t1_officer)
    home = township.get(reverse("home"), **EN).content.decode()
    assert 'data-task="ratings"><span class="task-count">2</span>' in home
    assert "organizations wait for your rating in assessments" in home
    todo = township.get(reverse("assessment:ratings_to_give"), **EN)
    rows = todo.context["rows"]
    assert [(r["run"].pk, r["kind"], r["count"], r["done"]) for r in rows] == [(run.pk, "superior", 2, 0)]
    url = reverse("assessment:rate_as", args=[run.pk, "superior"])
    listed = township.get(url, **EN).content.decode()
    assert "青山村党支部" in listed and "柳湾村党支部" in listed and "白石村党支部" not in listed
    assert township.get(url, {"org": county.v21.pk}, **EN).status_code == 404  # another township's branch
    form = township.get(url, {"org": county.v11.pk}, **EN).content.decode()
    assert all(f'name="q_{q.pk}"' in form for q in questions)
    partial = township.post(f"{url}?org={county.v11.pk}", {f"q_{questions[0].pk}": "good"}, **EN, follow=True)
    assert "Choose a grade for" in partial.content.decode()
    grades = {f"q_{q.pk}": "good" for q in questions}
    done = township.post(f"{url}?org={county.v11.pk}", grades, **EN, follow=True)
    assert "Rating of Qingshan" in done.content.decode() or "Rating of 青山村党支部" in done.content.decode()
    assert done.context["rated"] == {county.v11.pk} and done.context["left"] == 1
    superior = run.rater_groups.get(kind="superior")
    assert superior.ratings.filter(organization=county.v11, rater=county.users.t1_officer).count() == len(questions)
    again = township.get(url, {"org": county.v11.pk}, **EN).content.decode()
    assert "You have already rated this organization." in again

    api = reverse("assessment-run-ratings", args=[run.pk])
    body = {"kind": "superior", "organization": "C-T1-V2", "grades": {q.code: "fair" for q in questions}}
    assert township.post(api, {**body, "grades": {"NOPE": "good"}}, content_type="application/json").status_code == 400
    assert township.post(api, body, content_type="application/json").status_code == 201
    assert township.post(api, body, content_type="application/json").status_code == 409
    outside = township.post(api, {**body, "organization": "C-T2-V1"}, content_type="application/json")
    assert outside.status_code == 404

    listed = township.get(reverse("assessment-run-ratings-to-give")).json()
    assert listed == [{"run": run.pk, "period": str(YEAR), "scope": "C", "kind": "superior", "count": 2, "done": 2}]
    # The county manages 新街镇's branches too, but the township, with officers of its own, stands between them:
    # the county rates as superior only the branches of the township without officers.
    county_officer = client_for(county.users.officer)
    assert [r["count"] for r in county_officer.get(reverse("assessment-run-ratings-to-give")).json()] == [2]
    ratable = selectors.ratable(user=county.users.officer, run=run, kind="superior")
    assert set(ratable) == {county.v21, county.v22}
    # A township whose only officer account is closed has no officers: the county is then the nearest above.
    type(county.users.t1_officer).objects.filter(pk=county.users.t1_officer.pk).update(is_active=False)
    officer = type(county.users.officer).objects.get(pk=county.users.officer.pk)
    assert set(selectors.ratable(user=officer, run=run, kind="superior")) == {
        county.v11,
        county.v12,
        county.v21,
        county.v22,
    }
    type(county.users.t1_officer).objects.filter(pk=county.users.t1_officer.pk).update(is_active=True)
    refused = county_officer.post(api, {**body, "organization": "C-T1-V1"}, content_type="application/json", **EN)
    assert refused.status_code == 404 and "no organization of this code to rate" in str(refused.json())
    with pytest.raises(PermissionDenied, match="Only the organization above"):
        services.rating_by_user(
            actor=county.users.officer,
            run=run,
            kind="superior",
            organization=county.v12,
            grades={q.pk: "good" for q in questions},
        )

    member = client_for(county.users.member)
    rows = member.get(reverse("assessment:ratings_to_give"), **EN).context["rows"]
    assert [(r["kind"], r["count"]) for r in rows] == [("members", 1)]
    mine = {"kind": "members", "organization": "C-T1-V1", "grades": {q.code: "excellent" for q in questions}}
    assert member.post(api, mine, content_type="application/json").status_code == 201
    done = member.get(reverse("assessment:rate_as", args=[run.pk, "members"]), **EN).content.decode()
    assert "You have rated them all." in done
    other = member.post(api, {**mine, "organization": "C-T1-V2"}, content_type="application/json")
    assert other.status_code == 404

    services.run_compute(actor=county.users.officer, run=run, asof=END)
    services.run_publish(actor=county.users.officer, run=run)
    assert client_for(county.users.t1_officer).get(reverse("assessment:ratings_to_give")).context["rows"] == []
    # An old tab of the rating page, or its form sent now, is told that rating has ended; others still find nothing.
    ended = client_for(county.users.t1_officer).post(f"{url}?org={county.v12.pk}", grades, follow=True, **EN)
    assert ended.redirect_chain[-1][0] == reverse("assessment:ratings_to_give")
    assert "Rating for this assessment has ended: its results are published." in ended.content.decode()
    assert client_for(county.users.secretary).get(url).status_code == 404


def test_the_run_page_counts_the_ratings_given_with_an_account(assessed, client_for):  # noqa: F811
    county = assessed
    run = county.run
    questions = services.qualitative_indicators(run)
    for org in (county.v11, county.v12):
        services.rating_by_user(
            actor=county.users.t1_officer,
            run=run,
            kind="superior",
            organization=org,
            grades={q.pk: "good" for q in questions},
        )
    page = client_for(county.users.officer).get(reverse("assessment:run", args=[run.pk]), **EN).content.decode()
    assert "2 ratings given with an account" in page


def test_a_rater_whose_browser_keeps_no_cookies_can_still_rate(assessed):  # noqa: F811
    from django.test import Client

    county = assessed
    run = county.run
    secret = services.tokens_issue(
        actor=county.users.officer, run=run, kind="masses", organization=county.v11, count=1
    )[0]
    questions = services.qualitative_indicators(run)
    browser = Client(enforce_csrf_checks=True)  # no cookie from a first visit, no token
    sent = browser.post(reverse("assessment:rate", args=[secret]), {f"q_{q.pk}": "good" for q in questions}, **EN)
    assert sent.status_code == 200 and run.rater_groups.get(kind="masses").ratings.count() == len(questions)


def test_the_run_page_says_how_long_the_computation_took_as_people_read_it(published, client_for):
    county = published
    AssessmentRun.objects.filter(pk=county.run.pk).update(computed_seconds=0.0123)
    page = client_for(county.users.officer).get(reverse("assessment:run", args=[county.run.pk]), **EN)
    assert "for 4 organizations in 12 ms." in page.content.decode()


def test_malformed_ids_find_nothing(assessed, client_for):  # noqa: F811
    county = assessed
    run = county.run
    client = client_for(county.users.officer)
    for page, data in (
        ("assessment:vetoes", {"action": "withdraw", "event": "abc", "reason": "x"}),
        ("assessment:vetoes", {"action": "withdraw", "reason": "x"}),
        ("assessment:values", {"action": "remove", "value": "1 OR 1=1"}),
    ):
        assert client.post(reverse(page, args=[run.pk]), data, **EN).status_code == 404
    body = {"kind": "superior", "organization": "C-T1-V1", "grades": {}}
    api = client.post("/api/assessment-runs/abc/ratings/", body, content_type="application/json")
    assert api.status_code == 404
    assert client.get(reverse("assessment:rate_as", args=[run.pk, "masses"])).status_code == 404
    assert client.get(reverse("assessment:rate_as", args=[run.pk, "superior"]), {"org": "x"}).status_code == 404
    # Digits that are not 0-9 (str.isdigit() takes ², which int() refuses) find nothing either, never a 500.
    client.raise_request_exception = False
    township = client_for(county.users.t1_officer)
    township.raise_request_exception = False
    assert township.get(reverse("assessment:rate_as", args=[run.pk, "superior"]), {"org": "²"}).status_code == 404
    assert (
        client.post(reverse("assessment:vetoes", args=[run.pk]), {"action": "withdraw", "event": "²"}).status_code
        == 404
    )
    assert client.post("/api/assessment-runs/²/ratings/", body, content_type="application/json").status_code == 404
    assert client.get(reverse("assessment-result-csv"), {"run": "²"}).status_code == 400
    assert client.get(reverse("orglife:study", args=[county.v11.pk]), {"period": "²⁰²⁶"}).status_code == 200


def test_peers_rate_their_sibling_not_themselves_and_officers_are_not_peers(assessed, client_for):  # noqa: F811
    county = assessed
    run = county.run
    _set_rater_groups(run, {"superior": 0.4, "peers": 0.2, "masses": 0.4}, 1)
    questions = services.qualitative_indicators(run)
    grades = {q.pk: "good" for q in questions}
    secretary = county.users.secretary  # works for Qingshan (C-T1-V1)
    peers = selectors.ratable(user=secretary, run=run, kind="peers")
    assert list(peers) == [county.v12]
    services.rating_by_user(actor=secretary, run=run, kind="peers", organization=county.v12, grades=grades)
    with pytest.raises(PermissionDenied, match="peer"):
        services.rating_by_user(actor=secretary, run=run, kind="peers", organization=county.v11, grades=grades)
    with pytest.raises(PermissionDenied, match="peer"):
        services.rating_by_user(
            actor=county.users.officer, run=run, kind="peers", organization=county.v12, grades=grades
        )
    with pytest.raises(PermissionDenied, match="above"):
        services.rating_by_user(actor=secretary, run=run, kind="superior", organization=county.v12, grades=grades)


def test_a_period_and_scope_are_assessed_once_whatever_the_version_of_the_system(assessed):  # noqa: F811
    county = assessed
    officer = county.users.officer
    draft = services.system_new_version(actor=officer, system=county.run.system)
    services.system_activate(actor=officer, system=draft)
    with pytest.raises(ValidationError, match="already exists"):
        services.run_create(actor=officer, system=draft, period=county.run.period, scope=county.run.scope)


def test_the_results_api_names_organizations_in_the_callers_language_and_marks_sensitive_ranks(published, client_for):
    county = published
    run = county.run
    Result.objects.filter(run=run, organization=county.v11).update(rank_low=1, rank_high=4)  # 3 places of 4
    Result.objects.filter(run=run, organization=county.v12).update(rank_low=2, rank_high=3)
    type(county.v11).objects.filter(pk=county.v11.pk).update(name_en="Qingshan Village Branch")
    client = client_for(county.users.officer)
    rows = client.get(reverse("assessment-result-list"), {"run": run.pk}, **EN).json()["results"]
    by_code = {r["organization"]: r for r in rows}
    assert by_code["C-T1-V1"]["organization_name"] == "Qingshan Village Branch"
    assert by_code["C-T1-V1"]["sensitive"] is True and by_code["C-T1-V2"]["sensitive"] is False
    chinese = client.get(reverse("assessment-result-list"), {"run": run.pk}, **ZH).json()["results"]
    assert {r["organization_name"] for r in chinese} >= {"青山村党支部"}


def test_a_name_two_organizations_share_is_refused_until_the_code_says_which(assessed, client_for):
    county = assessed
    type(county.v12).objects.filter(pk=county.v12.pk).update(name=county.v11.name)
    client = client_for(county.users.officer)
    url = reverse("assessment:vetoes", args=[county.run.pk])
    refused = client.post(url, {"organization": county.v11.name, "reason": "x", "occurred_on": f"{YEAR}-03-01"}, **EN)
    assert "More than one organization has this name" in refused.content.decode()
    assert not VetoEvent.objects.filter(reason="x").exists()


def test_the_rater_groups_progress_reads_in_each_languages_punctuation(assessed, client_for):
    county = assessed
    run = county.run
    services.tokens_issue(actor=county.users.officer, run=run, kind="masses", organization=county.v11, count=2)
    client = client_for(county.users.officer)
    english = client.get(reverse("assessment:run", args=[run.pk]), **EN).content.decode()
    assert "The masses (weight 0.3, counts from 3 raters of an organization): 0 of 2 links used" in english
    chinese = client.get(reverse("assessment:run", args=[run.pk]), **ZH).content.decode()
    assert "群众（权重 0.3，每个组织至少 3 人测评才计入）：已使用 0/2 个链接" in chinese


def test_no_assessment_of_a_period_long_past_or_years_ahead(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.officer)
    for period in ("1900", "2999-Q1"):
        body = {"system": county.run.system_id, "period": period, "scope": "C-T1"}
        refused = client.post(reverse("assessment-run-list"), body, content_type="application/json", **EN)
        assert refused.status_code == 400 and "from 2000 to next year" in str(refused.json()), period


def test_the_rules_of_deductions_and_bonuses_read_in_each_language(assessed, client_for):  # noqa: F811
    county = assessed
    system = deductions_system(county)  # the default system has no deduction taking points
    deduction = system.indicators.filter(kind="deduction").exclude(points=0).first()
    points, cap = (f"{v.normalize():f}" for v in (deduction.points, deduction.cap))
    client = client_for(county.users.officer)
    url = reverse("assessment:system", args=[system.pk])
    assert f"−{points} each, cap {cap}" in client.get(url, **EN).content.decode()
    assert f"每次 −{points}，上限 {cap}" in client.get(url, **ZH).content.decode()


def test_the_results_filters_refuse_what_they_cannot_read_and_take_english_names(published, client_for):
    county = published
    run = county.run
    client = client_for(county.users.officer)
    url = reverse("assessment-result-list")
    assert client.get(url, {"run": run.pk, "vetoed": "maybe"}, **EN).status_code == 400
    others = client.get(url, {"run": run.pk, "vetoed": "false"}, **EN).json()["results"]
    assert len(others) == 3 and not any(r["vetoed"] for r in others)
    type(county.t1).objects.filter(pk=county.t1.pk).update(name_en="Xinjie Town Committee")
    page = client.get(reverse("assessment:results", args=[run.pk]), {"org": "xinjie town committee"}, **EN)
    assert not page.context["form"].errors
    assert {r.organization.code for r in page.context["page"]} == {"C-T1-V1", "C-T1-V2"}


def test_a_retired_version_is_refused_with_the_reason(assessed, client_for):  # noqa: F811
    county = assessed
    officer = county.users.officer
    old = county.run.system
    services.system_activate(actor=officer, system=services.system_new_version(actor=officer, system=old))
    body = {"system": old.pk, "period": f"{YEAR}-Q1", "scope": "C-T1"}
    refused = client_for(officer).post(reverse("assessment-run-list"), body, content_type="application/json", **EN)
    assert refused.status_code == 400 and "retired" in str(refused.json())


def test_english_pages_sort_results_by_the_english_name(published, client_for):
    county = published
    names = {county.v11: "Zeta Branch", county.v12: "alpha Branch", county.v21: "Mu Branch", county.v22: ""}
    for org, name in names.items():
        type(org).objects.filter(pk=org.pk).update(name_en=name)
    client = client_for(county.users.officer)
    url = reverse("assessment:results", args=[county.run.pk])
    english = [r.organization.code for r in client.get(url, {"sort": "name"}, **EN).context["page"]]
    assert english[:3] == ["C-T1-V2", "C-T2-V1", "C-T1-V1"]  # Alpha, Mu, Zeta; 石门村 (no English name) after
    chinese = [r.organization.code for r in client.get(url, {"sort": "name"}, **ZH).context["page"]]
    assert len(chinese) == 4 and chinese != english


def test_chinese_pages_sort_results_by_pinyin(published, client_for):
    county = published
    names = {
        county.v11: "阿里村党支部",
        county.v12: "周家村党支部",
        county.v21: "白沙村党支部",
        county.v22: "重庆路党支部",
    }
    for org, name in names.items():
        type(org).objects.filter(pk=org.pk).update(name=name)
    client = client_for(county.users.officer)
    url = reverse("assessment:results", args=[county.run.pk])
    chinese = [r.organization.code for r in client.get(url, {"sort": "name"}, **ZH).context["page"]]
    # a, bai, chong (重庆, read as a phrase), zhou; by code point 周 (U+5468) would come first and 阿 (U+963F) last
    assert chinese == ["C-T1-V1", "C-T2-V1", "C-T2-V2", "C-T1-V2"]
    api = client.get(reverse("assessment-result-list"), {"run": county.run.pk, "sort": "name"}, **ZH).json()
    assert [r["organization"] for r in api["results"]] == chinese
    # The members behind the study and talk scores, likewise on every page.
    from tests.factories import MemberFactory

    for name in ["周敏", "阿华", "白玉兰"]:
        MemberFactory(organization=county.v22, name=name)
    studied = [m.name for m in selectors.study_records(county.run, county.v22) if m.name in {"周敏", "阿华", "白玉兰"}]
    assert studied == ["阿华", "白玉兰", "周敏"]


def test_a_runs_version_is_named_apart_from_its_systems_version(published, client_for):
    county = published
    officer = county.users.officer
    services.run_close(actor=officer, run=county.run)
    second = services.run_recompute(actor=officer, run=county.run, asof=END)
    client = client_for(officer)
    english = client.get(reverse("assessment:results", args=[second.pk]), **EN).content.decode()
    assert "· version 2</a>" in english
    run_page = client.get(reverse("assessment:run", args=[second.pk]), **EN).content.decode()
    assert f"v{second.system.version}</a>" in run_page
    chinese = client.get(reverse("assessment:runs"), **ZH).content.decode()
    assert "<span>第 2 版</span>" in chinese


def test_malformed_input_to_the_new_pages_and_endpoints_is_refused_never_a_server_error(assessed, client_for):  # noqa: F811
    county = assessed
    run = county.run
    client = client_for(county.users.t1_officer)
    client.raise_request_exception = False
    rate = reverse("assessment:rate_as", args=[run.pk, "superior"])
    api = reverse("assessment-run-ratings", args=[run.pk])
    answers = [
        client.post(f"{rate}?org={county.v11.pk}", {"q_x": "good", "q_1": "splendid"}),
        client.post(f"{rate}?org={county.v11.pk}&page=abc", {}),
        client.get(rate, {"page": "-1"}),
        client.get(reverse("assessment:rate_as", args=[run.pk, "<script>"])),
        client.post(
            api, {"kind": "superior", "organization": "C-T1-V1", "grades": "good"}, content_type="application/json"
        ),
        client.post(
            api,
            {"kind": "superior", "organization": "C-T1-V1", "grades": {"W1": "splendid"}},
            content_type="application/json",
        ),
        client.post(api, {"kind": "boss", "organization": ["x"], "grades": []}, content_type="application/json"),
        client.post(api, "not json", content_type="application/json"),
        client.post(reverse("veto-event-withdraw", args=[999999]), {"reason": "x"}, content_type="application/json"),
        client.post(
            reverse("assessment:vetoes", args=[run.pk]), {"action": "withdraw", "event": "99999999999999999999"}
        ),
        client.post(reverse("assessment:values", args=[run.pk]), {"action": "remove", "value": "١٢"}),  # Arabic digits
        client.post(
            reverse("assessment-run-compute", args=[run.pk]),
            {"withdraw_publication": "perhaps"},
            content_type="application/json",
        ),
        client.get(reverse("assessment-result-list"), {"vetoed": "", "sort": "name"}),
    ]
    assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]


def test_the_results_filter_offers_the_subtrees_in_view(published, client_for):
    county = published
    url = reverse("assessment:results", args=[county.run.pk])
    county_page = client_for(county.users.officer).get(url, **EN).content.decode()
    assert '<datalist id="org-codes">' in county_page
    assert '<option value="C-T1">' in county_page and '<option value="C-T2">' in county_page
    township = client_for(county.users.t1_officer).get(url, **EN).content.decode()
    assert '<option value="C-T1">' in township and '<option value="C-T2">' not in township
