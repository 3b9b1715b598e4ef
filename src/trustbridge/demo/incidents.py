"""Two years of synthetic but realistic incidents for the demo town, imported for real.

The rows are written as the CSV a records system would export (precise street addresses and
coordinates, local times, NIBRS offence codes, a domestic flag) and go through the real
importer with the ``demo.toml`` mapping, so the demo exercises generalisation, area lookup,
sensitivity and the roll-ups exactly as a real import does.

Determinism: the window is the two years ending yesterday (the last full day) in the
organisation's time zone. Each month's incidents come from a random generator seeded with the
demo seed and that month, and the initiatives' effects start on the 1st of a month counted
back from the current month: the rows depend on the seed and the current date only (and the
dates of the effects on its month). A build imports only the incidents whose source id is not
there yet, so building again the same day writes nothing, and a later day adds that day's
incidents and leaves the others as they are.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from shapely import contains_xy
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from trustbridge.core.models import Area, Organization
from trustbridge.transparency import services
from trustbridge.transparency.mapping import load_mapping
from trustbridge.transparency.models import ImportRun, Incident

if TYPE_CHECKING:
    from trustbridge.accounts.models import User

SEED = 20261126
MAPPING_PATH = Path(__file__).resolve().parent.parent / "transparency" / "mappings" / "demo.toml"
SOURCE_NAME = "riverside-records-export.csv"
COLUMNS = [
    "Report ID",
    "Occurred",
    "Reported",
    "NIBRS Code",
    "Offence",
    "Address",
    "Neighbourhood",
    "Latitude",
    "Longitude",
    "Domestic",
    "Status",
]

# Average incidents a day across the town (before season, weekday and trend).
DAILY_RATE = 27.0

# Time-of-day profiles: relative weight of each local hour 0..23.
# fmt: off
HOURS: dict[str, tuple[float, ...]] = {
    # Shops and streets: low at night, peaks through the afternoon.
    "daytime": (
        2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 10, 10, 11, 11, 10, 9, 7, 6, 5, 4, 3,
    ),
    # Homes are broken into while people are out, shops overnight.
    "break-in": (
        5, 5, 5, 4, 3, 2, 2, 3, 5, 7, 8, 8, 8, 8, 8, 7, 6, 5, 5, 5, 5, 5, 5, 5,
    ),
    # Violence and disorder: evenings and the hours after the bars close.
    "night": (
        9, 9, 8, 6, 3, 2, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8, 9, 10, 10, 10,
    ),
    # Damage and car crime: mostly after dark.
    "dark": (
        8, 8, 7, 6, 4, 3, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 5, 6, 8, 9, 9, 9,
    ),
    # Reports dated at the time they were made (fraud): office hours.
    "office": (
        1, 1, 1, 1, 1, 1, 1, 2, 5, 8, 9, 9, 8, 9, 9, 8, 7, 5, 3, 2, 2, 2, 1, 1,
    ),
}
# fmt: on

# Weekday profiles (Monday first).
WEEKDAYS: dict[str, tuple[float, ...]] = {
    "flat": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "shopping": (0.9, 0.95, 0.95, 1.0, 1.1, 1.2, 0.9),
    "weekend": (0.8, 0.75, 0.8, 0.9, 1.25, 1.5, 1.2),
    "workweek": (1.1, 1.1, 1.1, 1.05, 1.0, 0.8, 0.75),
}


@dataclass(frozen=True)
class Offence:
    code: str  # NIBRS
    description: str
    share: float  # of all incidents
    hours: str
    weekdays: str
    summer: float  # seasonal amplitude: +summer in July, -summer in January
    trend: float  # change a year (0.05 = +5 % a year)
    domestic: float = 0.0  # share flagged domestic (published as sensitive)
    unlocated: float = 0.01  # share exported without coordinates


OFFENCES: tuple[Offence, ...] = (
    Offence("23C", "Shoplifting", 0.110, "daytime", "shopping", 0.05, -0.02),
    Offence("23F", "Theft from motor vehicle", 0.095, "dark", "flat", 0.20, -0.04),
    Offence("23H", "All other larceny", 0.085, "daytime", "flat", 0.15, -0.03),
    Offence("23D", "Theft from building", 0.035, "daytime", "workweek", 0.05, 0.0),
    Offence("23A", "Pocket-picking", 0.015, "daytime", "shopping", 0.10, 0.0),
    Offence("290", "Destruction, damage or vandalism of property", 0.140, "dark", "weekend", 0.25, -0.03),
    Offence("220", "Burglary / breaking and entering", 0.100, "break-in", "workweek", 0.10, -0.05),
    Offence("13B", "Simple assault", 0.095, "night", "weekend", 0.20, 0.01, domestic=0.35),
    Offence("13A", "Aggravated assault", 0.030, "night", "weekend", 0.20, 0.0, domestic=0.25),
    Offence("13C", "Intimidation", 0.020, "daytime", "flat", 0.0, 0.03, domestic=0.40),
    Offence("240", "Motor vehicle theft", 0.050, "dark", "flat", 0.10, 0.04),
    Offence("26A", "False pretences / swindle", 0.030, "office", "workweek", 0.0, 0.08, unlocated=0.5),
    Offence("26B", "Credit card / ATM fraud", 0.025, "office", "flat", 0.0, 0.10, unlocated=0.6),
    Offence("26F", "Identity theft", 0.015, "office", "workweek", 0.0, 0.10, unlocated=0.7),
    Offence("120", "Robbery", 0.025, "night", "weekend", 0.10, -0.02),
    Offence("35A", "Drug / narcotic violations", 0.040, "night", "weekend", 0.10, -0.05),
    Offence("90C", "Disorderly conduct", 0.025, "night", "weekend", 0.30, 0.0),
    Offence("90J", "Trespass of real property", 0.015, "daytime", "flat", 0.10, 0.0),
    Offence("90D", "Driving under the influence", 0.012, "night", "weekend", 0.10, -0.03),
    Offence("520", "Weapon law violations", 0.010, "night", "weekend", 0.10, 0.0),
    Offence("280", "Stolen property offences", 0.008, "daytime", "workweek", 0.0, 0.0),
    Offence("200", "Arson", 0.004, "dark", "flat", 0.20, 0.0),
    Offence("11D", "Fondling", 0.006, "night", "weekend", 0.10, 0.0, unlocated=0.6),
    Offence("11A", "Rape", 0.003, "night", "weekend", 0.10, 0.0, unlocated=0.7),
    Offence("90F", "Family offences, nonviolent", 0.006, "daytime", "flat", 0.0, 0.0, domestic=0.8, unlocated=0.6),
    Offence("100", "Kidnapping / abduction", 0.0008, "night", "flat", 0.0, 0.0, domestic=0.5, unlocated=0.6),
    Offence("09A", "Murder and nonnegligent manslaughter", 0.0003, "night", "weekend", 0.0, 0.0, unlocated=0.5),
    Offence("90Z", "All other offences", 0.010, "daytime", "flat", 0.05, 0.0),
)  # fmt: skip

# How much more (or less) of each offence an area sees than its population alone suggests.
# Areas are Riverside's, in town.RIVERSIDE_AREAS order; unlisted offences use 1.0.
AREA_CHARACTER: dict[str, dict[str, float]] = {
    "Old Mill": {"290": 1.6, "220": 1.2, "200": 1.8},
    "Northgate": {"23C": 2.4, "23F": 1.5, "26B": 1.4, "240": 1.3},
    "Cedar Heights": {"23C": 0.3, "13A": 0.6, "120": 0.5, "35A": 0.5},
    "Lakeshore": {"220": 1.6, "23H": 1.2, "90J": 1.5},
    "Riverside Centre": {"23C": 1.5, "23A": 2.5, "23H": 1.4, "290": 1.4, "13B": 1.4, "90C": 2.0},
    "Station Quarter": {"120": 2.2, "13A": 1.8, "35A": 2.5, "520": 2.0, "23A": 1.6},
    "Southfield": {"240": 2.0, "23F": 1.6, "220": 1.2},
    "Elm Park": {"23C": 0.4, "120": 0.5, "35A": 0.6, "13A": 0.7},
}
# Incidents per resident differ as well: the centre draws shoppers and night life.
AREA_ACTIVITY: dict[str, float] = {
    "Old Mill": 0.9,
    "Northgate": 1.3,
    "Cedar Heights": 0.6,
    "Lakeshore": 0.9,
    "Riverside Centre": 1.8,
    "Station Quarter": 1.5,
    "Southfield": 1.0,
    "Elm Park": 0.6,
}
STREETS: dict[str, tuple[str, ...]] = {
    "Old Mill": ("MILL RD", "WEIR ST", "FOUNDRY LN", "CANAL ST", "GRANARY WAY"),
    "Northgate": ("NORTHGATE BLVD", "MALL RD", "COMMERCE DR", "BIRCH AVE", "GATE ST"),
    "Cedar Heights": ("CEDAR HTS DR", "RIDGE RD", "SUMMIT AVE", "PINE CRES", "VIEW ST"),
    "Lakeshore": ("LAKESHORE RD", "HARBOUR ST", "BEACH AVE", "PIER WAY", "SAILOR LN"),
    "Riverside Centre": ("MAIN ST", "KING ST", "QUEEN ST", "MARKET SQ", "CHURCH ST", "BRIDGE ST"),
    "Station Quarter": ("STATION RD", "RAIL ST", "DEPOT AVE", "SIGNAL LN", "PLATFORM ST"),
    "Southfield": ("SOUTHFIELD RD", "MEADOW DR", "FARM LN", "ORCHARD AVE", "HAY ST"),
    "Elm Park": ("ELM AVE", "PARK DR", "OAK ST", "MAPLE CRES", "LINDEN WAY"),
}
STATUSES = (("Open", 0.45), ("Cleared by arrest", 0.2), ("Closed", 0.35))


@dataclass(frozen=True)
class Effect:
    """What one of the demo's initiatives did to the numbers, from its start onwards."""

    area: str
    codes: frozenset[str]
    months_ago: int  # starts on the 1st of the month this many months before the current one
    factor: float  # on the daily rate
    night_factor: float = 1.0  # further, on the hours from 18:00 to 02:00


# Foot patrols in Riverside Centre after dark cut theft and vandalism there, mostly at night;
# the car-crime project in Southfield cut thefts of and from vehicles.
PATROLS = Effect("Riverside Centre", frozenset({"23A", "23C", "23F", "23H", "290"}), 8, 0.8, 0.55)
CAR_CRIME = Effect("Southfield", frozenset({"240", "23F"}), 18, 0.7)
EFFECTS = (PATROLS, CAR_CRIME)
NIGHT_HOURS = (18, 19, 20, 21, 22, 23, 0, 1)


def months_before(today: date, months: int) -> date:
    """The 1st of the month ``months`` months before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class DemoArea:
    name: str
    population: int
    geometry: dict[str, Any]


def window(today: date) -> tuple[date, date]:
    """The demo's two years: from the same day two years ago up to (not including) today."""
    try:
        start = today.replace(year=today.year - 2)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 2, day=28)
    return start, today


def local_today(organization: Organization) -> date:
    return timezone.now().astimezone(ZoneInfo(organization.timezone)).date()


def _months(start: date, end: date) -> Iterator[date]:
    month = start.replace(day=1)
    while month < end:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def _season(day: date, amplitude: float) -> float:
    """1 + amplitude in mid-July, 1 - amplitude in mid-January."""
    return 1.0 + amplitude * math.cos(2 * math.pi * (day.timetuple().tm_yday - 196) / 365.25)


def _existing_local(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """A local time that exists: times in the spring-forward gap move an hour later."""
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        moment += timedelta(hours=1)
    return moment.replace(tzinfo=None)


def _point_in(rng: random.Random, polygon: BaseGeometry) -> tuple[float, float]:
    """A uniformly random point strictly inside ``polygon``, as (latitude, longitude)."""
    west, south, east, north = polygon.bounds
    while True:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if contains_xy(polygon, lon, lat):
            return lat, lon


def _plan(areas: Sequence[DemoArea], day: date, effects: dict[Effect, date]) -> list[float]:
    """Relative daily weight of every (area, offence) pair on ``day``, weekday included."""
    years = (day - date(2024, 1, 1)).days / 365.25
    weights = []
    for area in areas:
        activity = area.population * AREA_ACTIVITY.get(area.name, 1.0)
        character = AREA_CHARACTER.get(area.name, {})
        for offence in OFFENCES:
            weight = (
                activity
                * offence.share
                * character.get(offence.code, 1.0)
                * _season(day, offence.summer)
                * WEEKDAYS[offence.weekdays][day.weekday()]
                * (1.0 + offence.trend) ** years
            )
            for effect, since in effects.items():
                if area.name == effect.area and offence.code in effect.codes and day >= since:
                    weight *= effect.factor
            weights.append(weight)
    return weights


def _month_rows(
    areas: Sequence[DemoArea], month: date, zone: ZoneInfo, effects: dict[Effect, date], seed: int
) -> Iterator[dict[str, str]]:
    rng = random.Random(f"{seed}-{month:%Y-%m}")
    # Scale so that an average week of 2024 has DAILY_RATE incidents a day.
    reference_week = [sum(_plan(areas, date(2024, 1, 1) + timedelta(days=d), {})) for d in range(7)]
    scale = DAILY_RATE / (sum(reference_week) / 7)
    polygons = [shape(area.geometry) for area in areas]
    pairs = [(a, o) for a in range(len(areas)) for o in range(len(OFFENCES))]
    hours = {name: list(range(24)) for name in HOURS}
    next_month = (month + timedelta(days=32)).replace(day=1)
    number = 0
    day = month
    while day < next_month:
        weights = _plan(areas, day, effects)
        expected = sum(weights) * scale
        count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
        for area_index, offence_index in rng.choices(pairs, weights=weights, k=count):
            area, offence = areas[area_index], OFFENCES[offence_index]
            hour_weights = list(HOURS[offence.hours])
            for effect, since in effects.items():
                if area.name == effect.area and offence.code in effect.codes and day >= since:
                    for hour in NIGHT_HOURS:
                        hour_weights[hour] *= effect.night_factor
            hour = rng.choices(hours[offence.hours], weights=hour_weights)[0]
            occurred = _existing_local(day, hour, rng.randrange(60), zone)
            reported = occurred + timedelta(minutes=round(rng.expovariate(1 / 240)))
            number += 1
            located = rng.random() >= offence.unlocated
            lat, lon = _point_in(rng, polygons[area_index]) if located else (0.0, 0.0)
            domestic = rng.random() < offence.domestic
            street = rng.choice(STREETS.get(area.name, ("MAIN ST",)))
            status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
            yield {
                "Report ID": f"RPS-{month:%y%m}-{number:05d}",
                "Occurred": occurred.strftime("%Y-%m-%d %H:%M"),
                "Reported": reported.strftime("%Y-%m-%d %H:%M"),
                "NIBRS Code": offence.code,
                "Offence": offence.description,
                "Address": f"{rng.randrange(1, 2400)} {street}",
                "Neighbourhood": area.name,
                "Latitude": f"{lat:.6f}" if located else "",
                "Longitude": f"{lon:.6f}" if located else "",
                "Domestic": "Y" if domestic else "N",
                "Status": status,
            }
        day += timedelta(days=1)


def generate(
    areas: Sequence[DemoArea], today: date, zone: ZoneInfo, *, seed: int = SEED
) -> list[dict[str, str]]:
    """The demo's incident rows for the two years ending the day before ``today``."""
    start, end = window(today)
    effects = {effect: months_before(today, effect.months_ago) for effect in EFFECTS}
    last_minute = f"{end - timedelta(days=1):%Y-%m-%d} 23:59"
    rows = []
    for month in _months(start, end):
        for row in _month_rows(areas, month, zone, effects, seed):
            occurred_on = date.fromisoformat(row["Occurred"][:10])
            if occurred_on < start or occurred_on >= end:
                continue
            # Nothing is reported after the end of the window (the importer refuses the future).
            row["Reported"] = min(row["Reported"], last_minute)
            rows.append(row)
    return rows


def to_csv(rows: Sequence[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def demo_areas(organization: Organization) -> list[DemoArea]:
    """The organisation's areas in a stable order (the generator draws by position)."""
    return [
        DemoArea(area.name, area.population or 0, area.geometry)
        for area in Area.objects.filter(organization=organization).order_by("name", "pk")
    ]


def build(
    organization: Organization, *, actor: User | None = None, today: date | None = None
) -> ImportRun | None:
    """Import the demo's incidents that are not there yet, through the real importer.

    Returns the import's run, or None when every incident of the window is already there
    (so building again writes nothing, not even an empty import run).
    """
    today = today or local_today(organization)
    rows = generate(demo_areas(organization), today, ZoneInfo(organization.timezone))
    known = set(
        Incident.objects.filter(organization=organization).values_list("source_id", flat=True)
    )
    new = [row for row in rows if row["Report ID"] not in known]
    if not new:
        return None
    mapping = load_mapping(MAPPING_PATH.read_text(encoding="utf-8"))
    return services.import_incidents(
        actor=actor,
        organization=organization,
        source=io.BytesIO(to_csv(new)),
        mapping=mapping,
        source_name=SOURCE_NAME,
    )
