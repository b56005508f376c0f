"""Computing an assessment from its page: the engine runs beside the request (core.jobs), its stages shown on the
job's page until the result is there."""

import time

import pytest
from django.urls import reverse

from grassroots.assessment import services
from grassroots.assessment.engine.pipeline import STAGES
from grassroots.assessment.models import AssessmentRun, Result, RunState
from grassroots.core.models import Job, JobState
from tests.assessment.year import END

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_engine_tells_each_stage(assessed):
    told = []
    services.run_compute(
        actor=assessed.users.officer,
        run=assessed.run,
        asof=END,
        progress=lambda stage, done, total: told.append((str(stage), done, total)),
    )
    stages = [s for s, _d, _t in told]
    assert stages[0] == "Finding the organizations and their members" and stages[-1] == "Saving the results"
    assert "Counting meetings" in stages and "Scoring the indicators" in stages
    assert [d for _s, d, _t in told] == sorted(d for _s, d, _t in told) and {t for *_r, t in told} == {STAGES}
    assert told[-1][1] < STAGES


@pytest.mark.django_db(transaction=True)
def test_computing_from_the_page_runs_beside_the_request_and_shows_the_result(client, default_rules):
    from tests.assessment.year import year_of_work
    from tests.factories import build_small_county

    county = year_of_work(build_small_county())
    client.force_login(county.users.officer)
    response = client.post(reverse("assessment:run_action", args=[county.run.pk, "compute"]), **EN)
    assert response.status_code == 302
    job = Job.objects.get(kind="assessment.run.compute")
    assert response["Location"] == reverse("job", args=[job.pk])
    deadline = time.monotonic() + 120
    while Job.objects.get(pk=job.pk).state == JobState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.3)
    page = client.get(response["Location"], **EN).content.decode()
    assert "Computed 4 organizations in" in page and "Back to the assessment" in page, page
    run = AssessmentRun.objects.get(pk=county.run.pk)
    assert run.state == RunState.COMPUTED and Result.objects.filter(run=run).count() == 4
    assert Job.objects.get(pk=job.pk).state == JobState.DONE
