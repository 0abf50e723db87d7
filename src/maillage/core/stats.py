"""Small statistics used by maps and equity groupings.

>>> quantile_breaks([1, 2, 3, 4, 5], 4)
[2.0, 3.0, 4.0]
>>> [class_of(v, [2.0, 3.0, 4.0]) for v in (1, 2.5, 5)]
[0, 1, 3]
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["class_of", "quantile_breaks"]


def quantile_breaks(values: Sequence[float], classes: int) -> list[float]:
    """The ``classes - 1`` inner boundaries that split sorted ``values`` into equal-count classes
    (linear interpolation between ranks)."""
    ordered = sorted(values)
    if not ordered or classes < 2:
        return []
    breaks = []
    for i in range(1, classes):
        position = i * (len(ordered) - 1) / classes
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        breaks.append(float(ordered[low] + (ordered[high] - ordered[low]) * (position - low)))
    return breaks


def class_of(value: float, breaks: Sequence[float]) -> int:
    """The class (0-based) of ``value``: the first break it does not exceed."""
    for i, upper in enumerate(breaks):
        if value <= upper:
            return i
    return len(breaks)
