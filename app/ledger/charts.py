"""The give-and-take chart: given and received side by side per month, as SVG drawn on the server
with the frame, ticks and labels of `app.connections.charts` (pure: no Flask, no database).

The page puts the same numbers in a table under the chart (the text alternative).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from app.connections.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, _fmt, _frame, _ticks, _x_labels

GIVEN_COLOUR = "#7a4e36"
RECEIVED_COLOUR = "#c9a27e"


def given_received_svg(points: Sequence[tuple[str, int, int]], *, title: str, given_label: str,
                       received_label: str) -> str:
    """Two bars per month (a point: (label, given, received)) with a small legend."""
    top = max((max(g, r) for _label, g, r in points), default=0)
    ticks = _ticks(float(top), False)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(points)
    slot = plot_w / count if count else plot_w
    bar = round(max(slot * 0.3, 2.0), 1)
    xs = [round(LEFT + slot * (i + 0.5), 1) for i in range(count)]
    out = _frame(title, ticks, False)
    for (label, given, received), x in zip(points, xs, strict=True):
        for value, left, colour, words in ((given, x - bar, GIVEN_COLOUR, given_label),
                                           (received, x, RECEIVED_COLOUR, received_label)):
            h = round(plot_h * min(float(value) / ticks[-1], 1.0), 1)
            out.append(f'<rect x="{round(left, 1)}" y="{round(TOP + plot_h - h, 1)}" width="{bar}" '
                       f'height="{h}" fill="{colour}"><title>{escape(label)}: {escape(words)} '
                       f"{_fmt(float(value), False)}</title></rect>")
    out += _x_labels([label for label, _g, _r in points], xs)
    legend_y = HEIGHT - 8
    out.append(f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{GIVEN_COLOUR}"/>'
               f'<text x="{LEFT + 14}" y="{legend_y}">{escape(given_label)}</text>'
               f'<rect x="{LEFT + 140}" y="{legend_y - 9}" width="10" height="10" fill="{RECEIVED_COLOUR}"/>'
               f'<text x="{LEFT + 154}" y="{legend_y}">{escape(received_label)}</text>')
    out.append("</g></svg>")
    return "".join(out)
