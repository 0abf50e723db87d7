"""When an offer can be applied for, from its open periods, on a given day.

>>> from datetime import date
>>> periods = [(date(2026, 6, 1), date(2026, 7, 28)), (date(2027, 2, 1), date(2027, 3, 28))]
>>> availability(periods, today=date(2026, 11, 26), rolling=False)
Availability(state='upcoming', until=None, next_opening=datetime.date(2027, 2, 1))
>>> availability(periods, today=date(2026, 6, 15), rolling=False).state
'open'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

__all__ = ["Availability", "availability"]


@dataclass(frozen=True)
class Availability:
    state: str  # rolling | open | upcoming | closed | unknown
    until: date | None = None  # the day an open period closes
    next_opening: date | None = None  # the day the next period opens


def availability(periods: Iterable[tuple[date, date]], *, today: date, rolling: bool) -> Availability:
    """``rolling`` offers are always open; otherwise the period containing ``today``, else the next one."""
    if rolling:
        return Availability("rolling")
    ordered = sorted(periods)
    if not ordered:
        return Availability("unknown")
    for opens_on, closes_on in ordered:
        if opens_on <= today <= closes_on:
            return Availability("open", until=closes_on)
    upcoming = [opens_on for opens_on, _closes_on in ordered if opens_on > today]
    if upcoming:
        return Availability("upcoming", next_opening=upcoming[0])
    return Availability("closed")
