"""Reads of organisations, areas, members and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from trustbridge.core import geo
from trustbridge.core.models import Area, AuditEvent, Invitation, Membership, Organization
from trustbridge.core.tenancy import scoped


def public_organizations() -> QuerySet[Organization]:
    return Organization.objects.annotate(area_count=Count("areas")).order_by("name", "id")


def areas_of(organization: Organization) -> QuerySet[Area]:
    # the organisation comes along: pages link each area through it
    return scoped(Area, organization).select_related("organization").order_by("name", "id")


def members_of(organization: Organization) -> QuerySet[Membership]:
    return scoped(Membership, organization).select_related("user").order_by("role", "user__email")


def pending_invitations(organization: Organization) -> QuerySet[Invitation]:
    return (
        scoped(Invitation, organization)
        .filter(accepted_at=None, revoked_at=None)
        .order_by("-created_at")
    )


def audit_log(organization: Organization) -> QuerySet[AuditEvent]:
    return scoped(AuditEvent, organization).select_related("actor").order_by("-at", "-id")


def area_feature(area: Area) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": area.slug,
        "geometry": area.geometry,
        "properties": {
            "slug": area.slug,
            "name": area.name,
            "kind": area.kind,
            "population": area.population,
        },
    }


def areas_feature_collection(areas: list[Area]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [area_feature(a) for a in areas]}


@dataclass(frozen=True)
class MapShape:
    """One area drawn on an SVG map: its path and where its label goes."""

    area: Area
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class AreaMap:
    width: int
    height: int
    shapes: list[MapShape]


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [ring for polygon in polygons for ring in polygon]


def area_map(areas: list[Area], width: int = 640) -> AreaMap | None:
    """Project the areas' boundaries onto an SVG canvas (equirectangular, north up).

    Good enough at a town's scale, needs no tile server and works without JavaScript.
    """
    if not areas:
        return None
    import math

    min_lon, min_lat, max_lon, max_lat = geo.bounds([a.geometry for a in areas])
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * x_scale, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    margin = 8
    scale = (width - 2 * margin) / span_x
    height = round(span_y * scale + 2 * margin)

    def point(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(margin + (lon - min_lon) * x_scale * scale, 1),
            round(margin + (max_lat - lat) * scale, 1),
        )

    shapes = []
    for area in areas:
        parts = []
        for ring in _rings(area.geometry):
            coords = [point(p[0], p[1]) for p in ring]
            parts.append("M" + " L".join(f"{x},{y}" for x, y in coords) + " Z")
        label_x, label_y = point(*geo.centroid(area.geometry))
        shapes.append(MapShape(area, " ".join(parts), label_x, label_y))
    return AreaMap(width, height, shapes)
