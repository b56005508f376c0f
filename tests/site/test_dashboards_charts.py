"""The chart module: SVG that is an image with a title and a description, links to the lists, sizes by value."""

import re
import xml.etree.ElementTree as ET

from grassroots.site.dashboards import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str):
    return ET.fromstring(str(svg))


def test_a_bar_chart_is_an_image_with_its_title_and_a_description_naming_every_value():
    svg = _parse(charts.bar_chart([charts.Bar("Done", 30), charts.Bar("Overdue", 10)], title="Duties by light"))
    assert svg.get("role") == "img"
    labelled = svg.get("aria-labelledby").split()
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert [title.get("id"), desc.get("id")] == labelled
    assert title.text == "Duties by light"
    assert desc.text == "Done: 30; Overdue: 10"


def test_bars_are_as_long_as_their_values_and_each_links_to_its_list():
    svg = charts.bar_chart(
        [charts.Bar("A", 40, "/list/?light=done"), charts.Bar("B", 10, "/list/?light=red")], title="t"
    )
    root = _parse(svg)
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/list/?light=done", "/list/?light=red"]
    widths = [float(a.find(f"{SVG}rect").get("width")) for a in links]
    assert widths[0] == 4 * widths[1]
    # Every value is written as text too: nothing is told by colour alone.
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "40" in texts and "10" in texts


def test_labels_are_escaped_and_no_script_reaches_the_page():
    svg = str(charts.bar_chart([charts.Bar('<script>alert("x")</script>', 1, '/x/?a=1&b="2"')], title="<b>"))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = _parse(svg)  # still well-formed
    assert root.find(f"{SVG}a").get("href") == '/x/?a=1&b="2"'


def test_the_bars_and_their_values_stay_inside_the_width_of_a_phone():
    svg = charts.bar_chart(
        [charts.Bar("Branch committee meeting", 11410, note="of 13440"), charts.Bar("x", 3)], title="t"
    )
    root = _parse(svg)
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.get("x", 0)) + float(rect.get("width")) <= charts.WIDTH
    for text in root.iter(f"{SVG}text"):
        estimated = charts._text_width(text.text or "", bold=True)
        assert float(text.get("x")) + estimated <= charts.WIDTH + 1


def test_stacked_bars_cut_each_row_into_linked_segments_and_name_them_in_a_legend():
    rows = [
        charts.Row("Political", [charts.Bar("Done", 3, "/d", "done"), charts.Bar("Overdue", 1, "/r", "red")]),
        charts.Row("Ideological", [charts.Bar("Done", 0, "/d2", "done"), charts.Bar("Overdue", 2, "/r2", "red")]),
    ]
    svg = str(charts.stacked_bars(rows, title="Areas"))
    assert 'href="/d"' in svg and 'href="/r"' in svg and 'href="/r2"' in svg
    assert 'href="/d2"' not in svg  # an empty segment draws nothing
    assert svg.count(">Done</text>") == 1  # the legend names it once
    wide = str(charts.stacked_rows(rows, title="Areas"))
    assert 'viewBox="0 0 720 ' in wide and 'href="/r2"' in wide
    both = str(charts.either(charts.stacked_bars(rows, title="a"), charts.stacked_rows(rows, title="a")))
    assert 'class="chart-narrow"' in both and 'class="chart-wide"' in both


def test_a_line_chart_draws_one_line_per_series_on_a_round_scale():
    svg = charts.line_chart(["01", "02", "03"], [("Meetings", [3, 7, 5]), ("Hours", [10, 0, 4])], title="Months")
    root = _parse(svg)
    assert len(root.findall(f"{SVG}polyline")) == 2
    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert axis == ["0", "2.5", "5", "7.5", "10"]  # the highest value, 10, in four round steps
    assert "Meetings: 01 3, 02 7, 03 5" in root.find(f"{SVG}desc").text


def test_round_steps_of_an_axis():
    assert [charts._nice_step(x) for x in (0.5, 3, 7, 12, 180, 2600)] == [1, 5, 10, 20, 200, 5000]


def test_columns_show_a_distribution_with_values_above_and_labels_below():
    svg = str(charts.column_chart([charts.Bar("Excellent", 2, tone="excellent"), charts.Bar("Poor", 0)], title="G"))
    assert ">Excellent</text>" in svg and ">2</text>" in svg and ">0</text>" in svg
    assert re.search(r'width="100%" role="img"', svg)


def test_a_label_too_long_for_a_phone_is_cut_and_kept_whole_for_a_screen_reader():
    name = "County Economic Development Zone Committee of the Party (190 · 82.6%)"
    rows = [charts.Row(name, [charts.Bar("Done", 3, "/d", "done")], url="/dashboards/9/")]
    root = _parse(charts.stacked_bars(rows, title="Children"))
    link = root.find(f"{SVG}a")
    shown = link.find(f"{SVG}text").text
    assert shown.endswith("…") and charts._text_width(shown) <= charts.WIDTH
    assert link.get("aria-label").startswith(name)
    assert root.find(f"{SVG}desc").text == f"{name}: Done 3"
