import json

import pytest

from maillage.core import geo
from maillage.core.errors import MaillageError

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-73.6, 45.5], [-73.5, 45.5], [-73.5, 45.6], [-73.6, 45.6], [-73.6, 45.5]]],
}


def collection(*geometries):
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"i": i}, "geometry": g} for i, g in enumerate(geometries)],
    }


def test_reads_a_valid_collection():
    features = geo.read_features(json.dumps(collection(SQUARE)), file="ok.geojson")
    assert features[0].properties == {"i": 0}
    assert features[0].geometry["type"] == "Polygon"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("{not json", "geojson_unreadable"),
        (b"\xff\xfe", "geojson_unreadable"),
        ('{"type": "Feature"}', "geojson_not_collection"),
        ('{"type": "FeatureCollection", "features": []}', "geojson_empty"),
    ],
)
def test_rejects_files_that_are_not_geojson(source, code):
    with pytest.raises(MaillageError) as info:
        geo.read_features(source, file="bad.geojson")
    assert info.value.code == code
    assert info.value.problems[0].file == "bad.geojson"


def test_reports_each_bad_feature_with_its_position():
    point = {"type": "Point", "coordinates": [-73.5, 45.5]}
    projected = {
        "type": "Polygon",
        "coordinates": [[[300000, 5000000], [300100, 5000000], [300100, 5000100], [300000, 5000000]]],
    }
    with pytest.raises(MaillageError) as info:
        geo.read_features(collection(SQUARE, point, projected), file="mixed.geojson")
    assert [(p.row, p.file) for p in info.value.problems] == [(2, "mixed.geojson"), (3, "mixed.geojson")]


def test_self_intersecting_polygon_is_repaired():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    features = geo.read_features(collection(bowtie), file="bowtie.geojson")
    assert features[0].geometry["type"] in ("Polygon", "MultiPolygon")


def test_projection_keeps_aspect_and_paths_close():
    projection = geo.Projection.fit([SQUARE], width=100)
    assert projection.width == 100
    assert 135 < projection.height < 150  # 0.1° of latitude is longer than 0.1° of longitude at 45.5° N
    path = geo.svg_path(SQUARE, projection)
    assert path.startswith("M0,")
    assert path.endswith("Z")


def test_simplify_and_union():
    other = {
        "type": "Polygon",
        "coordinates": [[[-73.5, 45.5], [-73.4, 45.5], [-73.4, 45.6], [-73.5, 45.6], [-73.5, 45.5]]],
    }
    merged = geo.union([SQUARE, other])
    assert merged["type"] == "Polygon"
    assert geo.simplify(merged)["type"] == "Polygon"
    lon, lat = geo.representative_point(SQUARE)
    assert -73.6 < lon < -73.5
    assert 45.5 < lat < 45.6
