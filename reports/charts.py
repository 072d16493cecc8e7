"""Charts drawn on the server as inline SVG, each with the table of its numbers.

No JavaScript and no style attributes (the CSP forbids inline styles): colours and sizes are
SVG presentation attributes, the rest comes from the stylesheet. Each SVG is an image with a
title and a description (`role="img"`, `aria-labelledby`); the numbers themselves are given
as a table beside it, so nobody has to read them off the picture.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1b1b1f"
MUTED = "#4a4d55"
GRID = "#c9ccd3"
# Each colour has at least 3:1 contrast against white (WCAG 1.4.11); lines also differ by dash.
PALETTE = ["#0b4f8a", "#b34700", "#1d6b32", "#6b3fa0", "#a4161a", "#005f73"]
DASHES = ["", "6 4", "2 3", "10 3 2 3"]
# Light to dark blue for the heatmap; the darkest cells get white text.
HEAT = ["#ffffff", "#dbe8f5", "#b3cde8", "#7aa7d6", "#3f7fbf", "#0b4f8a", "#072f54"]

FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass
class Chart:
    """An SVG chart and its numbers: `columns` head the table, each row starts with its label."""

    chart_id: str
    title: str
    description: str
    svg: SafeString
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.rows


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum`: 0, 2, 4 … or 0, 50, 100 …"""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < maximum:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _text(x, y, content, *, anchor="middle", size=12, fill=INK, extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f"{FONT}{extra}>{escape(content)}</text>"
    )


def _svg(chart_id: str, title: str, description: str, width: int, height: int, body: list[str]) -> SafeString:
    ids = f"{chart_id}-title {chart_id}-desc"
    return mark_safe(  # noqa: S308 - every text above went through escape()
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{ids}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _legend(series: Sequence[Series], x: float, y: float, *, lines: bool) -> list[str]:
    parts = []
    for index, item in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        if lines:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 22:.1f}" y2="{y - 4:.1f}" stroke="{colour}" '
                f'stroke-width="3"{dash_attr}/>'
            )
        else:
            parts.append(f'<rect x="{x + 6:.1f}" y="{y - 12:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 28, y, item.name, anchor="start"))
        x += 40 + 7 * len(item.name)
    return parts


def _value_axis(ticks, *, left, right, top, bottom, fmt) -> list[str]:
    parts = []
    span = ticks[-1] or 1
    for tick in ticks:
        y = bottom - (bottom - top) * tick / span
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, fmt(tick), anchor="end", size=11, fill=MUTED))
    return parts


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = _number,
) -> Chart:
    """Grouped vertical bars: one group per category, one bar per series."""
    width, height = 720, 320
    left, right, top, bottom = 56, width - 16, 36, height - 48
    maximum = max((v or 0 for s in series for v in s.values), default=0)
    ticks = nice_ticks(maximum)
    body = _value_axis(ticks, left=left, right=right, top=top, bottom=bottom, fmt=fmt)
    body += _legend(series, left, 18, lines=False)
    group = (right - left) / max(len(categories), 1)
    bar = min(36, group * 0.8 / max(len(series), 1))
    for c_index, category in enumerate(categories):
        start = left + group * c_index + (group - bar * len(series)) / 2
        for s_index, item in enumerate(series):
            value = item.values[c_index] or 0
            bar_height = (bottom - top) * value / ticks[-1]
            body.append(
                f'<rect x="{start + s_index * bar:.1f}" y="{bottom - bar_height:.1f}" '
                f'width="{bar - 2:.1f}" height="{bar_height:.1f}" fill="{PALETTE[s_index % len(PALETTE)]}"/>'
            )
        body.append(_text(left + group * (c_index + 0.5), bottom + 18, category))
    return _series_chart(
        chart_id, title, description, width, height, body, categories, series, fmt, (left, right, bottom)
    )


def horizontal_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    values: Sequence[float],
    value_name: str,
    fmt: Callable[[float], str] = _number,
) -> Chart:
    """One bar per category, long labels on the left: for lists such as removal grounds."""
    row_height = 30
    label_width = 300
    width = 720
    height = 24 + row_height * max(len(categories), 1) + 24
    left, right, top = label_width, width - 56, 16
    ticks = nice_ticks(max(values, default=0))
    body = []
    for index, (category, value) in enumerate(zip(categories, values, strict=True)):
        y = top + index * row_height
        length = (right - left) * value / ticks[-1]
        body.append(_text(left - 8, y + 19, category, anchor="end"))
        body.append(
            f'<rect x="{left}" y="{y + 5:.1f}" width="{length:.1f}" height="{row_height - 10}" '
            f'fill="{PALETTE[0]}"/>'
        )
        body.append(_text(left + length + 6, y + 19, fmt(value), anchor="start"))
    body.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + row_height * len(categories)}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    rows = [[category, fmt(value)] for category, value in zip(categories, values, strict=True)]
    return Chart(
        chart_id,
        title,
        description,
        _svg(chart_id, title, description, width, height, body),
        ["", value_name],
        rows,
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = _number,
) -> Chart:
    """Lines over time; a missing value (None) leaves a gap, and every value gets a marker."""
    width, height = 720, 320
    left, right, top, bottom = 64, width - 20, 36, height - 48
    maximum = max((v for s in series for v in s.values if v is not None), default=0)
    ticks = nice_ticks(maximum)
    body = _value_axis(ticks, left=left, right=right, top=top, bottom=bottom, fmt=fmt)
    body += _legend(series, left, 18, lines=True)
    count = max(len(categories), 1)
    step = (right - left) / count

    def x_of(index):
        return left + step * (index + 0.5)

    label_every = max(1, math.ceil(count / 12))
    for index, category in enumerate(categories):
        if index % label_every == 0:
            body.append(_text(x_of(index), bottom + 18, category, size=11))
    for s_index, item in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        dash = DASHES[s_index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments = [segment]
        for index, value in enumerate(item.values):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            y = bottom - (bottom - top) * value / ticks[-1]
            segment.append(f"{x_of(index):.1f},{y:.1f}")
            body.append(f'<circle cx="{x_of(index):.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
    return _series_chart(
        chart_id, title, description, width, height, body, categories, series, fmt, (left, right, bottom)
    )


def heatmap(
    *,
    chart_id: str,
    title: str,
    description: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[int]],
) -> Chart:
    """A grid of counts (weekday × hour): darker is more; each cell also prints its number."""
    cell_w, cell_h = 26, 26
    left, top = 92, 24
    width = left + cell_w * len(column_labels) + 8
    height = top + cell_h * len(row_labels) + 8
    maximum = max((v for row in values for v in row), default=0)
    body = []
    for c_index, label in enumerate(column_labels):
        body.append(_text(left + cell_w * (c_index + 0.5), top - 8, label, size=10, fill=MUTED))
    for r_index, label in enumerate(row_labels):
        y = top + r_index * cell_h
        body.append(_text(left - 8, y + cell_h / 2 + 4, label, anchor="end", size=11))
        for c_index, value in enumerate(values[r_index]):
            level = 0 if not value else 1 + math.floor((len(HEAT) - 2) * value / maximum)
            level = min(level, len(HEAT) - 1)
            x = left + c_index * cell_w
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" fill="{HEAT[level]}" '
                f'stroke="{GRID}" stroke-width="0.5"/>'
            )
            if value:
                text_fill = "#ffffff" if level >= 4 else INK
                body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, str(value), size=10, fill=text_fill))
    rows = [[label, *[str(v) for v in values[i]]] for i, label in enumerate(row_labels)]
    return Chart(
        chart_id,
        title,
        description,
        _svg(chart_id, title, description, width, height, body),
        ["", *column_labels],
        rows,
    )


def _series_chart(chart_id, title, description, width, height, body, categories, series, fmt, axis) -> Chart:
    """Close a chart of series over categories: the baseline, and the numbers as a table."""
    left, right, bottom = axis
    body.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>'
    )
    rows = [
        [category] + [fmt(s.values[i]) if s.values[i] is not None else "–" for s in series]
        for i, category in enumerate(categories)
    ]
    return Chart(
        chart_id,
        title,
        description,
        _svg(chart_id, title, description, width, height, body),
        ["", *[s.name for s in series]],
        rows,
    )
