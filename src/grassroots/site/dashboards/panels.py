"""The figures laid out as panels, in the reader's language: each panel a chart and the same numbers as a table,
every number with the address of the list behind it (a page of the dashboard's lists, the cases, the results)."""

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from grassroots.accountability.models import CaseState
from grassroots.assessment.models import Grade, RunState, Standing
from grassroots.duties.models import Dimension, Light
from grassroots.orglife.models import MeetingKind

from . import charts
from .figures import GRADES, LIGHTS


@dataclass
class Cell:
    """A cell of a panel's table: its text, and when it is a figure, its value and the list behind it."""

    text: str
    url: str = ""
    value: float | None = None
    summed: str = ""  # the field its list adds up for it (study hours), else the figure is the list's count


@dataclass
class Panel:
    key: str
    title: str
    chart: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    wide: bool = False


def _url(name: str, args: list, /, **query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return _reverse(name, tuple(args)) + (("?" + urlencode(query)) if query else "")


@lru_cache(maxsize=4096)
def _reverse(name: str, args: tuple) -> str:
    return reverse(name, args=args)


def list_url(org_pk: int, name: str, /, **query) -> str:
    return _url("dashboards:list", [org_pk, name], **query)


def _n(value) -> str:
    return charts._num(value)


def _figure(value, url: str) -> Cell:
    return Cell(_n(value), url, value)


def _light_labels() -> dict:
    return {light: str(Light(light).label) for light in LIGHTS}


def duty_panels(fig: dict, org_pk: int, period: str) -> list[Panel]:
    duties = fig["duties"]
    labels = _light_labels()
    lights = Panel(
        "lights",
        _("Duties by light"),
        headers=[_("Light"), _("Assignments")],
        note=_("Completion (share of the counted weight accepted): %(pct)s%%") % {"pct": _n(duties["completion"])},
    )
    bars = []
    for light in LIGHTS:
        url = list_url(org_pk, "assignments", period=period, light=light)
        bars.append(charts.Bar(labels[light], duties["by_light"][light], url, tone=light))
        lights.rows.append([Cell(labels[light]), _figure(duties["by_light"][light], url)])
    lights.rows.append([Cell(_("All")), _figure(duties["total"], list_url(org_pk, "assignments", period=period))])
    lights.chart = charts.bar_chart(bars, title=lights.title)

    areas = Panel("areas", _("Duties by area of construction"), headers=[_("Area of construction")])
    areas.headers += [labels[light] for light in LIGHTS]
    rows = []
    for dimension in Dimension.values:
        counts = duties["by_dimension"].get(dimension, {})
        name = str(Dimension(dimension).label)
        segments = [
            charts.Bar(
                labels[light],
                counts.get(light, 0),
                list_url(org_pk, "assignments", period=period, light=light, dimension=dimension),
                tone=light,
            )
            for light in LIGHTS
        ]
        rows.append(charts.Row(name, segments, url=list_url(org_pk, "assignments", period=period, dimension=dimension)))
        areas.rows.append([Cell(name, rows[-1].url)] + [_figure(s.value, s.url) for s in segments])
    areas.chart = charts.stacked_bars(rows, title=areas.title)
    return [lights, areas]


def child_panel(fig: dict, period: str) -> Panel | None:
    children = fig["children"]
    if not children:
        return None
    labels = _light_labels()
    english = not (get_language() or "").startswith("zh")
    panel = Panel(
        "children",
        _("Completion by organization below"),
        headers=[_("Organization"), _("Completion"), _("Assignments"), *(labels[light] for light in LIGHTS)],
        note=_("Each organization opens its own dashboard, one level down."),
        wide=True,
    )
    rows = []
    for child in children:
        name = (child["name_en"] or child["name"]) if english else child["name"]
        dashboard = _url("dashboards:dashboard", [child["pk"]], period=period)
        segments = [
            charts.Bar(
                labels[light],
                child["by_light"][light],
                list_url(child["pk"], "assignments", period=period, light=light),
                tone=light,
            )
            for light in LIGHTS
        ]
        rows.append(charts.Row(name, segments, url=dashboard, note=f"· {_n(child['completion'])}%"))
        panel.rows.append(
            [
                Cell(name, dashboard),
                Cell(f"{_n(child['completion'])}%"),
                _figure(child["total"], list_url(child["pk"], "assignments", period=period)),
                *(_figure(s.value, s.url) for s in segments),
            ]
        )
    # Narrow (a phone) and wide (a desk, the data screen): the page shows the one that fits (dashboards.css).
    panel.chart = charts.either(
        charts.stacked_bars(rows, title=panel.title), charts.stacked_rows(rows, title=panel.title)
    )
    return panel


def life_panels(fig: dict, org_pk: int, period: str) -> list[Panel]:
    meetings = fig["meetings"]
    life = Panel("meetings", _("Organizational life: meetings held and required"))
    life.headers = [_("Meeting"), _("Held"), _("Required in the period")]
    bars = []
    for row in meetings["by_kind"]:
        name = str(MeetingKind(row["kind"]).label)
        url = list_url(org_pk, "meetings", period=period, kind=row["kind"])
        note = _("of %(n)s") % {"n": _n(row["required"])} if row["required"] else ""
        bars.append(charts.Bar(name, row["held"], url, note=note))
        life.rows.append([Cell(name), _figure(row["held"], url), Cell(_n(row["required"]))])
    life.chart = charts.bar_chart(bars, title=life.title)

    study = fig["study"]
    hours_url = list_url(org_pk, "study", period=period)
    members_url = list_url(org_pk, "members", period=period)
    learning = Panel(
        "study",
        _("Study hours against the plan"),
        headers=[_("Figure"), _("Value")],
        note=_("The plan asks %(hours)s hours of each member.") % {"hours": _n(study["per_member"])},
    )
    learning.rows = [
        [Cell(_("Confirmed hours")), Cell(_n(study["hours"]), hours_url, study["hours"], "hours")],
        [Cell(_("Active members")), _figure(study["members"], members_url)],
        [Cell(_("Hours the plan requires")), Cell(_n(study["required"]))],
        [Cell(_("Share of the plan")), Cell(f"{_n(study['share'])}%")],
    ]
    learning.chart = charts.bar_chart(
        [
            charts.Bar(_("Confirmed hours"), study["hours"], hours_url, tone="done", note=f"{_n(study['share'])}%"),
            charts.Bar(_("Hours the plan requires"), study["required"], tone="green"),
        ],
        title=learning.title,
    )

    care = fig["care"]
    visited_url = list_url(org_pk, "care", period=period, visited="1")
    unvisited_url = list_url(org_pk, "care", period=period, visited="0")
    cover = Panel(
        "care",
        _("Care: members in difficulty visited"),
        headers=[_("Figure"), _("Members")],
        note=_("Coverage: %(pct)s%%") % {"pct": _n(care["coverage"])},
    )
    cover.rows = [
        [Cell(_("In the care ledger")), _figure(care["cases"], list_url(org_pk, "care", period=period))],
        [Cell(_("Visited in the period")), _figure(care["visited"], visited_url)],
        [Cell(_("Not visited yet")), _figure(care["cases"] - care["visited"], unvisited_url)],
    ]
    cover.chart = charts.bar_chart(
        [
            charts.Bar(_("Visited in the period"), care["visited"], visited_url, tone="done"),
            charts.Bar(_("Not visited yet"), care["cases"] - care["visited"], unvisited_url, tone="red"),
        ],
        title=cover.title,
    )
    return [life, learning, cover]


def pursuit_panels(fig: dict, org_pk: int, code: str, *, show_cases: bool) -> list[Panel]:
    out = []
    if show_cases:
        cases = fig["cases"]
        panel = Panel("cases", _("Cases of accountability by state"), headers=[_("State"), _("Cases")])
        bars = []
        for state in CaseState.values:
            url = _url("accountability:cases", [], organization=code, state=state)
            name = str(CaseState(state).label)
            bars.append(charts.Bar(name, cases["by_state"][state], url))
            panel.rows.append([Cell(name), _figure(cases["by_state"][state], url)])
        panel.rows.append(
            [Cell(_("All")), _figure(cases["total"], _url("accountability:cases", [], organization=code, state="all"))]
        )
        panel.chart = charts.bar_chart(bars, title=panel.title)
        out.append(panel)
    rect = fig["rectifications"]
    labels = _light_labels()
    panel = Panel("rectifications", _("Rectifications by light"), headers=[_("Light"), _("Rectifications")])
    bars = []
    for light in LIGHTS:
        url = list_url(org_pk, "rectifications", light=light)
        bars.append(charts.Bar(labels[light], rect["by_light"][light], url, tone=light))
        panel.rows.append([Cell(labels[light]), _figure(rect["by_light"][light], url)])
    panel.rows.append([Cell(_("All")), _figure(rect["total"], list_url(org_pk, "rectifications"))])
    panel.chart = charts.bar_chart(bars, title=panel.title)
    out.append(panel)
    return out


def assessment_panel(fig: dict, code: str) -> Panel:
    data = fig["assessment"]
    panel = Panel("assessment", _("Assessment results by grade"), headers=[_("Grade"), _("Organizations")])
    run = data.get("run")
    if run is None:
        panel.note = _("No assessment has been computed for this scope yet.")
        return panel
    state = str(RunState(run["state"]).label)
    if run["provisional"]:
        panel.note = _("Assessment of %(period)s (%(state)s): provisional, the results may still change.") % {
            "period": run["period"],
            "state": state,
        }
    else:
        panel.note = _("Assessment of %(period)s (%(state)s).") % {"period": run["period"], "state": state}
    if data["average"] is not None:
        panel.note += " " + _("Average score: %(score)s.") % {"score": _n(data["average"])}
    labels = dict(Grade.choices + Standing.choices)
    bars = []
    for grade in (*GRADES, Standing.NOT_ASSESSED):
        count = data["by_grade"][grade]
        if grade == Standing.NOT_ASSESSED and not count:
            continue
        url = _url("assessment:results", [run["pk"]], org=code, grade=grade)
        bars.append(charts.Bar(str(labels[grade]), count, url, tone=grade))
        panel.rows.append([Cell(str(labels[grade])), _figure(count, url)])
    panel.rows.append([Cell(_("All")), _figure(data["total"], _url("assessment:results", [run["pk"]], org=code))])
    panel.chart = charts.column_chart(bars, title=panel.title)
    return panel


def trend_panels(fig: dict, org_pk: int, period: str) -> list[Panel]:
    trends = fig["trends"]
    months = trends["months"]
    short = [m[5:] for m in months]
    monthly = Panel(
        "months",
        _("Month by month"),
        headers=[_("Month"), _("Meetings held"), _("Study hours"), _("Assignments accepted")],
        wide=True,
    )
    for i, ym in enumerate(months):
        monthly.rows.append(
            [
                Cell(ym),
                _figure(trends["meetings"][i], list_url(org_pk, "meetings", period=period, month=ym)),
                Cell(
                    _n(trends["study_hours"][i]),
                    list_url(org_pk, "study", period=period, month=ym),
                    trends["study_hours"][i],
                    "hours",
                ),
                _figure(trends["accepted"][i], list_url(org_pk, "assignments", accepted=ym)),
            ]
        )
    # Small multiples: each line on its own scale (hours run to thousands where meetings run to tens).
    monthly.chart = charts.multiples(
        [
            charts.line_chart(short, [(name, values)], title=f"{monthly.title}: {name}", height=130)
            for name, values in (
                (_("Meetings held"), trends["meetings"]),
                (_("Study hours"), trends["study_hours"]),
                (_("Assignments accepted"), trends["accepted"]),
            )
        ]
    )
    yearly = Panel("periods", _("Completion across periods"), headers=[_("Period"), _("Assignments"), _("Completion")])
    for row in trends["periods"]:
        yearly.rows.append(
            [
                Cell(row["code"]),
                _figure(row["total"], list_url(org_pk, "assignments", period=row["code"])),
                Cell(f"{_n(row['completion'])}%"),
            ]
        )
    yearly.chart = charts.column_chart(
        [
            charts.Bar(row["code"], row["completion"], list_url(org_pk, "assignments", period=row["code"]), note="%")
            for row in trends["periods"]
        ],
        title=yearly.title,
        desc="; ".join(f"{row['code']}: {_n(row['completion'])}%" for row in trends["periods"]),
    )
    return [monthly, yearly]


def panels(fig: dict, *, show_cases: bool) -> list[Panel]:
    """Every panel of a dashboard, in the order the page shows them."""
    pk, code, period = fig["organization"]["pk"], fig["organization"]["code"], fig["period"]
    out = duty_panels(fig, pk, period)
    child = child_panel(fig, period)
    if child is not None:
        out.append(child)
    out += life_panels(fig, pk, period)
    out += pursuit_panels(fig, pk, code, show_cases=show_cases)
    out.append(assessment_panel(fig, code))
    out += trend_panels(fig, pk, period)
    return out
