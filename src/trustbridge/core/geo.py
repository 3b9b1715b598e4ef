"""GeoJSON boundaries: validation with clear messages, and the shapes derived from them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity

POLYGON_TYPES = ("Polygon", "MultiPolygon")


class GeometryError(ValueError):
    """A boundary that cannot be used, with a message a person can act on."""


def _check_position(position: Any, where: str) -> None:
    if (
        not isinstance(position, list | tuple)
        or not 2 <= len(position) <= 3
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position)
    ):
        raise GeometryError(
            _("%(where)s: a position must be [longitude, latitude].") % {"where": where}
        )
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            _("%(where)s: [%(lon)s, %(lat)s] is not a longitude/latitude in WGS 84.")
            % {"where": where, "lon": lon, "lat": lat}
        )


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(
            _("%(where)s: a ring needs at least four positions.") % {"where": where}
        )
    for position in ring:
        _check_position(position, where)
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeometryError(
            _("%(where)s: the ring is not closed (its last position must repeat its first).")
            % {"where": where}
        )


def _check_polygon(rings: Any, where: str) -> None:
    if not isinstance(rings, list) or not rings:
        raise GeometryError(_("%(where)s: a polygon needs at least one ring.") % {"where": where})
    for index, ring in enumerate(rings, start=1):
        _check_ring(ring, _("%(where)s, ring %(n)d") % {"where": where, "n": index})


def validate_boundary(geometry: Any) -> dict[str, Any]:
    """Return the boundary as a GeoJSON Polygon or MultiPolygon, or raise GeometryError.

    Accepts a geometry, a Feature or a JSON string of either.
    """
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except json.JSONDecodeError as exc:
            raise GeometryError(
                _("This is not valid JSON: %(error)s") % {"error": exc.msg}
            ) from exc
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        raise GeometryError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    coordinates: Any = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        _check_polygon(coordinates, _("Polygon"))
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError(_("A MultiPolygon needs at least one polygon."))
        for index, rings in enumerate(coordinates, start=1):
            _check_polygon(rings, _("Polygon %(n)d") % {"n": index})
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    # Heights are dropped: a boundary is flat, and shapely refuses mixed 2D/3D rings.
    flat = [[[[p[0], p[1]] for p in ring] for ring in rings] for rings in polygons]
    clean = {
        "type": geometry["type"],
        "coordinates": flat[0] if geometry["type"] == "Polygon" else flat,
    }
    polygon = shape(clean)
    if not polygon.is_valid:
        raise GeometryError(
            _("The boundary is not a valid shape: %(reason)s")
            % {"reason": explain_validity(polygon)}
        )
    if polygon.area == 0:
        raise GeometryError(_("The boundary encloses no area."))
    return clean


@dataclass(frozen=True)
class FeatureProblem:
    """One feature of a FeatureCollection that could not be imported, and why."""

    number: int  # 1-based position in the collection
    message: str


def features_of(collection_text: str | bytes) -> list[Any]:
    """The features of a GeoJSON FeatureCollection, or GeometryError for anything else."""
    try:
        data = json.loads(collection_text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GeometryError(_("The file is not valid JSON.")) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeometryError(_("The file must be a GeoJSON FeatureCollection."))
    features = data.get("features")
    if not isinstance(features, list):
        raise GeometryError(_("The FeatureCollection has no list of features."))
    return features


def bounds(geometries: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) around all the geometries."""
    collection = shapely.GeometryCollection([shape(g) for g in geometries])
    minx, miny, maxx, maxy = collection.bounds
    return minx, miny, maxx, maxy


def centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    point = shape(geometry).representative_point()
    return point.x, point.y
