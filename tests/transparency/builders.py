"""Incidents built row by row for the statistics tests, with their roll-ups made the real way
(``rollups.rebuild``), as an import would leave them."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

import h3

from tests.factories import AreaFactory, square
from trustbridge.core.models import Area, Organization
from trustbridge.transparency import rollups
from trustbridge.transparency.models import Incident, OffenceCategory, TransparencySettings
from trustbridge.transparency.taxonomy import ensure_taxonomy

_source_ids = itertools.count(1)


@dataclass(frozen=True)
class Town:
    organization: Organization
    areas: dict[str, Area]
    categories: dict[str, OffenceCategory]


def town(
    organization: Organization,
    areas: Iterable[tuple[str, str, int | None]] = (
        ("riverside", "Riverside", 8000),
        ("old-mill", "Old Mill", 2000),
        ("harbour", "Harbour", None),
    ),
    *,
    k: int | None = None,
) -> Town:
    """An organisation with areas side by side (slug, name, population) and the taxonomy."""
    built = {}
    for index, (slug, name, population) in enumerate(areas):
        built[slug] = AreaFactory(
            organization=organization,
            slug=slug,
            name=name,
            population=population,
            geometry=square(-79.4 + index * 0.01, 43.6),
        )
    categories = ensure_taxonomy(organization)
    if k is not None:
        TransparencySettings.objects.filter(organization=organization).update(k_threshold=k)
    return Town(organization, built, categories)


def local(organization: Organization, *args: int) -> dt.datetime:
    """An aware moment in the organisation's time zone: local(org, 2025, 3, 1, 22)."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(organization.timezone))  # type: ignore[misc]


def incidents(
    t: Town,
    count: int,
    *,
    category: str,
    area: str | None,
    at: dt.datetime,
    sensitive: bool | None = None,
    every: dt.timedelta = dt.timedelta(0),
) -> list[Incident]:
    """``count`` incidents of one category in one area (None: outside every area), at ``at``
    and then every ``every``. Located at the area's centre unless sensitive."""
    chosen = t.categories[category]
    is_sensitive = chosen.sensitive if sensitive is None else sensitive
    area_obj = t.areas[area] if area else None
    cell = ""
    block = ""
    if area_obj is not None and not is_sensitive:
        west, south = area_obj.geometry["coordinates"][0][0]
        cell = h3.latlng_to_cell(south + 0.005, west + 0.005, 8)
        block = "12XX MAIN ST"
    rows = [
        Incident(
            organization=t.organization,
            source_id=f"S{next(_source_ids)}",
            occurred_at=at + every * i,
            category=chosen,
            area=area_obj,
            block=block,
            cell=cell,
            sensitive=is_sensitive,
            offence_description="SECRET NARRATIVE",
            status="ARRESTED JOHN DOE",
        )
        for i in range(count)
    ]
    return Incident.objects.bulk_create(rows)


def roll_up(t: Town) -> None:
    rollups.rebuild(t.organization)
