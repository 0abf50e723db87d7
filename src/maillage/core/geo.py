"""GeoJSON validation, simplification and server-side SVG maps.

Maillage draws its maps without any tile server or script: territories are GeoJSON
polygons in WGS 84 that are simplified once when loaded and projected here into SVG
path data. The projection is equirectangular with longitudes scaled by the cosine of the
central latitude, which is accurate to well under a percent across an island the size of
Montréal.

>>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"n": 1},
...       "geometry": {"type": "Polygon", "coordinates": [[[-73.6, 45.5], [-73.5, 45.5],
...                                                        [-73.5, 45.6], [-73.6, 45.5]]]}}]}
>>> features = read_features(fc, file="demo.geojson")
>>> proj = Projection.fit([f.geometry for f in features], width=100)
>>> svg_path(features[0].geometry, proj)[:6]
'M0,142'
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from .errors import MaillageError, Problem
from .i18n import gettext as _

__all__ = [
    "Feature",
    "Projection",
    "bounds",
    "read_features",
    "simplify",
    "svg_path",
    "union",
]

GeoJSON = dict[str, Any]


@dataclass(frozen=True)
class Feature:
    """One polygonal feature of a FeatureCollection: its properties and its geometry."""

    properties: dict[str, Any]
    geometry: GeoJSON


def read_features(source: str | bytes | GeoJSON, *, file: str) -> list[Feature]:
    """Parse and validate a FeatureCollection of (Multi)Polygons in longitude/latitude.

    Every problem is reported with the file and the feature's position (1-based), and
    nothing is returned unless the whole file is valid.
    """
    if isinstance(source, str | bytes):
        try:
            data = json.loads(source)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _file_error(
                "geojson_unreadable",
                _("This file is not valid JSON, so it cannot be GeoJSON (%(detail)s).") % {"detail": exc},
                file,
            ) from None
    else:
        data = source
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _file_error(
            "geojson_not_collection",
            _('A GeoJSON FeatureCollection was expected (an object with "type": "FeatureCollection").'),
            file,
        )
    raw_features = data.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        raise _file_error("geojson_empty", _("The FeatureCollection has no features."), file)

    features: list[Feature] = []
    problems: list[Problem] = []
    for index, raw in enumerate(raw_features, start=1):
        try:
            features.append(_read_feature(raw))
        except ValueError as exc:
            problems.append(Problem("geojson_feature_invalid", str(exc), field="geometry", row=index, file=file))
    if problems:
        raise MaillageError(
            "geojson_invalid",
            _("The GeoJSON file has features that cannot be used as territories."),
            problems,
        )
    return features


def _read_feature(raw: Any) -> Feature:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        raise ValueError(_("This item is not a GeoJSON Feature."))
    geometry = raw.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(_("The geometry must be a Polygon or a MultiPolygon."))
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValueError(_("The coordinates are malformed (%(detail)s).") % {"detail": exc}) from None
    if geom.is_empty:
        raise ValueError(_("The geometry is empty."))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(_("The coordinates are not longitudes and latitudes (WGS 84)."))
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            geom = shapely.union_all(
                [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
            )
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        raise ValueError(_("The properties must be an object."))
    return Feature(properties=properties, geometry=_rounded(mapping(geom)))


def union(geometries: Iterable[GeoJSON]) -> GeoJSON:
    """The union of several polygonal geometries, as GeoJSON."""
    return _rounded(mapping(shapely.union_all([shape(g) for g in geometries])))


def simplify(geometry: GeoJSON, tolerance: float = 0.0004) -> GeoJSON:
    """A lighter copy of a geometry for maps (tolerance in degrees, about 30 m by default)."""
    return _rounded(mapping(shape(geometry).simplify(tolerance, preserve_topology=True)), digits=5)


def bounds(geometry: GeoJSON) -> tuple[float, float, float, float]:
    """(min longitude, min latitude, max longitude, max latitude) of a geometry."""
    minx, miny, maxx, maxy = shape(geometry).bounds
    return (float(minx), float(miny), float(maxx), float(maxy))


def representative_point(geometry: GeoJSON) -> tuple[float, float]:
    """A point inside the geometry (longitude, latitude), for labels and markers."""
    point = shape(geometry).representative_point()
    return (float(point.x), float(point.y))


def _rounded(geometry: Any, digits: int = 6) -> GeoJSON:
    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, digits)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


@dataclass(frozen=True)
class Projection:
    """Maps longitude/latitude to SVG user units inside a ``width`` × ``height`` box."""

    min_lon: float
    max_lat: float
    scale: float
    x_factor: float
    width: float
    height: float

    @classmethod
    def fit(cls, geometries: Sequence[GeoJSON], *, width: float = 800, margin: float = 0) -> Projection:
        bounds = shapely.union_all([shape(g).envelope for g in geometries]).bounds
        min_lon, min_lat, max_lon, max_lat = bounds
        x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
        span_x = max((max_lon - min_lon) * x_factor, 1e-9)
        span_y = max(max_lat - min_lat, 1e-9)
        scale = (width - 2 * margin) / span_x
        height = span_y * scale + 2 * margin
        return cls(
            min_lon - margin / scale / x_factor,
            max_lat + margin / scale,
            scale,
            x_factor,
            float(width),
            round(height, 1),
        )

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            round((lon - self.min_lon) * self.x_factor * self.scale, 1),
            round((self.max_lat - lat) * self.scale, 1),
        )


def svg_path(geometry: GeoJSON, projection: Projection) -> str:
    """SVG path data (``d`` attribute) of a Polygon or MultiPolygon."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    parts: list[str] = []
    for polygon in polygons:
        for ring in polygon:
            points = [projection.point(lon, lat) for lon, lat, *_rest in ring]
            deduped = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            if len(deduped) < 3:
                continue
            head, *tail = deduped
            parts.append(f"M{_num(head[0])},{_num(head[1])}" + "".join(f"L{_num(x)},{_num(y)}" for x, y in tail) + "Z")
    return "".join(parts)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _file_error(code: str, message: str, file: str) -> MaillageError:
    return MaillageError(code, message, [Problem(code, message, file=file)])
