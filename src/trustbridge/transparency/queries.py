"""Public statistics of reported incidents, read from the roll-up tables only.

The publication rule lives in ONE place, ``_publish``: the base cell is area by category by
month (``MonthlyCount``); a base cell whose count is below the organisation's k is
suppressed; every published figure, at any level, is the sum of published base cells only,
and says how many small groups it leaves out. Differencing two published figures therefore
reveals only sums of published cells.

Timed and located views (weekly series, the time-of-day pattern, the hexagon map and the
list of generalised incidents) use only *timed* base cells: published cells of a
non-sensitive category whose incidents are all non-sensitive. A cell holding an incident
that a mapping rule marked sensitive (a domestic assault, say) is left out of those views
as a whole, so that subtracting the timed views from the monthly counts cannot reveal the
day, the hour, the place or the number of sensitive incidents. Whether a cell is timed is
read from the same row: ``MonthlyCount.timed`` counts its non-sensitive incidents, so a cell
is timed when that equals its count.

The one exception to "roll-ups only" is the list of generalised incidents, which reads
``Incident``, restricted to timed cells; no total, series or map is ever computed from
``Incident``.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import h3
import numpy as np
from django.db.models import Case, F, Max, Q, QuerySet, Sum, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trustbridge.core.models import Area, Organization
from trustbridge.transparency import rollups
from trustbridge.transparency.models import (
    ImportRun,
    ImportStatus,
    Incident,
    MonthlyCount,
    OffenceCategory,
    TransparencySettings,
)

UNITS = ("week", "month", "quarter", "year")
DEFAULT_UNIT = "month"
DEFAULT_PERIOD = "last-12-months"
PRESETS = ("last-12-months", "this-year", "last-year")
EARLIEST_YEAR = 1990
DEFAULT_K = 3
DEFAULT_HEX_RESOLUTION = 8
# A change is claimed only when both counts reach this and the exact test rejects "no change".
MIN_COUNT_FOR_CHANGE = 10
SIGNIFICANCE = 0.05


# Months -----------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month (negative goes back)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def local_today(organization: Organization) -> dt.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organization.timezone))


def local_midnight(organization: Organization, day: dt.date) -> dt.datetime:
    """The aware instant at which ``day`` starts in the organisation's time zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(organization.timezone))


# Figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A published count: the sum of published base cells, or None when that sum is below k.

    ``suppressed_cells`` counts the small groups (base cells below k) left out of it.
    """

    value: int | None
    suppressed_cells: int
    k: int

    def __str__(self) -> str:
        if self.value is None:
            return _("fewer than %(k)s") % {"k": self.k}
        return formats.number_format(self.value, force_grouping=True)

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def note(self) -> str:
        """ "not counting 2 small groups", or "" when nothing was left out."""
        if not self.suppressed_cells:
            return ""
        return ngettext(
            "not counting %(n)s small group of fewer than %(k)s incidents",
            "not counting %(n)s small groups of fewer than %(k)s incidents",
            self.suppressed_cells,
        ) % {"n": self.suppressed_cells, "k": self.k}


@dataclass(frozen=True)
class Cell:
    """A base cell of publication: incidents of one category in one area in one month."""

    month: dt.date
    area_key: int
    category_id: int
    count: int
    sensitive: bool  # its category is sensitive
    timed: int  # how many of its incidents are not sensitive


def _publish(cells: Iterable[Cell], k: int) -> Figure:
    """THE publication rule: the sum of base cells of at least k; the others are counted."""
    total = 0
    suppressed = 0
    for cell in cells:
        if cell.count <= 0:
            continue
        if cell.count >= k:
            total += cell.count
        else:
            suppressed += 1
    return _figure(total, suppressed, k)


def _figure(total: int, suppressed: int, k: int) -> Figure:
    """A figure from a sum of published cells: shown as "fewer than k" when below k."""
    return Figure(None if 0 < total < k else total, suppressed, k)


def _is_published(cell: Cell, k: int) -> bool:
    return cell.count >= k


# Filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsFilter:
    """What a visitor asked for: a whole-month period [start, end), a unit, areas, categories.

    Periods are whole months because the month is the base cell of publication: a figure
    for part of a month could be differenced against the whole month.
    """

    organization: Organization
    start: dt.date
    end: dt.date  # exclusive
    unit: str = DEFAULT_UNIT
    area_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()
    period: str = DEFAULT_PERIOD  # the preset chosen, "custom" or a quarter such as 2025-q2
    notices: tuple[str, ...] = ()  # what was wrong in the request and what was used instead
    _cache: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    def shifted(self, months: int) -> StatsFilter:
        """The same filter over the period ``months`` later (negative: earlier)."""
        moved = StatsFilter(
            self.organization,
            add_months(self.start, months),
            add_months(self.end, months),
            self.unit,
            self.area_ids,
            self.category_ids,
            "custom",
        )
        moved._cache.update(
            {
                key: self._cache[key]
                for key in ("categories", "areas", "settings")
                if key in self._cache
            }
        )
        return moved

    @property
    def months(self) -> int:
        return months_between(self.start, self.end)

    @property
    def last_month(self) -> dt.date:
        return add_months(self.end, -1)

    @classmethod
    def from_params(
        cls,
        organization: Organization,
        params: Mapping[str, Any],
        *,
        today: dt.date | None = None,
    ) -> StatsFilter:
        """Read a GET query; anything invalid falls back to a default with a notice saying so.

        ``period``: last-12-months (default), this-year, last-year or a quarter (2025-q2);
        ``from``/``to``: months (2025-01) that override the preset; ``unit``: week, month,
        quarter or year; ``area``: area short names; ``category``: category codes (both
        repeatable).
        """
        today = today or local_today(organization)
        notices: list[str] = []
        categories = _categories(organization)
        areas = _areas(organization)

        unit = _param(params, "unit") or DEFAULT_UNIT
        if unit not in UNITS:
            notices.append(
                _("“%(value)s” is not a unit we count by; showing counts by month.")
                % {"value": unit}
            )
            unit = DEFAULT_UNIT

        start, end, period = _period(params, today, notices)

        by_slug = {a.slug: a for a in areas.values()}
        area_ids = []
        for slug in _params(params, "area"):
            if slug in by_slug:
                area_ids.append(by_slug[slug].pk)
            else:
                notices.append(
                    _("There is no area “%(value)s”; it was left out of the filter.")
                    % {"value": slug}
                )
        by_code = {c.code: c for c in categories.values()}
        category_ids = []
        for code in _params(params, "category"):
            if code in by_code:
                category_ids.append(by_code[code].pk)
            else:
                notices.append(
                    _("There is no offence category “%(value)s”; it was left out of the filter.")
                    % {"value": code}
                )
        built = cls(
            organization,
            start,
            end,
            unit,
            tuple(sorted(set(area_ids))),
            tuple(sorted(set(category_ids))),
            period,
            tuple(notices),
        )
        built._cache.update({"categories": categories, "areas": areas})
        return built


def _param(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _params(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    values = getlist(name) if getlist else [params.get(name)]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _parse_month(value: str) -> dt.date | None:
    try:
        year, month = value.split("-")[:2]
        parsed = dt.date(int(year), int(month), 1)
    except ValueError:
        return None
    return parsed if parsed.year >= EARLIEST_YEAR else None


def parse_quarter(value: str) -> dt.date | None:
    """The first day of a quarter written 2025-q2 (any case), or None."""
    head, _sep, tail = value.lower().partition("-q")
    if not (head.isdigit() and tail in ("1", "2", "3", "4")):
        return None
    year = int(head)
    if not EARLIEST_YEAR <= year <= 9998:
        return None
    return dt.date(year, (int(tail) - 1) * 3 + 1, 1)


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    this_month = month_start(today)
    if preset == "last-12-months":
        return _last_12_months(today)
    if preset == "this-year":
        return dt.date(today.year, 1, 1), add_months(this_month, 1)
    if preset == "last-year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year, 1, 1)
    first = parse_quarter(preset)
    if first is not None and first <= today:
        return first, add_months(first, 3)
    return None


def _period(
    params: Mapping[str, Any], today: dt.date, notices: list[str]
) -> tuple[dt.date, dt.date, str]:
    latest = add_months(month_start(today), 1)
    start_text, end_text = _param(params, "from"), _param(params, "to")
    if start_text or end_text:
        first = _parse_month(start_text) if start_text else None
        last = _parse_month(end_text) if end_text else None
        if first is None or last is None:
            notices.append(
                _(
                    "“From” and “to” must both be months such as 2025-01; "
                    "showing the last 12 months."
                )
            )
        elif last < first:
            notices.append(_("“From” comes after “to”; showing the last 12 months."))
        elif first >= latest:
            notices.append(_("That period is in the future; showing the last 12 months."))
        else:
            return first, min(add_months(last, 1), latest), "custom"
        return (*_last_12_months(today), DEFAULT_PERIOD)
    preset = _param(params, "period").lower() or DEFAULT_PERIOD
    found = preset_period(preset, today)
    if found is None:
        notices.append(
            _("“%(value)s” is not a period we know; showing the last 12 months.")
            % {"value": preset}
        )
        return (*_last_12_months(today), DEFAULT_PERIOD)
    return found[0], found[1], preset


def _last_12_months(today: dt.date) -> tuple[dt.date, dt.date]:
    this_month = month_start(today)
    return add_months(this_month, -12), this_month


def recent_quarters(today: dt.date, count: int = 8) -> list[tuple[str, dt.date]]:
    """The last ``count`` quarters begun by ``today``, newest first: ("2025-q2", 2025-04-01)."""
    first = quarter_start(today)
    found = []
    for i in range(count):
        start = add_months(first, -3 * i)
        found.append((f"{start.year}-q{(start.month - 1) // 3 + 1}", start))
    return found


# Organisation configuration, loaded once per filter -----------------------------------------


def _categories(organization: Organization) -> dict[int, OffenceCategory]:
    return {c.pk: c for c in OffenceCategory.objects.filter(organization=organization)}


def _areas(organization: Organization) -> dict[int, Area]:
    return {
        a.pk: a
        for a in Area.objects.filter(organization=organization)
        .select_related("organization")
        .order_by("name", "id")
    }


@dataclass(frozen=True)
class Configuration:
    k: int
    hex_resolution: int


def publication_settings(organization: Organization) -> TransparencySettings:
    """The organisation's saved settings, or the defaults (unsaved) until it has its own."""
    row = TransparencySettings.objects.filter(organization=organization).first()
    return row or TransparencySettings(
        organization=organization, k_threshold=DEFAULT_K, hex_resolution=DEFAULT_HEX_RESOLUTION
    )


def configuration(organization: Organization) -> Configuration:
    """The organisation's publication settings (defaults until it saves its own)."""
    row = publication_settings(organization)
    return Configuration(max(1, row.k_threshold), row.hex_resolution)


def sensitive_categories(organization: Organization) -> QuerySet[OffenceCategory]:
    """Categories published only as counts per area and month."""
    return OffenceCategory.objects.filter(organization=organization, sensitive=True)


def _cached(f: StatsFilter, key: Hashable, compute: Any) -> Any:
    if key not in f._cache:
        f._cache[key] = compute()
    return f._cache[key]


def categories_of(f: StatsFilter) -> dict[int, OffenceCategory]:
    return _cached(f, "categories", lambda: _categories(f.organization))


def areas_of(f: StatsFilter) -> dict[int, Area]:
    return _cached(f, "areas", lambda: _areas(f.organization))


def settings_of(f: StatsFilter) -> Configuration:
    return _cached(f, "settings", lambda: configuration(f.organization))


def k_of(f: StatsFilter) -> int:
    return settings_of(f).k


# Base cells -------------------------------------------------------------------------------


def _cells_between(f: StatsFilter, start: dt.date, end: dt.date) -> list[Cell]:
    """The filter's base cells with a non-zero count in [start, end), from MonthlyCount."""
    sensitive = {pk for pk, c in categories_of(f).items() if c.sensitive}
    query = MonthlyCount.objects.filter(
        organization=f.organization, month__gte=start, month__lt=end, count__gt=0
    )
    if f.area_ids:
        query = query.filter(area_key__in=f.area_ids)
    if f.category_ids:
        query = query.filter(category_id__in=f.category_ids)
    return [
        Cell(month, area_key, category_id, count, category_id in sensitive, timed)
        for month, area_key, category_id, count, timed in query.values_list(
            "month", "area_key", "category_id", "count", "timed"
        )
    ]


def _cells_of(f: StatsFilter) -> list[Cell]:
    """The filter's base cells in its period.

    One read covers the period, the one before it and the same months a year earlier, so
    that ``comparison`` needs no further query.
    """
    return [c for c in _wider_cells(f) if f.start <= c.month < f.end]


def _wider_cells(f: StatsFilter) -> list[Cell]:
    def load() -> list[Cell]:
        return _cells_between(f, add_months(f.start, -max(f.months, 12)), f.end)

    return _cached(f, "cells", load)


def _published_by(
    f: StatsFilter, start: dt.date, end: dt.date, dimensions: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """The publication rule applied in the database: for each value of ``dimensions``, the
    sum of base cells of at least k and the number of smaller cells left out.

    Same rule as ``_publish``, so a handful of rows travel instead of every base cell.
    """

    def compute() -> dict[tuple[Any, ...], tuple[int, int]]:
        k = k_of(f)
        query = MonthlyCount.objects.filter(
            organization=f.organization, month__gte=start, month__lt=end, count__gt=0
        )
        if f.area_ids:
            query = query.filter(area_key__in=f.area_ids)
        if f.category_ids:
            query = query.filter(category_id__in=f.category_ids)
        sums = {
            "published": Sum(Case(When(count__gte=k, then=F("count")), default=Value(0))),
            "small": Sum(Case(When(count__lt=k, then=Value(1)), default=Value(0))),
        }
        if not dimensions:
            row = query.aggregate(**sums)
            return {(): (row["published"] or 0, row["small"] or 0)}
        return {
            tuple(row[d] for d in dimensions): (row["published"] or 0, row["small"] or 0)
            for row in query.values(*dimensions).annotate(**sums).order_by()
        }

    return _cached(f, ("published", start, end, dimensions), compute)


def _figure_of(sums: Iterable[tuple[int, int]], k: int) -> Figure:
    total = suppressed = 0
    for published, small in sums:
        total += published
        suppressed += small
    return _figure(total, suppressed, k)


def _timed_cells(f: StatsFilter) -> list[Cell]:
    """Published cells of non-sensitive categories holding no sensitive incident."""

    def compute() -> list[Cell]:
        k = k_of(f)
        return [
            c
            for c in _cells_of(f)
            if not c.sensitive and _is_published(c, k) and c.timed == c.count
        ]

    return _cached(f, "timed", compute)


def _dropped_cells(f: StatsFilter) -> list[Cell]:
    """Cells of non-sensitive categories that the timed views leave out: too small, or
    holding an incident marked sensitive."""
    timed = {(c.month, c.area_key, c.category_id) for c in _timed_cells(f)}
    return [
        c
        for c in _cells_of(f)
        if not c.sensitive and (c.month, c.area_key, c.category_id) not in timed
    ]


def _cells_condition(cells: list[Cell], month_range: Any) -> Q:
    """A condition matching the incidents of ``cells``: one term per month and area."""
    grouped: dict[tuple[dt.date, int], list[int]] = defaultdict(list)
    for c in cells:
        grouped[c.month, c.area_key].append(c.category_id)
    condition = Q(pk__in=[])
    for (month, area_key), category_ids in sorted(grouped.items()):
        area = Q(area_id__isnull=True) if area_key == 0 else Q(area_id=area_key)
        condition |= month_range(month) & area & Q(category_id__in=category_ids)
    return condition


def _public_category_ids(f: StatsFilter) -> list[int]:
    """The filter's categories that are not sensitive."""
    public = [pk for pk, c in categories_of(f).items() if not c.sensitive]
    return [pk for pk in public if pk in f.category_ids] if f.category_ids else public


def _timed_values(f: StatsFilter, name: str) -> Iterable[tuple[dt.date, Any]]:
    """(month, ``name``) of each timed cell of the filter: the publication rule and the
    timed condition are read on the cells' own rows."""
    if not _timed_cells(f):
        return []
    query = MonthlyCount.objects.filter(
        organization=f.organization,
        month__gte=f.start,
        month__lt=f.end,
        category_id__in=_public_category_ids(f),
        count__gte=max(k_of(f), 1),
        timed=F("count"),
    )
    if f.area_ids:
        query = query.filter(area_key__in=f.area_ids)
    return query.values_list("month", name).iterator(chunk_size=2000)


def _timed_vectors(f: StatsFilter, name: str, length: int) -> dict[dt.date, np.ndarray]:
    """The sum of a roll-up vector (``days`` or ``hours``) over the timed cells of each month."""
    sums: dict[dt.date, np.ndarray] = {}
    for month, data in _timed_values(f, name):
        counts = rollups.vector(data, length)
        if month in sums:
            sums[month] += counts
        else:
            sums[month] = counts
    return sums


# Statistics -------------------------------------------------------------------------------


def total(f: StatsFilter) -> Figure:
    """All reported incidents of the filter: the sum of its published base cells."""
    return _figure_of(_published_by(f, f.start, f.end, ()).values(), k_of(f))


def _bucket(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return month_start(day)
    if unit == "quarter":
        return quarter_start(day)
    return dt.date(day.year, 1, 1)


def _buckets(f: StatsFilter) -> list[dt.date]:
    found: list[dt.date] = []
    if f.unit == "week":
        day = _bucket(f.start, "week")
        while day < f.end:
            found.append(day)
            day += dt.timedelta(days=7)
        return found
    month = f.start
    while month < f.end:
        bucket = _bucket(month, f.unit)
        if not found or found[-1] != bucket:
            found.append(bucket)
        month = add_months(month, 1)
    return found


def series(f: StatsFilter) -> list[tuple[dt.date, Figure]]:
    """Counts per week, month, quarter or year of the period, every bucket included.

    Months, quarters and years add up published base cells (sensitive categories included);
    weeks add up the days of timed cells only (see the module's notes), so their note
    must say that sensitive offences are counted by month only.
    """
    k = k_of(f)
    if f.unit != "week":
        grouped: dict[dt.date, list[tuple[int, int]]] = defaultdict(list)
        for (month,), month_sums in _published_by(f, f.start, f.end, ("month",)).items():
            grouped[_bucket(month, f.unit)].append(month_sums)
        return [(b, _figure_of(grouped.get(b, []), k)) for b in _buckets(f)]
    sums: dict[dt.date, int] = defaultdict(int)
    for month, days in _timed_vectors(f, "days", rollups.DAYS).items():
        for offset in np.flatnonzero(days):
            day = month + dt.timedelta(days=int(offset))
            sums[_bucket(day, "week")] += int(days[offset])
    small = total(f).suppressed_cells
    return [(b, _figure(sums.get(b, 0), small, k)) for b in _buckets(f)]


def timed_left_out(f: StatsFilter) -> int:
    """How many published base cells the timed views leave out: sensitive offences, by
    category or by a mapping rule, are counted by month only."""
    k = k_of(f)
    return sum(1 for c in _cells_of(f) if _is_published(c, k)) - len(_timed_cells(f))


def by_area(f: StatsFilter) -> list[tuple[Area | None, Figure, float | None]]:
    """Each area of the filter (all if none chosen) with its figure and rate per 1,000 residents.

    Incidents outside every area come last (area None) when there are any.
    """
    k = k_of(f)
    grouped = {
        key[0]: [sums] for key, sums in _published_by(f, f.start, f.end, ("area_key",)).items()
    }
    areas = areas_of(f)
    chosen = [areas[pk] for pk in f.area_ids] if f.area_ids else list(areas.values())
    chosen.sort(key=lambda a: (a.name, a.pk))
    rows: list[tuple[Area | None, Figure, float | None]] = []
    for area in chosen:
        figure = _figure_of(grouped.get(area.pk, []), k)
        rows.append((area, figure, rate_per_thousand(figure, area.population)))
    if grouped.get(0):
        rows.append((None, _figure_of(grouped[0], k), None))
    return rows


def rate_per_thousand(figure: Figure, population: int | None) -> float | None:
    if figure.value is None or not population:
        return None
    return round(figure.value * 1000 / population, 1)


def by_category(f: StatsFilter) -> list[tuple[OffenceCategory, Figure]]:
    """Each category of the filter with published data or left-out groups, in taxonomy order."""
    k = k_of(f)
    grouped = {
        key[0]: [sums] for key, sums in _published_by(f, f.start, f.end, ("category_id",)).items()
    }
    categories = categories_of(f)
    chosen = [categories[pk] for pk in f.category_ids] if f.category_ids else categories.values()
    rows = []
    for category in sorted(chosen, key=lambda c: (c.position, c.name, c.pk)):
        figure = _figure_of(grouped.get(category.pk, []), k)
        if figure.value != 0 or figure.suppressed_cells or f.category_ids:
            rows.append((category, figure))
    return rows


# Comparisons ------------------------------------------------------------------------------


def two_sided_p_value(a: int, b: int) -> float:
    """Exact conditional test that two Poisson counts over equal periods have the same rate.

    Given a + b = n events, under "no change" each falls in either period with probability
    1/2, so a ~ Binomial(n, 1/2); the two-sided p-value is 2·P(X ≤ min(a, b)), capped at 1.
    Exact with math.comb up to n = 1,000; above, the normal approximation with continuity
    correction (error far below the 0.05 threshold at that size).
    """
    n = a + b
    if n == 0:
        return 1.0
    low = min(a, b)
    if n <= 1000:
        tail = sum(math.comb(n, i) for i in range(low + 1)) / 2**n
    else:
        z = (low + 0.5 - n / 2) / math.sqrt(n / 4)
        tail = 0.5 * math.erfc(-z / math.sqrt(2))
    return min(1.0, 2 * tail)


class Change:
    UP = "up"
    DOWN = "down"
    SAME = "same"  # both counts large enough, the difference within what chance explains
    TOO_FEW = "too-few"  # one count too small (or withheld) to say anything


def change_between(before: Figure, after: Figure) -> str:
    """The stated rule: a change only when both counts are ≥ 10 and p < 0.05."""
    if (
        before.value is None
        or after.value is None
        or before.value < MIN_COUNT_FOR_CHANGE
        or after.value < MIN_COUNT_FOR_CHANGE
    ):
        return Change.TOO_FEW
    if two_sided_p_value(before.value, after.value) >= SIGNIFICANCE:
        return Change.SAME
    return Change.UP if after.value > before.value else Change.DOWN


@dataclass(frozen=True)
class Comparison:
    current: Figure
    previous: Figure
    previous_start: dt.date
    previous_end: dt.date
    last_year: Figure
    last_year_start: dt.date
    last_year_end: dt.date

    @property
    def against_previous(self) -> str:
        return change_between(self.previous, self.current)

    @property
    def against_last_year(self) -> str:
        return change_between(self.last_year, self.current)


def comparison(f: StatsFilter) -> Comparison:
    """The period against the one just before (same length) and the same months a year earlier."""
    k = k_of(f)
    months = f.months
    by_month = _published_by(f, add_months(f.start, -max(months, 12)), f.end, ("month",))

    def between(start: dt.date, end: dt.date) -> Figure:
        return _figure_of((v for (m,), v in by_month.items() if start <= m < end), k)

    previous_start = add_months(f.start, -months)
    last_year_start, last_year_end = add_months(f.start, -12), add_months(f.end, -12)
    return Comparison(
        between(f.start, f.end),
        between(previous_start, f.start),
        previous_start,
        f.start,
        between(last_year_start, last_year_end),
        last_year_start,
        last_year_end,
    )


# Time of day, hexagons, incidents ---------------------------------------------------------


def pattern(f: StatsFilter) -> list[list[Figure]]:
    """Non-sensitive incidents by weekday (0 Monday) and hour of day, local time, timed cells only."""
    k = k_of(f)
    hours = sum(_timed_vectors(f, "hours", rollups.HOURS).values(), np.zeros(rollups.HOURS))
    small = total(f).suppressed_cells
    return [[_figure(int(hours[d * 24 + h]), small, k) for h in range(24)] for d in range(7)]


def _incidents_in_timed_cells(f: StatsFilter) -> QuerySet[Incident]:
    organization = f.organization
    if not _timed_cells(f):
        return Incident.objects.none()

    def month_instants(month: dt.date) -> Q:
        return Q(
            occurred_at__gte=local_midnight(organization, month),
            occurred_at__lt=local_midnight(organization, add_months(month, 1)),
        )

    query = Incident.objects.filter(
        organization=organization,
        sensitive=False,
        category_id__in=_public_category_ids(f),
        occurred_at__gte=local_midnight(organization, f.start),
        occurred_at__lt=local_midnight(organization, f.end),
    )
    if f.area_ids:
        query = query.filter(area_id__in=f.area_ids)
    dropped = _dropped_cells(f)
    if dropped:
        query = query.exclude(_cells_condition(dropped, month_instants))
    return query


def public_incidents(f: StatsFilter) -> QuerySet[Incident]:
    """Generalised non-sensitive incidents of timed cells, newest first.

    Show only: the date (never the time), category, area, hundred block and the H3 cell's
    centroid; never ``source_id``, free-text description or status.
    """
    return (
        _incidents_in_timed_cells(f)
        .select_related("category", "area")
        .order_by("-occurred_at", "-id")
    )


@dataclass(frozen=True)
class HexCell:
    cell: str
    figure: Figure
    centre: tuple[float, float]  # lat, lon
    boundary: tuple[tuple[float, float], ...]  # (lat, lon) corners


def hex_cells(f: StatsFilter) -> list[HexCell]:
    """Non-sensitive incidents of timed cells per public H3 cell, largest first."""
    k = k_of(f)
    counts: Counter[str] = Counter()
    for _month, places in _timed_values(f, "places"):
        counts.update(places)
    found = []
    for cell, n in counts.items():
        if n <= 0:
            continue
        try:
            centre = h3.cell_to_latlng(cell)
            boundary = tuple(h3.cell_to_boundary(cell))
        except (ValueError, TypeError, h3.H3BaseException):
            continue
        found.append(HexCell(cell, _figure(n, 0, k), centre, boundary))
    found.sort(key=lambda h: (-(h.figure.value or 0), h.cell))
    return found


def hexagon_size_km2(resolution: int) -> float:
    return float(h3.average_hexagon_area(resolution, unit="km^2"))


def hexagon_width_km(resolution: int) -> float:
    """Across a hexagon, corner to corner: twice its edge."""
    return 2 * float(h3.average_hexagon_edge_length(resolution, unit="km"))


# Freshness --------------------------------------------------------------------------------


def freshness(organization: Organization) -> dt.datetime | None:
    """When incidents were last imported successfully, or None."""
    return (
        ImportRun.objects.filter(organization=organization, status=ImportStatus.SUCCEEDED)
        .aggregate(last=Max("finished_at"))
        .get("last")
    )


def data_until(organization: Organization, k: int) -> dt.date | None:
    """The latest month with a published base cell.

    A month, not a day: the last day with any incident could be the day of a sensitive or
    withheld one.
    """
    return (
        MonthlyCount.objects.filter(organization=organization, count__gte=k)
        .aggregate(last=Max("month"))
        .get("last")
    )


# Sentences --------------------------------------------------------------------------------


def period_label(start: dt.date, end: dt.date) -> str:
    """ "March 2025", "July to September 2025", "January 2024 to June 2025"."""
    last = add_months(end, -1)
    if start == last:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    if start.month == 1 and last.month == 12 and start.year == last.year:
        return str(start.year)
    if start.year == last.year:
        return _("%(first)s to %(last)s %(year)s") % {
            "first": formats.date_format(start, "F"),
            "last": formats.date_format(last, "F"),
            "year": start.year,
        }
    return _("%(first)s to %(last)s") % {
        "first": formats.date_format(start, "YEAR_MONTH_FORMAT"),
        "last": formats.date_format(last, "YEAR_MONTH_FORMAT"),
    }


def subject(f: StatsFilter) -> str:
    """What the figures count: "Break-ins", "Reported incidents", "2 offence categories"."""
    categories = categories_of(f)
    if len(f.category_ids) == 1:
        return _(categories[f.category_ids[0]].name)
    if f.category_ids:
        return ngettext(
            "Reported incidents in %(n)s offence category",
            "Reported incidents in %(n)s offence categories",
            len(f.category_ids),
        ) % {"n": len(f.category_ids)}
    return _("Reported incidents")


def place(f: StatsFilter) -> str:
    areas = areas_of(f)
    if len(f.area_ids) == 1:
        return areas[f.area_ids[0]].name
    if f.area_ids:
        return ngettext("%(n)s selected area", "%(n)s selected areas", len(f.area_ids)) % {
            "n": len(f.area_ids)
        }
    return _("all areas of %(organization)s") % {"organization": f.organization.name}


def _with_note(sentence: str, figure: Figure) -> str:
    if not figure.note:
        return sentence
    return _("%(sentence)s (%(note)s).") % {"sentence": sentence.rstrip("."), "note": figure.note}


def _change_sentence(
    f: StatsFilter, before: Figure, after: Figure, verdict: str, against: str, then: str
) -> str | None:
    values = {
        "what": subject(f),
        "where": place(f),
        "before": str(before),
        "after": str(after),
        "then": then,
        "now": period_label(f.start, f.end),
    }
    if verdict == Change.UP:
        if against == "year":
            text = _(
                "%(what)s in %(where)s rose from %(before)s (%(then)s) to %(after)s "
                "(%(now)s), against the same period last year."
            )
        else:
            text = _(
                "%(what)s in %(where)s rose from %(before)s (%(then)s) to %(after)s "
                "(%(now)s), against the period just before."
            )
    elif verdict == Change.DOWN:
        if against == "year":
            text = _(
                "%(what)s in %(where)s fell from %(before)s (%(then)s) to %(after)s "
                "(%(now)s), against the same period last year."
            )
        else:
            text = _(
                "%(what)s in %(where)s fell from %(before)s (%(then)s) to %(after)s "
                "(%(now)s), against the period just before."
            )
    elif verdict == Change.SAME:
        if against == "year":
            text = _(
                "%(what)s in %(where)s were about the same as in the same period last year: "
                "%(before)s (%(then)s) and %(after)s (%(now)s), a difference within what "
                "chance alone explains."
            )
        else:
            text = _(
                "%(what)s in %(where)s were about the same as in the period just before: "
                "%(before)s (%(then)s) and %(after)s (%(now)s), a difference within what "
                "chance alone explains."
            )
    else:
        return None
    return text % values


def sentences(f: StatsFilter) -> list[str]:
    """Plain-language findings, each with its base and period; no claim on small counts.

    A change is stated only when both counts are at least 10 and a two-sided exact test
    (``two_sided_p_value``) puts the difference beyond chance at the 95 % level; "about
    the same" when both are large enough but the test does not; nothing otherwise.
    """
    now = period_label(f.start, f.end)
    current = total(f)
    found = [
        _with_note(
            _("%(what)s in %(where)s, %(period)s: %(count)s.")
            % {"what": subject(f), "where": place(f), "period": now, "count": str(current)},
            current,
        )
    ]
    result = comparison(f)
    year = _change_sentence(
        f,
        result.last_year,
        result.current,
        result.against_last_year,
        "year",
        period_label(result.last_year_start, result.last_year_end),
    )
    if year:
        found.append(year)
    if f.months != 12:  # for a year, "the period before" is the same as last year
        before = _change_sentence(
            f,
            result.previous,
            result.current,
            result.against_previous,
            "previous",
            period_label(result.previous_start, result.previous_end),
        )
        if before:
            found.append(before)
    if not year and (result.against_last_year == Change.TOO_FEW):
        found.append(
            _(
                "Too few incidents to compare with the same period last year: we say whether "
                "a number rose or fell only when both counts are at least %(minimum)s."
            )
            % {"minimum": MIN_COUNT_FOR_CHANGE}
        )
    rated = [
        (area, rate) for area, _figure_, rate in by_area(f) if area is not None and rate is not None
    ]
    if len(rated) > 1:
        area, rate = max(rated, key=lambda pair: pair[1])
        found.append(
            _(
                "The highest rate was in %(area)s: %(rate)s reported incidents per 1,000 "
                "residents, %(period)s."
            )
            % {
                "area": area.name,
                "rate": formats.number_format(rate, 1, force_grouping=True),
                "period": now,
            }
        )
    return found
