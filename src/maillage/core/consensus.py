"""Consensus rankings of proposals by Condorcet methods: Schulze and ranked pairs.

A ballot ranks some or all of the proposals, best first, with ties allowed (a tier is a list of
proposals ranked equal); proposals a ballot leaves out are ranked equal, below all it ranks. Both
methods elect the Condorcet winner when there is one (the proposal that beats every other head to head)
and rank the rest by their pairwise defeats; they differ only in how cycles are broken.

``pref_voting`` (a maintained library of voting methods) was the first choice, but it requires numba,
ortools, matplotlib, seaborn and networkx among 14 dependencies; the two methods are written here, short,
tested on the textbook examples (Schulze 2011 and Wikipedia's examples; Tideman 1987) in
``tests/core/test_consensus.py``, and checked against pref_voting 1.18.2 on 5,000 random profiles
(``scripts/crosscheck_consensus.py``).

>>> ballots = [["a", "b", "c"]] * 3 + [["b", "c", "a"]] * 2 + [["c", "a", "b"]] * 2
>>> schulze(ballots).order
[['a'], ['b'], ['c']]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Ballot = Sequence[str] | Sequence[Sequence[str]]  # best first; a nested list is a tier of equals


def tiers(ballot: Ballot, candidates: Sequence[str]) -> list[list[str]]:
    """The ballot as tiers of equals, best first, with the proposals it leaves out as a last tier.
    Unknown or repeated proposals are a programming error (ballots are validated when cast)."""
    known = set(candidates)
    seen: set[str] = set()
    result: list[list[str]] = []
    for entry in ballot:
        tier = [entry] if isinstance(entry, str) else list(entry)
        for candidate in tier:
            if candidate not in known:
                raise ValueError(f"{candidate!r} is not a proposal of this round.")
            if candidate in seen:
                raise ValueError(f"{candidate!r} is ranked twice.")
            seen.add(candidate)
        if tier:
            result.append(tier)
    rest = [c for c in candidates if c not in seen]
    if rest:
        result.append(rest)
    return result


def pairwise(ballots: Iterable[Ballot], candidates: Sequence[str]) -> dict[tuple[str, str], int]:
    """``d[(a, b)]``: how many ballots rank ``a`` above ``b``."""
    d = {(a, b): 0 for a, b in itertools.permutations(candidates, 2)}
    for ballot in ballots:
        rank = {c: i for i, tier in enumerate(tiers(ballot, candidates)) for c in tier}
        for a, b in itertools.permutations(candidates, 2):
            if rank[a] < rank[b]:
                d[(a, b)] += 1
    return d


@dataclass(frozen=True)
class Ranking:
    method: str
    order: list[list[str]]  # tiers of proposals ranked equal, best first
    pairwise: dict[tuple[str, str], int] = field(repr=False)
    condorcet_winner: str | None = None

    @property
    def winners(self) -> list[str]:
        return self.order[0] if self.order else []


def condorcet_winner(d: dict[tuple[str, str], int], candidates: Sequence[str]) -> str | None:
    """The proposal that more ballots prefer to each other one, if any."""
    for a in candidates:
        if all(d[(a, b)] > d[(b, a)] for b in candidates if b != a):
            return a
    return None


def _order_by(beats: dict[tuple[str, str], bool], candidates: Sequence[str]) -> list[list[str]]:
    """Tiers from a transitive "beats" relation: repeatedly take the proposals nobody left beats."""
    left = list(candidates)
    order: list[list[str]] = []
    while left:
        top = [a for a in left if not any(beats[(b, a)] for b in left if b != a)]
        if not top:  # not transitive: cannot happen for Schulze or ranked pairs
            raise AssertionError("the relation has a cycle")
        order.append(sorted(top))
        left = [a for a in left if a not in top]
    return order


def schulze(ballots: Iterable[Ballot], candidates: Sequence[str] | None = None) -> Ranking:
    """The Schulze method (beatpath): the strength of the strongest path of pairwise wins from each
    proposal to each other (widest paths, Floyd–Warshall), ``a`` above ``b`` when its strongest path to
    ``b`` is stronger than ``b``'s to ``a``. Links are weighed by winning votes."""
    ballots = list(ballots)
    candidates = list(candidates) if candidates is not None else _candidates(ballots)
    d = pairwise(ballots, candidates)
    p = {(a, b): (d[(a, b)] if d[(a, b)] > d[(b, a)] else 0) for a, b in itertools.permutations(candidates, 2)}
    for k in candidates:
        for i in candidates:
            if i == k:
                continue
            for j in candidates:
                if j in (i, k):
                    continue
                p[(i, j)] = max(p[(i, j)], min(p[(i, k)], p[(k, j)]))
    beats = {(a, b): p[(a, b)] > p[(b, a)] for a, b in itertools.permutations(candidates, 2)}
    return Ranking("schulze", _order_by(beats, candidates), d, condorcet_winner(d, candidates))


def ranked_pairs(ballots: Iterable[Ballot], candidates: Sequence[str] | None = None) -> Ranking:
    """Ranked pairs (Tideman): the majorities, largest margin first (then most winning votes, then the
    proposals' order as given), are locked in one by one unless they would close a cycle with those
    already locked; the proposals are ranked by the locked graph."""
    ballots = list(ballots)
    candidates = list(candidates) if candidates is not None else _candidates(ballots)
    d = pairwise(ballots, candidates)
    index = {c: i for i, c in enumerate(candidates)}
    majorities = sorted(
        ((a, b) for a, b in itertools.permutations(candidates, 2) if d[(a, b)] > d[(b, a)]),
        key=lambda ab: (-(d[ab] - d[(ab[1], ab[0])]), -d[ab], index[ab[0]], index[ab[1]]),
    )
    locked: dict[str, set[str]] = {c: set() for c in candidates}

    def reaches(start: str, goal: str) -> bool:
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            for nxt in locked[node] - seen:
                seen.add(nxt)
                stack.append(nxt)
        return False

    for a, b in majorities:
        if not reaches(b, a):
            locked[a].add(b)
    beats = {(a, b): reaches(a, b) and not reaches(b, a) for a, b in itertools.permutations(candidates, 2)}
    return Ranking("ranked_pairs", _order_by(beats, candidates), d, condorcet_winner(d, candidates))


def _candidates(ballots: list[Ballot]) -> list[str]:
    found: dict[str, None] = {}
    for ballot in ballots:
        for entry in ballot:
            for c in [entry] if isinstance(entry, str) else entry:
                found.setdefault(c, None)
    return list(found)
