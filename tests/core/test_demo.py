"""The fictional ecosystem generator: deterministic, plausible, and always fictional."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import maillage
from maillage.core.demo import DemoSpec, QuartierWeight, generate, need_index
from maillage.core.reference import read_montreal, read_taxonomies

DATA = Path(maillage.__file__).parent / "data"


@pytest.fixture(scope="module")
def inputs():
    records = read_montreal(DATA / "montreal")
    taxonomies = read_taxonomies(DATA / "taxonomies.json")
    quartiers = [r for r in records if r.equity]
    max_low = max(r.equity.low_income_pct for r in quartiers)
    weights = [
        QuartierWeight(
            r.slug,
            r.equity.population_2021,
            need_index(
                r.equity.low_income_pct,
                r.equity.material_deprivation_pct,
                r.equity.social_deprivation_pct,
                r.equity.priority_zone_pct,
                max_low_income_pct=max_low,
            ),
            tuple(w for w in r.within),
        )
        for r in quartiers
    ]
    return {
        "quartiers": weights,
        "region": "montreal",
        "sectors": [t.code for t in taxonomies.sectors],
        "populations": [t.code for t in taxonomies.populations],
        "support_types": [t.code for t in taxonomies.support_types],
        "languages": [t.code for t in taxonomies.languages],
        "tables": {r.slug: r.table_slug for r in quartiers},
    }


@pytest.fixture(scope="module")
def eco(inputs):
    return generate(DemoSpec(), **inputs)


def test_default_size_matches_the_montreal_demo(eco):
    assert len(eco.organisations) == 400
    assert len(eco.initiatives) == 600
    assert len(eco.offers) == 150
    assert len(eco.relations) == 2000
    assert sum(o.is_support_actor and o.kind not in ("community",) for o in eco.organisations) >= 40


def test_same_seed_same_ecosystem_other_seed_other_one(inputs, eco):
    again = generate(DemoSpec(), **inputs)
    assert [o.key for o in again.organisations] == [o.key for o in eco.organisations]
    other = generate(DemoSpec(seed=7), **inputs)
    assert [o.key for o in other.organisations] != [o.key for o in eco.organisations]


def test_everything_is_labelled_fictional(eco):
    assert all(o.is_demo for o in eco.organisations)
    assert all("example.org" in o.email for o in eco.organisations)
    assert all("(démo)" in o.description_fr or "(démo)" in o.description_fr for o in eco.organisations)


def test_keys_are_unique_and_relations_consistent(eco, inputs):
    keys = [o.key for o in eco.organisations]
    assert len(set(keys)) == len(keys)
    known = set(keys) | set(inputs["tables"].values())
    identities = set()
    for r in eco.relations:
        assert r.source in known
        assert r.target in known
        assert r.source != r.target
        if r.kind == "funds":
            assert r.amount is not None
            assert r.amount >= 0
            assert r.year is not None
        else:
            assert r.amount is None
        identities.add((r.source, r.target, r.kind, r.year))
    assert len(identities) == len(eco.relations)
    for offer in eco.offers:
        if offer.amount_min is not None and offer.amount_max is not None:
            assert offer.amount_min <= offer.amount_max
        assert offer.capacity >= 0
        assert all(a <= b for a, b in offer.open_periods)


def test_needier_quartiers_get_more_field_actors_per_resident(eco, inputs):
    weights = {q.slug: q for q in inputs["quartiers"]}
    homes = Counter(
        o.territories[0]
        for o in eco.organisations
        if o.is_field_actor and o.kind != "network" and o.territories[0] in weights
    )
    ranked = sorted(weights.values(), key=lambda q: q.need)
    low, high = ranked[: len(ranked) // 3], ranked[-len(ranked) // 3 :]

    def per_100k(group):
        return 100_000 * sum(homes[q.slug] for q in group) / sum(q.population for q in group)

    assert per_100k(high) > per_100k(low)


def test_scales_to_other_sizes(inputs):
    small = generate(DemoSpec(organisations=50, seed=3), **inputs)
    assert len(small.organisations) == 50
    assert len(small.initiatives) == 75
