"""An independent checker: the objective and the constraints of an assignment, read from the format.

It shares no code with the solver (plain dictionaries, no arrays), so that tests and users can
trust a result without trusting the solver.

>>> from .model import Assignment, Initiative, Instance, Offer
>>> instance = Instance(0.1, (Initiative("i", 1, 10, {"e": 2.0}),), (Offer("o", 1, 5, {"e": 0.5}, ("i",)),))
>>> objective(instance, [Assignment("i", "o")])
0.5
>>> violations(instance, [Assignment("i", "o"), Assignment("i", "o")])
['pair i/o is assigned twice', 'offer o serves 2 initiatives, capacity 1', 'initiative i gets 2 offers, at most 1']
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from .model import Assignment, Instance

__all__ = ["objective", "territory_coverage", "violations"]

TOLERANCE = 1e-6


def objective(instance: Instance, assignments: Iterable[Assignment]) -> float:
    """The format's objective: capped coverage of the needs minus the burden penalty."""
    offers = {o.id: o for o in instance.offers}
    covered: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    burden = 0.0
    for assignment in set(assignments):
        offer = offers[assignment.offer]
        for element, share in offer.covers.items():
            covered[assignment.initiative][element] += share
        burden += offer.burden_hours
    gain = sum(
        weight * min(1.0, covered[initiative.id][element])
        for initiative in instance.initiatives
        for element, weight in initiative.needs.items()
        if initiative.id in covered
    )
    return gain - instance.burden_penalty * burden


def territory_coverage(instance: Instance, assignments: Iterable[Assignment]) -> dict[str, tuple[float, float]]:
    """Territory → (weighted need covered, total weighted need), for the equity option."""
    offers = {o.id: o for o in instance.offers}
    covered: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for assignment in set(assignments):
        for element, share in offers[assignment.offer].covers.items():
            covered[assignment.initiative][element] += share
    totals: dict[str, tuple[float, float]] = {}
    for initiative in instance.initiatives:
        if initiative.territory is None:
            continue
        done, total = totals.get(initiative.territory, (0.0, 0.0))
        for element, weight in initiative.needs.items():
            done += weight * min(1.0, covered[initiative.id][element])
            total += weight
        totals[initiative.territory] = (done, total)
    return totals


def violations(instance: Instance, assignments: Iterable[Assignment]) -> list[str]:
    """Every broken constraint, in words; empty when the assignment is feasible."""
    assignments = list(assignments)
    offers = {o.id: o for o in instance.offers}
    initiatives = {i.id: i for i in instance.initiatives}
    problems: list[str] = []
    pairs = Counter((a.initiative, a.offer) for a in assignments)
    for (initiative_id, offer_id), times in pairs.items():
        if times > 1:
            problems.append(f"pair {initiative_id}/{offer_id} is assigned twice")
        if initiative_id not in initiatives or offer_id not in offers:
            problems.append(f"pair {initiative_id}/{offer_id} names an unknown initiative or offer")
        elif initiative_id not in offers[offer_id].eligible:
            problems.append(f"initiative {initiative_id} is not eligible for offer {offer_id}")
    load = Counter(a.offer for a in assignments)
    for offer_id, served in sorted(load.items()):
        if offer_id in offers and served > offers[offer_id].capacity:
            problems.append(f"offer {offer_id} serves {served} initiatives, capacity {offers[offer_id].capacity}")
    received: dict[str, list[str]] = defaultdict(list)
    for a in assignments:
        received[a.initiative].append(a.offer)
    for initiative_id, offer_ids in sorted(received.items()):
        if initiative_id not in initiatives:
            continue
        limits = initiatives[initiative_id]
        if len(offer_ids) > limits.max_offers:
            problems.append(f"initiative {initiative_id} gets {len(offer_ids)} offers, at most {limits.max_offers}")
        hours = sum(offers[o].burden_hours for o in offer_ids if o in offers)
        if hours > limits.max_burden_hours + TOLERANCE:
            problems.append(
                f"initiative {initiative_id} carries {hours:g} burden hours, at most {limits.max_burden_hours:g}"
            )
    return problems
