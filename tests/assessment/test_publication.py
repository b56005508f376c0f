"""Provisional and published results: a run computed before its closing day is provisional wherever it is read,
and is published only early and on purpose, with a reason the pages and exports then state."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from grassroots.assessment import selectors, services
from grassroots.assessment.exports import publication_status
from grassroots.assessment.models import AssessmentRun, RunState
from grassroots.core.errors import Conflict
from grassroots.core.models import AuditEntry
from tests.assessment.year import END, YEAR

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DEC_6 = dt.date(YEAR, 12, 6)
REASON = "The year-end review meets on 10 December."


def _provisional(county) -> AssessmentRun:
    """The county's run computed again as of 6 December of its calendar-year period."""
    services.run_compute(actor=county.users.officer, run=county.run, asof=DEC_6)
    return AssessmentRun.objects.select_related("period").get(pk=county.run.pk)


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# -- the service ------------------------------------------------------------------------------------------------------


def test_a_run_computed_as_of_6_december_is_published_only_with_a_reason(computed):
    county = computed
    officer = county.users.officer
    run = _provisional(county)
    assert run.asof == DEC_6 and run.closing_day == END and run.is_provisional
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="provisional: they count records up to 2025-12-06, before the"):
            services.run_publish(actor=officer, run=run, reason=reason)
        with pytest.raises(ValidationError, match="publish them early and say why"):
            services.run_publish_check(actor=officer, obj=run, reason=reason)
    services.run_publish_check(actor=officer, obj=run, reason=None)  # the page asks for the reason on its form
    with pytest.raises(ValidationError, match="1000 characters or fewer"):
        services.run_publish(actor=officer, run=run, reason="x" * 1001)
    assert AssessmentRun.objects.get(pk=run.pk).state == RunState.COMPUTED
    assert not AssessmentRun.objects.final().filter(pk=run.pk).exists()

    published = services.run_publish(actor=officer, run=run, reason=f"  {REASON} ")
    run.refresh_from_db()
    assert run.state == RunState.PUBLISHED and published.published_early and run.published_early
    assert run.early_publication_reason == REASON and run.published_asof == DEC_6
    entry = AuditEntry.objects.filter(action="assessment.run.publish", object_id=str(run.pk)).latest("seq")
    assert entry.after["early"] is True and entry.after["reason"] == REASON and entry.after["asof"] == "2025-12-06"
    # Published early, the results count for what follows; so do they once closed.
    assert list(AssessmentRun.objects.final().filter(pk=run.pk)) == [run]
    assert run in selectors.published_runs(user=officer) and run in selectors.published_runs()
    services.run_close(actor=officer, run=run)
    assert AssessmentRun.objects.final().filter(pk=run.pk).exists()
    run.refresh_from_db()
    assert run.published_early  # still says so, closed


def test_a_run_computed_as_of_the_periods_end_is_published_without_a_reason_and_a_withdrawal_clears_it(computed):
    county = computed
    officer = county.users.officer
    run = _provisional(county)
    services.run_publish(actor=officer, run=run, reason=REASON)
    services.run_compute(actor=officer, run=run, asof=END, withdraw=True)
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED and not run.early_publication_reason and run.published_asof is None
    assert not run.is_provisional
    services.run_publish(actor=officer, run=run, reason="ignored: the results are final")
    run.refresh_from_db()
    assert run.state == RunState.PUBLISHED and not run.published_early and run.early_publication_reason == ""
    assert run.published_asof == END
    entry = AuditEntry.objects.filter(action="assessment.run.publish", object_id=str(run.pk)).latest("seq")
    assert "early" not in entry.after and entry.after["closing_day"] == "2025-12-31"


def test_provisional_results_are_not_closed_before_they_are_published(computed):
    county = computed
    run = _provisional(county)
    with pytest.raises(ValidationError, match="before closing them"):
        services.run_close(actor=county.users.officer, run=run)
    assert AssessmentRun.objects.get(pk=run.pk).state == RunState.COMPUTED
    assert not AssessmentRun.objects.final().filter(pk=run.pk).exists()


def test_the_closing_day_lies_within_the_period_and_decides_what_is_provisional(computed):
    county = computed
    officer = county.users.officer
    run = _provisional(county)
    with pytest.raises(ValidationError) as refused:
        services.run_set_closing_day(actor=officer, run=run, closes_on=dt.date(YEAR + 1, 1, 5))
    assert "within the period, from 2025-01-01 to 2025-12-31" in str(refused.value.message_dict["closes_on"])
    with pytest.raises(ValidationError, match="within the period"):
        services.run_create(
            actor=officer,
            system=run.system,
            period=run.period,
            scope=county.t2,
            closes_on=dt.date(YEAR - 1, 12, 31),
        )
    services.run_set_closing_day(actor=officer, run=run, closes_on=dt.date(YEAR, 12, 5))
    run.refresh_from_db()
    assert run.closes_on == dt.date(YEAR, 12, 5) and run.closing_day == dt.date(YEAR, 12, 5)
    assert not run.is_provisional  # computed as of a day after the closing day: fine
    entry = AuditEntry.objects.filter(action="assessment.run.closing_day").latest("seq")
    assert entry.before == {"closes_on": None} and entry.after == {"closes_on": "2025-12-05"}
    services.run_publish(actor=officer, run=run)
    run.refresh_from_db()
    assert run.state == RunState.PUBLISHED and not run.published_early
    with pytest.raises(Conflict, match="closing day they count to is fixed"):
        services.run_set_closing_day(actor=officer, run=run, closes_on=None)
    # A run opened with a closing day keeps it into its next version.
    other = services.run_create(
        actor=officer, system=run.system, period=run.period, scope=county.t2, closes_on=dt.date(YEAR, 11, 30)
    )
    assert other.closing_day == dt.date(YEAR, 11, 30)
    services.run_compute(actor=officer, run=other, asof=END)
    services.run_close(actor=officer, run=other)
    assert services.run_recompute(actor=officer, run=other, asof=END).closes_on == dt.date(YEAR, 11, 30)


def test_the_closing_day_set_to_the_periods_end_is_the_default(computed):
    county = computed
    run = services.run_set_closing_day(actor=county.users.officer, run=county.run, closes_on=END)
    assert run.closes_on is None and run.closing_day == END


def test_only_those_who_run_the_assessment_set_its_closing_day(computed):
    from grassroots.core.errors import PermissionDenied

    county = computed
    with pytest.raises(PermissionDenied):
        services.run_set_closing_day(actor=county.users.secretary, run=county.run, closes_on=DEC_6)


# -- the pages --------------------------------------------------------------------------------------------------------


def test_the_run_page_asks_for_the_reason_of_an_early_publication_and_then_states_it(computed, client_for):
    county = computed
    run = _provisional(county)
    client = client_for(county.users.officer)
    url = reverse("assessment:run", args=[run.pk])
    page = client.get(url, **EN).content.decode()
    assert "Provisional results." in page and "They count records up to 2025-12-06, before the closing day" in page
    assert 'name="reason"' in page and "Publish early" in page
    assert "Records counted up to 2025-12-06; closing day 2025-12-31." in page
    assert "close-run" not in page  # provisional results are not closed before they are published
    publish = reverse("assessment:run_action", args=[run.pk, "publish"])

    refused = client.post(publish, {"reason": "  "}, follow=True, **EN)
    assert "These results are provisional" in refused.content.decode()
    assert AssessmentRun.objects.get(pk=run.pk).state == RunState.COMPUTED

    done = client.post(publish, {"reason": REASON}, follow=True, **EN).content.decode()
    assert "Published early, as of 2025-12-06: every page and export of the results says so" in done
    assert f"Published early, as of 2025-12-06, because:</b> {REASON}" in done
    assert "Provisional results." not in done
    results = client.get(reverse("assessment:results", args=[run.pk]), **EN).content.decode()
    assert f"Published early, as of 2025-12-06, because:</b> {REASON}" in results
    explain = client.get(reverse("assessment:explain", args=[run.pk, county.v11.pk]), **EN).content.decode()
    assert "Published early, as of 2025-12-06" in explain
    listed = client.get(reverse("assessment:runs"), **EN).content.decode()
    assert "published early, as of 2025-12-06" in listed


def test_provisional_results_say_so_on_every_page_they_are_read(computed, client_for):
    county = computed
    run = _provisional(county)
    client = client_for(county.users.officer)
    for name, args in (
        ("assessment:results", [run.pk]),
        ("assessment:sensitivity", [run.pk]),
        ("assessment:explain", [run.pk, county.v11.pk]),
    ):
        page = client.get(reverse(name, args=args), **EN).content.decode()
        assert "Provisional results." in page and "before the closing day 2025-12-31" in page, name
    assert "provisional, as of 2025-12-06" in client.get(reverse("assessment:runs"), **EN).content.decode()
    services.run_compute(actor=county.users.officer, run=run, asof=END)
    final = client.get(reverse("assessment:results", args=[run.pk]), **EN).content.decode()
    assert "Provisional results." not in final
    page = client.get(reverse("assessment:run", args=[run.pk]), **EN).content.decode()
    assert 'name="reason"' not in page and ">Publish</button>" in page


def test_the_closing_day_is_set_on_the_run_page_and_on_the_form_that_opens_a_run(computed, client_for):
    county = computed
    run = _provisional(county)
    client = client_for(county.users.officer)
    action = reverse("assessment:run_action", args=[run.pk, "closing_day"])
    bad = client.post(action, {"closes_on": "the sixth"}, follow=True, **EN).content.decode()
    assert "Give the closing day as a date" in bad
    outside = client.post(action, {"closes_on": "2026-01-02"}, follow=True, **EN).content.decode()
    assert "The closing day must lie within the period, from 2025-01-01 to 2025-12-31." in outside
    done = client.post(action, {"closes_on": "2025-12-06"}, follow=True, **EN).content.decode()
    assert "The results will count to 2025-12-06 when published." in done and "Provisional results." not in done
    assert AssessmentRun.objects.get(pk=run.pk).closes_on == DEC_6

    form = {
        "system": run.system_id,
        "period": f"{YEAR}-Q4",
        "scope": county.t1.pk,
        "superior": "0.4",
        "peers": "0",
        "members": "0.3",
        "masses": "0.3",
        "closes_on": "2025-09-30",
    }
    refused = client.post(reverse("assessment:run_new"), form, **EN)
    assert refused.status_code == 200
    assert "The closing day must lie within the period, from 2025-10-01 to 2025-12-31." in refused.content.decode()
    made = client.post(reverse("assessment:run_new"), {**form, "closes_on": "2025-12-20"})
    assert made.status_code == 302
    assert AssessmentRun.objects.get(period__code=f"{YEAR}-Q4").closes_on == dt.date(YEAR, 12, 20)
    secretary = client_for(county.users.secretary)
    assert secretary.post(action, {"closes_on": "2025-12-01"}).status_code == 404  # not theirs to see yet
    assert AssessmentRun.objects.get(pk=run.pk).closes_on == DEC_6


# -- the API ----------------------------------------------------------------------------------------------------------


def test_the_api_says_provisional_and_asof_and_publishes_early_only_with_a_reason(computed, client_for):
    county = computed
    run = _provisional(county)
    client = client_for(county.users.officer)
    detail = client.get(reverse("assessment-run-detail", args=[run.pk]), **EN).json()
    assert detail["provisional"] is True and detail["asof"] == "2025-12-06" and detail["closing_day"] == "2025-12-31"
    assert detail["closes_on"] is None and detail["published_early"] is False
    results = client.get(reverse("assessment-result-list"), {"run": run.pk}, **EN).json()["results"]
    assert results and all(r["provisional"] is True and r["asof"] == "2025-12-06" for r in results)

    publish = reverse("assessment-run-publish", args=[run.pk])
    refused = client.post(publish, {}, content_type="application/json", **EN)
    assert refused.status_code == 400 and "provisional" in str(refused.json()["reason"])
    published = client.post(publish, {"reason": REASON}, content_type="application/json", **EN)
    assert published.status_code == 200, published.json()
    data = published.json()
    assert data["state"] == "published" and data["published_early"] is True
    assert data["early_publication_reason"] == REASON and data["published_asof"] == "2025-12-06"
    assert data["provisional"] is True  # the records still count only to 6 December

    closing = reverse("assessment-run-closing-day", args=[run.pk])
    fixed = client.post(closing, {"closes_on": "2025-12-01"}, content_type="application/json", **EN)
    assert fixed.status_code == 409


def test_the_api_sets_the_closing_day_on_create_and_after(assessed, client_for):
    county = assessed
    client = client_for(county.users.officer)
    body = {"system": county.run.system_id, "period": f"{YEAR}-Q3", "scope": "C-T1", "closes_on": "2025-10-15"}
    refused = client.post(reverse("assessment-run-list"), body, content_type="application/json", **EN)
    assert refused.status_code == 400 and "within the period" in str(refused.json())
    made = client.post(
        reverse("assessment-run-list"), {**body, "closes_on": "2025-09-15"}, content_type="application/json", **EN
    )
    assert made.status_code == 201 and made.json()["closes_on"] == "2025-09-15"
    assert made.json()["provisional"] is False and made.json()["asof"] is None  # not computed: nothing provisional
    closing = reverse("assessment-run-closing-day", args=[made.json()["id"]])
    changed = client.post(closing, {"closes_on": None}, content_type="application/json", **EN).json()
    assert changed["closes_on"] is None and changed["closing_day"] == "2025-09-30"
    bad = client.post(closing, {"closes_on": "soon"}, content_type="application/json", **EN)
    assert bad.status_code == 400


# -- the exports ------------------------------------------------------------------------------------------------------


def test_the_exports_state_provisional_results_and_an_early_publication_with_its_reason(computed, client_for):
    county = computed
    run = _provisional(county)
    client = client_for(county.users.officer)
    csv_url = reverse("assessment:results_export", args=[run.pk, "csv"])
    rows = _csv_rows(client.get(csv_url, **EN))
    status = rows[0].index("Status of the results")
    asof = rows[0].index("Records counted up to")
    assert {r[status] for r in rows[1:]} == {
        "Provisional, as of 2025-12-06: final once computed as of 2025-12-31 and published"
    }
    assert {r[asof] for r in rows[1:]} == {"2025-12-06"}

    services.run_publish(actor=county.users.officer, run=run, reason=REASON)
    rows = _csv_rows(client.get(csv_url, **EN))
    assert {r[status] for r in rows[1:]} == {f"Published early, as of 2025-12-06, because: {REASON}"}
    api_rows = _csv_rows(client.get(reverse("assessment-result-csv"), {"run": run.pk}, HTTP_ACCEPT="text/csv", **EN))
    assert {r[status] for r in api_rows[1:]} == {f"Published early, as of 2025-12-06, because: {REASON}"}

    response = client.get(reverse("assessment:results_export", args=[run.pk, "xlsx"]), **EN)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    table = list(sheet.iter_rows(values_only=True))
    column = table[0].index("Status of the results")
    assert {row[column] for row in table[1:]} == {f"Published early, as of 2025-12-06, because: {REASON}"}


def test_the_status_of_results_computed_as_of_the_closing_day(computed):
    county = computed
    run = AssessmentRun.objects.get(pk=county.run.pk)
    assert publication_status(run) == "Computed as of 2025-12-31, not published yet"
    services.run_publish(actor=county.users.officer, run=run)
    run.refresh_from_db()
    assert publication_status(run) == "Published, as of 2025-12-31"


def test_the_refusal_and_the_notice_read_in_chinese(computed, client_for):
    county = computed
    run = _provisional(county)
    client = client_for(county.users.officer)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    refused = client.post(reverse("assessment-run-publish", args=[run.pk]), {}, content_type="application/json", **zh)
    assert refused.status_code == 400
    assert "这些结果是临时结果：记录只统计到 2025-12-06，早于截止日 2025-12-31" in str(refused.json()["reason"])
    page = client.get(reverse("assessment:results", args=[run.pk]), **zh).content.decode()
    assert "临时结果。" in page and "TOPSIS 排名（交叉核对）" in page
