"""Bar and line charts of a report's table, drawn on the server as SVG with pygal ("biểu đồ").

A chart is a picture of numbers the page also shows as a table beside it, so it carries no JavaScript (pygal's
script tag is taken out: the page's Content-Security-Policy would refuse it anyway), no interactivity, and a style
that prints in black and colour alike: white ground, dark text, large labels that stay legible when a 390 px phone
shrinks the picture to its width, the legend under the plot, units named by their short codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pygal
from pygal.style import Style

from erms.errors import N_
from reports.figures import Table

# Drawn at this size and scaled to the column it sits in: fonts below are in these units. A 390 px phone shows the
# picture about 340 px wide (a factor of 0.6, so a 22 unit label reads at 13 px); a laptop's column about 650 px.
WIDTH, HEIGHT = 560, 420
# A legend name longer than this takes a line of its own under the plot.
LEGEND_COLUMN = 20
# The product's accent, its gold, green, brand red, then purple: told apart in print by their lightness too.
COLOURS = ("#0b5cad", "#d9a441", "#1a7f37", "#8a1c1c", "#8250df", "#57606a")
# Deadlines read as traffic lights: met green, late amber, overdue red.
DEADLINES = ("#1a7f37", "#d9a441", "#b42318")
LOOK = dict(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#8c959f",
    opacity="1",
    opacity_hover="1",
    stroke_opacity="1",
    stroke_opacity_hover="1",
    stroke_width="4",
    stroke_width_hover="4",
    transition="none",
    font_family='"DejaVu Sans", "Noto Sans", Arial, sans-serif',
    label_font_size=22,
    major_label_font_size=22,
    legend_font_size=20,
    title_font_size=22,
    value_font_size=18,
    tooltip_font_size=18,
)
NO_FIGURES = N_("No figures")
SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


@dataclass(frozen=True)
class Chart:
    """What to draw of a table: a bar or a line chart, the column naming the points, the columns of the series."""

    kind: str  # "bar" or "line"
    table: str
    labels: str  # a row without a label (the records of no unit) is left out of the picture
    series: tuple[str, ...]
    title: str  # English msgid
    colours: tuple[str, ...] = COLOURS


def render(chart: Chart, table: Table, translate: Callable[[str], str]) -> str:
    """Return the chart of ``table`` as an SVG document (a string), its series named by their translated headings."""
    kind = pygal.Bar if chart.kind == "bar" else pygal.Line
    names = [translate(table.columns[table.index(key)].heading) for key in chart.series]
    labels = table.values(chart.labels)
    shown = [number for number, label in enumerate(labels) if label not in ("", None)]
    drawn = kind(
        style=Style(colors=chart.colours, **LOOK),
        width=WIDTH,
        height=HEIGHT,
        title=translate(chart.title),
        js=[],
        disable_xml_declaration=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=1 if max(map(len, names)) > LEGEND_COLUMN else 2,
        margin_right=24,  # room for the last label under the x axis
        truncate_legend=-1,
        truncate_label=12,
        x_label_rotation=-35 if len(shown) > 4 and max((len(str(labels[n])) for n in shown), default=0) > 4 else 0,
        # Months of a long period: a label every few, so they never run into each other.
        x_labels_major_every=max(1, -(-len(shown) // 6)),
        show_minor_x_labels=False,
        show_minor_y_labels=False,
        min_scale=2,
        max_scale=6,
        print_zeroes=False,
        no_data_text=translate(NO_FIGURES),
        show_dots=chart.kind == "line",
        dots_size=4,
    )
    drawn.x_labels = [str(labels[number]) for number in shown]
    for key, name in zip(chart.series, names, strict=True):
        values = table.values(key)
        drawn.add(name, [int(values[number] or 0) for number in shown])
    return SCRIPT.sub("", drawn.render(is_unicode=True))
