"""Server-side SVG maps of Montréal's territories (no tile server, no script).

The projected outlines are computed once per process and per version of the territory
table, then reused by every page: a map costs string formatting only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from maillage.core import geo
from maillage.core.stats import class_of, quantile_breaks

from .models import Territory

MAP_WIDTH = 800

# Number of classes of a choropleth; their colours are the CSS classes ``choropleth-0`` to ``-4``.
CLASSES = 5


@dataclass(frozen=True)
class Outline:
    slug: str
    kind: str
    name_fr: str
    name_en: str
    d: str
    label_x: float
    label_y: float
    box: tuple[float, float, float, float]  # projected (left, top, right, bottom)


@dataclass(frozen=True)
class Shape:
    outline: Outline
    name: str
    url: str
    css: str
    label: str


@dataclass(frozen=True)
class LegendItem:
    css: str
    label: str


@dataclass(frozen=True)
class Map:
    width: float
    height: float
    base: list[Shape]
    quartiers: list[Shape]
    legend: list[LegendItem]
    title: str
    view_box: str
    labels: list[MapLabel]
    font_size: float


@dataclass(frozen=True)
class MapLabel:
    x: float
    y: float
    text: str
    css: str
    anchor: str = "middle"  # start or end near the edges, so that names stay inside the map


def _signature() -> tuple[Any, ...]:
    """Changes whenever a territory is added, removed or edited, in any process."""
    row = Territory.objects.aggregate(n=Count("id"), last=Max("id"), updated=Max("updated_at"))
    return (row["n"] or 0, row["last"] or 0, row["updated"])


@functools.lru_cache(maxsize=4)
def _outlines(signature: tuple[Any, ...]) -> tuple[float, float, tuple[Outline, ...]]:
    territories = list(
        Territory._base_manager.exclude(kind=Territory.Kind.REGION).only(
            "slug", "kind", "name_fr", "name_en", "map_geometry", "label_lon", "label_lat"
        )
    )
    if not territories:
        return (MAP_WIDTH, 0, ())
    base = [t.map_geometry for t in territories if t.kind != Territory.Kind.QUARTIER]
    projection = geo.Projection.fit(base or [t.map_geometry for t in territories], width=MAP_WIDTH, margin=8)
    outlines = []
    for t in territories:
        x, y = projection.point(t.label_lon, t.label_lat)
        min_lon, min_lat, max_lon, max_lat = geo.bounds(t.map_geometry)
        left, top = projection.point(min_lon, max_lat)
        right, bottom = projection.point(max_lon, min_lat)
        path = geo.svg_path(t.map_geometry, projection)
        outlines.append(Outline(t.slug, t.kind, t.name_fr, t.name_en, path, x, y, (left, top, right, bottom)))
    return (projection.width, projection.height, tuple(outlines))


def clear_cache() -> None:
    _outlines.cache_clear()


def _name(outline: Outline, language: str) -> str:
    return outline.name_en if language == "en" and outline.name_en else outline.name_fr


def _zoom(
    boxes: list[tuple[float, float, float, float]], width: float, height: float
) -> tuple[float, float, float, float]:
    """A viewBox around ``boxes`` with room for the neighbours, 4:3, inside the whole map."""
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[2] for b in boxes)
    bottom = max(b[3] for b in boxes)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    w = max((right - left) * 2.6, width / 3)
    h = max((bottom - top) * 2.6, w * 3 / 4)
    w = max(w, h * 4 / 3)
    w, h = min(w, width), min(h, height)
    x = min(max(cx - w / 2, 0), width - w)
    y = min(max(cy - h / 2, 0), height - h)
    return (x, y, w, h)


def territory_map(
    *,
    highlight: Territory | None = None,
    zoom: bool = False,
    language: str = "fr",
    value: Callable[[str], float | None] | None = None,
    value_label: str = "",
    unit: str = "%",
) -> Map:
    """The agglomeration with its boroughs, linked cities and quartiers.

    ``highlight`` marks one territory (and, for a borough, the quartiers within it);
    ``value`` colours quartiers by an indicator in five quantile classes; ``zoom`` frames the highlighted
    territory and its neighbours.
    """
    width, height, outlines = _outlines(_signature())
    missing = False
    highlighted: set[str] = set()
    if highlight is not None:
        highlighted.add(highlight.slug)
        if highlight.kind != Territory.Kind.QUARTIER:
            highlighted |= set(highlight.contains.values_list("slug", flat=True))
    breaks: list[float] = []
    values: dict[str, float] = {}
    if value is not None:
        for outline in outlines:
            v = value(outline.slug) if outline.kind == Territory.Kind.QUARTIER else None
            if v is not None:
                values[outline.slug] = v
        breaks = quantile_breaks(list(values.values()), CLASSES)

    base: list[Shape] = []
    quartiers: list[Shape] = []
    for outline in outlines:
        name = _name(outline, language)
        url = reverse("directory:territory", args=[outline.slug])
        css = "is-highlighted" if outline.slug in highlighted else ""
        label = name
        if outline.slug in values:
            css = f"{css} choropleth-{class_of(values[outline.slug], breaks)}".strip()
            figure = number_format(values[outline.slug], 1)
            if unit:
                figure = f"{figure}\u00a0{unit}" if language == "fr" else f"{figure}{unit}"
            label = f"{name}\u00a0: {figure}" if language == "fr" else f"{name}: {figure}"
        elif values and outline.kind == Territory.Kind.QUARTIER:
            css = f"{css} choropleth-none".strip()
            missing = True
        shape = Shape(outline, name, url, css, label)
        (quartiers if outline.kind == Territory.Kind.QUARTIER else base).append(shape)
    legend = []
    if breaks:
        bounds = [min(values.values()), *breaks, max(values.values())]
        for i in range(CLASSES):
            if i + 1 < len(bounds):
                legend.append(
                    LegendItem(
                        f"choropleth-{i}",
                        _("%(low)s to %(high)s")
                        % {"low": number_format(bounds[i], 1), "high": number_format(bounds[i + 1], 1)},
                    )
                )
    if missing:
        legend.append(LegendItem("choropleth-none", _("no figure")))
    title = value_label or (
        _("Map of %(name)s") % {"name": highlight.name} if highlight else _("Map of Montréal's territories")
    )
    box = (0.0, 0.0, width, height)
    labels: list[MapLabel] = []
    if zoom and highlighted:
        box = _zoom([o.box for o in outlines if o.slug in highlighted], width, height)
        # Zoomed in, the quartiers around are named so that the map can be read without hovering.
        x, y, w, h = box
        for shape in quartiers:
            o = shape.outline
            if x + w * 0.04 < o.label_x < x + w * 0.96 and y + h * 0.04 < o.label_y < y + h * 0.96:
                anchor = "end" if o.label_x > x + w * 0.75 else "start" if o.label_x < x + w * 0.25 else "middle"
                css = "map-label is-highlighted" if o.slug in highlighted else "map-label"
                labels.append(MapLabel(o.label_x, o.label_y, shape.name, css, anchor))
    view_box = " ".join(f"{v:.0f}" for v in box)
    return Map(width, height, base, quartiers, legend, title, view_box, labels, round(box[2] / 45, 1))
