"""Roll-ups of incidents, kept up to date by every import and correction.

Public statistics read only these tables. ``apply`` moves contributions in one statement per
table (an upsert that adds to the count); ``rebuild`` recomputes an organisation's roll-ups
from its incidents, for repairs and to prove that the incremental path is right.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import NamedTuple

from django.db import connection, transaction

from trustbridge.core.models import Organization
from trustbridge.transparency.models import DailyCount, HourlyPattern, Incident, MonthlyCount


class Contribution(NamedTuple):
    """What one incident adds to the roll-ups."""

    local: datetime  # occurred at, in the organisation's time zone (naive)
    area_key: int  # the area's id, 0 for none
    category_id: int
    sensitive: bool


# (local date, hour, area_key, category_id, sensitive) → signed count
Delta = Counter[tuple[date, int, int, int, bool]]


def add(delta: Delta, contribution: Contribution, sign: int = 1) -> None:
    local = contribution.local
    key = (
        local.date(),
        local.hour,
        contribution.area_key,
        contribution.category_id,
        contribution.sensitive,
    )
    delta[key] += sign


def apply(
    organization: Organization,
    removed: Iterable[Contribution],
    added: Iterable[Contribution],
) -> None:
    """Take ``removed`` out of the roll-ups and put ``added`` in."""
    delta: Delta = Counter()
    for contribution in removed:
        add(delta, contribution, -1)
    for contribution in added:
        add(delta, contribution, 1)
    apply_delta(organization.pk, delta)


def _upsert_sql(table: str, keys: tuple[str, ...]) -> str:
    columns = ("organization_id", *keys, "count")
    placeholders = ", ".join(["%s"] * len(columns))
    conflict = ", ".join(("organization_id", *keys))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET count = {table}.count + excluded.count"
    )


def _unnest_sql(table: str, keys: tuple[str, ...]) -> str:
    """PostgreSQL: the same upsert, all rows in one statement as arrays."""
    types = {"month": "date", "day": "date", "weekday": "int", "hour": "int"}
    arrays = ", ".join(f"%s::{types.get(k, 'bigint')}[]" for k in (*keys, "count"))
    conflict = ", ".join(("organization_id", *keys))
    return (
        f"INSERT INTO {table} (organization_id, {', '.join(keys)}, count) "  # noqa: S608
        f"SELECT %s, * FROM unnest({arrays}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET count = {table}.count + excluded.count"
    )


MONTHLY_KEYS = ("month", "area_key", "category_id")
DAILY_KEYS = ("day", "area_key", "category_id")
HOURLY_KEYS = ("month", "area_key", "category_id", "weekday", "hour")


def apply_delta(organization_id: int, delta: Delta) -> None:
    """Write a batch's net changes: one upsert per touched roll-up row."""
    monthly: Counter[tuple[date, int, int]] = Counter()
    daily: Counter[tuple[date, int, int]] = Counter()
    hourly: Counter[tuple[date, int, int, int, int]] = Counter()
    for (day, hour, area_key, category_id, sensitive), count in delta.items():
        if not count:
            continue
        month = day.replace(day=1)
        monthly[month, area_key, category_id] += count
        daily[day, area_key, category_id] += count
        if not sensitive:
            hourly[month, area_key, category_id, day.weekday(), hour] += count
    org = organization_id
    negative = any(n < 0 for n in delta.values())
    sqlite = connection.vendor == "sqlite"
    with transaction.atomic(), connection.cursor() as cursor:
        for model, keys, counts in (
            (MonthlyCount, MONTHLY_KEYS, monthly),
            (DailyCount, DAILY_KEYS, daily),
            (HourlyPattern, HOURLY_KEYS, hourly),
        ):
            items = [(k, n) for k, n in counts.items() if n]
            if not items:
                continue
            if sqlite:
                cursor.executemany(
                    _upsert_sql(model._meta.db_table, keys),
                    [(org, str(k[0]), *k[1:], n) for k, n in items],
                )
            else:  # one statement per table: the rows travel as arrays
                columns = list(zip(*[(*k, n) for k, n in items], strict=True))
                cursor.execute(_unnest_sql(model._meta.db_table, keys), [org, *map(list, columns)])
        if negative:
            for model in (MonthlyCount, DailyCount, HourlyPattern):
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} "  # noqa: S608
                    "WHERE organization_id = %s AND count = 0",
                    [org],
                )


def local_time(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


@transaction.atomic
def rebuild(organization: Organization, chunk: int = 20_000) -> None:
    """Recompute the organisation's roll-ups from its incidents."""
    for model in (MonthlyCount, DailyCount, HourlyPattern):
        model.objects.filter(organization=organization).delete()
    tz = zoneinfo.ZoneInfo(organization.timezone)
    delta: Delta = Counter()
    rows = (
        Incident.objects.filter(organization=organization)
        .values_list("occurred_at", "area_id", "category_id", "sensitive")
        .iterator(chunk_size=chunk)
    )
    for occurred_at, area_id, category_id, sensitive in rows:
        local = local_time(occurred_at.replace(tzinfo=occurred_at.tzinfo or UTC), tz)
        delta[local.date(), local.hour, area_id or 0, category_id, sensitive] += 1
        if len(delta) >= chunk:
            apply_delta(organization.pk, delta)
            delta = Counter()
    apply_delta(organization.pk, delta)
