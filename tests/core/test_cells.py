"""Text that looks like a formula stays text in every export: .xlsx cells typed as text, CSV fields quoted."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from grassroots.core.cells import csv_field, xlsx_row

PAYLOADS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "=1+1"]


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_text_starting_with_equals_is_stored_as_text_not_formula(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("s") if write_only else book.active
    sheet.append(xlsx_row(sheet, [*PAYLOADS, "青山村", 3.5]))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    row = next(load_workbook(buffer).worksheets[-1].iter_rows(min_row=1, max_row=1))
    assert [c.value for c in row] == [*PAYLOADS, "青山村", 3.5]
    assert [c.data_type for c in row] == ["s"] * 4 + ["n"]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_fields_that_start_like_a_formula_get_an_apostrophe(value):
    assert csv_field(value) == "'" + value


@pytest.mark.parametrize("value", ["青山村", "a-b", 1, -1.5, None, ""])
def test_other_csv_fields_are_unchanged(value):
    assert csv_field(value) == value


def test_a_csv_row_round_trips_with_its_text_intact():
    out = io.StringIO()
    csv.writer(out).writerow([csv_field(v) for v in PAYLOADS])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + v for v in PAYLOADS]


def test_member_export_writes_a_formula_like_name_as_text(county):
    from grassroots.organizations.exports import members_xlsx
    from tests.factories import MemberFactory

    MemberFactory(organization=county.v11, name=PAYLOADS[1])
    buffer = io.BytesIO()
    members_xlsx(user=county.users.admin, organization=county.county, target=buffer, language="en")
    buffer.seek(0)
    names = [row[0] for row in load_workbook(buffer).worksheets[-1].iter_rows(min_row=2)]
    payload = next(c for c in names if c.value == PAYLOADS[1])
    assert payload.data_type == "s"
