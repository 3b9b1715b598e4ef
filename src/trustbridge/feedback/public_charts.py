"""Geometry of the accountability page's SVG charts, in the shapes of ``transparency.charts``
so that its bar-chart template draws them. Numbers and class names only; every chart has a
table of the same figures beside it."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils import formats
from django.utils.translation import gettext as _

from trustbridge.feedback.accountability import Row
from trustbridge.feedback.cells import MIN_BASE, Clock
from trustbridge.transparency.charts import WIDTH, Bar, BarChart, Tick, bar_chart
from trustbridge.transparency.queries import Figure

HEIGHT = 240


def short_label(row: Row) -> str:
    """ "Nov 2025": month labels short enough for twelve bars on a phone."""
    return formats.date_format(row.month, "M Y") if row.month else row.label


def received_chart(rows: Sequence[Row]) -> BarChart:
    """Items received, one bar per month."""
    return bar_chart(
        [(short_label(row), Figure(row.figures.received, 0, MIN_BASE)) for row in rows]
    )


def share_chart(points: Sequence[tuple[str, Clock]], *, width: int = WIDTH) -> BarChart:
    """The share within target, one bar per month, on an axis from 0 to 100 %. A month with
    too few items to say is drawn as a short grey stub, not to scale."""
    left, right, top, bottom = 48.0, 8.0, 12.0, 36.0
    plot_w, plot_h = width - left - right, HEIGHT - top - bottom
    baseline = top + plot_h
    slot = plot_w / max(len(points), 1)
    bars = []
    for i, (label, clock) in enumerate(points):
        share = clock.share
        height = 4.0 if share is None else plot_h * share / 100
        text = _("too few to say") if share is None else clock.share_text
        bars.append(
            Bar(
                round(left + i * slot + slot * 0.15, 1),
                round(baseline - height, 1),
                round(slot * 0.7, 1),
                round(height, 1),
                label,
                text,
                share is None,
            )
        )
    ticks = [
        Tick(round(baseline - plot_h * v / 100, 1), formats.number_format(v, 0) + " %")
        for v in range(0, 101, 25)
    ]
    every = max(1, math.ceil(len(points) / 8))
    x_labels = [
        (round(left + i * slot + slot / 2, 1), label)
        for i, (label, _clock) in enumerate(points)
        if i % every == 0
    ]
    return BarChart(width, HEIGHT, bars, ticks, x_labels, round(baseline, 1), left)
