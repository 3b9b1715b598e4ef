"""Geometry of the dashboard's server-rendered SVG charts and maps.

Only numbers and class names come out of here; templates draw them. No inline styles (the
CSP forbids them): colours come from classes in trustbridge.css. Every chart is paired with
an HTML table of the same figures in its template.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from trustbridge.core import geo
from trustbridge.core.models import Area
from trustbridge.core.queries import AreaMap, area_map
from trustbridge.transparency.queries import Figure, HexCell

BUCKETS = 5  # colour steps of the maps and the heat table (0 = none or withheld)
WIDTH = 640
MARGIN = 8  # as in core.queries.area_map, so that hexagons land on the areas


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str  # the figure as the table shows it
    withheld: bool  # "fewer than k": drawn as a short hatched stub, not to scale


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    x_labels: list[tuple[float, str]]
    baseline: float
    left: float


def _nice_step(maximum: int) -> int:
    """A round step giving about four gridlines up to ``maximum``."""
    if maximum <= 4:
        return 1
    raw = maximum / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)


def bar_chart(
    points: Sequence[tuple[str, Figure]], *, width: int = WIDTH, height: int = 240
) -> BarChart:
    """Vertical bars, one per point, on a y axis starting at zero."""
    left, right, top, bottom = 48.0, 8.0, 12.0, 36.0
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = max([f.value or 0 for _label, f in points] + [1])
    step = _nice_step(maximum)
    top_value = max(step, math.ceil(maximum / step) * step)
    slot = plot_w / max(len(points), 1)
    bars = []
    baseline = top + plot_h
    for i, (label, figure) in enumerate(points):
        value = figure.value or 0
        bar_h = plot_h * value / top_value
        if figure.value is None:
            bar_h = 4.0
        x = left + i * slot + slot * 0.15
        bars.append(
            Bar(
                round(x, 1),
                round(baseline - bar_h, 1),
                round(slot * 0.7, 1),
                round(bar_h, 1),
                label,
                str(figure),
                figure.value is None,
            )
        )
    ticks = [
        Tick(
            round(baseline - plot_h * v / top_value, 1),
            formats.number_format(v, force_grouping=True),
        )
        for v in range(0, top_value + 1, step)
    ]
    every = max(1, math.ceil(len(points) / 8))
    x_labels = [
        (round(left + i * slot + slot / 2, 1), label)
        for i, (label, _figure) in enumerate(points)
        if i % every == 0
    ]
    return BarChart(width, height, bars, ticks, x_labels, round(baseline, 1), left)


def bucket(value: int | float | None, maximum: float) -> int:
    """Colour step 1…BUCKETS-1 by equal intervals of ``maximum``; 0 for none or withheld."""
    if value is None or value <= 0 or maximum <= 0:
        return 0
    return min(BUCKETS - 1, 1 + int((BUCKETS - 1) * value / maximum * 0.9999))


def legend(maximum: float, *, decimals: int = 0) -> list[tuple[int, str]]:
    """The colour steps with the range each covers, for a legend."""
    rows = []
    for step in range(1, BUCKETS):
        low = maximum * (step - 1) / (BUCKETS - 1)
        high = maximum * step / (BUCKETS - 1)
        span = _("%(low)s to %(high)s") % {
            "low": formats.number_format(low, decimals),
            "high": formats.number_format(high, decimals),
        }
        rows.append((step, span))
    return rows


@dataclass(frozen=True)
class ChoroplethShape:
    area: Area
    path: str
    label_x: float
    label_y: float
    step: int
    text: str


@dataclass(frozen=True)
class Choropleth:
    width: int
    height: int
    shapes: list[ChoroplethShape]
    legend: list[tuple[int, str]]
    by_rate: bool


def choropleth(rows: Sequence[tuple[Area | None, Figure, float | None]]) -> Choropleth | None:
    """The areas coloured by rate per 1,000 residents when every area has a population,
    otherwise by count."""
    areas = [area for area, _figure, _rate in rows if area is not None]
    drawn = area_map(areas, WIDTH)
    if drawn is None:
        return None
    by_area = {area.pk: (figure, rate) for area, figure, rate in rows if area is not None}
    by_rate = all(rate is not None for _figure, rate in by_area.values())
    values = [(rate if by_rate else figure.value) for figure, rate in by_area.values()]
    maximum = float(max([v for v in values if v is not None] + [0]))
    shapes = []
    for shape in drawn.shapes:
        figure, rate = by_area[shape.area.pk]
        value = rate if by_rate else figure.value
        text = formats.number_format(rate, 1) if by_rate and rate is not None else str(figure)
        shapes.append(
            ChoroplethShape(
                shape.area,
                shape.path,
                shape.label_x,
                shape.label_y,
                bucket(value, maximum),
                text,
            )
        )
    return Choropleth(
        drawn.width, drawn.height, shapes, legend(maximum, decimals=1 if by_rate else 0), by_rate
    )


@dataclass(frozen=True)
class Hexagon:
    cell: str
    points: str  # SVG polygon points
    step: int
    text: str
    centre: tuple[float, float]


@dataclass(frozen=True)
class HexMap:
    width: int
    height: int
    outlines: AreaMap
    hexagons: list[Hexagon]
    legend: list[tuple[int, str]]


def hex_map(areas: Sequence[Area], cells: Sequence[HexCell]) -> HexMap | None:
    """Hexagons of generalised incident locations over the areas' outlines, with the same
    projection as ``core.queries.area_map``."""
    outlines = area_map(list(areas), WIDTH)
    if outlines is None:
        return None
    min_lon, min_lat, max_lon, max_lat = geo.bounds([a.geometry for a in areas])
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * x_scale, 1e-9)
    scale = (WIDTH - 2 * MARGIN) / span_x

    def point(lat: float, lon: float) -> str:
        x = MARGIN + (lon - min_lon) * x_scale * scale
        y = MARGIN + (max_lat - lat) * scale
        return f"{x:.1f},{y:.1f}"

    maximum = float(max([c.figure.value or 0 for c in cells] + [0]))
    hexagons = [
        Hexagon(
            c.cell,
            " ".join(point(lat, lon) for lat, lon in c.boundary),
            bucket(c.figure.value, maximum) or 1,
            str(c.figure),
            (round(c.centre[0], 5), round(c.centre[1], 5)),
        )
        for c in cells
    ]
    return HexMap(outlines.width, outlines.height, outlines, hexagons, legend(maximum))


@dataclass(frozen=True)
class HeatRow:
    weekday: str
    cells: list[tuple[int, Figure]]  # (colour step, figure) for hours 0…23


def heat_rows(grid: Sequence[Sequence[Figure]]) -> tuple[list[HeatRow], list[tuple[int, str]]]:
    """The weekday by hour table's colour steps, Monday first, and its legend."""
    maximum = float(max([f.value or 0 for row in grid for f in row] + [0]))
    names = [formats.date_format(dt.date(2024, 1, 1 + i), "l") for i in range(7)]  # a Monday
    rows = [
        HeatRow(names[d], [(bucket(f.value, maximum), f) for f in grid[d]])
        for d in range(len(grid))
    ]
    return rows, legend(maximum)


@dataclass(frozen=True)
class HBar:
    y: float
    width: float
    label: str
    text: str
    withheld: bool


@dataclass(frozen=True)
class HBarChart:
    width: int
    height: int
    left: float
    row_height: float
    bars: list[HBar]


def hbar_chart(points: Sequence[tuple[str, Figure]], *, width: int = WIDTH) -> HBarChart:
    """Horizontal bars, one row per label (categories, areas), scaled to the largest."""
    left, right, row = 200.0, 72.0, 26.0
    plot_w = width - left - right
    maximum = max([f.value or 0 for _label, f in points] + [1])
    bars = [
        HBar(
            round(8 + i * row, 1),
            round(4.0 if f.value is None else plot_w * f.value / maximum, 1),
            label,
            str(f),
            f.value is None,
        )
        for i, (label, f) in enumerate(points)
    ]
    return HBarChart(width, int(16 + row * len(points)), left, row, bars)
