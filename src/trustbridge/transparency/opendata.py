"""Open data files: generalised incidents (CSV, GeoJSON) and published monthly counts (CSV).

The same privacy rules as every public view: individual incidents come from
``queries.public_incidents`` only (non-sensitive incidents of published, timed cells), with
a keyed-hash public id, a date without time, the hundred block and the H3 cell's centre.
Counts are the published base cells (area by category by month); a cell below k is
written as "fewer than k", never as its number. Files are streamed row by row, so memory
stays constant whatever their size.
"""

from __future__ import annotations

import csv
import json
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area, Organization
from trustbridge.core.safe_csv import safe_row
from trustbridge.transparency import privacy
from trustbridge.transparency import queries as stats
from trustbridge.transparency.models import Incident, MonthlyCount, OffenceCategory

CHUNK = 2000
COORDINATE_DECIMALS = 5


@dataclass(frozen=True)
class Column:
    """One column of a published file, as the data dictionary describes it."""

    name: str
    type: str
    meaning: Promise | str
    generalisation: Promise | str = ""


INCIDENT_COLUMNS = (
    Column(
        "public_id",
        "text",
        _("A stable identifier of the incident in these files."),
        _(
            "A keyed hash of the records system's number, which is never published: it "
            "cannot be matched to police reports."
        ),
    ),
    Column(
        "date",
        "date (YYYY-MM-DD)",
        _("The day the incident occurred, in the organisation's time zone."),
        _("The time of day is never published."),
    ),
    Column("category_code", "text", _("The offence group's short code.")),
    Column(
        "category_name",
        "text",
        _("The offence group (NIBRS-style)."),
        _("Only the group is published, never the free-text description."),
    ),
    Column("crime_against", "text", _("Person, property, society or other.")),
    Column("area_slug", "text", _("The short name of the area; empty outside every area.")),
    Column("area_name", "text", _("The name of the area.")),
    Column(
        "hundred_block",
        "text",
        _("Where it happened, as a block of a hundred street numbers."),
        _("“1234 Main St” is published as “12XX MAIN ST”; flat numbers are removed."),
    ),
    Column(
        "h3_cell",
        "text",
        _("The H3 hexagon that stands for the place."),
        _("The precise point is never stored: only the hexagon it falls in."),
    ),
    Column(
        "latitude",
        "number",
        _("Latitude of the hexagon's centre (WGS 84)."),
        _("The centre of the hexagon, not where the incident happened."),
    ),
    Column(
        "longitude",
        "number",
        _("Longitude of the hexagon's centre (WGS 84)."),
        _("The centre of the hexagon, not where the incident happened."),
    ),
)

COUNT_COLUMNS = (
    Column("month", "date (YYYY-MM)", _("The calendar month, in the organisation's time zone.")),
    Column("area_slug", "text", _("The short name of the area; empty outside every area.")),
    Column("area_name", "text", _("The name of the area.")),
    Column("category_code", "text", _("The offence group's short code.")),
    Column("category_name", "text", _("The offence group (NIBRS-style).")),
    Column(
        "sensitive",
        "yes/no",
        _("Whether the offence group is sensitive."),
        _("Sensitive offences are published only here, as counts per area and month."),
    ),
    Column(
        "count",
        "integer",
        _("Reported incidents; empty when fewer than the publication threshold."),
        _("A count below the threshold is never published, only “fewer than k”."),
    ),
    Column(
        "note",
        "text",
        _("“fewer than k” for a small group; on the last row, how many small groups there are."),
    ),
)


# Filters ----------------------------------------------------------------------------------


def full_history(organization: Organization) -> tuple[date, date]:
    """From the first month with any count to the end of the current month."""
    first = (
        MonthlyCount.objects.filter(organization=organization, count__gt=0)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    end = stats.add_months(stats.month_start(stats.local_today(organization)), 1)
    return (first or stats.add_months(end, -1)), end


def download_filter(organization: Organization, params: Mapping[str, Any]) -> stats.StatsFilter:
    """The dashboard's filter read from the query; without a period, the whole history."""
    chosen = stats.StatsFilter.from_params(organization, params)
    if any(params.get(name) for name in ("from", "to", "period")):
        return chosen
    start, end = full_history(organization)
    whole = stats.StatsFilter(
        organization, start, end, "month", chosen.area_ids, chosen.category_ids, "all"
    )
    whole._cache.update({k: v for k, v in chosen._cache.items() if k in ("categories", "areas")})
    return whole


# Incidents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicIncident:
    public_id: str
    date: date
    category_code: str
    category_name: str
    crime_against: str
    area_slug: str
    area_name: str
    hundred_block: str
    h3_cell: str
    latitude: float | None
    longitude: float | None

    def values(self) -> list[object]:
        return [
            self.public_id,
            self.date.isoformat(),
            self.category_code,
            self.category_name,
            self.crime_against,
            self.area_slug,
            self.area_name,
            self.hundred_block,
            self.h3_cell,
            "" if self.latitude is None else self.latitude,
            "" if self.longitude is None else self.longitude,
        ]


def generalise(incident: Incident, tz: zoneinfo.ZoneInfo) -> PublicIncident:
    """What may be published of one (non-sensitive) incident, and nothing more."""
    latitude = longitude = None
    if incident.cell:
        try:
            lat, lon = privacy.cell_centroid(incident.cell)
        except (ValueError, TypeError):
            pass
        else:
            latitude, longitude = round(lat, COORDINATE_DECIMALS), round(lon, COORDINATE_DECIMALS)
    category: OffenceCategory = incident.category
    area = incident.area
    return PublicIncident(
        public_id=privacy.public_id(incident.organization, incident.source_id),
        date=incident.occurred_at.astimezone(tz).date(),
        category_code=category.code,
        category_name=category.name,
        crime_against=category.crime_against,
        area_slug=area.slug if area else "",
        area_name=area.name if area else "",
        hundred_block=incident.block,
        h3_cell=incident.cell if latitude is not None else "",
        latitude=latitude,
        longitude=longitude,
    )


def public_incidents(f: stats.StatsFilter) -> Iterator[PublicIncident]:
    """The filter's publishable incidents, generalised, read in chunks (constant memory)."""
    tz = zoneinfo.ZoneInfo(f.organization.timezone)
    rows = stats.public_incidents(f).iterator(chunk_size=CHUNK)
    for incident in rows:
        if incident.sensitive or incident.category.sensitive:  # never, but never twice over
            continue
        incident.organization = f.organization
        yield generalise(incident, tz)


class _Echo:
    """A file-like object that hands back what is written to it (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
    """CSV, line by line, every cell safe from spreadsheet formula injection."""
    writer = csv.writer(_Echo())
    yield writer.writerow(list(header)).encode()
    for row in rows:
        yield writer.writerow(safe_row(row)).encode()


def incidents_csv(f: stats.StatsFilter) -> Iterator[bytes]:
    return csv_lines(
        [c.name for c in INCIDENT_COLUMNS], (item.values() for item in public_incidents(f))
    )


def incidents_geojson(f: stats.StatsFilter) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection, feature by feature: Points at hexagon centres."""
    names = [c.name for c in INCIDENT_COLUMNS if c.name not in ("latitude", "longitude")]
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for item in public_incidents(f):
        values = dict(zip([c.name for c in INCIDENT_COLUMNS], item.values(), strict=True))
        geometry = (
            {"type": "Point", "coordinates": [item.longitude, item.latitude]}
            if item.latitude is not None
            else None
        )
        feature = {
            "type": "Feature",
            "id": item.public_id,
            "geometry": geometry,
            "properties": {name: values[name] for name in names},
        }
        yield (b"" if first else b",") + json.dumps(feature, ensure_ascii=False).encode()
        first = False
    yield b"]}"


# Counts -----------------------------------------------------------------------------------


def count_rows(organization: Organization) -> Iterator[list[object]]:
    """Every base cell with incidents: its count, or "fewer than k" below the threshold.

    Sensitive offence groups appear here, and only here, at this level. The last row says
    how many small groups were not counted.
    """
    k = stats.configuration(organization).k
    categories = {c.pk: c for c in OffenceCategory.objects.filter(organization=organization)}
    areas = {a.pk: a for a in Area.objects.filter(organization=organization)}
    # Files read the same in every interface language (category names are stored in English).
    with translation.override("en"):
        fewer = str(_("fewer than %(k)s") % {"k": k})
    suppressed = 0
    cells = (
        MonthlyCount.objects.filter(organization=organization, count__gt=0)
        .order_by("month", "area_key", "category_id")
        .values_list("month", "area_key", "category_id", "count")
        .iterator(chunk_size=CHUNK)
    )
    for month, area_key, category_id, count in cells:
        category = categories[category_id]
        area = areas.get(area_key)
        small = count < k
        suppressed += small
        yield [
            month.strftime("%Y-%m"),
            area.slug if area else "",
            area.name if area else "",
            category.code,
            category.name,
            "yes" if category.sensitive else "no",
            "" if small else count,
            fewer if small else "",
        ]
    with translation.override("en"):
        note = str(
            _(
                "%(n)s small groups of fewer than %(k)s incidents are shown without their "
                "number and left out of every total."
            )
            % {"n": suppressed, "k": k}
        )
    yield ["", "", "", "", "", "", "", note]


def counts_csv(organization: Organization) -> Iterator[bytes]:
    return csv_lines([c.name for c in COUNT_COLUMNS], count_rows(organization))


def last_modified(organization: Organization) -> datetime | None:
    """When the published data last changed: the last successful import."""
    return stats.freshness(organization)
