"""Synergies among field actors of the same quartier: who could share what, with the reasons stated.

Organisations declare, publicly, the resources they can share (a commercial kitchen, a van, a room…)
and those they are looking for. Two organisations placed in the same quartier make a **pair** when one
offers a resource the other seeks; serving the same populations is a further reason. Several
organisations of a quartier that seek the same resource that nobody there offers make a **group**: they
could get it together. Only what organisations declared for sharing is used, never a private diagnostic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    id: str
    places: tuple[str, ...]  # quartiers
    populations: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()  # resources it can share
    seeks: tuple[str, ...] = ()  # resources it is looking for


@dataclass(frozen=True)
class Reason:
    kind: str  # "shares" (giver can share resource with the other), or "population" (both serve it)
    code: str  # the resource or the population
    giver: str = ""  # for "shares": the organisation that has the resource


@dataclass(frozen=True)
class Pair:
    a: str  # the two organisations, a < b
    b: str
    places: tuple[str, ...]  # the quartiers they share
    reasons: tuple[Reason, ...]

    @property
    def score(self) -> int:
        """Two points per resource one can share with the other, one per population both serve."""
        return sum(2 if r.kind == "shares" else 1 for r in self.reasons)

    def involves(self, actor: str) -> bool:
        return actor in (self.a, self.b)


@dataclass(frozen=True)
class Group:
    place: str
    resource: str
    members: tuple[str, ...]  # two or more organisations seeking the resource, none there offering it


def find_synergies(actors: Iterable[Actor]) -> tuple[list[Pair], list[Group]]:
    """Pairs (the most reasons first) and groups (the largest first) among ``actors``."""
    everyone = {actor.id: actor for actor in actors}
    by_place: dict[str, list[str]] = defaultdict(list)
    for actor in everyone.values():
        for place in set(actor.places):
            by_place[place].append(actor.id)

    places_of_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    for place, ids in by_place.items():
        # Only pairs where one offers what the other seeks: index seekers by resource.
        seekers: dict[str, set[str]] = defaultdict(set)
        for actor_id in ids:
            for resource in everyone[actor_id].seeks:
                seekers[resource].add(actor_id)
        for giver_id in ids:
            for resource in everyone[giver_id].offers:
                for seeker_id in seekers.get(resource, ()):
                    if seeker_id != giver_id:
                        a, b = sorted((giver_id, seeker_id))
                        places_of_pair[(a, b)].add(place)

    pairs = []
    for (a, b), places in places_of_pair.items():
        first, second = everyone[a], everyone[b]
        reasons = [Reason("shares", r, a) for r in sorted(set(first.offers) & set(second.seeks))]
        reasons += [Reason("shares", r, b) for r in sorted(set(second.offers) & set(first.seeks))]
        reasons += [Reason("population", p) for p in sorted(set(first.populations) & set(second.populations))]
        pairs.append(Pair(a, b, tuple(sorted(places)), tuple(reasons)))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))

    groups = []
    for place, ids in sorted(by_place.items()):
        offered = {r for actor_id in ids for r in everyone[actor_id].offers}
        seeking: dict[str, list[str]] = defaultdict(list)
        for actor_id in ids:
            for resource in set(everyone[actor_id].seeks):
                seeking[resource].append(actor_id)
        for resource, members in sorted(seeking.items()):
            if len(members) >= 2 and resource not in offered:
                groups.append(Group(place, resource, tuple(sorted(members))))
    groups.sort(key=lambda g: (-len(g.members), g.place, g.resource))
    return pairs, groups


def concerning(pairs: Sequence[Pair], groups: Sequence[Group], actor: str) -> tuple[list[Pair], list[Group]]:
    """The pairs and groups an organisation is part of."""
    return [p for p in pairs if p.involves(actor)], [g for g in groups if actor in g.members]
