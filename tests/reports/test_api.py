"""The API of reports and ledgers: the same files as the pages, refusals in JSON."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_report_as_pdf_and_as_xlsx(reported, api):
    client = api(reported.users.t1_officer)
    response = client.get("/api/org-reports/C-T1-V1/report/", {"period": "2025", "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "青山村党支部" in PdfReader(io.BytesIO(_body(response))).pages[0].extract_text()
    response = client.get("/api/org-reports/C-T1/report/", {"period": "2025", "format": "xlsx"})
    assert response.status_code == 200
    assert "下级党组织" in load_workbook(io.BytesIO(_body(response))).sheetnames


def test_ledger_of_a_subtree(reported, api):
    response = api(reported.users.t1_officer).get("/api/org-reports/C-T1/ledger/", {"year": "2025", "subtree": "true"})
    assert response.status_code == 200
    assert len(load_workbook(io.BytesIO(_body(response))).worksheets) == 7


def test_results_by_level(reported, api):
    response = api(reported.users.officer).get(f"/api/org-reports/runs/{reported.run.pk}/results/")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(_body(response))).worksheets[0].max_row == 5  # the header and four branches


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/org-reports/C-T1-V1/report/", {"period": "20x5", "format": "pdf"}, 400),
        ("/api/org-reports/C-T1-V1/report/", {"period": "2025", "format": "docx"}, 404),
        ("/api/org-reports/C-T1-V1/ledger/", {"year": "twenty"}, 400),
        ("/api/org-reports/C-T1-V1/ledger/", {"year": "２０２５"}, 400),
        ("/api/org-reports/C-T1-V2/ledger/", {"year": "2025"}, 404),  # beside the secretary's branch
        ("/api/org-reports/C/report/", {"period": "2025"}, 404),  # above it
        ("/api/org-reports/C-T1-V1/ledger/", {"year": "2025", "format": "ìo\x7f"}, 404),  # a format none knows
        ("/api/org-reports/C-T1-V1/ledger/", {"year": "-2", "format": "csv"}, 404),
    ],
)
def test_bad_input_and_refusals_answer_in_json(reported, api, path, params, status):
    response = api(reported.users.secretary).get(path, params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")  # never a file's type on a refusal


def test_member_may_not_export_results(reported, api):
    response = api(reported.users.member).get(f"/api/org-reports/runs/{reported.run.pk}/results/")
    assert response.status_code in (403, 404)
