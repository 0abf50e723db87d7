"""A seeded generator of allocation instances with a plausible structure, for benchmarks and tests.

The instances are fictional. Their structure follows what the ecosystem looks like:

- initiatives settle in territories in proportion to population × (0.5 + need index), where the
  need index (0 to 1) summarises the territory's equity figures (low income, deprivation); the
  host passes real territories, or the generator makes up ``territories`` of them;
- an initiative needs 4 to 12 of the framework's elements; each need is gap × importance ×
  equity multiplier (1 + 0.5 × need index), as the diagnostic computes it, so needs weigh more
  where the equity figures are worse;
- offers are *local* (one to three neighbouring territories, sometimes one sector), *regional*
  (a group of territories and one or two sectors), *sectoral* (one or two sectors everywhere,
  for some stages) or *broad* (everywhere, with conditions that accept about half); each covers
  one to three related elements (same level of the framework), sometimes one more;
- capacity is scarce: in total about a third of what initiatives could take.

>>> instance = generate_instance(InstanceSpec(initiatives=200, offers=30, territories=8, seed=3))
>>> len(instance.initiatives), len(instance.offers)
(200, 30)
>>> instance == generate_instance(InstanceSpec(initiatives=200, offers=30, territories=8, seed=3))
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Initiative, Instance, Offer

__all__ = ["MONTREAL", "PROVINCE", "InstanceSpec", "TerritoryWeight", "generate_instance"]


@dataclass(frozen=True)
class TerritoryWeight:
    id: str
    population: float
    need_index: float  # 0 (best-off) to 1 (most in need)


@dataclass(frozen=True)
class InstanceSpec:
    initiatives: int
    offers: int
    territories: int = 32  # made up when the host passes none
    regions: int = 1  # groups of neighbouring territories, for regional offers
    sectors: int = 12
    elements: int = 25  # in levels of 5, like the framework
    # Shares of offer kinds (the rest are broad).
    local_share: float = 0.55
    regional_share: float = 0.0
    sectoral_share: float = 0.33
    broad_acceptance: float = 0.5
    scarcity: float = 0.35  # total capacity / total of max_offers
    burden_penalty: float = 0.02
    seed: int = 1


MONTREAL = InstanceSpec(initiatives=3_000, offers=400, territories=33, broad_acceptance=0.7, seed=2026)
PROVINCE = InstanceSpec(
    initiatives=30_000,
    offers=3_000,
    territories=100,
    regions=17,
    local_share=0.7,
    regional_share=0.22,
    sectoral_share=0.06,
    broad_acceptance=0.3,
    seed=2026,
)


def generate_instance(spec: InstanceSpec, territories: Sequence[TerritoryWeight] | None = None) -> Instance:
    rng = random.Random(spec.seed)
    places = list(territories) if territories else _territories(spec, rng)
    count = len(places)
    region_of = [index * spec.regions // count for index in range(count)]
    elements = [f"element-{level + 1}-{rank + 1}" for level in range(spec.elements // 5) for rank in range(5)]
    weights = [t.population * (0.5 + t.need_index) for t in places]

    homes = rng.choices(range(count), weights=weights, k=spec.initiatives)
    initiatives: list[Initiative] = []
    profile: list[tuple[int, int, int]] = []  # territory index, sector, stage
    for number, home in enumerate(homes):
        place = places[home]
        multiplier = 1 + 0.5 * place.need_index
        needed = rng.sample(elements, rng.randint(min(4, len(elements)), min(12, len(elements))))
        needs = {e: round(rng.betavariate(2, 2) * rng.choice((1, 2, 2, 3)) * multiplier, 3) for e in needed}
        initiatives.append(
            Initiative(
                id=f"i{number + 1}",
                max_offers=rng.choice((2, 3, 3, 4, 5)),
                max_burden_hours=float(rng.choice((20, 30, 40, 40, 60, 80))),
                needs={e: w for e, w in needs.items() if w > 0},
                territory=place.id,
            )
        )
        profile.append((home, rng.randrange(spec.sectors), rng.randrange(4)))

    by_territory: list[list[int]] = [[] for _ in range(count)]
    everyone = list(range(spec.initiatives))
    for index, (home, _, _) in enumerate(profile):
        by_territory[home].append(index)
    by_region: list[list[int]] = [[] for _ in range(spec.regions)]
    for territory, members in enumerate(by_territory):
        by_region[region_of[territory]].extend(members)

    total_slots = sum(i.max_offers for i in initiatives)
    mean_capacity = spec.scarcity * total_slots / spec.offers
    offers: list[Offer] = []
    for number in range(spec.offers):
        roll = rng.random()
        if roll < spec.local_share:
            kind, scale = "local", 0.5
            start = rng.randrange(count)
            span = rng.choice((1, 1, 2, 3))
            pool = [i for t in range(start, min(count, start + span)) for i in by_territory[t]]
            sectors = {rng.randrange(spec.sectors)} if rng.random() < 0.3 else None
            accept = 0.9
        elif roll < spec.local_share + spec.regional_share:
            kind, scale = "regional", 1.0
            pool = by_region[rng.randrange(spec.regions)]
            sectors = set(rng.sample(range(spec.sectors), rng.choice((1, 2, 3))))
            accept = 0.8
        elif roll < spec.local_share + spec.regional_share + spec.sectoral_share:
            kind, scale = "sectoral", 1.5
            pool = everyone
            sectors = set(rng.sample(range(spec.sectors), rng.choice((1, 2, 2))))
            accept = 0.8
        else:
            kind, scale = "broad", 3.0
            pool = everyone
            sectors = None
            accept = spec.broad_acceptance
        stages = set(rng.sample(range(4), rng.choice((2, 3, 4))))
        eligible = tuple(
            initiatives[i].id
            for i in pool
            if (sectors is None or profile[i][1] in sectors) and profile[i][2] in stages and rng.random() < accept
        )
        level = rng.randrange(len(elements) // 5)
        covered = rng.sample(elements[level * 5 : level * 5 + 5], rng.choice((1, 2, 2, 3)))
        if rng.random() < 0.25:
            covered.append(rng.choice(elements))
        covers = {e: rng.choice((0.3, 0.4, 0.5, 0.6, 0.8, 1.0)) for e in covered}
        capacity = max(1, round(rng.lognormvariate(math.log(mean_capacity * scale), 0.5)))
        offers.append(
            Offer(
                id=f"o{number + 1}",
                capacity=min(capacity, max(1, len(eligible))),
                burden_hours=float(rng.choice((2, 4, 6, 8, 10, 15, 20, 30, 40))),
                covers=covers,
                eligible=eligible,
                extra={"kind": kind},
            )
        )
    return Instance(
        burden_penalty=spec.burden_penalty,
        initiatives=tuple(initiatives),
        offers=tuple(offers),
        extra={"generator": f"maillage {spec.initiatives}x{spec.offers} seed {spec.seed} (fictional)"},
    )


def _territories(spec: InstanceSpec, rng: random.Random) -> list[TerritoryWeight]:
    return [
        TerritoryWeight(
            id=f"territory-{number + 1}",
            population=round(rng.lognormvariate(math.log(30_000), 0.6)),
            need_index=round(rng.betavariate(2, 3), 3),
        )
        for number in range(spec.territories)
    ]
