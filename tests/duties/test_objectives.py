"""Business objectives of a unit: set in the page, values recorded, attainment shown."""

from django.urls import reverse

from grassroots.duties.models import BusinessObjective


def test_a_secretary_sets_an_objective_and_records_values(county, client_for):
    client = client_for(county.users.secretary)
    url = reverse("duties:objectives", args=[county.v11.pk])
    response = client.post(
        url,
        {"period": "2026", "name": "村集体经济收入", "unit": "万元", "baseline": "10", "target": "30"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    objective = BusinessObjective.objects.get(organization=county.v11)
    prefix = f"o{objective.pk}"
    client.post(
        reverse("duties:objective_value", args=[objective.pk]),
        {f"{prefix}-measured_on": "2026-06-30", f"{prefix}-value": "20", f"{prefix}-note": "半年"},
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "村集体经济收入" in page and "50%" in page


def test_target_equal_to_baseline_is_refused_with_a_message(county, client_for):
    response = client_for(county.users.secretary).post(
        reverse("duties:objectives", args=[county.v11.pk]),
        {"period": "2026", "name": "x", "baseline": "5", "target": "5"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "must differ" in response.content.decode()
    assert not BusinessObjective.objects.exists()


def test_an_auditor_reads_but_cannot_add(county, client_for):
    client = client_for(county.users.auditor)
    url = reverse("duties:objectives", args=[county.v11.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"period": "2026", "name": "x", "baseline": "1", "target": "2"}).status_code == 403
    assert client_for(county.users.outsider).get(url).status_code == 404
