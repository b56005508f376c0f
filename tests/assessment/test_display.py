"""How scores and ranks are shown: two decimals cut, never rounded up across a grade band; TOPSIS a cross-check,
and an organization whose two ranks lie far apart marked for a second look."""

import csv
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from openpyxl import load_workbook

from grassroots.assessment import selectors, services
from grassroots.assessment.models import Grade, Result
from grassroots.assessment.templatetags.assessment_scores import floor_score, score_text

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (89.97, "89.97"),
        (89.997, "89.99"),
        (90.003, "90.00"),
        (90.0, "90.00"),
        (79.99999999, "79.99"),
        (100, "100.00"),
        (0, "0.00"),
        (Decimal("85.129"), "85.12"),
        (None, "—"),
        (float("nan"), "—"),
        ("", "—"),
    ],
)
def test_a_score_is_shown_cut_to_two_decimals(value, shown):
    assert score_text(value) == shown
    assert Template("{% load assessment_scores %}{{ v|score }}").render(Context({"v": value})) == shown


def test_a_cut_score_is_never_above_the_score():
    for cents in range(0, 10001, 7):
        value = cents / 100 + 0.004
        assert float(floor_score(value)) <= value
        assert floor_score(cents / 100) == Decimal(cents) / 100  # a score of whole cents shows as it is


def _set(county, org, **fields):
    Result.objects.filter(run=county.run, organization=org).update(**fields)


def _near_the_band(county):
    """Three results beside the line of "excellent" (90): 89.97 good, 89.997 good, 90.003 excellent."""
    _set(county, county.v11, score=89.97, grade=Grade.GOOD)
    _set(county, county.v12, score=89.997, grade=Grade.GOOD)
    _set(county, county.v21, score=90.003, grade=Grade.EXCELLENT)


def _row(page: str, name: str) -> str:
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_scores_beside_a_grade_line_show_the_grade_they_reached_on_every_page(published, client_for):
    county = published
    _near_the_band(county)
    client = client_for(county.users.officer)
    results = client.get(reverse("assessment:results", args=[county.run.pk]), **EN).content.decode()
    assert "<b>89.97</b>" in _row(results, county.v11.name) and "Good" in _row(results, county.v11.name)
    assert "<b>89.99</b>" in _row(results, county.v12.name) and "Good" in _row(results, county.v12.name)
    assert "<b>90.00</b>" in _row(results, county.v21.name) and "Excellent" in _row(results, county.v21.name)
    assert "90.0<" not in results.replace("90.00<", "")
    sensitivity = client.get(reverse("assessment:sensitivity", args=[county.run.pk]), **EN).content.decode()
    assert "89.97 ·" in sensitivity and "89.99 ·" in sensitivity and "90.00 ·" in sensitivity
    member = client_for(county.users.member)  # their own branch's result on the run's page (Qingshan, v11)
    run_page = member.get(reverse("assessment:run", args=[county.run.pk]), **EN).content.decode()
    assert "<b>89.97</b>" in run_page and "Good" in run_page


def test_the_exports_show_scores_cut_to_two_decimals_in_number_cells(published, client_for):
    county = published
    _near_the_band(county)
    client = client_for(county.users.officer)
    response = client.get(reverse("assessment:results_export", args=[county.run.pk, "csv"]), **EN)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    score, grade = rows[0].index("Score"), rows[0].index("Grade")
    shown = {r[0]: (r[score], r[grade]) for r in rows[1:]}
    assert shown["C-T1-V1"] == ("89.97", "Good")
    assert shown["C-T1-V2"] == ("89.99", "Good")
    assert shown["C-T2-V1"] == ("90.00", "Excellent")

    response = client.get(reverse("assessment:results_export", args=[county.run.pk, "xlsx"]), **EN)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    column = header.index("Score") + 1
    cells = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)}
    assert cells["C-T1-V2"].value == pytest.approx(89.99) and cells["C-T1-V2"].number_format == "0.00"
    assert cells["C-T2-V1"].value == pytest.approx(90.0) and cells["C-T2-V1"].number_format == "0.00"
    weighted = sheet.cell(row=2, column=header.index("Weighted score") + 1)
    assert weighted.number_format == "0.00"


def test_the_api_gives_scores_at_full_precision(published, client_for):
    county = published
    _near_the_band(county)
    client = client_for(county.users.officer)
    results = client.get(reverse("assessment-result-list"), {"run": county.run.pk}, **EN).json()["results"]
    by_code = {r["organization"]: r for r in results}
    assert by_code["C-T1-V2"]["score"] == 89.997 and by_code["C-T1-V2"]["grade"] == "good"


# -- TOPSIS, a cross-check, and the second look ------------------------------------------------------------------------


def test_the_second_look_rule():
    assert selectors.SECOND_LOOK_SHARE == 0.10
    assert selectors.second_look_limit(1124) == 112 and selectors.second_look_limit(4) == 0
    assert selectors.ranks_far_apart(1, 114, 112) and selectors.ranks_far_apart(114, 1, 112)  # 113 places apart
    assert not selectors.ranks_far_apart(1, 113, 112)  # 112 places apart: not more than 10% of 1,124
    assert not selectors.ranks_far_apart(None, 5, 0) and not selectors.ranks_far_apart(5, None, 0)
    assert selectors.needs_second_look(Result(rank_level=2, rank_topsis=4), 1)
    assert not selectors.needs_second_look(Result(rank_level=2, rank_topsis=3), 1)


def _far_apart(county):
    """Four organizations ranked: Qingshan's two ranks agree, Liuwan's lie two places apart (more than 10% of 4)."""
    _set(county, county.v11, rank_level=1, rank_topsis=1)
    _set(county, county.v12, rank_level=2, rank_topsis=4)
    _set(county, county.v21, rank_level=3, rank_topsis=2)
    _set(county, county.v22, rank_level=4, rank_topsis=3)


def test_the_results_list_labels_topsis_a_cross_check_and_marks_ranks_far_apart(published, client_for):
    county = published
    _far_apart(county)
    qs = Result.objects.filter(run=county.run)
    assert {r.organization_id for r in selectors.second_look(qs, 0)} == {county.v12.pk, county.v21.pk, county.v22.pk}
    assert {r.organization_id for r in selectors.second_look(qs, 1)} == {county.v12.pk}
    client = client_for(county.users.officer)
    url = reverse("assessment:results", args=[county.run.pk])
    page = client.get(url, **EN).content.decode()
    assert "TOPSIS rank (cross-check)" in page
    assert "The rank that counts is the rank in the level, by the score. The TOPSIS rank is a cross-check only." in page
    assert "with that indicator's mean over the organizations assessed" in page
    assert "more than 10% of the 4 organizations ranked apart is marked “for a second look”" in page
    assert "for a second look</span>" in _row(page, county.v12.name)
    assert "for a second look</span>" not in _row(page, county.v11.name)
    only = client.get(url, {"second_look": "on"}, **EN)
    assert [r.organization_id for r in only.context["page"]] == [county.v12.pk, county.v21.pk, county.v22.pk]
    export = client.get(reverse("assessment:results_export", args=[county.run.pk, "csv"]), **EN)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    look = rows[0].index("For a second look")
    assert rows[0][rows[0].index("TOPSIS rank (cross-check)")] == "TOPSIS rank (cross-check)"
    assert {r[0]: r[look] for r in rows[1:]} == {"C-T1-V1": "no", "C-T1-V2": "yes", "C-T2-V1": "yes", "C-T2-V2": "yes"}
    filtered = client.get(reverse("assessment:results_export", args=[county.run.pk, "csv"]), {"second_look": "on"})
    assert len(b"".join(filtered.streaming_content).decode("utf-8-sig").strip().splitlines()) == 1 + 3


def test_the_explanation_head_says_which_rank_counts_and_asks_for_a_second_look(published, client_for):
    county = published
    _far_apart(county)
    client = client_for(county.users.officer)
    far = client.get(reverse("assessment:explain", args=[county.run.pk, county.v12.pk]), **EN).content.decode()
    assert "The weighted rank counts: rank 2 in the level. TOPSIS rank 4 is a cross-check only." in far
    assert "mean over the organizations assessed" in far
    assert "Its weighted rank (2) and its TOPSIS rank (4) lie more than 10% of the 4 organizations ranked apart" in far
    near = client.get(reverse("assessment:explain", args=[county.run.pk, county.v11.pk]), **EN).content.decode()
    assert "TOPSIS rank 1 is a cross-check only." in near and "second-look-note" not in near


def test_the_api_result_says_whether_it_needs_a_second_look(published, client_for):
    county = published
    _far_apart(county)
    client = client_for(county.users.officer)
    results = client.get(reverse("assessment-result-list"), {"run": county.run.pk}, **EN).json()["results"]
    assert {r["organization"]: r["second_look"] for r in results} == {
        "C-T1-V1": False,
        "C-T1-V2": True,
        "C-T2-V1": True,
        "C-T2-V2": True,
    }
    assert all(r["provisional"] is False and r["asof"] == "2025-12-31" for r in results)


def test_a_published_run_computed_again_keeps_showing_its_scores_cut(published, client_for):
    county = published
    services.run_compute(actor=county.users.officer, run=county.run, withdraw=True)
    client = client_for(county.users.officer)
    page = client.get(reverse("assessment:results", args=[county.run.pk]), **EN)
    for r in page.context["page"]:
        assert f"<b>{score_text(r.score)}</b>" in page.content.decode()


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)"]


def test_the_exports_write_a_formula_like_name_or_reason_as_text_never_as_a_formula(published, client_for):
    """A name or a veto reason that a spreadsheet would take for a formula (security review, finding 5) is written
    as text: in the CSV behind a quote, in the .xlsx as a text cell."""
    from grassroots.organizations.models import Organization

    county = published
    names = dict(zip((county.v11, county.v12, county.v21), FORMULAS, strict=False))
    for org, name in names.items():
        Organization.objects.filter(pk=org.pk).update(name=name, name_en=name)
    _set(county, county.v21, veto_reason=FORMULAS[3] + " " + FORMULAS[4])
    client = client_for(county.users.officer)

    response = client.get(reverse("assessment:results_export", args=[county.run.pk, "csv"]), **EN)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_code = {r[0]: r for r in rows[1:]}
    name, reason = rows[0].index("Organization"), rows[0].index("Veto reason")
    for org, formula in names.items():
        assert by_code[org.code][name] == "'" + formula
    assert by_code[county.v21.code][reason] == "'" + FORMULAS[3] + " " + FORMULAS[4]
    assert not any(cell[:1] in "=+-@" for row in rows for cell in row if cell and not _number(cell))

    response = client.get(reverse("assessment:results_export", args=[county.run.pk, "xlsx"]), **EN)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    cells = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    for org, formula in names.items():
        cell = sheet.cell(row=cells[org.code], column=header.index("Organization") + 1)
        assert cell.value == formula and cell.data_type == "s"  # text, shown as typed, never evaluated
    formulas = [c.coordinate for row in sheet.iter_rows(min_row=2) for c in row if c.data_type == "f"]
    assert formulas == []


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
