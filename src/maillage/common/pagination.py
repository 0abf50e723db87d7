"""Pages of search results with their total.

``page_of`` counts the matches, then reads the page. Counting in the page query itself
(``COUNT(*) OVER ()``, one pass) misleads PostgreSQL's planner: it costs the query as if the
``LIMIT`` stopped it early, so a filtered list walked the whole ``sort_key`` index, testing every
row's filter, where the count alone uses the filter's index (300 ms against 12 ms for an
organisation list by quartier, at 100,000 organisations: ``docs/benchmarks.md``). Apart, each
query gets its best plan: the count from the filter's index, the page from the sort index,
stopping at the page's last row. Ranked word searches, which read and sort every match anyway,
still count in the page query (``count_in_page``). The page object offers what templates and the API
use of Django's ``Page``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Window


@dataclass(frozen=True)
class Paging:
    count: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))


@dataclass(frozen=True)
class CountedPage:
    object_list: list[Any]
    number: int
    paginator: Paging

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


MAX_PAGE = 100_000


def page_number(raw: Any) -> int:
    """A page number from user input: anything that is not a positive whole number is page 1, and
    numbers beyond any real result set stop at ``MAX_PAGE`` (the last page is then shown)."""
    try:
        return min(max(1, int(raw)), MAX_PAGE)
    except (TypeError, ValueError, OverflowError):
        return 1


def page_of(
    qs: QuerySet[Any],
    number: int,
    per_page: int,
    *,
    field: str | None = None,
    clamp: bool = True,
    count_in_page: bool = False,
) -> CountedPage:
    """Page ``number`` of ``qs`` with the total count; past the end, the last page (with ``clamp``)
    or an empty page that still says how many there are.

    With ``field``, the page holds that column's values (for instance the ids of the records to show).
    ``count_in_page`` counts in the page query itself (``COUNT(*) OVER ()``): one pass instead of two, for
    orderings that no index gives (a relevance), where every match is read to sort them anyway.
    """
    if count_in_page:
        counted = qs.annotate(_total=Window(Count("pk")))
        start = (number - 1) * per_page
        if field is None:
            rows = list(counted[start : start + per_page])
            total = rows[0]._total if rows else 0
        else:
            pairs = list(counted.values_list(field, "_total")[start : start + per_page])
            rows, total = [value for value, _ in pairs], (pairs[0][1] if pairs else 0)
        if rows or number == 1:
            return CountedPage(rows, number, Paging(total, per_page))
    total = qs.count()
    paging = Paging(total, per_page)
    if number > paging.num_pages:
        if not clamp or not total:
            return CountedPage([], number if not clamp else 1, paging)
        number = paging.num_pages
    start = (number - 1) * per_page
    values = qs.values_list(field, flat=True) if field is not None else qs
    return CountedPage(list(values[start : start + per_page]) if total else [], number, paging)
