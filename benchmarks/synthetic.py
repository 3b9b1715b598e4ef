"""Synthetic incident exports of any size for the benchmarks, written in constant memory.

A fictional city of 50 neighbourhoods (a 10 by 5 grid of irregular polygons that tile it,
drawn like the demo town's) with populations from 2,000 to 40,000 and each its own
character, and the demo town's offence mix (every category of the default taxonomy, a few
sensitive, some flagged domestic, some without coordinates) with its seasonal, weekly and
daily rhythms. Rows are written month by month, in time order, as the CSV a records system
exports: precise street addresses and WGS 84 coordinates, local times, NIBRS codes.

Usage from the command line: ``python benchmarks/synthetic.py OUT.csv --rows 1000000``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import django
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustbridge.settings")
django.setup()

from trustbridge.demo.incidents import HOURS, OFFENCES, STATUSES, WEEKDAYS  # noqa: E402
from trustbridge.demo.town import _grid_polygons  # noqa: E402

SEED = 20261126
TIMEZONE = "America/Toronto"
COLUMNS = [
    "incident_id",
    "occurred",
    "reported",
    "nibrs",
    "offence",
    "address",
    "lat",
    "lon",
    "domestic",
    "status",
]
MAPPING = """
[source]
name = "Synthetic benchmark city"
format = "csv"
encoding = "utf-8"
date_formats = ["iso"]

[columns]
source_id = "incident_id"
occurred_at = "occurred"
reported_at = "reported"
offence_code = "nibrs"
offence_description = "offence"
block = "address"
latitude = "lat"
longitude = "lon"
status = "status"

[offence]
scheme = "nibrs"

[flags.domestic]
column = "domestic"
true_values = ["1"]

[sensitive]
flags = ["domestic"]
"""
STREET_WORDS = (
    "MAIN", "KING", "QUEEN", "ELM", "OAK", "MAPLE", "CEDAR", "PINE", "BIRCH", "WILLOW",
    "LAKE", "RIVER", "HILL", "PARK", "MILL", "STATION", "MARKET", "CHURCH", "BRIDGE", "UNION",
)  # fmt: skip
STREET_KINDS = ("ST", "AVE", "RD", "DR", "BLVD", "LN", "WAY", "CRES")
POINTS_PER_AREA = 20_000


@dataclass(frozen=True)
class City:
    names: list[str]
    populations: list[int]
    geometries: list[dict[str, Any]]
    timezone: str = TIMEZONE


def city(seed: int = SEED, columns: int = 10, rows: int = 5) -> City:
    """The benchmark city's neighbourhoods: names, populations and GeoJSON polygons."""
    rng = random.Random(seed)
    geometries = _grid_polygons(rng, -79.62, 43.80, columns, rows, 0.02)
    names = [f"District {i + 1:02d}" for i in range(columns * rows)]
    populations = [rng.randrange(2_000, 40_000, 100) for _ in names]
    return City(names, populations, geometries)


def window(years: int, today: date | None = None) -> tuple[date, date]:
    """``years`` whole years of months ending with the last complete month."""
    today = today or datetime.now(UTC).date()
    end = today.replace(day=1)
    return end.replace(year=end.year - years), end


class _Sampler:
    """Everything drawn per row, vectorised with numpy."""

    def __init__(self, town: City, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.town = town
        n_areas = len(town.names)
        self.codes = np.array([o.code for o in OFFENCES])
        self.descriptions = np.array([o.description for o in OFFENCES], dtype=object)
        activity = np.array(town.populations, dtype=float) * self.rng.lognormal(0, 0.35, n_areas)
        share = np.array([o.share for o in OFFENCES])
        character = self.rng.lognormal(0, 0.5, (n_areas, len(OFFENCES)))
        self.base = activity[:, None] * share[None, :] * character
        self.summer = np.array([o.summer for o in OFFENCES])
        self.trend = np.array([o.trend for o in OFFENCES])
        self.domestic = np.array([o.domestic for o in OFFENCES])
        self.unlocated = np.array([o.unlocated for o in OFFENCES])
        self.hour_profiles = sorted(HOURS)
        self.hour_profile = np.array([self.hour_profiles.index(o.hours) for o in OFFENCES])
        self.hour_p = [np.array(HOURS[h], dtype=float) / sum(HOURS[h]) for h in self.hour_profiles]
        self.week_profiles = sorted(WEEKDAYS)
        self.week_profile = np.array([self.week_profiles.index(o.weekdays) for o in OFFENCES])
        self.statuses = np.array([s for s, _ in STATUSES], dtype=object)
        self.status_p = np.array([w for _, w in STATUSES]) / sum(w for _, w in STATUSES)
        streets = [f"{w} {k}" for w in STREET_WORDS for k in STREET_KINDS]
        self.area_streets = np.array(
            [[streets[(a * 7 + i * 13) % len(streets)] for i in range(8)] for a in range(n_areas)],
            dtype=object,
        )
        self.lat_pool, self.lon_pool = self._point_pools()

    def _point_pools(self) -> tuple[np.ndarray, np.ndarray]:
        """Formatted interior points of every area (a records system's geocoded addresses)."""
        lats, lons = [], []
        for geometry in self.town.geometries:
            polygon = shapely.geometry.shape(geometry)
            west, south, east, north = polygon.bounds
            found_lat: list[np.ndarray] = []
            found_lon: list[np.ndarray] = []
            count = 0
            while count < POINTS_PER_AREA:
                lon = self.rng.uniform(west, east, POINTS_PER_AREA)
                lat = self.rng.uniform(south, north, POINTS_PER_AREA)
                inside = shapely.contains_xy(polygon, lon, lat)
                found_lat.append(lat[inside])
                found_lon.append(lon[inside])
                count += int(inside.sum())
            lats.append(np.char.mod("%.6f", np.concatenate(found_lat)[:POINTS_PER_AREA]))
            lons.append(np.char.mod("%.6f", np.concatenate(found_lon)[:POINTS_PER_AREA]))
        return np.array(lats, dtype=object), np.array(lons, dtype=object)

    def month_weights(self, month: date, reference: date) -> np.ndarray:
        """Relative weight of every (area, offence) pair in ``month`` (season and trend)."""
        middle = month + timedelta(days=14)
        season = 1 + self.summer * math.cos(
            2 * math.pi * (middle.timetuple().tm_yday - 196) / 365.25
        )
        years = (month - reference).days / 365.25
        return self.base * (season * (1 + self.trend) ** years)[None, :]

    def rows(self, month: date, n: int, first_number: int, zone: ZoneInfo, end: date) -> list[Any]:
        rng = self.rng
        weights = self.month_weights(month, date(2024, 1, 1)).ravel()
        pair = rng.choice(weights.size, size=n, p=weights / weights.sum())
        area, offence = np.divmod(pair, len(OFFENCES))
        next_month = (month + timedelta(days=32)).replace(day=1)
        days = [month + timedelta(days=i) for i in range((next_month - month).days)]
        day_index = np.empty(n, dtype=np.int64)
        for p, name in enumerate(self.week_profiles):
            chosen = np.flatnonzero(self.week_profile[offence] == p)
            w = np.array([WEEKDAYS[name][d.weekday()] for d in days])
            day_index[chosen] = rng.choice(len(days), size=chosen.size, p=w / w.sum())
        hour = np.empty(n, dtype=np.int64)
        for p, probabilities in enumerate(self.hour_p):
            chosen = np.flatnonzero(self.hour_profile[offence] == p)
            hour[chosen] = rng.choice(24, size=chosen.size, p=probabilities)
        # Local times that do not exist (the spring-forward hour) move an hour later.
        gaps = [
            (i, h)
            for i, day in enumerate(days)
            for h in range(24)
            if datetime(day.year, day.month, day.day, h, tzinfo=zone)
            .astimezone(UTC)
            .astimezone(zone)
            .hour
            != h
        ]
        for i, h in gaps:
            hour[(day_index == i) & (hour == h)] = h + 1
        minute = rng.integers(0, 60, n)
        order = np.lexsort((minute, hour, day_index))
        area, offence, day_index, hour, minute = (
            area[order], offence[order], day_index[order], hour[order], minute[order]
        )  # fmt: skip
        month_start = np.datetime64(month.isoformat(), "m")
        occurred = month_start + (day_index * 1440 + hour * 60 + minute).astype("timedelta64[m]")
        delay = rng.exponential(240, n).astype(np.int64).astype("timedelta64[m]")
        last = np.datetime64(end.isoformat(), "m") - np.timedelta64(1, "m")
        reported = np.minimum(occurred + delay, last)
        occurred_text = np.datetime_as_string(occurred, unit="m").tolist()
        reported_text = np.datetime_as_string(reported, unit="m").tolist()
        located = rng.random(n) >= self.unlocated[offence]
        point = rng.integers(0, POINTS_PER_AREA, n)
        lat = np.where(located, self.lat_pool[area, point], "").tolist()
        lon = np.where(located, self.lon_pool[area, point], "").tolist()
        domestic = np.where(rng.random(n) < self.domestic[offence], "1", "0").tolist()
        numbers = rng.integers(1, 2400, n).astype(str).astype(object)
        streets = self.area_streets[area, rng.integers(0, 8, n)]
        address = (numbers + " " + streets).tolist()
        status = rng.choice(self.statuses, size=n, p=self.status_p).tolist()
        ids = [f"B{i:010d}" for i in range(first_number, first_number + n)]
        return list(
            zip(
                ids,
                occurred_text,
                reported_text,
                self.codes[offence].tolist(),
                self.descriptions[offence].tolist(),
                address,
                lat,
                lon,
                domestic,
                status,
                strict=True,
            )
        )


def _months(start: date, end: date) -> list[date]:
    found, month = [], start
    while month < end:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def month_counts(rows: int, start: date, end: date, seed: int) -> list[tuple[date, int]]:
    """Exactly ``rows`` incidents spread over the months by length and season."""
    months = _months(start, end)
    weight = np.array(
        [
            ((m + timedelta(days=32)).replace(day=1) - m).days
            * (1 + 0.15 * math.cos(2 * math.pi * (m.month - 7) / 12))
            for m in months
        ]
    )
    counts = np.random.default_rng(seed + 1).multinomial(rows, weight / weight.sum())
    return list(zip(months, counts.tolist(), strict=True))


def chunks(
    rows: int, *, years: int = 4, seed: int = SEED, town: City | None = None
) -> Iterator[list[Any]]:
    """The export's rows, a month at a time (about rows / (12 · years) rows in memory)."""
    town = town or city(seed)
    start, end = window(years)
    sampler = _Sampler(town, seed)
    zone = ZoneInfo(town.timezone)
    number = 1
    for month, n in month_counts(rows, start, end, seed):
        if n:
            yield sampler.rows(month, n, number, zone, end)
            number += n


def write_csv(path: Path, rows: int, *, years: int = 4, seed: int = SEED) -> int:
    """Write the export to ``path``; returns its size in bytes."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for chunk in chunks(rows, years=years, seed=seed):
            writer.writerows(chunk)
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=4)
    args = parser.parse_args()
    began = time.perf_counter()
    size = write_csv(args.out, args.rows, years=args.years)
    print(f"{args.rows:,} rows, {size / 1e6:.1f} MB in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
