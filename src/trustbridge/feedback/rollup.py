"""The accountability roll-up: each month's cells (see ``cells``) kept in ``TargetRollup``.

The public page sums a year of cells in a few milliseconds, where reading the items takes
seconds at a million of them. ``refresh`` recomputes, with ``cells.plain_cells``, only the
months that may have changed since the last refresh:

- months holding an item changed since then (``Item.updated_at``, indexed; a margin covers
  transactions that committed after the last refresh began);
- months holding an open item whose target fell due since the open items were last judged
  (being late depends on the clock alone);
- every month when the time zone, a category's targets or the set of areas changed (the
  signature).

The escalation timer refreshes every organisation; a page that finds the roll-up older than
``MAX_AGE`` refreshes it first, so a site without the timer still shows current figures.
Two refreshes of one organisation take turns on its settings row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections import Counter

import numpy as np
from django.db import connection, transaction
from django.db.models import Max, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from trustbridge.core.models import Area, Organization
from trustbridge.feedback.cells import (
    RUNNING,
    Cell,
    Clock,
    Figures,
    Groups,
    bin_of,
    plain_cells,
    value_of,
)
from trustbridge.feedback.models import Category, FeedbackSettings, Item, TargetRollup
from trustbridge.transparency.queries import add_months, month_start

MAX_AGE = dt.timedelta(minutes=5)
# A transaction that wrote an item before a refresh began may commit after it read the
# items; changes this much older than the last refresh are read again.
MARGIN = dt.timedelta(minutes=1)

COLUMNS = (
    "category",
    "area",  # 0: no area (and every complaint about conduct)
    "conduct",
    "received",
    "acknowledge_stopped",
    "acknowledge_within",
    "acknowledge_late",
    "resolve_stopped",
    "resolve_within",
    "resolve_late",
)
CATEGORY, AREA, CONDUCT, RECEIVED = 0, 1, 2, 3
CLOCKS = ("acknowledge", "resolve")
CELL_DTYPE = np.dtype("<i4")


# Freshness --------------------------------------------------------------------------------


def fresh(organization: Organization, now: dt.datetime) -> dt.datetime:
    """When the roll-up's open items were judged, refreshing it first if it is older than
    ``MAX_AGE`` (or newer than ``now``, when someone asks about an earlier moment)."""
    judged = _judged_at(organization)
    if judged is not None and judged <= now < judged + MAX_AGE:
        return judged
    return refresh(organization, now, wait=judged is None)


def refresh(organization: Organization, now: dt.datetime, *, wait: bool = True) -> dt.datetime:
    """Bring the organisation's roll-up up to date, judging open items at ``now``; return
    when they were judged. With ``wait=False``, a refresh already running elsewhere is
    trusted to finish and the roll-up is read as it stands."""
    started = timezone.now()
    FeedbackSettings.objects.get_or_create(organization=organization)
    skip = not wait and connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        config = (
            FeedbackSettings.objects.select_for_update(skip_locked=skip)
            .filter(organization=organization)
            .first()
        )
        if config is None:  # another refresh holds the row
            return _judged_at(organization) or now
        zone = zoneinfo.ZoneInfo(organization.timezone)
        signature = _signature(organization)
        judged = config.rollup_judged_at
        if (
            config.rollup_until is None
            or config.rollup_signature != signature
            or judged is None
            or now < judged
        ):
            months = _all_months(organization, zone)
            TargetRollup.objects.filter(organization=organization).exclude(
                month__in=months
            ).delete()
        else:
            months = _changed_months(organization, zone, config.rollup_until - MARGIN)
            months |= _newly_late_months(organization, zone, judged, now)
        for first, end in _runs(months):
            _store(organization, first, end, plain_cells(organization, first, end, now))
        config.rollup_until = started
        config.rollup_judged_at = now
        config.rollup_signature = signature
        config.save(update_fields=["rollup_until", "rollup_judged_at", "rollup_signature"])
    return now


def refresh_everywhere(now: dt.datetime) -> int:
    """Refresh the roll-up of every organisation that takes feedback; how many."""
    organizations = Organization.objects.filter(feedback_settings__isnull=False).order_by("pk")
    for organization in organizations:
        refresh(organization, now)
    return len(organizations)


def _judged_at(organization: Organization) -> dt.datetime | None:
    return (
        FeedbackSettings.objects.filter(organization=organization)
        .values_list("rollup_judged_at", flat=True)
        .first()
    )


def _signature(organization: Organization) -> str:
    """What the stored cells depend on besides the items' own changes: the time zone months
    are cut in, the targets "within target" is judged against, and the areas (deleting one
    empties the items' area without touching the items' ``updated_at``)."""
    targets = Category.objects.filter(organization=organization).order_by("pk")
    areas = Area.objects.filter(organization=organization).order_by("pk")
    parts = [
        organization.timezone,
        *(
            f"{pk},{acknowledge},{resolve}"
            for pk, acknowledge, resolve in targets.values_list(
                "pk", "acknowledge_hours", "resolve_hours"
            )
        ),
        ",".join(str(pk) for pk in areas.values_list("pk", flat=True)),
    ]
    return hashlib.sha256(";".join(parts).encode()).hexdigest()


def _local_months(items: QuerySet[Item], zone: zoneinfo.ZoneInfo) -> set[dt.date]:
    """The local months the items were received in."""
    found = (
        items.annotate(month=TruncMonth("submitted_at", tzinfo=zone))
        .values_list("month", flat=True)
        .order_by()
        .distinct()
    )
    return {m.astimezone(zone).date() for m in found}


def _all_months(organization: Organization, zone: zoneinfo.ZoneInfo) -> set[dt.date]:
    span = Item.objects.filter(organization=organization).aggregate(
        first=Min("submitted_at"), last=Max("submitted_at")
    )
    if span["first"] is None:
        return set()
    month = month_start(span["first"].astimezone(zone).date())
    last = month_start(span["last"].astimezone(zone).date())
    months = set()
    while month <= last:
        months.add(month)
        month = add_months(month, 1)
    return months


def _changed_months(
    organization: Organization, zone: zoneinfo.ZoneInfo, since: dt.datetime
) -> set[dt.date]:
    return _local_months(
        Item.objects.filter(organization=organization, updated_at__gte=since), zone
    )


def _newly_late_months(
    organization: Organization, zone: zoneinfo.ZoneInfo, judged: dt.datetime, now: dt.datetime
) -> set[dt.date]:
    """Months of open items whose target fell due between the two judgements."""
    if now == judged:
        return set()
    came_due = Q(
        acknowledged_at__isnull=True, acknowledge_due__gt=judged, acknowledge_due__lte=now
    ) | Q(resolve_due__gt=judged, resolve_due__lte=now)
    items = Item.objects.filter(organization=organization, status__in=RUNNING).filter(came_due)
    return _local_months(items, zone)


def _runs(months: set[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive months as (first, end exclusive) spans, so each is read in one go."""
    runs: list[tuple[dt.date, dt.date]] = []
    for month in sorted(months):
        if runs and runs[-1][1] == month:
            runs[-1] = (runs[-1][0], add_months(month, 1))
        else:
            runs.append((month, add_months(month, 1)))
    return runs


def _store(organization: Organization, first: dt.date, end: dt.date, cells: list[Cell]) -> None:
    """Replace the rows of the months from ``first`` to ``end`` with these cells."""
    by_month: dict[dt.date, list[Cell]] = {}
    for cell in cells:
        by_month.setdefault(cell.month, []).append(cell)
    TargetRollup.objects.filter(organization=organization, month__gte=first, month__lt=end).delete()
    TargetRollup.objects.bulk_create(
        TargetRollup(
            organization=organization,
            month=month,
            cells=_encode_cells(month_cells),
            histograms=_encode_histograms(month_cells),
        )
        for month, month_cells in sorted(by_month.items())
    )


def _encode_cells(cells: list[Cell]) -> bytes:
    rows = [
        (
            c.category_id,
            c.area_id or 0,
            int(c.conduct),
            c.received,
            c.acknowledge.stopped,
            c.acknowledge.within,
            c.acknowledge.late_open,
            c.resolve.stopped,
            c.resolve.within,
            c.resolve.late_open,
        )
        for c in cells
    ]
    return np.array(rows, dtype=CELL_DTYPE).reshape(-1, len(COLUMNS)).tobytes()


def _encode_histograms(cells: list[Cell]) -> bytes:
    rows = [
        (row, clock, bin_of(value), count)
        for row, cell in enumerate(cells)
        for clock, name in enumerate(CLOCKS)
        for value, count in getattr(cell, name).histogram.items()
        if count
    ]
    return np.array(rows, dtype=CELL_DTYPE).reshape(-1, 4).tobytes()


# Reading ----------------------------------------------------------------------------------


def groups(
    organization: Organization,
    first: dt.date,
    end: dt.date,
    *,
    start: dt.date,
    trend_start: dt.date,
    category: Category | None = None,
    area: Area | None = None,
) -> Groups:
    """The sums the page shows, over the stored months from ``first`` to ``end``: over the
    period from ``start``, by category and by area, and by month from ``trend_start``.
    Equal to ``cells.group_cells`` over ``plain_cells`` judged at the same moment."""
    months: list[dt.date] = []
    cell_parts: list[np.ndarray] = []
    histogram_parts: list[np.ndarray] = []
    offset = 0
    stored = TargetRollup.objects.filter(
        organization=organization, month__gte=first, month__lt=end
    ).order_by("month")
    for month, cell_bytes, histogram_bytes in stored.values_list("month", "cells", "histograms"):
        cells = np.frombuffer(bytes(cell_bytes), dtype=CELL_DTYPE).reshape(-1, len(COLUMNS))
        histograms = np.frombuffer(bytes(histogram_bytes), dtype=CELL_DTYPE).reshape(-1, 4)
        months.extend([month] * len(cells))
        cell_parts.append(cells)
        histograms = histograms.copy()
        histograms[:, 0] += offset
        histogram_parts.append(histograms)
        offset += len(cells)
    result = Groups()
    if not cell_parts:
        return result
    cells = np.concatenate(cell_parts)
    histograms = np.concatenate(histogram_parts)
    month_of = np.array(months, dtype="datetime64[D]")

    chosen = np.ones(len(cells), dtype=bool)
    if category is not None:
        chosen &= cells[:, CATEGORY] == category.pk
    if area is not None:
        chosen &= (cells[:, AREA] == area.pk) & (cells[:, CONDUCT] == 0)
    in_period = chosen & (month_of >= np.datetime64(start, "D"))
    in_trend = chosen & (month_of >= np.datetime64(trend_start, "D"))

    zeros = np.zeros(len(cells), dtype=np.int64)
    summed = _sum(cells, histograms, in_period, zeros)
    result.total = summed.get(0, Figures())
    result.by_category = _sum(cells, histograms, in_period, cells[:, CATEGORY])
    by_area = _sum(cells, histograms, in_period & (cells[:, CONDUCT] == 0), cells[:, AREA])
    result.by_area = {(key or None): figures for key, figures in by_area.items()}
    month_numbers = month_of.astype("datetime64[M]").astype(np.int64)
    by_month = _sum(cells, histograms, in_trend, month_numbers)
    result.by_month = {
        np.datetime64(key, "M").astype("datetime64[D]").astype(dt.date): figures
        for key, figures in by_month.items()
    }
    return result


def _sum(
    cells: np.ndarray, histograms: np.ndarray, chosen: np.ndarray, keys: np.ndarray
) -> dict[int, Figures]:
    """The chosen cells summed by key."""
    rows = np.flatnonzero(chosen)
    if len(rows) == 0:
        return {}
    found, group = np.unique(keys[rows], return_inverse=True)
    counts = np.zeros((len(found), len(COLUMNS) - RECEIVED), dtype=np.int64)
    np.add.at(counts, group, cells[rows, RECEIVED:])

    group_of_cell = np.full(len(cells), -1, dtype=np.int64)
    group_of_cell[rows] = group
    owner = group_of_cell[histograms[:, 0]]
    kept = owner >= 0
    bins = int(histograms[:, 2].max()) + 1 if len(histograms) else 1
    slots = (owner[kept] * len(CLOCKS) + histograms[kept, 1]) * bins + histograms[kept, 2]
    summed = np.bincount(
        slots, weights=histograms[kept, 3], minlength=len(found) * len(CLOCKS) * bins
    ).reshape(len(found), len(CLOCKS), bins)

    result = {}
    for index, key in enumerate(found.tolist()):
        received, *numbers = counts[index].tolist()
        clocks = []
        for clock in range(len(CLOCKS)):
            stopped, within, late = numbers[clock * 3 : clock * 3 + 3]
            counted = summed[index, clock]
            histogram = Counter(
                {value_of(b): int(counted[b]) for b in np.flatnonzero(counted).tolist()}
            )
            clocks.append(Clock(stopped, within, late, histogram))
        result[key] = Figures(received, clocks[0], clocks[1])
    return result
