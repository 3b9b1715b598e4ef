"""The roll-up of incidents, kept up to date by every import and correction.

Public statistics read only ``MonthlyCount``: one row per month, area and category, with
its count, how many of its incidents are not sensitive, and its incidents per day and (not
sensitive) per weekday and hour. ``apply_delta`` moves a batch's contributions with one
read and one write of the touched cells; ``rebuild`` recomputes an organisation's roll-up
from its incidents, for repairs and to prove that the incremental path is right.
"""

from __future__ import annotations

import json
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import numpy as np
from django.db import connection, transaction

from trustbridge.core.models import Organization
from trustbridge.transparency.models import Incident, MonthlyCount

DAYS = 31
HOURS = 7 * 24  # Monday 00:00 first
COUNT_TYPE = "<i4"


class Contribution(NamedTuple):
    """What one incident adds to the roll-up."""

    local: datetime  # occurred at, in the organisation's time zone (naive)
    area_key: int  # the area's id, 0 for none
    category_id: int
    sensitive: bool
    place: str = ""  # the public H3 cell, "" for none


# (local date, hour, area_key, category_id, sensitive, place) → signed count
DeltaKey = tuple[date, int, int, int, bool, str]
Delta = Counter[DeltaKey]
CellKey = tuple[date, int, int]  # month, area_key, category_id


def vector(data: bytes | memoryview | None, length: int) -> np.ndarray:
    """A stored vector of counts as an int64 array (zeros when absent)."""
    if not data:
        return np.zeros(length, dtype=np.int64)
    return np.frombuffer(bytes(data), dtype=COUNT_TYPE).astype(np.int64)


def stored(counts: np.ndarray) -> bytes:
    return counts.astype(COUNT_TYPE).tobytes()


def add(delta: Delta, contribution: Contribution, sign: int = 1) -> None:
    local = contribution.local
    key = (
        local.date(),
        local.hour,
        contribution.area_key,
        contribution.category_id,
        contribution.sensitive,
        contribution.place,
    )
    delta[key] += sign


def apply(
    organization: Organization,
    removed: Iterable[Contribution],
    added: Iterable[Contribution],
) -> None:
    """Take ``removed`` out of the roll-up and put ``added`` in."""
    delta: Delta = Counter()
    for contribution in removed:
        add(delta, contribution, -1)
    for contribution in added:
        add(delta, contribution, 1)
    apply_delta(organization.pk, delta)


@dataclass
class CellChanges:
    """A batch's net changes, cell by cell: row ``i`` of each array belongs to ``keys[i]``."""

    keys: list[CellKey]
    count: np.ndarray  # (cells,)
    timed: np.ndarray  # (cells,)
    days: np.ndarray  # (cells, DAYS)
    hours: np.ndarray  # (cells, HOURS)
    places: list[Counter[str]]


def cell_changes(delta: Delta) -> CellChanges:
    index: dict[CellKey, int] = {}
    cell: list[int] = []
    day_slot: list[int] = []
    hour_slot: list[int] = []
    counts: list[int] = []
    timed: list[int] = []
    places: list[Counter[str]] = []
    months: dict[date, date] = {}
    for (day, hour, area_key, category_id, sensitive, place), count in delta.items():
        if not count:
            continue
        month = months.get(day)
        if month is None:
            month = months[day] = day.replace(day=1)
        i = index.setdefault((month, area_key, category_id), len(index))
        if i == len(places):
            places.append(Counter())
        if place and not sensitive:
            places[i][place] += count
        cell.append(i)
        day_slot.append(day.day - 1)
        hour_slot.append(day.weekday() * 24 + hour)
        counts.append(count)
        timed.append(0 if sensitive else count)
    size = len(index)
    cells = np.array(cell, dtype=np.int64)
    all_counts = np.array(counts, dtype=np.int64)
    timed_counts = np.array(timed, dtype=np.int64)
    days = np.zeros((size, DAYS), dtype=np.int64)
    hours = np.zeros((size, HOURS), dtype=np.int64)
    np.add.at(days, (cells, np.array(day_slot, dtype=np.int64)), all_counts)
    np.add.at(hours, (cells, np.array(hour_slot, dtype=np.int64)), timed_counts)
    return CellChanges(
        list(index),
        days.sum(axis=1),
        hours.sum(axis=1),
        days,
        hours,
        places,
    )


TABLE = MonthlyCount._meta.db_table
CELL_COLUMNS = ("month", "area_key", "category_id", "count", "timed", "days", "hours", "places")
STAGE = "tb_cell_stage"


def apply_delta(organization_id: int, delta: Delta) -> None:
    """Write a batch's net changes: read the touched cells, add, write them back.

    On PostgreSQL a transaction-scoped advisory lock per organisation makes concurrent
    writers of one organisation's roll-up take turns; SQLite has one writer at a time.
    """
    changes = cell_changes(delta)
    if not changes.keys:
        return
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('trustbridge.rollup'), %s)",
                [organization_id],
            )
        existing = _existing_cells(cursor, organization_id, changes.keys)
        kept: list[tuple[Any, ...]] = []
        emptied: list[int] = []
        for i, key in enumerate(changes.keys):
            old = existing.get(key)
            count = int(changes.count[i]) + (old[1] if old else 0)
            if count <= 0:
                if old is not None:
                    emptied.append(old[0])
                continue
            days, hours = changes.days[i], changes.hours[i]
            if old is not None:
                days = days + vector(old[3], DAYS)
                hours = hours + vector(old[4], HOURS)
            timed = int(changes.timed[i]) + (old[2] if old else 0)
            places = changes.places[i]
            if old is not None and old[5]:
                places.update(json.loads(old[5]) if isinstance(old[5], str) else old[5])
            kept.append(
                (
                    *key,
                    count,
                    timed,
                    stored(days),
                    stored(hours),
                    json.dumps({p: n for p, n in sorted(places.items()) if n}),
                )
            )
        if emptied:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE id IN ({', '.join(['%s'] * len(emptied))})",  # noqa: S608
                emptied,
            )
        if postgres:
            _write_postgres(cursor, organization_id, kept)
        elif kept:
            cursor.executemany(
                _upsert_sql(f"VALUES (%s, {', '.join(['%s'] * len(CELL_COLUMNS))})"),
                [(organization_id, *row) for row in kept],
            )


def _upsert_sql(rows: str) -> str:
    columns = ", ".join(("organization_id", *CELL_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in CELL_COLUMNS[3:])
    return (
        f"INSERT INTO {TABLE} ({columns}) {rows} "
        f"ON CONFLICT (organization_id, month, area_key, category_id) DO UPDATE SET {updates}"
    )


def _write_postgres(cursor: Any, organization_id: int, rows: list[tuple[Any, ...]]) -> None:
    """The rows travel once, by COPY, into a temporary table, then one upsert."""
    if not rows:
        return
    raw = cursor.cursor
    raw.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (month date, area_key int, "
        "category_id bigint, count int, timed int, days bytea, hours bytea, places jsonb) "
        "ON COMMIT DELETE ROWS"
    )
    with raw.copy(f"COPY {STAGE} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    raw.execute(_upsert_sql(f"SELECT %s, * FROM {STAGE}"), [organization_id])  # noqa: S608
    raw.execute(f"DELETE FROM {STAGE}")  # noqa: S608


def _existing_cells(
    cursor: Any, organization_id: int, keys: list[CellKey]
) -> dict[CellKey, tuple[Any, ...]]:
    """(id, count, timed, days, hours, places) of the stored cells among ``keys``: one read with a
    term per month (a superset of the touched cells, bounded by the areas and categories
    the batch touched that month)."""
    by_month: dict[date, tuple[set[int], set[int]]] = {}
    for month, area_key, category_id in keys:
        areas, categories = by_month.setdefault(month, (set(), set()))
        areas.add(area_key)
        categories.add(category_id)
    terms: list[str] = []
    params: list[Any] = [organization_id]
    for month, (areas, categories) in by_month.items():
        terms.append(
            f"(month = %s AND area_key IN ({', '.join(['%s'] * len(areas))}) "
            f"AND category_id IN ({', '.join(['%s'] * len(categories))}))"
        )
        params += [month, *sorted(areas), *sorted(categories)]
    cursor.execute(
        f"SELECT month, area_key, category_id, id, count, timed, days, hours, places FROM {TABLE} "  # noqa: S608
        f"WHERE organization_id = %s AND ({' OR '.join(terms)})",
        params,
    )
    wanted = set(keys)
    found: dict[CellKey, tuple[Any, ...]] = {}
    for month, area_key, category_id, *rest in cursor.fetchall():
        if isinstance(month, str):  # SQLite
            month = date.fromisoformat(month)
        key = (month, area_key, category_id)
        if key in wanted:
            found[key] = tuple(rest)
    return found


def local_time(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


@transaction.atomic
def rebuild(organization: Organization, chunk: int = 20_000) -> None:
    """Recompute the organisation's roll-up from its incidents."""
    MonthlyCount.objects.filter(organization=organization).delete()
    tz = zoneinfo.ZoneInfo(organization.timezone)
    delta: Delta = Counter()
    rows = (
        Incident.objects.filter(organization=organization)
        .values_list("occurred_at", "area_id", "category_id", "sensitive", "cell")
        .iterator(chunk_size=chunk)
    )
    for occurred_at, area_id, category_id, sensitive, place in rows:
        local = local_time(occurred_at.replace(tzinfo=occurred_at.tzinfo or UTC), tz)
        delta[local.date(), local.hour, area_id or 0, category_id, sensitive, place] += 1
        if len(delta) >= chunk:
            apply_delta(organization.pk, delta)
            delta = Counter()
    apply_delta(organization.pk, delta)
