"""The basket of support of one initiative: the best set of offers for its needs, solved exactly.

The objective is the allocation format's (``maillage-allocation/1``), for a single initiative:

    value(S) = Σ_e needs[e] · min(1, Σ_{o ∈ S} covers_o[e])  −  burden_penalty · Σ_{o ∈ S} burden_o

subject to |S| ≤ max_offers and Σ burden_o ≤ max_burden_hours, over the offers that are eligible
and have capacity left. The capped coverage is monotone submodular: an offer adds less to a basket
that already covers its elements. So the gain of an offer given a basket is at most its gain given a
smaller one, which makes "the current value plus the best remaining single gains" a valid upper
bound, and a depth-first branch and bound proves the optimum quickly at the sizes of one
initiative (a few hundred candidate offers, a handful per basket).

>>> offers = [Offer("coaching", 5, {"gouvernance": 0.8}), Offer("fonds", 20, {"financement-souple": 1.0}),
...           Offer("petit-fonds", 2, {"financement-souple": 0.4})]
>>> basket = best_basket({"gouvernance": 2.0, "financement-souple": 3.0}, offers, max_offers=2,
...                      max_burden_hours=30, burden_penalty=0.02)
>>> basket.offers, round(basket.value, 2)
(('fonds', 'coaching'), 4.1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Alternative",
    "Basket",
    "Candidate",
    "Item",
    "LeftOut",
    "Offer",
    "Recommendation",
    "basket_value",
    "best_basket",
    "coverage",
    "recommend",
]

EPSILON = 1e-9


@dataclass(frozen=True)
class Offer:
    """An offer as the solver sees it (already eligible, with capacity left)."""

    id: str
    burden_hours: float
    covers: Mapping[str, float]  # element id → share of the need one unit covers, in (0, 1]


@dataclass(frozen=True)
class Basket:
    offers: tuple[str, ...]  # in the order of the candidates given
    value: float
    burden_hours: float
    upper_bound: float  # equal to value: the search is exhaustive (kept for the allocation format's shape)
    nodes: int  # search nodes explored, for benchmarks


def coverage(offers: Sequence[Offer]) -> dict[str, float]:
    """Element id → total share covered (uncapped)."""
    total: dict[str, float] = {}
    for offer in offers:
        for element, share in offer.covers.items():
            total[element] = total.get(element, 0.0) + share
    return total


def basket_value(needs: Mapping[str, float], offers: Sequence[Offer], burden_penalty: float) -> float:
    """The objective of a basket (see the module's docstring)."""
    covered = coverage(offers)
    gain = sum(weight * min(1.0, covered.get(element, 0.0)) for element, weight in needs.items())
    return gain - burden_penalty * sum(o.burden_hours for o in offers)


def best_basket(
    needs: Mapping[str, float],
    offers: Sequence[Offer],
    *,
    max_offers: int,
    max_burden_hours: float | None,
    burden_penalty: float,
    incumbent: Sequence[Offer] = (),
) -> Basket:
    """The basket of highest value (among baskets of equal value, the first one found).

    ``incumbent``, a basket known to be feasible, only speeds the search up (it starts from its value);
    the greedy basket always serves as one.

    Offers come back in the order of their value alone, largest first.
    """
    limit = float("inf") if max_burden_hours is None else max_burden_hours
    net_alone = {o.id: _gain(needs, {}, o) - burden_penalty * o.burden_hours for o in offers}
    # An offer that adds nothing on its own adds nothing to any basket (gains only shrink as it grows).
    candidates = _undominated(
        needs,
        [
            o
            for o in sorted(offers, key=lambda o: -net_alone[o.id])
            if net_alone[o.id] > EPSILON and o.burden_hours <= limit
        ],
        max_offers,
    )
    best: list[Any] = [0.0, (), 0.0]  # value, chosen offer ids, burden
    for start_with in (_greedy(needs, candidates, max_offers, limit, burden_penalty), list(incumbent)):
        hours = sum(o.burden_hours for o in start_with)
        if len(start_with) <= max_offers and hours <= limit + EPSILON:
            value = basket_value(needs, start_with, burden_penalty)
            if value > best[0] + EPSILON:
                best[0], best[1], best[2] = value, tuple(o.id for o in start_with), hours
    nodes = 0
    # Gains only shrink as a basket grows (submodularity), so an offer's value on its own bounds what it
    # can add to any basket; candidates are sorted by it, so the best `room` of candidates[k:] are the
    # next `room` ones, and prefix sums give that bound in constant time.
    prefix = [0.0]
    for offer in candidates:
        prefix.append(prefix[-1] + net_alone[offer.id])
    total_need = sum(w for w in needs.values() if w > 0)
    # Each candidate's (element, share, need weight) on the elements with a need, and its hours.
    terms = [tuple((e, sh, needs[e]) for e, sh in o.covers.items() if needs.get(e, 0.0) > 0) for o in candidates]
    hours_of = [o.burden_hours for o in candidates]
    count = len(candidates)

    def search(
        start: int, chosen: tuple[int, ...], covered: dict[str, float], value: float, burden: float, uncovered: float
    ) -> None:
        """``uncovered``: the need not covered yet, which also bounds what any offers can add."""
        nonlocal nodes
        nodes += 1
        if value > best[0] + EPSILON or (abs(value - best[0]) <= EPSILON and burden < best[2] - EPSILON):
            best[0], best[1], best[2] = value, tuple(candidates[i].id for i in chosen), burden
        room = max_offers - len(chosen)
        if room <= 0:
            return
        for index in range(start, count):
            bound = prefix[min(count, index + room)] - prefix[index]
            if value + (bound if bound < uncovered else uncovered) <= best[0] + EPSILON:
                break  # later candidates are worth no more on their own
            hours = hours_of[index]
            if burden + hours > limit + EPSILON:
                continue
            gain = 0.0
            for element, share, weight in terms[index]:
                before = covered.get(element, 0.0)
                if before < 1.0:
                    after = before + share
                    gain += weight * ((1.0 if after > 1.0 else after) - before)
            net = gain - burden_penalty * hours
            if net <= EPSILON:
                continue
            grown = dict(covered)
            for element, share, _weight in terms[index]:
                grown[element] = grown.get(element, 0.0) + share
            search(index + 1, (*chosen, index), grown, value + net, burden + hours, uncovered - gain)

    search(0, (), {}, 0.0, 0.0, total_need)
    value, chosen, burden = best
    order = {o.id: position for position, o in enumerate(candidates)}
    return Basket(tuple(sorted(chosen, key=lambda i: order.get(i, len(order)))), value, burden, value, nodes)


def _greedy(
    needs: Mapping[str, float], candidates: Sequence[Offer], max_offers: int, limit: float, burden_penalty: float
) -> list[Offer]:
    """Each step takes the offer that adds the most, while the limits allow: a good first incumbent."""
    chosen: list[Offer] = []
    covered: dict[str, float] = {}
    hours = 0.0
    while len(chosen) < max_offers:
        best_offer, best_net = None, EPSILON
        for offer in candidates:
            if offer in chosen or hours + offer.burden_hours > limit + EPSILON:
                continue
            net = _gain(needs, covered, offer) - burden_penalty * offer.burden_hours
            if net > best_net:
                best_offer, best_net = offer, net
        if best_offer is None:
            break
        chosen.append(best_offer)
        hours += best_offer.burden_hours
        for element, share in best_offer.covers.items():
            covered[element] = covered.get(element, 0.0) + share
    return chosen


def _undominated(needs: Mapping[str, float], offers: list[Offer], max_offers: int) -> list[Offer]:
    """Leave out the offers that at least ``max_offers`` others dominate (they cover at least as much of
    every needed element it covers, for no more reporting hours): any basket holding such an offer can
    swap it for a dominating one not already in it, and lose nothing. Order is kept."""
    groups: dict[tuple[str, ...], list[tuple[Offer, dict[str, float]]]] = {}
    for offer in offers:
        useful = {e: min(1.0, s) for e, s in offer.covers.items() if needs.get(e, 0.0) > 0}
        groups.setdefault(tuple(sorted(useful)), []).append((offer, useful))
    kept: set[str] = set()
    for elements, members in groups.items():
        survivors: list[dict[str, float]] = []
        for offer, useful in sorted(members, key=lambda m: (m[0].burden_hours, -sum(m[1].values()))):
            dominators = sum(1 for other in survivors if all(other[e] >= useful[e] - EPSILON for e in elements))
            if dominators >= max_offers:
                continue
            survivors.append(useful)
            kept.add(offer.id)
    return [o for o in offers if o.id in kept]


def _gain(needs: Mapping[str, float], covered: Mapping[str, float], offer: Offer) -> float:
    """What ``offer`` adds to the covered need of a basket whose uncapped coverage is ``covered``."""
    gain = 0.0
    for element, share in offer.covers.items():
        weight = needs.get(element, 0.0)
        if weight <= 0:
            continue
        before = covered.get(element, 0.0)
        gain += weight * (min(1.0, before + share) - min(1.0, before))
    return gain


# --- the explained basket of one initiative --------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An offer with what decides whether it may enter the basket."""

    offer: Offer
    eligible: bool = True
    capacity_left: int | None = None  # None: no limit declared
    accepting: bool = True  # False: applications are closed for now


@dataclass(frozen=True)
class Item:
    offer: str
    covered: Mapping[str, float]  # element → share of its need that the basket covers thanks to this offer
    contribution: float  # what the basket would lose without this offer


@dataclass(frozen=True)
class LeftOut:
    offer: str
    reason: str  # not_eligible | closed | full | over_hours | redundant | weaker
    value_alone: float  # its value in a basket of its own: how good it looked


@dataclass(frozen=True)
class Alternative:
    extra_hours: float
    extra_offers: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    value: float


@dataclass(frozen=True)
class Recommendation:
    basket: Basket
    items: tuple[Item, ...]
    left_out: tuple[LeftOut, ...]  # the best offers not in the basket, best first
    alternatives: tuple[Alternative, ...]


def recommend(
    needs: Mapping[str, float],
    candidates: Sequence[Candidate],
    *,
    max_offers: int,
    max_burden_hours: float | None,
    burden_penalty: float,
    left_out_shown: int = 5,
) -> Recommendation:
    """The best basket, what each offer in it brings, why the best others are left out, and one or
    two alternatives (a few more reporting hours, or one more offer) when they are worth more.

    >>> needs = {"gouvernance": 2.0}
    >>> rec = recommend(needs, [Candidate(Offer("a", 5, {"gouvernance": 1.0})),
    ...                         Candidate(Offer("b", 5, {"gouvernance": 1.0})),
    ...                         Candidate(Offer("c", 1, {"gouvernance": 1.0}), eligible=False)],
    ...                 max_offers=3, max_burden_hours=None, burden_penalty=0.02)
    >>> rec.basket.offers, [(o.offer, o.reason) for o in rec.left_out]
    (('a',), [('c', 'not_eligible'), ('b', 'redundant')])
    """
    open_offers = [
        c.offer for c in candidates if c.eligible and c.accepting and (c.capacity_left is None or c.capacity_left > 0)
    ]
    # The offers worth something on their own, without those that enough others dominate: the same pool
    # serves the looser limits of the alternatives (a dominating offer never has more reporting hours).
    pool = _undominated(
        needs, [o for o in open_offers if _gain(needs, {}, o) - burden_penalty * o.burden_hours > EPSILON], max_offers
    )
    basket = best_basket(
        needs, pool, max_offers=max_offers, max_burden_hours=max_burden_hours, burden_penalty=burden_penalty
    )
    by_id = {c.offer.id: c for c in candidates}
    chosen = [by_id[i].offer for i in basket.offers]
    covered = coverage(chosen)
    items = []
    for offer in chosen:
        others = [o for o in chosen if o.id != offer.id]
        covered_without = coverage(others)
        share = {
            element: round(min(1.0, covered.get(element, 0.0)) - min(1.0, covered_without.get(element, 0.0)), 6)
            for element in offer.covers
            if needs.get(element, 0.0) > 0
        }
        items.append(
            Item(
                offer.id,
                {e: s for e, s in share.items() if s > 0},
                basket.value - basket_value(needs, others, burden_penalty),
            )
        )
    left: list[LeftOut] = []
    for candidate in candidates:
        offer = candidate.offer
        if offer.id in basket.offers:
            continue
        alone = _gain(needs, {}, offer) - burden_penalty * offer.burden_hours
        if alone <= EPSILON:
            continue  # covers nothing the initiative needs: not worth explaining
        if not candidate.eligible:
            reason = "not_eligible"
        elif not candidate.accepting:
            reason = "closed"
        elif candidate.capacity_left is not None and candidate.capacity_left <= 0:
            reason = "full"
        elif max_burden_hours is not None and basket.burden_hours + offer.burden_hours > max_burden_hours + EPSILON:
            reason = "over_hours"
        elif _gain(needs, covered, offer) - burden_penalty * offer.burden_hours <= EPSILON:
            reason = "redundant"
        else:
            reason = "weaker"
        left.append(LeftOut(offer.id, reason, alone))
    left.sort(key=lambda lo: -lo.value_alone)
    alternatives: list[Alternative] = []
    # A few more reporting hours: the best basket under the looser limit (exact).
    tries: list[tuple[float, int]] = [(10.0, 0), (20.0, 0)] if max_burden_hours is not None else []
    for extra_hours, extra_offers in tries:
        other = best_basket(
            needs,
            pool,
            max_offers=max_offers + extra_offers,
            max_burden_hours=None if max_burden_hours is None else max_burden_hours + extra_hours,
            burden_penalty=burden_penalty,
            incumbent=chosen,
        )
        if other.value > basket.value + 0.01 and all(a.added != _added(basket, other) for a in alternatives):
            alternatives.append(
                Alternative(extra_hours, extra_offers, _added(basket, other), _removed(basket, other), other.value)
            )
        if len(alternatives) == 2:
            break
    # One more offer: the one that adds the most to this basket within the same limit.
    if len(alternatives) < 2:
        room_hours = float("inf") if max_burden_hours is None else max_burden_hours - basket.burden_hours
        extra = max(
            (
                (_gain(needs, covered, o) - burden_penalty * o.burden_hours, o.id)
                for o in open_offers
                if o.id not in basket.offers and o.burden_hours <= room_hours + EPSILON
            ),
            default=(0.0, ""),
        )
        if extra[0] > 0.01:
            alternatives.append(Alternative(0.0, 1, (extra[1],), (), basket.value + extra[0]))
    return Recommendation(basket, tuple(items), tuple(left[:left_out_shown]), tuple(alternatives))


def _added(before: Basket, after: Basket) -> tuple[str, ...]:
    return tuple(o for o in after.offers if o not in before.offers)


def _removed(before: Basket, after: Basket) -> tuple[str, ...]:
    return tuple(o for o in before.offers if o not in after.offers)
