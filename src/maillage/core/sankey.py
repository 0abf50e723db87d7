"""A two-column Sankey diagram laid out for SVG: sources on the left, targets on the right.

Each node is a bar whose height is proportional to the money through it; each link is a band from its
source's bar to its target's, as wide as its value. Nodes are ordered by decreasing value; links leave a
source in the order of their targets and enter a target in the order of their sources, so that bands do
not cross needlessly. Pure geometry: the page draws it and prints the same figures as a table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    id: str
    side: str  # "source" or "target"
    value: float
    x: float
    y: float
    height: float

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    value: float
    path: str  # SVG path of the band (a closed shape)


@dataclass(frozen=True)
class Sankey:
    width: float
    height: float
    bar: float
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]


def sankey(
    links: Sequence[tuple[str, str, float]],
    *,
    width: float = 640.0,
    height: float = 400.0,
    bar: float = 12.0,
    gap: float = 6.0,
) -> Sankey:
    """Lay out ``links`` (source, target, value > 0; repeated pairs add up)."""
    values: dict[tuple[str, str], float] = defaultdict(float)
    for source, target, value in links:
        if value > 0:
            values[(source, target)] += value
    out: dict[str, float] = defaultdict(float)
    into: dict[str, float] = defaultdict(float)
    for (source, target), value in values.items():
        out[source] += value
        into[target] += value
    total = sum(values.values())
    if total <= 0:
        return Sankey(width, height, bar, (), ())

    def order(side: dict[str, float]) -> list[str]:
        return sorted(side, key=lambda k: (-side[k], k))

    sources, targets = order(out), order(into)
    scale = (height - gap * (max(len(sources), len(targets)) - 1)) / total
    scale = max(scale, 0.0)
    nodes: list[Node] = []
    top: dict[tuple[str, str], float] = {}
    for side, names, x in (("source", sources, 0.0), ("target", targets, width - bar)):
        y = 0.0
        amounts = out if side == "source" else into
        for name in names:
            h = amounts[name] * scale
            nodes.append(Node(name, side, amounts[name], x, y, h))
            top[(side, name)] = y
            y += h + gap

    rank_source = {name: i for i, name in enumerate(sources)}
    rank_target = {name: i for i, name in enumerate(targets)}
    left = dict(top)  # next free y where a band leaves each source / enters each target
    bands: list[Link] = []
    leaving = sorted(values, key=lambda pair: (rank_source[pair[0]], rank_target[pair[1]]))
    starts: dict[tuple[str, str], float] = {}
    for pair in leaving:
        starts[pair] = left[("source", pair[0])]
        left[("source", pair[0])] += values[pair] * scale
    entering = sorted(values, key=lambda pair: (rank_target[pair[1]], rank_source[pair[0]]))
    x0, x1 = bar, width - bar
    middle = (x0 + x1) / 2
    for pair in entering:
        h = values[pair] * scale
        y0 = starts[pair]
        y1 = left[("target", pair[1])]
        left[("target", pair[1])] += h
        path = (
            f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f} "
            f"L{x1:.1f},{y1 + h:.1f} C{middle:.1f},{y1 + h:.1f} {middle:.1f},{y0 + h:.1f} {x0:.1f},{y0 + h:.1f} Z"
        )
        bands.append(Link(pair[0], pair[1], values[pair], path))
    bands.sort(key=lambda link: (rank_source[link.source], rank_target[link.target]))
    return Sankey(width, height, bar, tuple(nodes), tuple(bands))
