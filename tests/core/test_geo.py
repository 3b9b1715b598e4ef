"""GeoJSON boundaries: what is accepted as an area's shape, and the message for what is not."""

from __future__ import annotations

import json

import pytest

from tests.factories import square
from trustbridge.core import geo
from trustbridge.core.geo import GeometryError, validate_boundary

RING = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def test_a_valid_polygon_comes_back_unchanged():
    assert validate_boundary(square()) == square()


def test_a_feature_is_reduced_to_its_geometry():
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": polygon(RING)}
    assert validate_boundary(feature) == polygon(RING)


def test_a_json_string_is_parsed():
    assert validate_boundary(json.dumps(polygon(RING))) == polygon(RING)


def test_a_multipolygon_of_separate_parts_is_accepted():
    far = [[5, 5], [6, 5], [6, 6], [5, 5]]
    multi = {"type": "MultiPolygon", "coordinates": [[RING], [far]]}
    assert validate_boundary(multi) == multi


def test_heights_are_dropped_so_mixed_2d_and_3d_rings_are_accepted():
    ring = [[0, 0, 10], [1, 0], [1, 1, 3.5], [0, 0]]
    assert validate_boundary(polygon(ring)) == polygon([[0, 0], [1, 0], [1, 1], [0, 0]])


def test_a_polygon_with_a_hole_is_accepted():
    hole = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]
    assert validate_boundary(polygon(RING, hole)) == polygon(RING, hole)


def test_only_the_type_and_coordinates_are_kept():
    assert validate_boundary({**polygon(RING), "bbox": [0, 0, 1, 1], "crs": "x"}) == polygon(RING)


@pytest.mark.parametrize(
    "geometry,message",
    [
        (
            polygon([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0.5]]),
            "Polygon, ring 1: the ring is not closed (its last position must repeat its first).",
        ),
        (
            polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]),
            "The boundary is not a valid shape: Self-intersection[0.5 0.5]",
        ),
        (
            polygon([[0, 0], [1, 0], [0, 0]]),
            "Polygon, ring 1: a ring needs at least four positions.",
        ),
        (
            polygon([[0, 0], [200, 0], [1, 1], [0, 0]]),
            "Polygon, ring 1: [200, 0] is not a longitude/latitude in WGS 84.",
        ),
        (
            polygon([[0, 0], [1, 95], [1, 1], [0, 0]]),
            "Polygon, ring 1: [1, 95] is not a longitude/latitude in WGS 84.",
        ),
        (
            polygon([[0, 0], [float("nan"), 0], [1, 1], [0, 0]]),
            "Polygon, ring 1: [nan, 0] is not a longitude/latitude in WGS 84.",
        ),
        (
            polygon([["0", 0], [1, 0], [1, 1], ["0", 0]]),
            "Polygon, ring 1: a position must be [longitude, latitude].",
        ),
        (
            polygon([[True, 0], [1, 0], [1, 1], [True, 0]]),
            "Polygon, ring 1: a position must be [longitude, latitude].",
        ),
        (
            polygon([[0, 0, [1]], [1, 0], [1, 1], [0, 0, [1]]]),
            "Polygon, ring 1: a position must be [longitude, latitude].",
        ),
        (
            polygon([[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]),
            "Polygon, ring 1: a position must be [longitude, latitude].",
        ),
        (
            polygon(RING, [[5, 5], [6, 5], [6, 6], [5, 5]]),
            "The boundary is not a valid shape: Hole lies outside shell[5 5]",
        ),
        (
            polygon(RING, [[0, 0], [1, 0]]),
            "Polygon, ring 2: a ring needs at least four positions.",
        ),
        (
            polygon([[0, 0], [1, 0], [2, 0], [0, 0]]),
            "The boundary is not a valid shape: Self-intersection[1 0]",
        ),
        ({"type": "Polygon", "coordinates": []}, "Polygon: a polygon needs at least one ring."),
        ({"type": "Polygon"}, "Polygon: a polygon needs at least one ring."),
        (
            {"type": "MultiPolygon", "coordinates": []},
            "A MultiPolygon needs at least one polygon.",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[RING], [[[0, 0], [1, 0], [0, 0]]]]},
            "Polygon 2, ring 1: a ring needs at least four positions.",
        ),
        (
            {"type": "Point", "coordinates": [0, 0]},
            "The boundary must be a GeoJSON Polygon or MultiPolygon.",
        ),
        (
            {"type": "Feature", "geometry": None},
            "The boundary must be a GeoJSON Polygon or MultiPolygon.",
        ),
        ([RING], "The boundary must be a GeoJSON Polygon or MultiPolygon."),
        (None, "The boundary must be a GeoJSON Polygon or MultiPolygon."),
        (
            '{"type": "Polygon",',
            "This is not valid JSON: Expecting property name enclosed in double quotes",
        ),
    ],
    ids=[
        "unclosed-ring",
        "bow-tie",
        "three-positions",
        "longitude-out-of-range",
        "latitude-out-of-range",
        "not-a-number",
        "text-coordinate",
        "boolean-coordinate",
        "list-as-height",
        "four-dimensions",
        "hole-outside-shell",
        "short-hole",
        "no-area",
        "no-rings",
        "no-coordinates",
        "empty-multipolygon",
        "bad-second-polygon",
        "wrong-type",
        "feature-without-geometry",
        "bare-list",
        "nothing",
        "not-json",
    ],
)
def test_an_unusable_boundary_is_refused_with_a_clear_message(geometry, message):
    with pytest.raises(GeometryError) as refused:
        validate_boundary(geometry)
    assert str(refused.value) == message


def test_a_feature_collection_gives_its_features():
    features = [{"type": "Feature", "geometry": square(), "properties": {}}]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    assert geo.features_of(text) == features
    assert geo.features_of(text.encode()) == features


@pytest.mark.parametrize(
    "text,message",
    [
        (b"\xff\xfe not text", "The file is not valid JSON."),
        ("[1, 2", "The file is not valid JSON."),
        (json.dumps(square()), "The file must be a GeoJSON FeatureCollection."),
        (json.dumps([]), "The file must be a GeoJSON FeatureCollection."),
        (
            json.dumps({"type": "FeatureCollection", "features": {}}),
            "The FeatureCollection has no list of features.",
        ),
    ],
)
def test_anything_but_a_feature_collection_is_refused(text, message):
    with pytest.raises(GeometryError) as refused:
        geo.features_of(text)
    assert str(refused.value) == message


def test_bounds_enclose_every_geometry():
    shapes = [square(-79.4, 43.6, 0.01), square(-79.0, 43.0, 0.5)]
    assert geo.bounds(shapes) == pytest.approx((-79.4, 43.0, -78.5, 43.61))


def test_centroid_lies_inside_the_shape():
    lon, lat = geo.centroid(square(10, 20, 2))
    assert 10 < lon < 12
    assert 20 < lat < 22
