"""Small line and bar charts as SVG, drawn on the server (pure: no Flask, no database).

Each chart is an <svg role="img"> with a <title> and a viewBox, so it scales with the page; the
page puts the same numbers in a table under the chart (the text alternative). Values are plain
numbers; `percent=True` writes the axis as percentages of 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 42
COLOUR = "#7a4e36"


def _ticks(top: float, percent: bool) -> list[float]:
    """Four evenly spaced ticks from 0 to a round value at or above `top`."""
    if percent:
        return [0.0, 0.25, 0.5, 0.75, 1.0]
    top = max(top, 1.0)
    step = 1.0
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        step = float(candidate)
        if candidate * 4 >= top:
            break
    else:
        step = float(int(top / 4) + 1)
    return [step * i for i in range(5)]


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{round(value * 100)} %"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _frame(title: str, ticks: list[float], percent: bool) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'role="img" preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>',
           '<g font-family="system-ui, sans-serif" font-size="11" fill="#444">']
    for tick in ticks:
        y = round(TOP + plot_h * (1 - tick / ticks[-1]), 1)
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#ddd"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{_fmt(tick, percent)}</text>')
    return out


def _x_labels(labels: Sequence[str], xs: list[float]) -> list[str]:
    # At most about 12 labels fit: show every n-th.
    every = max(1, -(-len(labels) // 12))
    out = []
    for index, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if index % every and index != len(labels) - 1:
            continue
        out.append(f'<text x="{x}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>')
    return out


def line_chart_svg(points: Sequence[tuple[str, float]], *, title: str, percent: bool = False) -> str:
    """A line with a dot per point, x labels under it (a point: (label, value))."""
    values = [float(v) for _label, v in points]
    ticks = _ticks(max(values, default=0.0), percent)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(points)
    xs = [round(LEFT + (plot_w * (i + 0.5) / count), 1) for i in range(count)]
    ys = [round(TOP + plot_h * (1 - min(v / ticks[-1], 1.0)), 1) for v in values]
    out = _frame(title, ticks, percent)
    if count > 1:
        path = " ".join(f"{x},{y}" for x, y in zip(xs, ys, strict=True))
        out.append(f'<polyline points="{path}" fill="none" stroke="{COLOUR}" stroke-width="2.5"/>')
    for (label, value), x, y in zip(points, xs, ys, strict=True):
        out.append(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{COLOUR}">'
                   f"<title>{escape(label)}: {_fmt(float(value), percent)}</title></circle>")
    out += _x_labels([label for label, _v in points], xs)
    out.append("</g></svg>")
    return "".join(out)


def bar_chart_svg(points: Sequence[tuple[str, float]], *, title: str, percent: bool = False) -> str:
    """A bar per point, x labels under the bars (a point: (label, value))."""
    values = [float(v) for _label, v in points]
    ticks = _ticks(max(values, default=0.0), percent)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(points)
    slot = plot_w / count if count else plot_w
    bar = round(max(slot * 0.6, 2.0), 1)
    xs = [round(LEFT + slot * (i + 0.5), 1) for i in range(count)]
    out = _frame(title, ticks, percent)
    for (label, value), x in zip(points, xs, strict=True):
        h = round(plot_h * min(float(value) / ticks[-1], 1.0), 1)
        out.append(f'<rect x="{round(x - bar / 2, 1)}" y="{round(TOP + plot_h - h, 1)}" width="{bar}" '
                   f'height="{h}" fill="{COLOUR}"><title>{escape(label)}: {_fmt(float(value), percent)}'
                   f"</title></rect>")
    out += _x_labels([label for label, _v in points], xs)
    out.append("</g></svg>")
    return "".join(out)
