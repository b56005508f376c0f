"""The reports page and its downloads, and the commands that write the same files."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from grassroots import cli
from grassroots.core.models import AuditEntry

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_secretary_sees_the_forms_for_the_branch(reported, client_for):
    response = client_for(reported.users.secretary).get(reverse("reports:index"), **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert reported.v11.name in page
    assert reverse("reports:report", args=[reported.v11.pk]) in page
    assert reverse("reports:ledger", args=[reported.v11.pk]) in page
    assert "Care details and talk notes are included" in page


def test_the_menu_offers_reports_only_to_those_who_may_export(reported, client_for):
    assert reverse("reports:index") in client_for(reported.users.secretary).get(reverse("home"), **EN).content.decode()
    page = client_for(reported.users.member).get(reverse("reports:index"), **EN).content.decode()
    assert "You may not export the records of any organization" in page


def test_an_officer_goes_down_the_tree_and_sees_the_runs(reported, client_for):
    client = client_for(reported.users.officer)
    page = client.get(reverse("reports:index"), **EN).content.decode()
    assert reported.t1.name in page and reported.t2.name in page  # the organizations below
    assert reverse("reports:results", args=[reported.run.pk]) in page
    page = client.get(reverse("reports:index"), {"organization": reported.t1.pk}, **EN).content.decode()
    assert reported.v11.name in page and reported.v21.name not in page


def test_page_in_chinese(reported, client):
    client.force_login(reported.users.secretary)
    page = client.get(reverse("reports:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "报告与台账" in page and "下载台账" in page


def test_download_the_branch_report_as_pdf(reported, client_for):
    client = client_for(reported.users.t1_officer)
    response = client.get(reverse("reports:report", args=[reported.v11.pk]), {"period": "2025", "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "report-C-T1-V1-2025-" in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(_body(response))).pages[0].extract_text()
    assert "青山村党支部" in text


def test_download_the_subtree_ledger(reported, client_for):
    client = client_for(reported.users.t1_officer)
    response = client.get(reverse("reports:ledger", args=[reported.t1.pk]), {"year": "2025", "subtree": "1"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(_body(response)))
    assert len(book.worksheets) == 7
    entry = AuditEntry.objects.filter(action="core.export").order_by("-seq").first()
    assert entry.after["what"] == "ledgers" and entry.after["subtree"] is True


def test_download_results_by_level(reported, client_for):
    response = client_for(reported.users.officer).get(reverse("reports:results", args=[reported.run.pk]), **EN)
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(_body(response))).sheetnames[0].startswith("Level 1")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "20x5", "format": "pdf"}, "is not a period"),
        ({"period": "2025", "format": "docx"}, "Select a valid choice"),
        ({"format": "pdf"}, "This field is required"),
    ],
)
def test_bad_report_input_gets_the_page_back_with_a_message(reported, client_for, params, message):
    response = client_for(reported.users.secretary).get(reverse("reports:report", args=[reported.v11.pk]), params, **EN)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("year", ["", "twenty", "99999", "-1", "2025\x00"])
def test_bad_ledger_year_gets_the_page_back(reported, client_for, year):
    response = client_for(reported.users.secretary).get(
        reverse("reports:ledger", args=[reported.v11.pk]), {"year": year}
    )
    assert response.status_code == 400


def test_an_organization_outside_the_scope_is_not_found(reported, client_for):
    client = client_for(reported.users.secretary)
    for name in ("reports:report", "reports:ledger"):
        response = client.get(reverse(name, args=[reported.v12.pk]), {"period": "2025", "year": "2025"})
        assert response.status_code == 404
    assert client.get(reverse("reports:index"), {"organization": reported.county.pk}).status_code == 404


def test_results_refused_to_a_member(reported, client_for):
    response = client_for(reported.users.member).get(reverse("reports:results", args=[reported.run.pk]), **EN)
    assert response.status_code in (403, 404)


def test_command_writes_the_report_and_the_ledger(reported, tmp_path, capsys):
    out = tmp_path / "r.pdf"
    assert cli.cmd_report(_args(org="C-T1-V1", period="2025", format="pdf", out=str(out), as_user="t1officer")) == 0
    assert "青山村党支部" in PdfReader(str(out)).pages[0].extract_text()
    out = tmp_path / "l.xlsx"
    code = cli.cmd_ledger(_args(org="C-T1", year=2025, subtree=True, out=str(out), as_user="t1officer"))
    assert code == 0 and "会议记录" in load_workbook(str(out)).sheetnames
    assert "meetings: 19" in capsys.readouterr().out


def test_command_refusal_leaves_no_file(reported, tmp_path, capsys):
    out = tmp_path / "r.pdf"
    assert (
        cli.cmd_report(_args(org="C", period="2025", format="pdf", out=str(out), as_user="secretary", lang="en")) == 1
    )
    assert not out.exists()
    assert "may not export" in capsys.readouterr().err


def _args(**kwargs):
    from types import SimpleNamespace

    kwargs.setdefault("lang", "zh-hans")
    return SimpleNamespace(**kwargs)
