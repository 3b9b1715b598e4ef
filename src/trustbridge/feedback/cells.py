"""The figures of the accountability page and the cells they are summed from.

A **cell** holds the items received in one month (local time), of one category, in one area
(none for complaints about conduct, which are never counted by area): how many, and for each
of the two clocks (acknowledge, resolve) how many stopped, how many within target, how many
are still running past it, and the histogram of the stopped times. Every published figure is
a sum of cells. ``plain_cells`` reads them from the items; ``rollup`` keeps them in a table.

Times are histogrammed by the precision shown (0.1 h under 10 h, then whole hours, then tens
and hundreds of hours), rounded *up* so that "half were acknowledged within X hours" stays
true; each such value has a whole-number **bin** so that a histogram fits in an int32 array.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Ceil
from django.utils import formats

from trustbridge.core.models import Area, Organization
from trustbridge.feedback.models import Category, CloseReason, Item, Kind, Status
from trustbridge.transparency.queries import add_months

MIN_BASE = 5  # fewer items than this: "too few to say"
RUNNING = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS)  # clocks that run


# Hours, grouped by the precision shown ----------------------------------------------------


def rounded_up(hours: float) -> float:
    """Business hours rounded up to the precision the page shows (Python twin of ``_bin``)."""
    if hours <= 0:
        return 0.0
    for limit, step in _STEPS:
        if limit is None or hours < limit:
            return math.ceil(hours / step - 1e-9) * step
    raise AssertionError("unreachable")


_STEPS: tuple[tuple[float | None, float], ...] = (
    (10.0, 0.1),
    (100.0, 1.0),
    (1000.0, 10.0),
    (None, 100.0),
)


def _bin(field_name: str) -> Case:
    """SQL: the hours of ``field_name`` rounded up as ``rounded_up`` does."""
    hours = F(field_name)
    whens = [When(**{f"{field_name}__lte": 0}, then=Value(0.0))]
    for limit, step in _STEPS[:-1]:
        whens.append(
            When(
                **{f"{field_name}__lt": limit},
                then=Ceil(hours / Value(step) - Value(1e-9)) * Value(step),
            )
        )
    last = _STEPS[-1][1]
    return Case(
        *whens,
        default=Ceil(hours / Value(last) - Value(1e-9)) * Value(last),
        output_field=FloatField(),
    )


def format_hours(hours: float) -> str:
    """6.5, 12, 140: one decimal under ten hours, whole numbers above."""
    if hours < 10:
        return formats.number_format(round(hours, 1), 1)
    return formats.number_format(round(hours), 0, force_grouping=True)


# Figures ----------------------------------------------------------------------------------


def nearest_rank(histogram: Mapping[float, int], share: float) -> float | None:
    """The smallest value such that at least ``share`` of the counted items are at or below it."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total - 1e-9))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


@dataclass
class Clock:
    """One target's figures over a group of items."""

    stopped: int = 0  # clocks that stopped: the base of the median and 90th percentile
    within: int = 0  # of which within target
    late_open: int = 0  # still running, already past the target
    histogram: Counter[float] = field(default_factory=Counter)

    def add(self, other: Clock) -> None:
        self.stopped += other.stopped
        self.within += other.within
        self.late_open += other.late_open
        self.histogram.update(other.histogram)

    @property
    def judged(self) -> int:
        """The base of the share within target."""
        return self.stopped + self.late_open

    @property
    def times_shown(self) -> bool:
        return self.stopped >= MIN_BASE

    @property
    def share_shown(self) -> bool:
        return self.judged >= MIN_BASE

    @property
    def median(self) -> float | None:
        return nearest_rank(self.histogram, 0.5) if self.times_shown else None

    @property
    def p90(self) -> float | None:
        return nearest_rank(self.histogram, 0.9) if self.times_shown else None

    @property
    def share(self) -> float | None:
        """Percent within target, or None when too few items to say."""
        return 100.0 * self.within / self.judged if self.share_shown else None

    @property
    def median_text(self) -> str:
        return format_hours(self.median) if self.median is not None else ""

    @property
    def p90_text(self) -> str:
        return format_hours(self.p90) if self.p90 is not None else ""

    @property
    def share_text(self) -> str:
        share = self.share
        return "" if share is None else formats.number_format(round(share), 0) + " %"


@dataclass
class Figures:
    """Everything published about one group of items (a category, an area, a month, all)."""

    received: int = 0
    acknowledge: Clock = field(default_factory=Clock)
    resolve: Clock = field(default_factory=Clock)

    def add(self, cell: Cell) -> None:
        self.received += cell.received
        self.acknowledge.add(cell.acknowledge)
        self.resolve.add(cell.resolve)


@dataclass
class Cell:
    """The base of every figure: items received in one month, of one category, in one area
    (None for no area, and always None for complaints about conduct)."""

    month: dt.date
    category_id: int
    area_id: int | None
    conduct: bool
    received: int = 0
    acknowledge: Clock = field(default_factory=Clock)
    resolve: Clock = field(default_factory=Clock)


# Cells, read from the items ------------------------------------------------------------------------------------


def instant(organization: Organization, day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the organisation's time zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(organization.timezone))


def plain_cells(
    organization: Organization,
    first: dt.date,
    end: dt.date,
    now: dt.datetime,
    *,
    category: Category | None = None,
    area: Area | None = None,
) -> list[Cell]:
    """The cells of the months from ``first`` to ``end`` (exclusive), open items judged at
    ``now``: the reference every faster reading is tested against.

    Three aggregate queries over the items received in that span: counts, and the
    histograms of the two clocks' stopped times.
    """
    months = []
    month = first
    while month < end:
        months.append(month)
        month = add_months(month, 1)
    if not months:
        return []
    bounds = [instant(organization, m) for m in [*months, end]]
    items = Item.objects.filter(
        organization=organization, submitted_at__gte=bounds[0], submitted_at__lt=bounds[-1]
    )
    if category is not None:
        items = items.filter(category=category)
    if area is not None:
        items = items.filter(area=area).exclude(kind=Kind.CONDUCT)
    month_of = Case(
        *[When(submitted_at__lt=bound, then=Value(i)) for i, bound in enumerate(bounds[1:-1])],
        default=Value(len(months) - 1),
        output_field=IntegerField(),
    )
    conduct = Case(
        When(kind=Kind.CONDUCT, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    area_of = Case(
        When(kind=Kind.CONDUCT, then=Value(None)), default=F("area_id"), output_field=IntegerField()
    )
    keyed = items.annotate(m=month_of, conduct=conduct, a=area_of)
    dimensions = ("m", "category_id", "a", "conduct")

    cells: dict[tuple[Any, ...], Cell] = {}

    def cell(row: Mapping[str, Any]) -> Cell:
        key = tuple(row[d] for d in dimensions)
        if key not in cells:
            cells[key] = Cell(months[row["m"]], row["category_id"], row["a"], bool(row["conduct"]))
        return cells[key]

    counts = keyed.values(*dimensions).annotate(
        received=Count("id"),
        ack_stopped=Count("id", filter=Q(acknowledge_hours__isnull=False)),
        ack_within=Count("id", filter=Q(acknowledge_hours__lte=F("category__acknowledge_hours"))),
        ack_late=Count(
            "id",
            filter=Q(acknowledged_at__isnull=True, status__in=RUNNING, acknowledge_due__lt=now),
        ),
        res_stopped=Count("id", filter=_resolved()),
        res_within=Count(
            "id", filter=_resolved() & Q(resolve_hours__lte=F("category__resolve_hours"))
        ),
        res_late=Count("id", filter=Q(status__in=RUNNING, resolve_due__lt=now)),
    )
    for row in counts.order_by():
        c = cell(row)
        c.received = row["received"]
        c.acknowledge = Clock(row["ack_stopped"], row["ack_within"], row["ack_late"])
        c.resolve = Clock(row["res_stopped"], row["res_within"], row["res_late"])
    for clock, hours_field, stopped in (
        ("acknowledge", "acknowledge_hours", Q(acknowledge_hours__isnull=False)),
        ("resolve", "resolve_hours", _resolved()),
    ):
        histogram = (
            keyed.filter(stopped)
            .annotate(hours=_bin(hours_field))
            .values(*dimensions, "hours")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in histogram:
            getattr(cell(row), clock).histogram[round(row["hours"], 1)] += row["n"]
    return list(cells.values())


def _resolved() -> Q:
    """Stopped resolution clocks that count: resolved or closed, but not as a duplicate."""
    return Q(resolve_hours__isnull=False) & ~Q(
        status=Status.CLOSED, close_reason=CloseReason.DUPLICATE
    )


# Bins: the rounded values as whole numbers ------------------------------------------------

# Where each step of ``_STEPS`` starts, as (first value, its bin): 0.1 h is bin 1, 10 h is
# bin 100, 100 h is bin 190, 1000 h is bin 280, and 100 h more is one bin more from there.
_BIN_STARTS: tuple[tuple[float, int, float], ...] = (
    (0.0, 0, 0.1),
    (10.0, 100, 1.0),
    (100.0, 190, 10.0),
    (1000.0, 280, 100.0),
)


def bin_of(value: float) -> int:
    """The bin of a value ``rounded_up`` returned."""
    for start, first_bin, step in reversed(_BIN_STARTS):
        if value > start or start == 0.0:
            return first_bin + round((value - start) / step)
    raise AssertionError("unreachable")


def value_of(bin_: int) -> float:
    """The rounded value of a bin (the inverse of ``bin_of``)."""
    for start, first_bin, step in reversed(_BIN_STARTS):
        if bin_ > first_bin or first_bin == 0:
            return round(start + (bin_ - first_bin) * step, 1)
    raise AssertionError("unreachable")


# Grouping ---------------------------------------------------------------------------------


@dataclass
class Groups:
    """The sums of cells a page shows: over the period, by category and by area (complaints
    about conduct left out), and month by month over the trend."""

    total: Figures = field(default_factory=Figures)
    by_category: dict[int, Figures] = field(default_factory=dict)
    by_area: dict[int | None, Figures] = field(default_factory=dict)
    by_month: dict[dt.date, Figures] = field(default_factory=dict)


def group_cells(
    cells: Iterable[Cell], start: dt.date, end: dt.date, trend_start: dt.date
) -> Groups:
    """Sum cells the plain way: the reference for ``rollup.groups``."""
    groups = Groups()
    for c in cells:
        if start <= c.month < end:
            groups.total.add(c)
            groups.by_category.setdefault(c.category_id, Figures()).add(c)
            if not c.conduct:
                groups.by_area.setdefault(c.area_id, Figures()).add(c)
        if trend_start <= c.month < end:
            groups.by_month.setdefault(c.month, Figures()).add(c)
    return groups
