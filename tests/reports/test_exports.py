"""The period report (PDF and .xlsx), the ledgers and the results by level, as the services write them."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from grassroots.core.errors import PermissionDenied, ValidationError
from grassroots.core.models import AuditEntry
from grassroots.core.periods import period_for
from grassroots.reports import services
from tests.reports.conftest import CARE_DETAILS, CASE_TITLE, FORMULA_TOPIC, TALK_NOTES

pytestmark = pytest.mark.django_db


def _report(user, org, fmt, lang="en", code="2025"):
    target = io.BytesIO()
    with translation.override(lang):
        name = services.report_export(actor=user, organization=org, period=period_for(code), fmt=fmt, target=target)
    target.seek(0)
    return target, name


def _ledger(user, org, subtree=False, lang="zh-hans"):
    target = io.BytesIO()
    with translation.override(lang):
        counts, name = services.ledger_export(actor=user, organization=org, year=2025, subtree=subtree, target=target)
    target.seek(0)
    return counts, load_workbook(target)


def _cells(sheet) -> list:
    return [c for row in sheet.iter_rows(values_only=True) for c in row]


def _pdf_text(target) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(target).pages)


def _fonts(target) -> list[tuple[str, bool]]:
    """Every font the PDF's pages use, by base name, and whether its file is embedded (FontFile2: TrueType)."""
    found = []
    for page in PdfReader(target).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            for f in [d.get_object() for d in descendants] if descendants else [font]:
                descriptor = f.get("/FontDescriptor")
                embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
                found.append((str(f["/BaseFont"]), embedded))
    return found


# --------------------------------------------------------------------------------------------------- the PDF report


def test_branch_report_pdf_reads_back_in_chinese_with_the_font_embedded(reported):
    target, name = _report(reported.users.t1_officer, reported.v11, "pdf", lang="zh-hans")
    assert name.startswith("report-C-T1-V1-2025-") and name.endswith(".pdf")
    text = _pdf_text(target)
    assert "青山村党支部" in text
    assert "任务3" in text  # an item of work by its title
    assert "组织生活" in text  # a heading, translated
    assert CASE_TITLE in text
    target.seek(0)
    fonts = _fonts(target)
    assert fonts and all(embedded for _name, embedded in fonts)  # no font the reader's machine must have
    assert all("+WenQuanYiMicroHei" in name for name, _embedded in fonts)  # subsets (AAAAAA+...) of the CJK font


def test_report_of_a_computed_run_is_marked_provisional_until_published(reported):
    text = _pdf_text(_report(reported.users.t1_officer, reported.v11, "pdf")[0])
    assert "PROVISIONAL" in text
    assert "Score" in text and "Where the points were lost" in text


def test_branch_secretary_reads_no_score_before_publication_nor_the_cases(reported):
    text = _pdf_text(_report(reported.users.secretary, reported.v11, "pdf")[0])
    assert "No assessment result for this period yet." in text
    assert CASE_TITLE not in text


def test_report_of_a_published_run_is_not_provisional(reported_published):
    text = _pdf_text(_report(reported_published.users.secretary, reported_published.v11, "pdf")[0])
    assert "PROVISIONAL" not in text
    assert "Published" in text


def test_committee_summary_has_a_line_for_each_organization_below_and_the_grades(reported):
    target, _name = _report(reported.users.officer, reported.county, "xlsx")
    book = load_workbook(target)
    below = book["Organizations below"]
    codes = [row[0] for row in below.iter_rows(min_row=2, values_only=True)]
    assert codes == ["C-T1", "C-T2"]
    grades = book["Grades"]
    assert sum(row[1] for row in grades.iter_rows(min_row=2, values_only=True)) == 4  # the four villages assessed
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Organization code"] == "C"
    assert summary["Cases"] == 1


def test_committee_summary_pdf_lists_the_townships(reported):
    text = _pdf_text(_report(reported.users.officer, reported.county, "pdf", lang="zh-hans")[0])
    assert "新街镇党委" in text and "白石镇党委" in text
    assert "汇总" in text or "summary" in text


def test_report_refuses_an_unknown_format(reported):
    with pytest.raises(ValidationError):
        _report(reported.users.officer, reported.v11, "docx")


# ---------------------------------------------------------------------------------------------------- who may export

WHO_MAY_EXPORT_V11 = [
    ("admin", True),
    ("officer", True),
    ("t1_officer", True),
    ("secretary", True),
    ("auditor", True),
    ("member", False),
    ("outsider", False),
]


@pytest.mark.parametrize(("who", "may"), WHO_MAY_EXPORT_V11)
def test_who_may_export_the_branch_report(reported, who, may):
    user = getattr(reported.users, who)
    if may:
        _report(user, reported.v11, "xlsx")
    else:
        with pytest.raises(PermissionDenied):
            _report(user, reported.v11, "xlsx")


def test_secretary_may_not_export_above_or_beside_the_branch(reported):
    for org in (reported.county, reported.t1, reported.v12):
        with pytest.raises(PermissionDenied):
            _report(reported.users.secretary, org, "pdf")
        with pytest.raises(PermissionDenied):
            _ledger(reported.users.secretary, org)


def test_every_export_is_audited(reported):
    before = AuditEntry.objects.filter(action="core.export").count()
    _report(reported.users.secretary, reported.v11, "pdf")
    _ledger(reported.users.secretary, reported.v11)
    entries = list(AuditEntry.objects.filter(action="core.export").order_by("-seq")[:2])
    assert AuditEntry.objects.filter(action="core.export").count() == before + 2
    assert {e.after["what"] for e in entries} == {"period report", "ledgers"}


# ------------------------------------------------------------------------------------------------------------ ledgers


def test_branch_ledger_has_a_sheet_each_with_chinese_headers(reported):
    counts, book = _ledger(reported.users.secretary, reported.v11)
    assert book.sheetnames == ["会议记录", "参会情况", "学习记录", "谈心谈话", "走访慰问", "职责任务", "进展报告"]
    assert book["会议记录"]["A1"].value == "党组织编码"
    assert counts["meetings"] == 13  # twelve theme days and the lecture
    assert counts["attendance"] == sum(1 for _ in book["参会情况"].iter_rows(min_row=2))
    assert counts["duties"] == 4
    assert counts["talks"] == 1 and counts["care"] == 1


def test_ledger_headers_follow_an_english_reader(reported):
    _counts, book = _ledger(reported.users.secretary, reported.v11, lang="en")
    assert "Meetings" in book.sheetnames
    assert book["Meetings"]["A1"].value == "Organization code"


def test_care_details_and_talk_notes_only_for_a_reader_of_personal_records(reported):
    _counts, book = _ledger(reported.users.secretary, reported.v11)
    cells = [c for sheet in book.worksheets for c in _cells(sheet)]
    assert CARE_DETAILS in cells and TALK_NOTES in cells
    # The township's discipline inspector exports the ledgers but reads no personal record.
    _counts, book = _ledger(reported.users.auditor, reported.v11)
    cells = [c for sheet in book.worksheets for c in _cells(sheet)]
    assert CARE_DETAILS not in cells and TALK_NOTES not in cells
    assert "送去慰问金" in cells  # the visit itself is in the ledger


def test_a_topic_that_looks_like_a_formula_stays_text(reported):
    _counts, book = _ledger(reported.users.secretary, reported.v11)
    cells = [c for row in book["会议记录"].iter_rows() for c in row if c.value == FORMULA_TOPIC]
    assert cells and all(c.data_type == "s" for c in cells)


def test_subtree_ledger_holds_every_branch_below(reported):
    own, _book = _ledger(reported.users.t1_officer, reported.t1)
    whole, book = _ledger(reported.users.t1_officer, reported.t1, subtree=True)
    assert own["meetings"] == 0
    assert whole["meetings"] == 13 + 6  # Qingshan's and Liuwan's
    codes = {row[0] for row in book["会议记录"].iter_rows(min_row=2, values_only=True)}
    assert codes == {"C-T1-V1", "C-T1-V2"}


def test_ledger_refuses_a_year_out_of_range(reported):
    with pytest.raises(ValidationError):
        services.ledger_export(
            actor=reported.users.officer, organization=reported.v11, year=20250, subtree=False, target=io.BytesIO()
        )


# ---------------------------------------------------------------------------------------------- results by level


def test_results_have_one_sheet_per_level(reported):
    target = io.BytesIO()
    counts, name = services.results_export(actor=reported.users.officer, run=reported.run, target=target)
    target.seek(0)
    book = load_workbook(target)
    assert counts == {"level1": 4}  # the run assesses the four village branches, all at one depth
    assert book.sheetnames[0].startswith("Level 1")
    assert book.worksheets[0]["A1"].value == "Organization code"
    assert name.endswith(".xlsx")


def test_results_of_a_township_officer_are_their_township_only(reported):
    target = io.BytesIO()
    counts, _name = services.results_export(actor=reported.users.t1_officer, run=reported.run, target=target)
    assert counts == {"level1": 2}


def test_results_refused_to_whom_exports_none(reported):
    with pytest.raises(PermissionDenied):
        services.results_export(actor=reported.users.member, run=reported.run, target=io.BytesIO())


def test_a_sheet_longer_than_excel_holds_goes_on_in_the_next(reported, monkeypatch):
    from grassroots.reports import sheets

    monkeypatch.setattr(sheets, "MAX_ROWS", 5)  # four rows of data a sheet
    counts, book = _ledger(reported.users.secretary, reported.v11)
    assert counts["meetings"] == 13
    parts = [name for name in book.sheetnames if name.startswith("会议记录")]
    assert parts == ["会议记录", "会议记录 (2)", "会议记录 (3)", "会议记录 (4)"]
    assert sum(book[name].max_row - 1 for name in parts) == 13
    assert all(book[name]["A1"].value == "党组织编码" for name in parts)
