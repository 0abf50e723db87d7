"""Small line charts of an indicator's values over time, drawn as SVG by ``collective/_chart.html``: the
collective indicators' values by year, a chantier's measurements by date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PAD, BOTTOM = 12, 20  # room around the plot, and for the years under the axis


@dataclass(frozen=True)
class Chart:
    """A small line chart of an indicator's values, with its years and its target (the page lists the values
    in a table; the chart's text alternative lists them too)."""

    width: int
    height: int
    points: str
    dots: list[tuple[float, float, int, float]]  # x, y, year, value
    target_y: float | None
    years: list[tuple[float, int]]  # x, year: the first and the last
    axis_y: float
    description: str


def line_chart(
    values: Sequence[tuple[float, int, float]],
    *,
    end: float,
    labels: Sequence[tuple[float, int]],
    target: float | None,
    description: str,
    width: int,
    height: int,
) -> Chart:
    """``values``: (position, year, value), positions on one scale (years, or days) and in order; the chart
    runs from the first position to ``end`` (the target's, when it comes later); ``labels``: (position, year)
    written under the axis. The value axis starts at zero unless values go below it."""
    numbers = [v for _p, _y, v in values] + ([target] if target is not None else [])
    low, high = min([*numbers, 0.0]), max(numbers)
    if high == low:
        high = low + 1
    first = values[0][0]
    span = max(1, end - first)

    def x(position: float) -> float:
        return round(PAD + (width - 2 * PAD) * (position - first) / span, 1)

    def y(value: float) -> float:
        return round(height - BOTTOM - (height - BOTTOM - PAD) * (value - low) / (high - low), 1)

    dots = [(x(position), y(value), year, value) for position, year, value in values]
    return Chart(
        width,
        height,
        " ".join(f"{a},{b}" for a, b, _y, _v in dots),
        dots,
        y(target) if target is not None else None,
        [(x(position), year) for position, year in labels],
        height - BOTTOM,
        description,
    )
