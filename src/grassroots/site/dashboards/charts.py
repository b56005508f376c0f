"""Charts as SVG written on the server: horizontal bars, stacked bars, columns and lines, no script and no CDN.

Every chart is an image to assistive technology (role="img", a <title> and a <desc> in the reader's language) and
scales to its box (a viewBox, width 100%): 360 units wide, so that on a phone 390 px wide a unit is a pixel and
12-unit text stays readable. Bars, segments and points whose figure has a list behind it are links to that list.
Colours come from CSS custom properties with printable fallbacks (the data screen overrides them); every value is
also written as text, so that nothing is told by colour alone. The page shows the same figures as a table.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from grassroots.core.templatetags.numbers import shown

WIDTH = 360
FONT = 12
PALETTE = ("#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#ad1457")
# The colour of each kind of segment that has a meaning (lights, grades), by CSS property and fallback.
TONES = {
    "done": ("--chart-done", "#2e7d32"),
    "green": ("--chart-green", "#81c784"),
    "yellow": ("--chart-yellow", "#f9a825"),
    "red": ("--chart-red", "#c62828"),
    "excellent": ("--chart-done", "#2e7d32"),
    "good": ("--chart-green", "#81c784"),
    "fair": ("--chart-yellow", "#f9a825"),
    "poor": ("--chart-red", "#c62828"),
}
_ids = count(1)


@dataclass
class Bar:
    """One figure of a chart: its label, its value, and the address of the list behind it."""

    label: str
    value: float
    url: str = ""
    tone: str = ""  # a key of TONES, else the palette by position
    note: str = ""  # written after the value (e.g. "of 40", "62%")


@dataclass
class Row:
    """One row of stacked bars: a label and its segments (Bars), with the address of the whole row."""

    label: str
    segments: list[Bar] = field(default_factory=list)
    url: str = ""
    note: str = ""


def _fill(tone: str, index: int) -> str:
    if tone in TONES:
        prop, fallback = TONES[tone]
        return f"fill:var({prop},{fallback})"
    return f"fill:var(--chart-{index % len(PALETTE)},{PALETTE[index % len(PALETTE)]})"


def _num(value: float) -> str:
    return _shown(value, get_language())


@lru_cache(maxsize=4096)
def _shown(value: float, language: str) -> str:
    """A number as the site shows it (core's one number filter), remembered: a dashboard writes a thousand."""
    return shown(value, 1)


def _link(url: str, body: str, label: str) -> str:
    if not url:
        return body
    return f'<a href="{escape(url)}" aria-label="{escape(label)}">{body}</a>'


def _frame(title: str, desc: str, height: float, body: str, width: float = WIDTH) -> SafeString:
    n = next(_ids)
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" role="img" '
        f'aria-labelledby="chart-t{n} chart-d{n}" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{FONT}" preserveAspectRatio="xMinYMin meet">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def _describe(bars: list[Bar]) -> str:
    return "; ".join(f"{b.label}: {_num(b.value)}{(' ' + b.note) if b.note else ''}" for b in bars)


def _legend(items: list[tuple[str, str]], y: float) -> tuple[str, float]:
    """Swatches and names, wrapped onto as many lines as the width needs; returns the markup and the height."""
    out, x, line = [], 0.0, 0
    for name, style in items:
        width = 18 + _text_width(name) + 12
        if x and x + width > WIDTH:
            x, line = 0.0, line + 1
        top = y + line * 18
        out.append(
            f'<rect x="{x:.0f}" y="{top:.0f}" width="12" height="12" style="{style}"/>'
            f'<text x="{x + 16:.0f}" y="{top + 10:.0f}" class="chart-text">{escape(name)}</text>'
        )
        x += width
    return "".join(out), (line + 1) * 18 if items else 0


def _fit(text: str, width: float) -> str:
    """The text cut with an ellipsis to fit `width` units (the whole text stays in the link's label and the desc)."""
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _text_width(text: str, bold: bool = False) -> float:
    """Width of a text in units: a CJK character takes a full em, another about two thirds of one."""
    return sum(FONT if ord(ch) > 0x2E80 else FONT * (0.68 if bold else 0.62) for ch in text)


def bar_chart(bars: list[Bar], *, title: str, desc: str = "", maximum: float | None = None) -> SafeString:
    """Horizontal bars, one a row: the label above its bar, the value after the bar's end (room kept for it)."""
    top = max([maximum or 0] + [b.value for b in bars]) or 1
    texts = [_num(b.value) + (f" {b.note}" if b.note else "") for b in bars]
    room = WIDTH - 6 - max([_text_width(t, bold=True) for t in texts] + [24])
    rows, y = [], 0.0
    for i, (b, text) in enumerate(zip(bars, texts, strict=True)):
        width = room * b.value / top
        body = (
            f'<text x="0" y="{y + 12:.0f}" class="chart-text">{escape(_fit(b.label, WIDTH))}</text>'
            f'<rect x="0" y="{y + 16:.0f}" width="{max(width, 1.5):.1f}" height="14" rx="2" style="{_fill(b.tone, i)}"/>'
            f'<text x="{width + 4:.1f}" y="{y + 27:.0f}" class="chart-value">{escape(text)}</text>'
        )
        rows.append(_link(b.url, body, f"{b.label}: {text}"))
        y += 38
    return _frame(title, desc or _describe(bars), max(y, 20), "".join(rows))


def stacked_bars(rows: list[Row], *, title: str, desc: str = "", legend: list[Bar] | None = None) -> SafeString:
    """One bar a row, cut into segments (each a link); the legend names the segments once, above."""
    legend = legend if legend is not None else (rows[0].segments if rows else [])
    legend_markup, y = _legend([(b.label, _fill(b.tone, i)) for i, b in enumerate(legend)], 0)
    y += 4
    parts = [legend_markup]
    for row in rows:
        total = sum(s.value for s in row.segments)
        note = f" {row.note}" if row.note else ""
        label = f"{row.label} ({_num(total)}{note})"
        parts.append(
            _link(
                row.url, f'<text x="0" y="{y + 12:.0f}" class="chart-text">{escape(_fit(label, WIDTH))}</text>', label
            )
        )
        x = 0.0
        for i, s in enumerate(row.segments):
            if not s.value:
                continue
            width = WIDTH * s.value / total
            segment = f'<rect x="{x:.1f}" y="{y + 16:.0f}" width="{width:.1f}" height="16" style="{_fill(s.tone, i)}"/>'
            if width > 8 * len(_num(s.value)):
                segment += (
                    f'<text x="{x + width / 2:.1f}" y="{y + 28:.0f}" text-anchor="middle" '
                    f'class="chart-on-bar">{_num(s.value)}</text>'
                )
            parts.append(_link(s.url, segment, f"{row.label}, {s.label}: {_num(s.value)}"))
            x += width
        if not total:
            parts.append(f'<rect x="0" y="{y + 16:.0f}" width="{WIDTH}" height="16" class="chart-empty"/>')
        y += 40
    described = desc or "; ".join(
        f"{r.label}: " + ", ".join(f"{s.label} {_num(s.value)}" for s in r.segments) for r in rows
    )
    return _frame(title, described, max(y, 20), "".join(parts))


def stacked_rows(rows: list[Row], *, title: str, desc: str = "", legend: list[Bar] | None = None) -> SafeString:
    """The wide form of stacked_bars, for a screen with room: each label left of its bar on one line and the row's
    total after it (twice the width, half the height a row)."""
    width, step = WIDTH * 2, 22
    legend = legend if legend is not None else (rows[0].segments if rows else [])
    x = 0.0
    parts = []
    for i, b in enumerate(legend):
        parts.append(
            f'<rect x="{x:.0f}" y="0" width="12" height="12" style="{_fill(b.tone, i)}"/>'
            f'<text x="{x + 16:.0f}" y="10" class="chart-text">{escape(b.label)}</text>'
        )
        x += 16 + _text_width(b.label) + 14
    totals = [f"{_num(sum(s.value for s in r.segments))}{(' ' + r.note) if r.note else ''}" for r in rows]
    label_width = min(width / 2, max([_text_width(r.label) for r in rows] + [40]) + 8)
    room = width - label_width - max([_text_width(t, bold=True) for t in totals] + [24]) - 6
    y = 20.0
    for row, total_text in zip(rows, totals, strict=True):
        total = sum(s.value for s in row.segments)
        label = f"{row.label} ({total_text})"
        parts.append(
            _link(
                row.url,
                f'<text x="0" y="{y + 13:.0f}" class="chart-text">{escape(_fit(row.label, label_width - 8))}</text>',
                label,
            )
        )
        x = label_width
        for i, s in enumerate(row.segments):
            if not s.value:
                continue
            w = room * s.value / total
            segment = f'<rect x="{x:.1f}" y="{y + 2:.0f}" width="{w:.1f}" height="16" style="{_fill(s.tone, i)}"/>'
            if w > 8 * len(_num(s.value)):
                segment += (
                    f'<text x="{x + w / 2:.1f}" y="{y + 14:.0f}" text-anchor="middle" '
                    f'class="chart-on-bar">{_num(s.value)}</text>'
                )
            parts.append(_link(s.url, segment, f"{row.label}, {s.label}: {_num(s.value)}"))
            x += w
        parts.append(
            f'<text x="{label_width + room + 4:.0f}" y="{y + 14:.0f}" class="chart-value">{escape(total_text)}</text>'
        )
        y += step
    described = desc or "; ".join(
        f"{r.label}: " + ", ".join(f"{s.label} {_num(s.value)}" for s in r.segments) for r in rows
    )
    return _frame(title, described, y, "".join(parts), width=width)


def column_chart(bars: list[Bar], *, title: str, desc: str = "", height: float = 150) -> SafeString:
    """Vertical columns (a distribution): the value above each column, its label below."""
    n = max(len(bars), 1)
    top = max([b.value for b in bars] + [1])
    slot = WIDTH / n
    base = height - 22
    parts = [f'<line x1="0" x2="{WIDTH}" y1="{base:.0f}" y2="{base:.0f}" class="chart-axis"/>']
    for i, b in enumerate(bars):
        h = (base - 18) * b.value / top
        x = i * slot + slot * 0.15
        w = slot * 0.7
        cx = i * slot + slot / 2
        text = _num(b.value)
        body = (
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{max(h, 1):.1f}" style="{_fill(b.tone, i)}"/>'
            f'<text x="{cx:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" class="chart-value">{text}</text>'
            f'<text x="{cx:.1f}" y="{height - 6:.0f}" text-anchor="middle" class="chart-text">{escape(b.label)}</text>'
        )
        parts.append(_link(b.url, body, f"{b.label}: {text}"))
    return _frame(title, desc or _describe(bars), height, "".join(parts))


def line_chart(
    labels: list[str], series: list[tuple[str, list[float]]], *, title: str, desc: str = "", height: float = 170
) -> SafeString:
    """Lines over the same labels (months, periods): a y axis with four steps, the last value of each line named."""
    legend_markup, legend_height = _legend([(name, _stroke_style(i)) for i, (name, _v) in enumerate(series)], 0)
    top = max([v for _n, values in series for v in values] + [1])
    step = _nice_step(top / 4)
    top = step * 4
    left, right, y0 = 8 + _text_width(_num(top)), WIDTH - 10, legend_height + 8
    base = height - 20
    slot = (right - left) / max(len(labels) - 1, 1)
    parts = [legend_markup]
    for k in range(5):
        y = base - (base - y0) * k / 4
        parts.append(
            f'<line x1="{left:.0f}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid"/>'
            f'<text x="{left - 4:.0f}" y="{y + 4:.1f}" text-anchor="end" class="chart-text">{_num(step * k)}</text>'
        )
    every = max(1, len(labels) // 6)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            x = left + slot * i
            parts.append(
                f'<text x="{x:.1f}" y="{height - 4:.0f}" text-anchor="middle" class="chart-text">{escape(label)}</text>'
            )
    for s, (_name, values) in enumerate(series):
        points = [(left + slot * i, base - (base - y0) * v / top) for i, v in enumerate(values)]
        colour = _stroke_colour(s)
        parts.append(
            f'<polyline fill="none" stroke-width="2.5" style="stroke:{colour}" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'
        )
        parts.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" style="fill:{colour}"><title>{escape(labels[i])}: '
            f"{_num(values[i])}</title></circle>"
            for i, (x, y) in enumerate(points)
        )
    described = desc or "; ".join(
        f"{name}: " + ", ".join(f"{labels[i]} {_num(v)}" for i, v in enumerate(values)) for name, values in series
    )
    return _frame(title, described, height, "".join(parts))


def either(narrow: SafeString, wide: SafeString) -> SafeString:
    """Two forms of one chart; the style sheet shows the narrow one on a phone and the wide one where there is room
    (the other is display:none, so assistive technology reads one)."""
    return mark_safe(f'<div class="chart-narrow">{narrow}</div><div class="chart-wide">{wide}</div>')


def multiples(charts: list[SafeString]) -> SafeString:
    """Several small charts side by side where there is room, one under another on a phone."""
    return mark_safe('<div class="chart-multiples">' + "".join(charts) + "</div>")


def _stroke_colour(index: int) -> str:
    return f"var(--chart-{index % len(PALETTE)},{PALETTE[index % len(PALETTE)]})"


def _stroke_style(index: int) -> str:
    return f"fill:{_stroke_colour(index)}"


def _nice_step(raw: float) -> float:
    """A round step for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `raw`."""
    if raw <= 1:
        return 1
    power = 10 ** (len(str(int(raw))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power
